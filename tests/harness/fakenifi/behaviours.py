"""BEHAVIOUR.md's REST rows as probes that run the same against the fake and against a real NiFi.

Each probe sets up what it needs with plain REST calls (a scratch process group, removed at the end), sends the
requests the behaviour is about, and records each answer as an `Answer` (request kind, status, the fields that
matter). `EXPECTED` says what NiFi's source says those answers are. The fake's tests replay every probe against
the fake and check `EXPECTED`; the live suite replays them against a real NiFi, stores the recording
(`to_json`), and checks the fake's recording against it (`compare`): a difference is a fake kinder (or harsher)
than NiFi.

    recording = replay(HttpClient("https://127.0.0.1:8443/nifi-api", verify=..., cert=...))
    assert check(recording) == [] and compare(replay(Fake()), recording) == []

Besides BEHAVIOUR.md's rows: b6 (a processor started while invalid outlives a group stop, then runs once valid:
why the harness never starts a ghost) and b21 (a flow definition uploaded, exported, and replaced in place: what
`--no-registry` relies on).

Rows not probed here, and why: 4, 10, 11 need a Registry (the fake Registry's rules are tested in test_registry;
the harness's end-to-end runs exercise them); 6 and 7 are timing (a thread still running, VALIDATING for a
moment) that a real NiFi cannot be made to show on demand; 12 needs provenance indexing time; 5 needs a login
provider (only when the NiFi has one).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from .definitions import name_uuid

GENERATE = "org.apache.nifi.processors.standard.GenerateFlowFile"
DBCP = "org.apache.nifi.dbcp.DBCPConnectionPool"
DBCP_API = "org.apache.nifi.dbcp.DBCPService"
CONTEXT_MAP = "org.apache.nifi.http.StandardHttpContextMap"
CLIENT_ID = "protoc-gen-nifi-probe"


class Client(Protocol):
    def __call__(self, method: str, path: str, *, json_body: Any = None, query: dict | None = None,
                 form: dict | None = None, files: dict | None = None) -> tuple[int, Any]:
        """`form` with `files` ({name: (filename, bytes, content type)}) is a multipart upload."""


@dataclass
class Answer:
    kind: str  # e.g. "GET controller-service-types?serviceType (no bundle)"
    status: int
    fields: dict = field(default_factory=dict)


class Probe:
    """Calls that record: `p.call(kind, method, path, keep=...)` sends, records (kind, status, keep(body)),
    returns (status, body)."""

    def __init__(self, client: Client):
        self.client, self.answers = client, []

    def call(self, kind: str, method: str, path: str, *, keep: Callable[[Any], dict] | None = None,
             record: bool = True, **kw: Any) -> tuple[int, Any]:
        status, body = self.client(method, path, **kw)
        if record:
            self.answers.append(Answer(kind, status, keep(body) if keep and status < 300 else {}))
        return status, body

    def ok(self, method: str, path: str, **kw: Any) -> Any:
        status, body = self.client(method, path, **kw)
        if status >= 300:
            raise AssertionError(f"probe set-up: {method} {path} answered {status}: {body}")
        return body

    def wait(self, path: str, done: Callable[[Any], bool], seconds: float = 20.0) -> Any:
        end = time.monotonic() + seconds
        while True:
            body = self.ok("GET", path)
            if done(body) or time.monotonic() > end:
                return body
            time.sleep(0.05)


def rev(entity: dict, bump: int = 0, client: str = CLIENT_ID) -> dict:
    return {"version": entity["revision"]["version"] + bump, "clientId": client}


def create(p: Probe, path: str, component: dict) -> dict:
    return p.ok("POST", path, json_body={"revision": {"version": 0, "clientId": CLIENT_ID}, "component": component})


def service_type(p: Probe, type_: str) -> dict:
    types = p.ok("GET", "/flow/controller-service-types", query={"typeFilter": type_})["controllerServiceTypes"]
    return types[0]["bundle"]


# ---------------------------------------------------------------- the probes

def b1_service_types(p: Probe, gid: str) -> None:
    """BEHAVIOUR 1: FlowResource.getControllerServiceTypes ~1866."""
    p.call("GET controller-service-types?serviceType (no bundle)", "GET", "/flow/controller-service-types",
           query={"serviceType": DBCP_API})
    p.call("GET controller-service-types?typeFilter", "GET", "/flow/controller-service-types",
           query={"typeFilter": DBCP}, keep=lambda b: {"types": sorted({t["type"] for t in b["controllerServiceTypes"]})})


def b2_stale_revision(p: Probe, gid: str) -> None:
    """BEHAVIOUR 2: InvalidRevisionExceptionMapper ~45 (400) vs IllegalStateExceptionMapper (409)."""
    bundle = p.ok("GET", "/flow/processor-types", query={"type": GENERATE})["processorTypes"][0]["bundle"]
    proc = create(p, f"/process-groups/{gid}/processors", {"type": GENERATE, "bundle": bundle, "name": "probe"})
    p.call("PUT processor with a stale revision of another client", "PUT", f"/processors/{proc['id']}",
           json_body={"revision": rev(proc, -1 if proc["revision"]["version"] else 1, "someone-else"),
                      "component": {"id": proc["id"], "name": "probe 2"}})
    ctx_map = create(p, f"/process-groups/{gid}/controller-services",
                     {"type": CONTEXT_MAP, "bundle": service_type(p, CONTEXT_MAP), "name": "probe map"})
    p.ok("PUT", f"/controller-services/{ctx_map['id']}/run-status", json_body={"revision": rev(ctx_map),
                                                                                "state": "ENABLED"})
    enabled = p.wait(f"/controller-services/{ctx_map['id']}", lambda e: e["component"]["state"] == "ENABLED")
    p.call("PUT an enabled service", "PUT", f"/controller-services/{ctx_map['id']}",
           json_body={"revision": rev(enabled), "component": {"id": ctx_map["id"], "comments": "x"}})
    p.ok("PUT", f"/controller-services/{ctx_map['id']}/run-status", json_body={"revision": rev(enabled),
                                                                                "state": "DISABLED"})
    p.wait(f"/controller-services/{ctx_map['id']}", lambda e: e["component"]["state"] == "DISABLED")


def b3_masked_reference(p: Probe, gid: str) -> None:
    """BEHAVIOUR 3: DtoFactory.createControllerServiceDto ~1937."""
    svc = create(p, f"/process-groups/{gid}/controller-services",
                 {"type": DBCP, "bundle": service_type(p, DBCP), "name": "probe pool",
                  "properties": {"Password": "#{probe.password}"}})
    p.call("GET a service whose sensitive property holds a parameter reference", "GET",
           f"/controller-services/{svc['id']}", keep=lambda b: {"Password": b["component"]["properties"]["Password"]})


def b8_listing_cap(p: Probe, gid: str) -> None:
    """BEHAVIOUR 8: StandardConnectionDAO ~404; BEHAVIOUR 9: the request lives until DELETEd."""
    bundle = p.ok("GET", "/flow/processor-types", query={"type": GENERATE})["processorTypes"][0]["bundle"]
    gen = create(p, f"/process-groups/{gid}/processors", {"type": GENERATE, "bundle": bundle, "name": "probe batch"})
    gen = p.ok("PUT", f"/processors/{gen['id']}", json_body={"revision": rev(gen), "component": {
        "id": gen["id"], "config": {"properties": {"Batch Size": "150", "File Size": "0B"}}}})
    funnel = create(p, f"/process-groups/{gid}/funnels", {})
    create(p, f"/process-groups/{gid}/connections", {
        "selectedRelationships": ["success"], "source": {"id": gen["id"], "groupId": gid, "type": "PROCESSOR"},
        "destination": {"id": funnel["id"], "groupId": gid, "type": "FUNNEL"}})
    gen = p.wait(f"/processors/{gen['id']}", lambda e: e["component"]["validationStatus"] == "VALID")
    p.ok("PUT", f"/processors/{gen['id']}/run-status", json_body={"revision": rev(gen), "state": "RUN_ONCE"})
    conn = p.ok("GET", f"/flow/process-groups/{gid}")["processGroupFlow"]["flow"]["connections"][0]
    p.wait(f"/connections/{conn['id']}",
           lambda e: int(e["status"]["aggregateSnapshot"].get("flowFilesQueued") or 0) >= 150)
    _, listing = p.call("POST listing-requests", "POST", f"/flowfile-queues/{conn['id']}/listing-requests",
                        keep=lambda b: {})
    lid = listing["listingRequest"]["id"]
    path = f"/flowfile-queues/{conn['id']}/listing-requests/{lid}"
    p.wait(path, lambda b: b["listingRequest"]["finished"])
    p.call("GET a finished listing", "GET", path, keep=lambda b: {
        "queued": b["listingRequest"]["queueSize"]["objectCount"],
        "summaries": len(b["listingRequest"].get("flowFileSummaries") or [])})
    p.call("GET it again (kept until DELETE)", "GET", path)
    p.call("DELETE the listing", "DELETE", path)
    p.call("GET a deleted listing", "GET", path)


def b6_invalid_start_outlives_a_group_stop(p: Probe, gid: str) -> None:
    """StandardProcessorNode: a processor started while invalid is STARTING, which getScheduledState ~145 reports
    as STOPPED, so it is not running to a group stop (ProcessGroup.STOP_PROCESSORS_FILTER = isRunning ~918), can
    still be configured (verifyCanUpdate), and starts by itself once valid (initiateStart retries ~1640)."""
    bundle = p.ok("GET", "/flow/processor-types", query={"type": GENERATE})["processorTypes"][0]["bundle"]
    gen = create(p, f"/process-groups/{gid}/processors", {"type": GENERATE, "bundle": bundle, "name": "unconnected"})
    p.wait(f"/processors/{gen['id']}", lambda e: e["component"]["validationStatus"] == "INVALID")
    p.ok("PUT", f"/flow/process-groups/{gid}", json_body={"id": gid, "state": "RUNNING"})
    p.call("GET the started invalid processor", "GET", f"/processors/{gen['id']}",
           keep=lambda b: {"state": b["component"]["state"]})
    p.call("GET its group's counts", "GET", f"/process-groups/{gid}",
           keep=lambda b: {"running": b["runningCount"], "invalid": b["invalidCount"]})
    p.ok("PUT", f"/flow/process-groups/{gid}", json_body={"id": gid, "state": "STOPPED"})
    current = p.ok("GET", f"/processors/{gen['id']}")
    p.call("PUT it valid after the group stop", "PUT", f"/processors/{gen['id']}", json_body={
        "revision": rev(current), "component": {"id": gen["id"], "config": {"autoTerminatedRelationships": ["success"]}}})
    p.call("GET it once valid", "GET", f"/processors/{gen['id']}", keep=lambda b: {"state": b["component"]["state"]})
    p.wait(f"/processors/{gen['id']}", lambda e: e["component"]["state"] == "RUNNING")
    p.call("GET it a moment later", "GET", f"/processors/{gen['id']}",
           keep=lambda b: {"state": b["component"]["state"]})


GHOST = "org.example.probe.MissingProcessor"  # a type no NiFi has: it imports as a ghost


def _tiny_definition(generate_bundle: dict) -> dict:
    """A flow definition: GenerateFlowFile -> funnel, and a processor of a type no NiFi has."""
    ids = {k: name_uuid(f"protoc-gen-nifi probe {k}") for k in ("group", "generate", "funnel", "connection", "ghost")}
    common = {"position": {"x": 0.0, "y": 0.0}, "groupIdentifier": ids["group"], "comments": ""}
    processor = {**common, "componentType": "PROCESSOR", "autoTerminatedRelationships": [], "bulletinLevel": "WARN",
                 "concurrentlySchedulableTaskCount": 1, "executionNode": "ALL", "penaltyDuration": "30 sec",
                 "yieldDuration": "1 sec", "runDurationMillis": 0, "schedulingPeriod": "1 min",
                 "schedulingStrategy": "TIMER_DRIVEN", "scheduledState": "ENABLED", "retryCount": 10,
                 "retriedRelationships": [], "backoffMechanism": "PENALIZE_FLOWFILE", "maxBackoffPeriod": "10 mins",
                 "style": {}, "propertyDescriptors": {}}  # without them NiFi's import fails (500): see the fake
    flow = {"identifier": ids["group"], "name": "probe definition", "componentType": "PROCESS_GROUP",
            "position": {"x": 0.0, "y": 0.0}, "comments": "", "processGroups": [], "remoteProcessGroups": [],
            "inputPorts": [], "outputPorts": [], "labels": [], "controllerServices": [],
            "processors": [
                {**processor, "identifier": ids["generate"], "name": "generate", "type": GENERATE,
                 "bundle": generate_bundle, "properties": {"Custom Text": "hello"}},
                {**processor, "identifier": ids["ghost"], "name": "ghost", "type": GHOST,
                 "bundle": {"group": "org.example", "artifact": "probe-missing-nar", "version": "1.0"},
                 "properties": {"Literal": "x"}}],
            "funnels": [{**common, "identifier": ids["funnel"], "componentType": "FUNNEL"}],
            "connections": [{**common, "identifier": ids["connection"], "componentType": "CONNECTION", "name": "",
                             "source": {"id": ids["generate"], "groupId": ids["group"], "type": "PROCESSOR",
                                        "name": "generate"},
                             "destination": {"id": ids["funnel"], "groupId": ids["group"], "type": "FUNNEL",
                                             "name": "Funnel"},
                             "selectedRelationships": ["success"], "backPressureObjectThreshold": 10000,
                             "backPressureDataSizeThreshold": "1 GB", "flowFileExpiration": "0 sec",
                             "prioritizers": [], "bends": [], "labelIndex": 1, "zIndex": 0,
                             "loadBalanceStrategy": "DO_NOT_LOAD_BALANCE", "partitioningAttribute": "",
                             "loadBalanceCompression": "DO_NOT_COMPRESS"}]}
    return {"flowContents": flow, "externalControllerServices": {}, "parameterContexts": {}, "parameterProviders": {},
            "flowEncodingVersion": "1.0", "latest": False}


def _exported(body: Any, group_id: str, definition: dict) -> dict:
    root = body["flowContents"]
    by_name = {x["name"]: x for x in root["processors"]}
    return {"top id from instance id": root["identifier"] == name_uuid(group_id),
            "top group name": root["name"], "top groupIdentifier": root.get("groupIdentifier"),
            "ids kept": sorted(x["identifier"] for x in root["processors"] + root["funnels"] + root["connections"])
            == sorted(x["identifier"] for x in definition["flowContents"]["processors"]
                      + definition["flowContents"]["funnels"] + definition["flowContents"]["connections"]),
            "an unset property, as its default": by_name["generate"]["properties"].get("Batch Size"),
            "a ghost's literal properties": sorted(by_name["ghost"]["properties"]),
            "states": sorted({x["scheduledState"] for x in root["processors"]})}


def b21_flow_definition(p: Probe, gid: str) -> None:
    """ProcessGroupResource: uploadProcessGroup (multipart), exportProcessGroup (`/download`), and
    initiateReplaceProcessGroup with its request's life cycle (FlowUpdateResource); NiFiRegistryFlowMapper for
    what the export says; GhostProcessor for a type NiFi does not have."""
    bundle = p.ok("GET", "/flow/processor-types", query={"type": GENERATE})["processorTypes"][0]["bundle"]
    definition = _tiny_definition(bundle)
    data = json.dumps(definition).encode()
    form = {"groupName": "probe upload", "positionX": "0", "positionY": "0", "clientId": CLIENT_ID}
    upload = f"/process-groups/{gid}/process-groups/upload"
    p.call("POST upload without groupName", "POST", upload, form={k: v for k, v in form.items() if k != "groupName"},
           files={"file": ("flow.json", data, "application/json")})
    p.call("POST upload of something that is not a flow", "POST", upload, form=form,
           files={"file": ("flow.json", b"{not json", "application/json")})
    broken = json.loads(data)
    for x in broken["flowContents"]["processors"]:
        del x["propertyDescriptors"]
    p.call("POST upload of processors without propertyDescriptors", "POST", upload,
           form={**form, "groupName": "probe broken upload"},
           files={"file": ("flow.json", json.dumps(broken).encode(), "application/json")})
    _, group = p.call("POST upload", "POST", upload, form=form,
                      files={"file": ("flow.json", data, "application/json")},
                      keep=lambda b: {"name": b["component"]["name"],
                                      "versionedComponentId": b["component"].get("versionedComponentId")})
    uploaded = group["id"]
    flow = p.ok("GET", f"/flow/process-groups/{uploaded}")["processGroupFlow"]["flow"]
    by_name = {x["component"]["name"]: x for x in flow["processors"]}
    p.wait(f"/processors/{by_name['ghost']['id']}", lambda e: e["component"]["validationStatus"] == "INVALID")
    p.call("GET the ghost", "GET", f"/processors/{by_name['ghost']['id']}", keep=lambda b: {
        "extensionMissing": b["component"].get("extensionMissing"), "validation": b["component"]["validationStatus"],
        "errors": b["component"].get("validationErrors"), "properties": b["component"]["config"]["properties"],
        "relationships": b["component"].get("relationships")})
    p.call("GET download", "GET", f"/process-groups/{uploaded}/download",
           keep=lambda b: _exported(b, uploaded, definition))
    generate = p.ok("GET", f"/processors/{by_name['generate']['id']}")
    p.ok("PUT", f"/processors/{generate['id']}", json_body={"revision": rev(generate), "component": {
        "id": generate["id"], "config": {"properties": {"Custom Text": "edited by hand"}}}})
    current = p.ok("GET", f"/process-groups/{uploaded}")
    replace = f"/process-groups/{uploaded}/replace-requests"
    p.call("POST replace-requests with a stale revision", "POST", replace, json_body={
        "processGroupRevision": rev(current, 5, "someone-else"), "versionedFlowSnapshot": definition})
    p.call("POST replace-requests without a snapshot", "POST", replace,
           json_body={"processGroupRevision": rev(current)})
    _, started = p.call("POST replace-requests", "POST", replace, json_body={
        "processGroupRevision": rev(current), "versionedFlowSnapshot": definition},
        keep=lambda b: {"processGroupId is the group": b["request"]["processGroupId"] == uploaded})
    path = f"/process-groups/replace-requests/{started['request']['requestId']}"
    p.wait(path, lambda b: b["request"]["complete"])
    p.call("GET a complete replace request", "GET", path, keep=lambda b: {
        "failureReason": b["request"].get("failureReason"), "percentCompleted": b["request"]["percentCompleted"],
        "export's name": (b.get("versionedFlowSnapshot") or {}).get("flowContents", {}).get("name")})
    p.call("DELETE the replace request", "DELETE", path)
    p.call("GET a deleted replace request", "GET", path)
    p.call("GET the edited processor after the replace", "GET", f"/processors/{generate['id']}",
           keep=lambda b: {"Custom Text": b["component"]["config"]["properties"]["Custom Text"],
                           "same instance": b["id"] == generate["id"]})


def b13_dangling_port(p: Probe, gid: str) -> None:
    """BEHAVIOUR 13: LocalPort.getValidationErrors ~120."""
    port = create(p, f"/process-groups/{gid}/output-ports", {"name": "failure"})
    p.call("GET an output port without connections", "GET", f"/output-ports/{port['id']}", keep=lambda b: {
        "errors": sorted(e.split(" because ", 1)[-1] for e in b["component"].get("validationErrors") or [])})


PROBES: list[Callable[[Probe, str], None]] = [b1_service_types, b2_stale_revision, b3_masked_reference,
                                              b6_invalid_start_outlives_a_group_stop, b8_listing_cap,
                                              b13_dangling_port, b21_flow_definition]

# What NiFi's source says each answer is: (probe, kind) -> (status, fields). Fields not listed are not compared.
EXPECTED: dict[tuple[str, str], tuple[int, dict]] = {
    ("b1_service_types", "GET controller-service-types?serviceType (no bundle)"): (400, {}),
    ("b1_service_types", "GET controller-service-types?typeFilter"): (200, {"types": [DBCP]}),
    ("b2_stale_revision", "PUT processor with a stale revision of another client"): (400, {}),
    ("b2_stale_revision", "PUT an enabled service"): (409, {}),
    ("b3_masked_reference", "GET a service whose sensitive property holds a parameter reference"):
        (200, {"Password": "********"}),
    ("b8_listing_cap", "POST listing-requests"): (202, {}),
    ("b8_listing_cap", "GET a finished listing"): (200, {"queued": 150, "summaries": 100}),
    ("b8_listing_cap", "GET it again (kept until DELETE)"): (200, {}),
    ("b8_listing_cap", "DELETE the listing"): (200, {}),
    ("b8_listing_cap", "GET a deleted listing"): (404, {}),
    ("b13_dangling_port", "GET an output port without connections"):
        (200, {"errors": ["Port has no incoming connections", "Port has no outgoing connections"]}),
    ("b6_invalid_start_outlives_a_group_stop", "GET the started invalid processor"): (200, {"state": "STOPPED"}),
    ("b6_invalid_start_outlives_a_group_stop", "GET its group's counts"): (200, {"running": 0, "invalid": 1}),
    ("b6_invalid_start_outlives_a_group_stop", "PUT it valid after the group stop"): (200, {}),
    # VALIDATING, or VALID and not yet started: either way STARTING shows RUNNING once it is not INVALID
    ("b6_invalid_start_outlives_a_group_stop", "GET it once valid"): (200, {"state": "RUNNING"}),
    ("b6_invalid_start_outlives_a_group_stop", "GET it a moment later"): (200, {"state": "RUNNING"}),
    ("b21_flow_definition", "POST upload without groupName"): (400, {}),
    ("b21_flow_definition", "POST upload of something that is not a flow"): (400, {}),
    ("b21_flow_definition", "POST upload of processors without propertyDescriptors"): (500, {}),
    ("b21_flow_definition", "POST upload"): (201, {"name": "probe upload", "versionedComponentId": None}),
    ("b21_flow_definition", "GET the ghost"): (200, {
        "extensionMissing": True, "validation": "INVALID", "properties": {"Literal": "********"}, "relationships": [],
        "errors": [("'Missing Processor' validated against 'Any Property' is invalid because Processor is of type "
                   f"{GHOST}, but this is not a valid Processor type")]}),
    ("b21_flow_definition", "GET download"): (200, {
        "top id from instance id": True, "top group name": "probe upload", "top groupIdentifier": None,
        "ids kept": True, "an unset property, as its default": "1", "a ghost's literal properties": [],
        "states": ["ENABLED"]}),
    ("b21_flow_definition", "POST replace-requests with a stale revision"): (400, {}),
    ("b21_flow_definition", "POST replace-requests without a snapshot"): (400, {}),
    ("b21_flow_definition", "POST replace-requests"): (200, {"processGroupId is the group": True}),
    ("b21_flow_definition", "GET a complete replace request"): (200, {
        "failureReason": None, "percentCompleted": 100, "export's name": "probe definition"}),
    ("b21_flow_definition", "DELETE the replace request"): (200, {}),
    ("b21_flow_definition", "GET a deleted replace request"): (404, {}),
    ("b21_flow_definition", "GET the edited processor after the replace"): (200, {
        "Custom Text": "hello", "same instance": True}),
}


def _cleanup(p: Probe, gid: str) -> None:
    """Stop, empty, disable and delete the scratch group (best effort: a live NiFi keeps nothing of a probe)."""
    p.client("PUT", f"/flow/process-groups/{gid}", json_body={"id": gid, "state": "STOPPED"})
    p.wait(f"/process-groups/{gid}", lambda e: not e["status"]["aggregateSnapshot"].get("activeThreadCount"))
    status, drop = p.client("POST", f"/process-groups/{gid}/empty-all-connections-requests")
    if status < 300:
        path = f"/process-groups/{gid}/empty-all-connections-requests/{drop['dropRequest']['id']}"
        p.wait(path, lambda b: b["dropRequest"]["finished"], seconds=10)
        p.client("DELETE", path)
    group = p.ok("GET", f"/process-groups/{gid}")
    p.client("DELETE", f"/process-groups/{gid}", query={"version": str(group["revision"]["version"]),
                                                        "clientId": CLIENT_ID})


def replay(client: Client) -> dict[str, list[Answer]]:
    """Every probe in its own scratch group: probe name -> answers."""
    out = {}
    for probe in PROBES:
        p = Probe(client)
        gid = create(p, "/process-groups/root/process-groups", {"name": f"protoc-gen-nifi {probe.__name__}"})["id"]
        try:
            probe(p, gid)
        finally:
            _cleanup(p, gid)
        out[probe.__name__] = p.answers
    return out


def check(recording: dict[str, list[Answer]]) -> list[str]:
    """Where a recording differs from what NiFi's source says."""
    problems = []
    seen = {(name, a.kind): a for name, answers in recording.items() for a in answers}
    for key, (status, fields) in sorted(EXPECTED.items()):
        got = seen.get(key)
        if got is None:
            problems.append(f"{key}: not recorded")
        elif got.status != status or any(got.fields.get(k) != v for k, v in fields.items()):
            problems.append(f"{key}: expected {status} {fields}, got {got.status} {got.fields}")
    return problems


def compare(fake: dict[str, list[Answer]], real: dict[str, list[Answer]]) -> list[str]:
    """Where the fake's answers differ from a real NiFi's (status, and the fields both recorded)."""
    problems = []
    real_by = {(n, a.kind): a for n, answers in real.items() for a in answers}
    for name, answers in sorted(fake.items()):
        for a in answers:
            r = real_by.get((name, a.kind))
            if r is None:
                problems.append(f"{name} / {a.kind}: not in the real recording")
            elif r.status != a.status or any(r.fields.get(k) != v for k, v in a.fields.items() if k in r.fields):
                problems.append(f"{name} / {a.kind}: fake {a.status} {a.fields}, real {r.status} {r.fields}")
    return problems


def to_json(recording: dict[str, list[Answer]]) -> str:
    return json.dumps({k: [asdict(a) for a in v] for k, v in sorted(recording.items())}, indent=2, sort_keys=True)


def from_json(text: str) -> dict[str, list[Answer]]:
    return {k: [Answer(**a) for a in v] for k, v in json.loads(text).items()}


class HttpClient:
    """A Client over HTTP(S) for a real NiFi (or the fake behind FakeServer): httpx, no cookies."""

    def __init__(self, base_url: str, **httpx_kw: Any):
        import httpx

        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=30, **httpx_kw)

    def __call__(self, method: str, path: str, *, json_body: Any = None, query: dict | None = None,
                 form: dict | None = None, files: dict | None = None) -> tuple[int, Any]:
        resp = self._http.request(method, path, json=json_body, params=query, data=form, files=files)
        self._http.cookies.clear()
        try:
            return resp.status_code, resp.json()
        except ValueError:
            return resp.status_code, resp.text
