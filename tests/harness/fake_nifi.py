"""A fake NiFi 2.x + NiFi Registry on 127.0.0.1 for the harness tests.

It serves both REST APIs (`/nifi-api`, `/nifi-registry-api`) from one loopback HTTP
server, checks every request body against NiFi's model (nipyapi, see nifi_model.py),
checks its own responses too (so the fake cannot drift from NiFi's shapes), and answers
like NiFi does: optimistic-locking revisions with 409 on a stale one, 409 for illegal
state changes, asynchronous update requests that complete after some polls, services
that stay ENABLING while invalid, sensitive values masked as "********", validation
errors as `'<Display Name>' ... is invalid because ...` strings.

Behaviour knobs for tests: `conflicts`, `enable_polls`, `async_polls`, `drain_per_poll`,
`users`, `fail_login`, plus direct state edits (queues, bulletins, drift).
"""
from __future__ import annotations

import itertools
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from protoc_gen_nifi import nifi_catalog as nc

from .fake_flow import FlowMixin, Raw
from .nifi_model import check

MASK = "********"
KAFKA_SVC = "org.apache.nifi.kafka.service.Kafka3ConnectionService"
KAFKA_BUNDLE = {"group": "org.apache.nifi", "artifact": "nifi-kafka-3-service-nar", "version": "2.11.0"}
KAFKA_DESCRIPTORS = {
    "bootstrap.servers": {"name": "bootstrap.servers", "displayName": "Bootstrap Servers", "required": True},
    "security.protocol": {"name": "security.protocol", "displayName": "Security Protocol", "required": True,
                          "defaultValue": "SSL",
                          "allowableValues": [{"value": v, "displayName": v.replace("_", " ")}
                                              for v in ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")]},
    "sasl.mechanism": {"name": "sasl.mechanism", "displayName": "SASL Mechanism", "defaultValue": "GSSAPI",
                       "allowableValues": [{"value": v, "displayName": v} for v in
                                           ("GSSAPI", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")]},
    "sasl.username": {"name": "sasl.username", "displayName": "SASL Username"},
    "sasl.password": {"name": "sasl.password", "displayName": "SASL Password", "sensitive": True},
    "max.poll.records": {"name": "max.poll.records", "displayName": "Max Poll Records", "defaultValue": "10000"},
}


@dataclass
class Seen:
    method: str
    path: str  # without the API prefix
    api: str  # "nifi" | "registry"
    query: dict
    body: object
    headers: dict


class Conflict(Exception):
    pass


class Reply(Exception):
    def __init__(self, status: int, body: object = "", headers: dict | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


def _rev(e: dict) -> dict:
    return {"version": e["revision"]}


@dataclass
class Fake(FlowMixin):
    Reply: ClassVar = Reply
    users: dict | None = None  # {"admin": "password"} turns on single-user login
    enable_polls: int = 1  # GETs a service stays ENABLING before ENABLED (when valid)
    async_polls: int = 1  # GETs an async request stays incomplete
    drain_per_poll: int = 0  # FlowFiles drained per status GET while ingress is stopped
    conflicts: dict = field(default_factory=dict)  # "PUT /controller-services/{id}" regex -> n 409s to inject
    failures: dict = field(default_factory=dict)  # "METHOD path" regex -> (status, text); "{body}" echoes the request
    tokens_ok: set = field(default_factory=set)  # bearer tokens accepted as-is (OIDC)
    bulletins_later: list = field(default_factory=list)  # (group id, level, message) raised at the next /flow/status
    seen: list = field(default_factory=list)
    model_errors: list = field(default_factory=list)
    response_errors: list = field(default_factory=list)

    def __post_init__(self):
        self.lock = threading.RLock()
        self.ids = (f"{n:08x}-0000-4000-8000-{n:012x}" for n in itertools.count(1))
        self.tokens: set[str] = set()
        self.buckets: dict[str, dict] = {}
        self.flows: dict[str, dict] = {}
        self.versions: dict[str, list[dict]] = {}
        self.clients: dict[str, dict] = {}
        self.contexts: dict[str, dict] = {}
        self.groups: dict[str, dict] = {"root": {"id": "root", "name": "NiFi Flow", "parent": None, "children": [],
                                                 "vci": None, "revision": 0, "versionedId": None}}
        self.processors: dict[str, dict] = {}
        self.connections: dict[str, dict] = {}
        self.ports: dict[str, dict] = {}
        self.services: dict[str, dict] = {}
        self.requests: dict[str, dict] = {}
        self.listings: dict[str, dict] = {}
        self.bulletins: list[dict] = []
        self.bulletin_ids = itertools.count(100)
        self.by_vid: dict[str, str] = {}  # versioned id -> instance id of what was deployed
        self._init_flow()

    # ---------------------------------------------------------------- helpers for tests

    def mutations(self, since: int = 0) -> list[Seen]:
        return [s for s in self.seen[since:] if s.method != "GET" and s.path != "/access/token"]

    def group_by_name(self, name: str) -> dict:
        return next(g for g in self.groups.values() if g["name"] == name)

    def connection_by_versioned(self, vid: str) -> dict:
        return next(c for c in self.connections.values() if c["versionedId"] == vid)

    def add_bulletin(self, group_id: str, level: str, message: str, source: str = "InvokeHTTP") -> None:
        bid = next(self.bulletin_ids)
        self.bulletins.append({"id": bid, "groupId": group_id, "sourceId": "src", "timestamp": "12:00:00 UTC",
                               "bulletin": {"id": bid, "groupId": group_id, "level": level, "message": message,
                                            "sourceName": source, "category": "Log Message",
                                            "sourceType": "PROCESSOR"}})

    # ---------------------------------------------------------------- HTTP entry

    def handle(self, method: str, raw_path: str, headers: dict, raw: bytes):
        url = urlsplit(raw_path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path.startswith("/nifi-api"):
            api, path = "nifi", url.path[len("/nifi-api"):]
        elif url.path.startswith("/nifi-registry-api"):
            api, path = "registry", url.path[len("/nifi-registry-api"):]
        else:
            return 404, {}, "not found"
        ctype = headers.get("content-type", "")
        body: object = None
        if raw and "json" in ctype:
            body = json.loads(raw)
        elif raw and "form" in ctype:
            body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        with self.lock:
            self.seen.append(Seen(method, path, api, query, body, dict(headers)))
            try:
                if api == "nifi" and self.users is not None and path != "/access/token":
                    auth = headers.get("authorization", "")
                    if not auth.startswith("Bearer ") or auth[7:] not in (self.tokens | self.tokens_ok):
                        raise Reply(401, "Unable to validate the access token.")
                handler, args, req_model, resp_model = self._route(api, method, path)
                if req_model and body is not None:
                    errs = check(body, req_model, api)
                    if errs:
                        self.model_errors.extend(f"{method} {path}: {e}" for e in errs)
                        raise Reply(400, f"Unrecognized field / invalid value: {errs[0]}")
                self._maybe_conflict(method, path)
                for pattern, (status, text) in self.failures.items():
                    if re.fullmatch(pattern, f"{method} {path}"):
                        raise Reply(status, text.replace("{body}", raw.decode(errors="replace")))
                status, out = handler(*args, body=body, query=query, headers=headers)
                if isinstance(out, Raw):
                    return status, {"Content-Type": out.content_type}, out.data
                if resp_model and out is not None:
                    self.response_errors.extend(f"{method} {path} response: {e}" for e in check(out, resp_model, api))
                return status, {"Content-Type": "application/json"}, json.dumps(out)
            except Reply as r:
                hdrs = {"Content-Type": "application/json" if not isinstance(r.body, str) else "text/plain"}
                hdrs.update(r.headers)
                return r.status, hdrs, r.body if isinstance(r.body, str) else json.dumps(r.body)

    def _maybe_conflict(self, method: str, path: str) -> None:
        for pattern, n in list(self.conflicts.items()):
            if n > 0 and re.fullmatch(pattern, f"{method} {path}"):
                self.conflicts[pattern] = n - 1
                # A concurrent writer bumped the revision: every revisioned entity in NiFi moves on.
                for table in (self.services, self.contexts, self.groups, self.clients):
                    for e in table.values():
                        e["revision"] = e.get("revision", 0) + 1
                raise Reply(409, "Error: [1] is not the most up-to-date revision. This component appears to have "
                                 "been modified. Retry the request.")

    def _route(self, api: str, method: str, path: str):
        for m, pattern, fn, req, resp in self.ROUTES[api]:
            if m == method:
                match = re.fullmatch(pattern, path)
                if match:
                    return getattr(self, fn), [unquote(g) for g in match.groups()], req, resp
        raise Reply(404, f"Not found: {method} {path}")

    ROUTES: ClassVar[dict] = {
        "registry": [
            ("GET", r"/buckets", "r_buckets", None, "list[Bucket]"),
            ("POST", r"/buckets", "r_create_bucket", "Bucket", "Bucket"),
            ("GET", r"/buckets/([^/]+)/flows", "r_flows", None, "list[VersionedFlow]"),
            ("POST", r"/buckets/([^/]+)/flows", "r_create_flow", "VersionedFlow", "VersionedFlow"),
            ("GET", r"/buckets/([^/]+)/flows/([^/]+)/versions", "r_versions", None, "list[VersionedFlowSnapshotMetadata]"),
            ("POST", r"/buckets/([^/]+)/flows/([^/]+)/versions/import", "r_import", "VersionedFlowSnapshot",
             "VersionedFlowSnapshot"),
        ],
        "nifi": [
            ("POST", r"/access/token", "n_login", None, None),
            ("GET", r"/controller/registry-clients", "n_clients", None, "FlowRegistryClientsEntity"),
            ("POST", r"/controller/registry-clients", "n_create_client", "FlowRegistryClientEntity", "FlowRegistryClientEntity"),
            ("GET", r"/controller/registry-clients/([^/]+)", "n_client", None, "FlowRegistryClientEntity"),
            ("PUT", r"/controller/registry-clients/([^/]+)", "n_update_client", "FlowRegistryClientEntity",
             "FlowRegistryClientEntity"),
            ("GET", r"/flow/parameter-contexts", "n_contexts", None, "ParameterContextsEntity"),
            ("POST", r"/parameter-contexts", "n_create_context", "ParameterContextEntity", "ParameterContextEntity"),
            ("GET", r"/parameter-contexts/([^/]+)", "n_context", None, "ParameterContextEntity"),
            ("POST", r"/parameter-contexts/([^/]+)/update-requests", "n_ctx_update", "ParameterContextEntity",
             "ParameterContextUpdateRequestEntity"),
            ("GET", r"/parameter-contexts/([^/]+)/update-requests/([^/]+)", "n_ctx_req", None,
             "ParameterContextUpdateRequestEntity"),
            ("DELETE", r"/parameter-contexts/([^/]+)/update-requests/([^/]+)", "n_ctx_req_delete", None,
             "ParameterContextUpdateRequestEntity"),
            ("GET", r"/flow/process-groups/([^/]+)", "n_group_flow", None, "ProcessGroupFlowEntity"),
            ("PUT", r"/flow/process-groups/([^/]+)", "n_schedule", "ScheduleComponentsEntity", "ScheduleComponentsEntity"),
            ("GET", r"/flow/process-groups/([^/]+)/status", "n_group_status", None, "ProcessGroupStatusEntity"),
            ("GET", r"/flow/process-groups/([^/]+)/controller-services", "n_group_services", None,
             "ControllerServicesEntity"),
            ("POST", r"/process-groups/([^/]+)/process-groups", "n_create_group", "ProcessGroupEntity", "ProcessGroupEntity"),
            ("GET", r"/process-groups/([^/]+)", "n_group", None, "ProcessGroupEntity"),
            ("POST", r"/process-groups/([^/]+)/controller-services", "n_create_service", "ControllerServiceEntity",
             "ControllerServiceEntity"),
            ("GET", r"/versions/process-groups/([^/]+)", "n_vci", None, "VersionControlInformationEntity"),
            ("POST", r"/versions/(update|revert)-requests/process-groups/([^/]+)", "n_version_change",
             "VersionControlInformationEntity", "VersionedFlowUpdateRequestEntity"),
            ("GET", r"/versions/(update|revert)-requests/([^/]+)", "n_version_req", None, "VersionedFlowUpdateRequestEntity"),
            ("DELETE", r"/versions/(update|revert)-requests/([^/]+)", "n_version_req_delete", None,
             "VersionedFlowUpdateRequestEntity"),
            ("GET", r"/flow/controller-service-types", "n_service_types", None, "ControllerServiceTypesEntity"),
            ("GET", r"/flow/controller-service-definition/([^/]+)/([^/]+)/([^/]+)/([^/]+)", "n_service_definition",
             None, "ControllerServiceDefinition"),
            ("GET", r"/controller-services/([^/]+)", "n_service", None, "ControllerServiceEntity"),
            ("PUT", r"/controller-services/([^/]+)", "n_update_service", "ControllerServiceEntity", "ControllerServiceEntity"),
            ("PUT", r"/controller-services/([^/]+)/run-status", "n_service_state", "ControllerServiceRunStatusEntity",
             "ControllerServiceEntity"),
            ("GET", r"/flow/status", "n_status", None, "ControllerStatusEntity"),
            ("GET", r"/flow/bulletin-board", "n_bulletins", None, "BulletinBoardEntity"),
            ("POST", r"/flowfile-queues/([^/]+)/listing-requests", "n_listing", None, "ListingRequestEntity"),
            ("GET", r"/flowfile-queues/([^/]+)/listing-requests/([^/]+)", "n_listing_get", None, "ListingRequestEntity"),
            ("DELETE", r"/flowfile-queues/([^/]+)/listing-requests/([^/]+)", "n_listing_delete", None,
             "ListingRequestEntity"),
            *FlowMixin.FLOW_ROUTES,
        ],
    }

    # ---------------------------------------------------------------- NiFi Registry

    def r_buckets(self, **_):
        return 200, list(self.buckets.values())

    def r_create_bucket(self, body, **_):
        if "identifier" in body:
            raise Reply(400, "Bucket identifier cannot be specified.")
        if any(b["name"] == body["name"] for b in self.buckets.values()):
            raise Reply(409, "A bucket with the same name already exists")
        bid = str(uuid.uuid4())
        self.buckets[bid] = {"identifier": bid, "name": body["name"], "description": body.get("description"),
                             "createdTimestamp": 1, "allowPublicRead": False}
        return 200, self.buckets[bid]

    def r_flows(self, b, **_):
        if b not in self.buckets:
            raise Reply(404, "bucket not found")
        return 200, [f for f in self.flows.values() if f["bucketIdentifier"] == b]

    def r_create_flow(self, b, body, **_):
        if any(f["name"] == body["name"] and f["bucketIdentifier"] == b for f in self.flows.values()):
            raise Reply(409, "A versioned flow with the same name already exists in the selected bucket")
        fid = str(uuid.uuid4())
        self.flows[fid] = {"identifier": fid, "name": body["name"], "description": body.get("description"),
                           "bucketIdentifier": b, "type": "Flow", "versionCount": 0}
        self.versions[fid] = []
        return 200, self.flows[fid]

    def r_versions(self, b, f, **_):
        return 200, [v["snapshotMetadata"] for v in reversed(self.versions[f])]

    def r_import(self, b, f, body, headers, **_):
        version = len(self.versions[f]) + 1
        comments = headers.get("comments") or (body.get("snapshotMetadata") or {}).get("comments")
        snap = dict(body)
        snap["snapshotMetadata"] = {"bucketIdentifier": b, "flowIdentifier": f, "version": version,
                                    "comments": comments, "author": "anonymous", "timestamp": 1}
        self.versions[f].append(snap)
        self.flows[f]["versionCount"] = version
        raise Reply(201, snap, {"Location": f"/buckets/{b}/flows/{f}/versions/{version}"})

    # ---------------------------------------------------------------- NiFi: auth, registry clients

    def n_login(self, body, **_):
        if not body or self.users is None or self.users.get(body.get("username")) != body.get("password"):
            raise Reply(400, "The supplied username and password are not valid.")
        tok = f"eyJ.{uuid.uuid4().hex}"
        self.tokens.add(tok)
        raise Reply(201, tok)

    def _client_entity(self, c):
        return {"id": c["id"], "revision": _rev(c), "component": {"id": c["id"], "name": c["name"], "type": c["type"],
                                                                  "properties": dict(c["properties"])}}

    def n_clients(self, **_):
        return 200, {"registries": [self._client_entity(c) for c in self.clients.values()]}

    def n_create_client(self, body, **_):
        self._require_create(body)
        cid = next(self.ids)
        comp = body["component"]
        self.clients[cid] = {"id": cid, "name": comp["name"], "type": comp["type"],
                             "properties": dict(comp.get("properties") or {}), "revision": 1}
        return 201, self._client_entity(self.clients[cid])

    def n_client(self, cid, **_):
        return 200, self._client_entity(self.clients[cid])

    def n_update_client(self, cid, body, **_):
        c = self.clients[cid]
        self._check_revision(c, body["revision"])
        c["properties"].update(body["component"].get("properties") or {})
        return 200, self._client_entity(c)

    def _require_create(self, body):
        if (body.get("revision") or {}).get("version") != 0:
            raise Reply(400, "A revision of 0 must be specified when creating a new component.")
        if (body.get("component") or {}).get("id"):
            raise Reply(400, "Component ID cannot be specified.")

    def _check_revision(self, entity, rev):
        if rev is None or rev.get("version") != entity["revision"]:
            raise Reply(409, f"Error: [{rev}] is not the most up-to-date revision. This component appears to have "
                             "been modified")
        entity["revision"] += 1

    # ---------------------------------------------------------------- parameter contexts

    def _ctx_entity(self, c):
        params = []
        for name, p in sorted(c["params"].items()):
            value = p["value"]
            if p["sensitive"] and value is not None:
                value = MASK
            params.append({"parameter": {"name": name, "sensitive": p["sensitive"], "description": p["description"],
                                         "value": value, "provided": False}, "canWrite": True})
        return {"id": c["id"], "revision": _rev(c),
                "component": {"id": c["id"], "name": c["name"], "description": c["description"], "parameters": params}}

    def n_contexts(self, **_):
        return 200, {"parameterContexts": [self._ctx_entity(c) for c in self.contexts.values()]}

    def n_create_context(self, body, **_):
        self._require_create(body)
        comp = body["component"]
        if any(c["name"] == comp["name"] for c in self.contexts.values()):
            raise Reply(409, f"A Parameter Context with the name '{comp['name']}' already exists")
        cid = next(self.ids)
        self.contexts[cid] = {"id": cid, "name": comp["name"], "description": comp.get("description") or "",
                              "params": {}, "revision": 1}
        self._apply_params(self.contexts[cid], comp.get("parameters") or [])
        return 201, self._ctx_entity(self.contexts[cid])

    def _apply_params(self, ctx, params):
        for e in params:
            p = e["parameter"]
            old = ctx["params"].get(p["name"])
            if all(p.get(k) is None for k in ("value", "description", "sensitive")):  # NiFi: a deletion
                ctx["params"].pop(p["name"], None)
                continue
            if old is not None and p.get("sensitive") is not None and old["sensitive"] != p["sensitive"]:
                raise Reply(400, f"Cannot change the sensitivity of parameter {p['name']}")
            value = p.get("value")
            if value is None and not p.get("valueRemoved") and old is not None:
                value = old["value"]  # NiFi: a null value without valueRemoved keeps the current one
            ctx["params"][p["name"]] = {"sensitive": bool(p.get("sensitive")), "description": p.get("description") or "",
                                        "value": value}

    def n_context(self, cid, **_):
        return 200, self._ctx_entity(self.contexts[cid])

    def _request_entity(self, req):
        done = req["polls"] >= self.async_polls
        dto = {"requestId": req["id"], "uri": f"http://fake/{req['id']}", "complete": done,
               "percentCompleted": 100 if done else 50, "state": "Complete" if done else "Updating",
               "failureReason": req.get("failure") if done else None}
        return dto

    def n_ctx_update(self, cid, body, **_):
        ctx = self.contexts[cid]
        if body["id"] != cid or body["component"]["id"] != cid:
            raise Reply(400, "The Parameter Context ID in the request body does not match the URI")
        self._check_revision(ctx, body["revision"])
        self._apply_params(ctx, body["component"].get("parameters") or [])
        rid = next(self.ids)
        self.requests[rid] = {"id": rid, "polls": 0, "kind": "ctx"}
        return 200, {"request": self._request_entity(self.requests[rid]), "parameterContextRevision": _rev(ctx)}

    def n_ctx_req(self, cid, rid, **_):
        req = self.requests[rid]
        req["polls"] += 1
        return 200, {"request": self._request_entity(req)}

    def n_ctx_req_delete(self, cid, rid, **_):
        req = self.requests.pop(rid)
        return 200, {"request": self._request_entity(req)}

    # ---------------------------------------------------------------- process groups

    def _instance_ids(self, properties: dict) -> dict:
        service_ids = {s["versionedId"]: sid for sid, s in self.services.items()}
        return {k: service_ids.get(v, v) for k, v in properties.items()}

    def _instantiate(self, contents: dict, parent: str) -> str:
        gid = next(self.ids)
        g = {"id": gid, "name": contents["name"], "parent": parent, "children": [], "vci": None, "revision": 1,
             "versionedId": contents["identifier"]}
        self.groups[gid] = g
        self.groups[parent]["children"].append(gid)
        # Services first: like NiFi, an import rewrites every property that names a service by its
        # versioned id to the new instance's id.
        created = []
        for s in contents.get("controllerServices") or []:
            sid = self.by_vid[s["identifier"]] = next(self.ids)
            self.services[sid] = {"id": sid, "group": gid, "versionedId": s["identifier"], "name": s["name"],
                                  "type": s["type"], "bundle": s["bundle"], "properties": dict(s.get("properties") or {}),
                                  "state": "DISABLED", "revision": 1, "polls": 0}
            created.append(self.services[sid])
        for svc in created:
            svc["properties"] = self._instance_ids(svc["properties"])
        for p in contents.get("processors") or []:
            pid = self.by_vid[p["identifier"]] = next(self.ids)
            self.processors[pid] = {"id": pid, "group": gid, "versionedId": p["identifier"], "name": p["name"],
                                    "state": "STOPPED", "properties": self._instance_ids(p.get("properties") or {}),
                                    "type": p["type"], "bundle": p["bundle"], "revision": 1,
                                    "autoterm": set(p.get("autoTerminatedRelationships") or [])}
        for kind in ("inputPorts", "outputPorts"):
            for p in contents.get(kind) or []:
                pid = self.by_vid[p["identifier"]] = next(self.ids)
                self.ports[pid] = {"id": pid, "group": gid, "versionedId": p["identifier"], "name": p["name"],
                                   "kind": p["type"], "state": "STOPPED", "revision": 1}
        for f in contents.get("funnels") or []:
            fid = self.by_vid[f["identifier"]] = next(self.ids)
            self.funnels[fid] = {"id": fid, "group": gid, "versionedId": f["identifier"]}
        for child in contents.get("processGroups") or []:
            self._instantiate(child, gid)
        for c in contents.get("connections") or []:
            cid = self.by_vid[c["identifier"]] = next(self.ids)
            self.connections[cid] = {"id": cid, "group": gid, "versionedId": c["identifier"], "queued": 0,
                                     "threshold": c.get("backPressureObjectThreshold", 10000),
                                     "source": c["source"]["id"], "destination": c["destination"]["id"],
                                     "src": self.by_vid[c["source"]["id"]], "dst": self.by_vid[c["destination"]["id"]],
                                     "rels": set(c.get("selectedRelationships") or [""]), "flowfiles": [],
                                     "name": c.get("name"), "revision": 1}
        return gid

    def _subtree(self, gid):
        out, stack = [], [gid]
        while stack:
            g = stack.pop()
            out.append(g)
            stack.extend(self.groups[g]["children"])
        return out

    def _invalid(self, p):
        refs = [s for s in self.services.values() if s["versionedId"] in (p.get("properties") or {}).values()]
        return any(s["state"] != "ENABLED" for s in refs)

    def _counts(self, gid):
        procs = [p for p in self.processors.values() if p["group"] in self._subtree(gid)]
        running = sum(p["state"] == "RUNNING" for p in procs)
        invalid = sum(p["state"] != "RUNNING" and self._invalid(p) for p in procs)
        stopped = sum(p["state"] != "RUNNING" and not self._invalid(p) for p in procs)
        return {"runningCount": running, "stoppedCount": stopped, "invalidCount": invalid, "disabledCount": 0}

    def _vci_dto(self, gid):
        """NiFi derives the state: components added to a versioned group make it LOCALLY_MODIFIED."""
        vci = dict(self.groups[gid]["vci"], groupId=gid)
        subtree = set(self._subtree(gid))
        if any(c["group"] in subtree for c in self.temp_components()):
            vci["state"] = "LOCALLY_MODIFIED"
        return vci

    def _group_entity(self, gid):
        g = self.groups[gid]
        comp = {"id": gid, "name": g["name"], "versionedComponentId": g["versionedId"]}
        if g["vci"]:
            comp["versionControlInformation"] = self._vci_dto(gid)
        return {"id": gid, "revision": _rev(g), "component": comp, **self._counts(gid)}

    def n_group_flow(self, gid, **_):
        if gid not in self.groups:
            raise Reply(404, f"Unable to locate group with id '{gid}'.")
        children = [self._group_entity(c) for c in self.groups[gid]["children"]]
        return 200, {"processGroupFlow": {"id": gid, "flow": {"processGroups": children,
                                                              **self._flow_components(gid)}}}

    def n_group(self, gid, **_):
        if gid not in self.groups:
            raise Reply(404, f"Unable to locate group with id '{gid}'.")
        return 200, self._group_entity(gid)

    def _snapshot(self, vci):
        client = self.clients.get(vci.get("registryId"))
        if client is None:
            raise Reply(400, "Unable to obtain flow: registry client not found")
        try:
            return self.versions[vci["flowId"]][int(vci["version"]) - 1]
        except (KeyError, IndexError, ValueError):
            raise Reply(404, "The specified flow version does not exist in the registry") from None

    def n_create_group(self, parent, body, **_):
        self._require_create(body)
        comp = body["component"]
        vci = comp.get("versionControlInformation")
        if not vci:
            raise Reply(400, "fake only supports registry deploys")
        snap = self._snapshot(vci)
        for name, ctx in (snap.get("parameterContexts") or {}).items():  # reuse by name, else create
            if not any(c["name"] == name for c in self.contexts.values()):
                cid = next(self.ids)
                self.contexts[cid] = {"id": cid, "name": name, "description": ctx.get("description") or "",
                                      "params": {p["name"]: {"sensitive": p["sensitive"], "value": p.get("value"),
                                                             "description": p.get("description") or ""}
                                                 for p in ctx.get("parameters") or []}, "revision": 1}
            else:
                c = next(c for c in self.contexts.values() if c["name"] == name)
                for p in ctx.get("parameters") or []:
                    c["params"].setdefault(p["name"], {"sensitive": p["sensitive"], "value": p.get("value"),
                                                       "description": p.get("description") or ""})
        gid = self._instantiate(snap["flowContents"], parent)
        self.groups[gid]["vci"] = {"registryId": vci["registryId"], "bucketId": vci["bucketId"],
                                   "flowId": vci["flowId"], "version": str(vci["version"]), "state": "UP_TO_DATE"}
        return 201, self._group_entity(gid)

    def n_vci(self, gid, **_):
        g = self.groups[gid]
        return 200, {"processGroupRevision": _rev(g), "versionControlInformation": self._vci_dto(gid)}

    def n_version_change(self, kind, gid, body, **_):
        g = self.groups[gid]
        vci = body["versionControlInformation"]
        missing = [k for k in ("groupId", "registryId", "bucketId", "flowId", "version") if not vci.get(k)]
        if missing or vci["groupId"] != gid:
            raise Reply(400, f"versionControlInformation incomplete or mismatched: {missing}")
        self._check_revision(g, body["processGroupRevision"])
        self._snapshot(vci)
        g["vci"].update(version=str(vci["version"]), state="UP_TO_DATE")
        subtree = set(self._subtree(gid))
        for table in (self.connections, self.processors):  # local additions are discarded
            for cid in [c["id"] for c in self.temp_components() if c["group"] in subtree and c["id"] in table]:
                del table[cid]
        rid = next(self.ids)
        self.requests[rid] = {"id": rid, "polls": 0, "kind": kind, "group": gid}
        return 200, {"request": self._version_request(self.requests[rid]), "processGroupRevision": _rev(g)}

    def _version_request(self, req):
        dto = self._request_entity(req)
        dto["processGroupId"] = req["group"]
        return dto

    def n_version_req(self, kind, rid, **_):
        req = self.requests[rid]
        req["polls"] += 1
        return 200, {"request": self._version_request(req)}

    def n_version_req_delete(self, kind, rid, **_):
        return 200, {"request": self._version_request(self.requests.pop(rid))}

    def n_schedule(self, gid, body, **_):
        if body.get("id") != gid:
            raise Reply(400, "id mismatch")
        state = body["state"]
        started = []
        for p in [*self.processors.values(), *self.ports.values()]:
            if p["group"] in self._subtree(gid):
                if state == "RUNNING" and not self._invalid(p) and p["state"] != "RUNNING":
                    p["state"] = "RUNNING"
                    started.append(p["id"])
                elif state == "STOPPED":
                    p["state"] = "STOPPED"
        for cid in started:
            self._resume(cid)
        return 200, {"id": gid, "state": state}

    def _status_snapshot(self, gid):
        subtree = self._subtree(gid)
        conns = [c for c in self.connections.values() if c["group"] == gid]
        queued = sum(c["queued"] for c in self.connections.values() if c["group"] in subtree)
        return {"id": gid, "name": self.groups[gid]["name"], "flowFilesQueued": queued,
                "queued": f"{queued} (0 bytes)",
                "connectionStatusSnapshots": [{"id": c["id"], "connectionStatusSnapshot": {
                    "id": c["id"], "groupId": gid, "name": "", "sourceName": c["source"][:8],
                    "destinationName": c["destination"][:8], "flowFilesQueued": c["queued"],
                    "percentUseCount": int(100 * c["queued"] / c["threshold"]) if c["threshold"] else 0,
                    "percentUseBytes": 0}} for c in conns],
                "processGroupStatusSnapshots": [{"id": ch, "processGroupStatusSnapshot": self._status_snapshot(ch)}
                                                for ch in self.groups[gid]["children"]]}

    def n_group_status(self, gid, **_):
        ingress_stopped = any(self.groups[g]["name"].startswith("ingress ") and
                              all(p["state"] != "RUNNING" for p in self.processors.values() if p["group"] == g)
                              for g in self._subtree(gid))
        if ingress_stopped and self.drain_per_poll:
            budget = self.drain_per_poll
            for c in self.connections.values():
                take = min(budget, c["queued"])
                c["queued"] -= take
                budget -= take
        return 200, {"processGroupStatus": {"id": gid, "name": self.groups[gid]["name"],
                                            "aggregateSnapshot": self._status_snapshot(gid)}}

    # ---------------------------------------------------------------- controller services

    def _validation(self, s):
        ctx = None
        gid = s["group"]
        while gid and ctx is None:  # the context bound to the service's group (by the group's flow)
            ctx = next((c for c in self.contexts.values() if c["name"] == self._root_name(gid)), None)
            gid = self.groups[gid]["parent"]
        errors = []
        descriptors = self._descriptors(s["type"], s["bundle"]["version"]) or {}
        for key, d in descriptors.items():
            raw = s["properties"].get(key)
            value = raw
            m = re.fullmatch(r"#\{([^}]+)\}", raw or "")
            if m:
                p = (ctx or {"params": {}})["params"].get(m.group(1))
                value = p["value"] if p else None
                if p is None:
                    errors.append(f"'{d['displayName']}' validated against '{raw}' is invalid because Parameter "
                                  f"'{m.group(1)}' is not defined")
                    continue
            if d.get("required") and not value:
                errors.append(f"'{d['displayName']}' is invalid because {d['displayName']} is required")
            elif d.get("typeProvidedByValue") and value and value not in self.services:
                errors.append(f"'{d['displayName']}' validated against '{value}' is invalid because Invalid "
                              f"Controller Service: {value} is not a valid Controller Service Identifier")
            elif key == "bootstrap.servers" and value and ":" not in value:
                errors.append(f"'Bootstrap Servers' validated against '{raw}' is invalid because Must be a "
                              "comma-separated list of host:port")
        for key in s["properties"]:
            if key not in descriptors and s["properties"][key] is not None:
                errors.append(f"'{key}' validated against '{s['properties'][key]}' is invalid because '{key}' is not "
                              "a supported property or has no Validator associated with it")
        return errors

    def _root_name(self, gid):
        while self.groups[gid]["parent"] not in (None, "root"):
            gid = self.groups[gid]["parent"]
        return self.groups[gid]["name"]

    def _service_entity(self, s):
        props = {}
        for k, v in s["properties"].items():
            sensitive = (self._descriptors(s["type"], s["bundle"]["version"]) or {}).get(k, {}).get("sensitive")
            props[k] = MASK if sensitive and v is not None and not re.fullmatch(r"#\{[^}]+\}", v) else v
        errors = self._validation(s)
        comp = {"id": s["id"], "name": s["name"], "type": s["type"], "bundle": s["bundle"], "state": s["state"],
                "properties": props, "versionedComponentId": s["versionedId"], "parentGroupId": s["group"],
                "validationStatus": "INVALID" if errors else "VALID", "validationErrors": errors or None}
        return {"id": s["id"], "revision": _rev(s), "component": comp}

    def n_group_services(self, gid, **_):
        return 200, {"controllerServices": [self._service_entity(s) for s in self.services.values() if s["group"] == gid]}

    def n_create_service(self, gid, body, **_):
        self._require_create(body)
        comp = body["component"]
        sid = next(self.ids)
        self.services[sid] = {"id": sid, "group": gid, "versionedId": None, "name": comp["name"], "type": comp["type"],
                              "bundle": comp["bundle"], "properties": dict(comp.get("properties") or {}),
                              "state": "DISABLED", "revision": 1, "polls": 0}
        return 201, self._service_entity(self.services[sid])

    def n_service_types(self, query, **_):
        # Installed: Kafka, and every type a deployed flow uses (at the bundle it names).
        types = [{"type": KAFKA_SVC, "bundle": KAFKA_BUNDLE}]
        for s in self.services.values():
            if {"type": s["type"], "bundle": s["bundle"]} not in types:
                types.append({"type": s["type"], "bundle": s["bundle"]})
        if query.get("serviceType"):
            types = [t for t in types if t["type"] == query["serviceType"]]
        return 200, {"controllerServiceTypes": types}

    def n_service_definition(self, g, a, v, t, **_):
        installed = {"type": t, "bundle": {"group": g, "artifact": a, "version": v}}
        descriptors = self._descriptors(t, v)
        if descriptors is None or installed not in self.n_service_types({})[1]["controllerServiceTypes"]:
            raise Reply(404, "Unable to find component definition")
        return 200, {"group": g, "artifact": a, "version": v, "type": t, "supportsDynamicProperties": False,
                     "propertyDescriptors": descriptors}

    @staticmethod
    def _descriptors(service_type: str, version: str) -> dict | None:
        """A service type's property descriptors: Kafka's in detail (the tests' allowable values), the other
        types' as NiFi lists the properties the generator sets (from its catalog, per NiFi version)."""
        if service_type == KAFKA_SVC:
            return KAFKA_DESCRIPTORS
        component = next((c for c in nc.COMPONENTS if c.type == service_type), None)
        if component is None or version not in nc.SUPPORTED_NIFI_VERSIONS:
            return None
        target = nc.Target.of(version)
        descriptors = {}
        for prop in component.props:
            key = target.key(component, prop.key)
            descriptors[key] = {"name": key, "displayName": target.display(component, prop.key),
                                "sensitive": prop.sensitive}
            if prop.service_api:  # a service reference: the API it must implement
                descriptors[key]["typeProvidedByValue"] = {"type": prop.service_api, "group": nc.BUNDLE_GROUP}
        return descriptors

    def n_service(self, sid, **_):
        s = self.services[sid]
        if s["state"] in ("ENABLING", "DISABLING"):
            s["polls"] += 1
            if s["state"] == "DISABLING":
                s["state"] = "DISABLED"
            elif s["polls"] >= self.enable_polls and not self._validation(s):
                s["state"] = "ENABLED"
        return 200, self._service_entity(s)

    def n_update_service(self, sid, body, **_):
        s = self.services[sid]
        if s["state"] != "DISABLED":
            raise Reply(409, f"Controller Service {sid} cannot be modified because it is not disabled. "
                             f"Current state is {s['state']}")
        self._check_revision(s, body["revision"])
        for k, v in (body["component"].get("properties") or {}).items():
            if v is None:
                s["properties"].pop(k, None)
            else:
                s["properties"][k] = v
        return 200, self._service_entity(s)

    def n_service_state(self, sid, body, **_):
        s = self.services[sid]
        self._check_revision(s, body["revision"])
        if body["state"] == "DISABLED":
            running = [p for p in self.processors.values() if p["state"] == "RUNNING"
                       and s["versionedId"] in p["properties"].values()]
            if running:
                s["revision"] -= 1
                raise Reply(409, f"Cannot disable controller service {sid} because it is referenced by "
                                 f"{len(running)} running component(s)")
            s["state"] = "DISABLING"
        else:
            s["state"], s["polls"] = "ENABLING", 0
        return 200, self._service_entity(s)

    # ---------------------------------------------------------------- observation

    def n_status(self, **_):
        while self.bulletins_later:
            self.add_bulletin(*self.bulletins_later.pop(0))
        c = self._counts("root")
        queued = sum(x["queued"] for x in self.connections.values())
        return 200, {"controllerStatus": {"flowFilesQueued": queued, "queued": f"{queued} / 0 bytes",
                                          "runningCount": c["runningCount"], "stoppedCount": c["stoppedCount"],
                                          "invalidCount": c["invalidCount"], "activeThreadCount": 0}}

    def n_bulletins(self, query, **_):
        after = int(query.get("after", -1))
        out = [b for b in self.bulletins if b["id"] > after][: int(query.get("limit", 1000))]
        return 200, {"bulletinBoard": {"bulletins": out, "generated": "12:00:00 UTC"}}

    def n_listing(self, cid, **_):
        c = self.connections[cid]
        lid = next(self.ids)
        self.listings[lid] = {"id": lid, "connection": cid}
        return 202, {"listingRequest": {"id": lid, "finished": False, "state": "Waiting",
                                        "queueSize": {"objectCount": c["queued"], "byteCount": 0}}}

    def n_listing_get(self, cid, lid, **_):
        c = self.connections[cid]
        summaries = [{"uuid": f["uuid"], "filename": f["attrs"]["filename"], "position": i + 1,
                      "size": len(f["content"])} for i, f in enumerate(c.get("flowfiles") or [])]
        summaries += [{"uuid": str(uuid.UUID(int=i + 1)), "filename": f"order-{i}.json", "position": i + 1, "size": 10}
                      for i in range(min(c["queued"] - len(summaries), 3))]
        return 200, {"listingRequest": {"id": lid, "finished": True, "state": "Completed", "percentCompleted": 100,
                                        "queueSize": {"objectCount": c["queued"], "byteCount": 0},
                                        "flowFileSummaries": summaries}}

    def n_listing_delete(self, cid, lid, **_):
        self.listings.pop(lid, None)
        return 200, {"listingRequest": {"id": lid, "finished": True}}


class _Handler(BaseHTTPRequestHandler):
    fake: Fake

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, hdrs, body = self.server.fake.handle(self.command, self.path, headers, raw)  # type: ignore[attr-defined]
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, *args):  # keep test output clean
        pass


class FakeServer:
    """`with FakeServer(Fake()) as srv:` -> srv.nifi_url / srv.registry_url on 127.0.0.1."""

    def __init__(self, fake: Fake, ssl_context=None):
        self.fake = fake
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.fake = fake  # type: ignore[attr-defined]
        scheme = "http"
        if ssl_context is not None:
            self.httpd.socket = ssl_context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        host, port = self.httpd.server_address[:2]
        self.base = f"{scheme}://{host}:{port}"
        self.nifi_url = f"{self.base}/nifi-api"
        self.registry_url = f"{self.base}/nifi-registry-api"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
