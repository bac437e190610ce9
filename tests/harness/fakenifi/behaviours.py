"""BEHAVIOUR.md's REST rows as probes that run the same against the fake and against a real NiFi.

Each probe sets up what it needs with plain REST calls (a scratch process group, removed at the end), sends the
requests the behaviour is about, and records each answer as an `Answer` (request kind, status, the fields that
matter). `EXPECTED` says what NiFi's source says those answers are. The fake's tests replay every probe against
the fake and check `EXPECTED`; the live suite replays them against a real NiFi, stores the recording
(`to_json`), and checks the fake's recording against it (`compare`): a difference is a fake kinder (or harsher)
than NiFi.

    recording = replay(HttpClient("https://127.0.0.1:8443/nifi-api", verify=..., cert=...))
    assert check(recording) == [] and compare(replay(Fake()), recording) == []

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

GENERATE = "org.apache.nifi.processors.standard.GenerateFlowFile"
DBCP = "org.apache.nifi.dbcp.DBCPConnectionPool"
DBCP_API = "org.apache.nifi.dbcp.DBCPService"
CONTEXT_MAP = "org.apache.nifi.http.StandardHttpContextMap"
CLIENT_ID = "protoc-gen-nifi-probe"


class Client(Protocol):
    def __call__(self, method: str, path: str, *, json_body: Any = None, query: dict | None = None) -> tuple[int, Any]:
        ...


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


def b13_dangling_port(p: Probe, gid: str) -> None:
    """BEHAVIOUR 13: LocalPort.getValidationErrors ~120."""
    port = create(p, f"/process-groups/{gid}/output-ports", {"name": "failure"})
    p.call("GET an output port without connections", "GET", f"/output-ports/{port['id']}", keep=lambda b: {
        "errors": sorted(e.split(" because ", 1)[-1] for e in b["component"].get("validationErrors") or [])})


PROBES: list[Callable[[Probe, str], None]] = [b1_service_types, b2_stale_revision, b3_masked_reference,
                                              b8_listing_cap, b13_dangling_port]

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

    def __call__(self, method: str, path: str, *, json_body: Any = None, query: dict | None = None) -> tuple[int, Any]:
        resp = self._http.request(method, path, json=json_body, params=query)
        self._http.cookies.clear()
        try:
            return resp.status_code, resp.json()
        except ValueError:
            return resp.status_code, resp.text
