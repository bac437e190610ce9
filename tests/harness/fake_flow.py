"""The fake NiFi's data plane, for golden cases: components inside a deployed group, FlowFiles, provenance.

Answers like NiFi's REST API does for what the case driver uses: processors (create, configure,
run-status incl. RUN_ONCE, delete), ports' run-status, connections (create, delete), queue drop and
listing requests, asynchronous provenance queries (`finished` false, then true), provenance events and
their output content. NiFi's refusals are modelled, so a wrong order fails here as it would there:
RUN_ONCE of a processor whose `success` goes nowhere, deleting a connection with a queue or a running
end, deleting a processor that still has connections, a stale revision on DELETE.

A FlowFile moves synchronously through running components: UpdateAttribute sets its literal values,
ExecuteScript calls `mapping(name, content, attributes)` (identity by default; a ValueError routes
to `failure`), InvokeHTTP/PublishKafka record SEND (or route to failure with `send_fails`), a relationship
to several connections clones (CLONE event), an auto-terminated one drops (DROP event), and a port with
no outgoing connection (a group's `failure`) keeps the FlowFile queued in front of it.

Knobs: `send_fails`, `stall` (nothing moves: FlowFiles stay where they were put), `provenance_polls`
(GETs before a query finishes), `provenance_stuck` (it never does), `legacy_generate` (GenerateFlowFile's
2.0.0 property names), `mapping`.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import ClassVar

GENERATE = "org.apache.nifi.processors.standard.GenerateFlowFile"
STANDARD = {"group": "org.apache.nifi", "artifact": "nifi-standard-nar", "version": "2.11.0"}
# name -> display name of GenerateFlowFile's properties (current names; 2.0.0 used the legacy ones).
GENERATE_PROPS = {"File Size": "File Size", "Batch Size": "Batch Size", "Data Format": "Data Format",
                  "Unique FlowFiles": "Unique FlowFiles", "Custom Text": "Custom Text",
                  "Character Set": "Character Set", "Mime Type": "Mime Type"}
LEGACY = {"Custom Text": "generate-ff-custom-text", "Character Set": "character-set", "Mime Type": "mime-type"}
CHARSETS = {"UTF-8": "utf-8", "ISO-8859-1": "latin-1", "US-ASCII": "ascii"}
KIND_PATH = {"PROCESSOR": "processors", "INPUT_PORT": "input-ports", "OUTPUT_PORT": "output-ports"}


@dataclass
class Raw:
    """A non-JSON response body (FlowFile content)."""

    data: bytes
    content_type: str


class FlowMixin:
    send_fails = False
    stall = False
    provenance_polls = 1
    provenance_stuck = False
    legacy_generate = False
    mapping = None

    FLOW_ROUTES: ClassVar[list] = [
        ("GET", r"/flow/processor-types", "n_processor_types", None, "ProcessorTypesEntity"),
        ("POST", r"/process-groups/([^/]+)/processors", "n_create_processor", "ProcessorEntity", "ProcessorEntity"),
        ("GET", r"/processors/([^/]+)", "n_processor", None, "ProcessorEntity"),
        ("PUT", r"/processors/([^/]+)", "n_update_processor", "ProcessorEntity", "ProcessorEntity"),
        ("DELETE", r"/processors/([^/]+)", "n_delete_processor", None, "ProcessorEntity"),
        ("PUT", r"/processors/([^/]+)/run-status", "n_processor_state", "ProcessorRunStatusEntity", "ProcessorEntity"),
        ("GET", r"/(input|output)-ports/([^/]+)", "n_port", None, "PortEntity"),
        ("PUT", r"/(input|output)-ports/([^/]+)/run-status", "n_port_state", "PortRunStatusEntity", "PortEntity"),
        ("POST", r"/process-groups/([^/]+)/connections", "n_create_connection", "ConnectionEntity", "ConnectionEntity"),
        ("GET", r"/connections/([^/]+)", "n_connection", None, "ConnectionEntity"),
        ("DELETE", r"/connections/([^/]+)", "n_delete_connection", None, "ConnectionEntity"),
        ("POST", r"/flowfile-queues/([^/]+)/drop-requests", "n_drop", None, "DropRequestEntity"),
        ("GET", r"/flowfile-queues/([^/]+)/drop-requests/([^/]+)", "n_drop_get", None, "DropRequestEntity"),
        ("DELETE", r"/flowfile-queues/([^/]+)/drop-requests/([^/]+)", "n_drop_delete", None, "DropRequestEntity"),
        ("POST", r"/provenance", "n_provenance", "ProvenanceEntity", "ProvenanceEntity"),
        ("GET", r"/provenance/([^/]+)", "n_provenance_get", None, "ProvenanceEntity"),
        ("DELETE", r"/provenance/([^/]+)", "n_provenance_delete", None, "ProvenanceEntity"),
        ("GET", r"/provenance-events/([^/]+)", "n_event", None, "ProvenanceEventEntity"),
        ("GET", r"/provenance-events/([^/]+)/content/output", "n_event_content", None, None),
    ]

    def _init_flow(self):
        self.funnels: dict[str, dict] = {}
        self.events: list[dict] = []
        self.event_ids = itertools.count(1)
        self.queries: dict[str, dict] = {}
        self.drops: dict[str, dict] = {}

    # ---------------------------------------------------------------- test helpers

    def temp_components(self) -> list[dict]:
        """Components without a versioned id: what a client added to a deployed group."""
        return [c for t in (self.processors, self.connections) for c in t.values() if c.get("versionedId") is None]

    def queued_uuids(self) -> dict[str, list[str]]:
        return {c["id"]: [f["uuid"] for f in c["flowfiles"]] for c in self.connections.values() if c["flowfiles"]}

    # ---------------------------------------------------------------- entities

    def _where(self, cid):
        for kind, table in (("PROCESSOR", self.processors), ("FUNNEL", self.funnels)):
            if cid in table:
                return kind, table[cid]
        if cid in self.ports:
            return self.ports[cid]["kind"], self.ports[cid]
        raise self.Reply(404, f"Unable to find component with id '{cid}'.")

    def _generate_names(self):
        return {(LEGACY.get(k, k) if self.legacy_generate else k): d for k, d in GENERATE_PROPS.items()}

    def _processor_entity(self, p):
        descriptors = {}
        if p.get("type") == GENERATE:
            descriptors = {n: {"name": n, "displayName": d, "dynamic": False} for n, d in self._generate_names().items()}
            descriptors.update({k: {"name": k, "displayName": k, "dynamic": True}
                                for k in p["properties"] if k not in descriptors})
        errors = self._processor_errors(p)
        comp = {"id": p["id"], "name": p["name"], "type": p.get("type"), "state": p["state"], "parentGroupId": p["group"],
                "versionedComponentId": p.get("versionedId"), "bundle": p.get("bundle"),
                "config": {"properties": dict(p["properties"]), "descriptors": descriptors,
                           "autoTerminatedRelationships": sorted(p.get("autoterm") or [])},
                "validationStatus": "INVALID" if errors else "VALID", "validationErrors": errors or None}
        run = "Running" if p["state"] == "RUNNING" else "Stopped"
        return {"id": p["id"], "revision": {"version": p.get("revision", 1)}, "component": comp,
                "status": {"id": p["id"], "groupId": p["group"], "runStatus": run,
                           "aggregateSnapshot": {"id": p["id"], "activeThreadCount": 0, "runStatus": run}}}

    def _port_entity(self, p):
        comp = {"id": p["id"], "name": p["name"], "type": p["kind"], "state": p["state"], "parentGroupId": p["group"],
                "versionedComponentId": p.get("versionedId")}
        return {"id": p["id"], "revision": {"version": p.get("revision", 1)}, "component": comp, "portType": p["kind"],
                "status": {"id": p["id"], "groupId": p["group"],
                           "aggregateSnapshot": {"id": p["id"], "activeThreadCount": 0}}}

    def _connectable(self, cid):
        kind, c = self._where(cid)
        return {"id": cid, "groupId": c["group"], "type": kind, "name": c.get("name") or "funnel"}

    def _connection_entity(self, c):
        src, dst = self._connectable(c["src"]), self._connectable(c["dst"])
        comp = {"id": c["id"], "name": c.get("name") or "", "parentGroupId": c["group"], "source": src,
                "destination": dst, "selectedRelationships": sorted(c["rels"]),
                "versionedComponentId": c.get("versionedId")}
        return {"id": c["id"], "revision": {"version": c.get("revision", 1)}, "component": comp,
                "sourceId": src["id"], "sourceGroupId": src["groupId"], "sourceType": src["type"],
                "destinationId": dst["id"], "destinationGroupId": dst["groupId"], "destinationType": dst["type"],
                "status": {"id": c["id"], "groupId": c["group"],
                           "aggregateSnapshot": {"id": c["id"], "flowFilesQueued": c["queued"]}}}

    def _flow_components(self, gid):
        """The FlowDTO lists of one group (GET /flow/process-groups/{id})."""
        pick = lambda table: [x for x in table.values() if x["group"] == gid]
        return {"processors": [self._processor_entity(p) for p in pick(self.processors)],
                "inputPorts": [self._port_entity(p) for p in pick(self.ports) if p["kind"] == "INPUT_PORT"],
                "outputPorts": [self._port_entity(p) for p in pick(self.ports) if p["kind"] == "OUTPUT_PORT"],
                "funnels": [{"id": f["id"], "component": {"id": f["id"], "parentGroupId": gid,
                                                          "versionedComponentId": f["versionedId"]}}
                            for f in pick(self.funnels)],
                "connections": [self._connection_entity(c) for c in pick(self.connections)]}

    def _check_delete_revision(self, entity, query):
        if "version" not in query or not query.get("clientId"):
            raise self.Reply(400, "Revision must be specified.")
        if int(query["version"]) != entity.get("revision", 1):
            raise self.Reply(409, f"Error: [{query['version']}, {query['clientId']}] is not the most up-to-date "
                                  "revision. This component appears to have been modified")

    # ---------------------------------------------------------------- processors

    def n_processor_types(self, query, **_):
        types = [{"type": GENERATE, "bundle": STANDARD}]
        return 200, {"processorTypes": [t for t in types if query.get("type") in (None, t["type"])]}

    def n_create_processor(self, gid, body, **_):
        self._require_create(body)
        comp = body["component"]
        if comp.get("type") != GENERATE or comp.get("bundle") != STANDARD:
            raise self.Reply(400, f"Unable to find bundle for {comp.get('type')} {comp.get('bundle')}")
        pid = next(self.ids)
        self.processors[pid] = {"id": pid, "group": gid, "versionedId": None, "name": comp.get("name") or "GenerateFlowFile",
                                "type": GENERATE, "bundle": STANDARD, "state": "STOPPED", "revision": 1,
                                "properties": {n: None for n in self._generate_names()}, "autoterm": set()}
        return 201, self._processor_entity(self.processors[pid])

    def n_processor(self, pid, **_):
        if pid not in self.processors:
            raise self.Reply(404, f"Unable to locate processor with id '{pid}'.")
        return 200, self._processor_entity(self.processors[pid])

    def n_update_processor(self, pid, body, **_):
        p = self.processors[pid]
        if p["state"] == "RUNNING":
            raise self.Reply(409, f"{pid} is not stopped")
        self._check_revision(p, body["revision"])
        for k, v in ((body["component"].get("config") or {}).get("properties") or {}).items():
            p["properties"][k] = v  # a name that is not a descriptor becomes a dynamic property, as in NiFi
        return 200, self._processor_entity(p)

    def _processor_errors(self, p):
        if p.get("type") != GENERATE:
            return []
        if not any(c["src"] == p["id"] and "success" in c["rels"] for c in self.connections.values()):
            return [("'Relationship success' is invalid because Relationship 'success' is not connected to any "
                    "component and is not auto-terminated")]
        return []

    def n_processor_state(self, pid, body, **_):
        p = self.processors[pid]
        self._check_revision(p, body["revision"])
        state = body["state"]
        if state == "RUN_ONCE":
            if p["state"] != "STOPPED" or self._processor_errors(p):
                p["revision"] -= 1
                raise self.Reply(409, f"{p['name']} is not in a valid state to run once: "
                                      + "; ".join(self._processor_errors(p) or [p["state"]]))
            self._generate(p)
        else:
            p["state"] = state
        return 200, self._processor_entity(p)

    def n_delete_processor(self, pid, query, **_):
        p = self.processors.get(pid)
        if p is None:
            raise self.Reply(404, f"Unable to locate processor with id '{pid}'.")
        self._check_delete_revision(p, query)
        if p["state"] == "RUNNING" or any(pid in (c["src"], c["dst"]) for c in self.connections.values()):
            raise self.Reply(409, f"Processor {pid} is running or has connections")
        del self.processors[pid]
        return 200, self._processor_entity(p)

    def n_port(self, kind, pid, **_):
        if pid not in self.ports:
            raise self.Reply(404, f"Unable to locate port with id '{pid}'.")
        return 200, self._port_entity(self.ports[pid])

    def n_port_state(self, kind, pid, body, **_):
        p = self.ports[pid]
        self._check_revision(p, body["revision"])
        p["state"] = body["state"]
        if p["state"] == "RUNNING":
            self._resume(pid)
        return 200, self._port_entity(p)

    # ---------------------------------------------------------------- connections and queues

    def n_create_connection(self, gid, body, **_):
        self._require_create(body)
        comp = body["component"]
        src, dst = comp["source"], comp["destination"]
        for end in (src, dst):
            kind, c = self._where(end["id"])
            if end.get("type") != kind or end.get("groupId") != c["group"]:
                raise self.Reply(400, f"Connectable {end} does not match the component ({kind} in {c['group']})")
        if not comp.get("selectedRelationships") and self._where(src["id"])[0] == "PROCESSOR":
            raise self.Reply(400, "Connections for processors must specify which relationship(s) to include.")
        cid = next(self.ids)
        self.connections[cid] = {"id": cid, "group": gid, "versionedId": None, "name": comp.get("name"), "queued": 0,
                                 "threshold": 10000, "source": src["id"], "destination": dst["id"], "src": src["id"],
                                 "dst": dst["id"], "rels": set(comp.get("selectedRelationships") or [""]),
                                 "flowfiles": [], "revision": 1}
        return 201, self._connection_entity(self.connections[cid])

    def n_connection(self, cid, **_):
        if cid not in self.connections:
            raise self.Reply(404, f"Unable to locate connection with id '{cid}'.")
        return 200, self._connection_entity(self.connections[cid])

    def n_delete_connection(self, cid, query, **_):
        c = self.connections.get(cid)
        if c is None:
            raise self.Reply(404, f"Unable to locate connection with id '{cid}'.")
        self._check_delete_revision(c, query)
        if c["queued"]:
            raise self.Reply(409, f"Cannot delete connection {cid}: Queue not empty for {cid}")
        for end, label in ((c["src"], "Source"), (c["dst"], "Destination")):
            kind, comp = self._where(end)
            if kind != "FUNNEL" and comp.get("state") == "RUNNING":
                raise self.Reply(409, f"{label} of Connection ({end}) is running")
        entity = self._connection_entity(c)
        del self.connections[cid]
        return 200, entity

    def n_drop(self, cid, **_):
        c = self.connections[cid]
        rid = next(self.ids)
        self.drops[rid] = {"id": rid, "connection": cid, "original": c["queued"]}
        return 202, {"dropRequest": {"id": rid, "finished": False, "state": "Waiting", "percentCompleted": 0,
                                     "originalCount": c["queued"]}}

    def n_drop_get(self, cid, rid, **_):
        c, req = self.connections[cid], self.drops[rid]
        c["queued"], c["flowfiles"] = 0, []
        return 200, {"dropRequest": {"id": rid, "finished": True, "state": "Completed", "percentCompleted": 100,
                                     "originalCount": req["original"], "droppedCount": req["original"],
                                     "currentCount": 0}}

    def n_drop_delete(self, cid, rid, **_):
        req = self.drops.pop(rid)
        return 200, {"dropRequest": {"id": rid, "finished": True, "droppedCount": req["original"]}}

    # ---------------------------------------------------------------- FlowFiles

    def _event(self, kind, ff, comp, **extra):
        eid = next(self.event_ids)
        attrs = [{"name": k, "value": v, "previousValue": None} for k, v in sorted(ff["attrs"].items())]
        self.events.append({"eventId": eid, "id": str(eid), "eventType": kind, "flowFileUuid": ff["uuid"],
                            "componentId": comp["id"], "componentName": comp.get("name") or "funnel",
                            "componentType": (comp.get("type") or "Funnel").rsplit(".", 1)[-1],
                            "groupId": comp["group"], "attributes": attrs, "fileSizeBytes": len(ff["content"]),
                            "outputContentAvailable": True, "parentUuids": [], "childUuids": [],
                            "eventTime": "01/01/2026 12:00:00.000 UTC", "_content": ff["content"], **extra})

    def _new_flowfile(self, content, attrs):
        uid = next(self.ids)
        return {"uuid": uid, "content": content, "attrs": {**attrs, "uuid": uid, "filename": uid, "path": "./"}}

    def _generate(self, p):
        names = {d: n for n, d in self._generate_names().items()}  # display name -> name
        props = p["properties"]
        text = props.get(names["Custom Text"])
        charset = CHARSETS[props.get(names["Character Set"]) or "UTF-8"]
        attrs = {k: v for k, v in props.items() if k not in names.values() and v is not None}
        ff = self._new_flowfile(text.encode(charset) if text else b"", attrs)
        self._event("CREATE", ff, p)
        self._move(ff, p, "success")

    def _process(self, p, ff):
        """Run one processor on one FlowFile: the relationship it goes to."""
        kind = (p.get("type") or "").rsplit(".", 1)[-1]
        if kind == "UpdateAttribute":
            ff["attrs"].update({k: v for k, v in p["properties"].items() if v and "${" not in v and "#{" not in v})
            self._event("ATTRIBUTES_MODIFIED", ff, p)
            return "success"
        if kind == "ExecuteScript":
            try:
                ff["content"] = (self.mapping or (lambda name, content, attrs: content))(p["name"], ff["content"],
                                                                                          ff["attrs"])
            except ValueError:  # the script failed
                return "failure"
            self._event("CONTENT_MODIFIED", ff, p)
            return "success"
        if kind in ("InvokeHTTP", "PublishKafka"):
            if self.send_fails:
                return "Failure" if kind == "InvokeHTTP" else "failure"
            uri = p["properties"].get("HTTP URL") or f"kafka://{p['properties'].get('Topic Name')}"
            self._event("SEND", ff, p, transitUri=uri)
            return "Original" if kind == "InvokeHTTP" else "success"
        return "success"

    def _move(self, ff, comp, rel):
        outs = sorted((c for c in self.connections.values() if c["src"] == comp["id"] and rel in c["rels"]),
                      key=lambda c: c["id"])
        if not outs:
            if rel in (comp.get("autoterm") or ()):
                self._event("DROP", ff, comp, details=f"Auto-Terminated by {rel} Relationship")
            return False
        copies = [ff]
        for _ in outs[1:]:
            clone = self._new_flowfile(ff["content"], {k: v for k, v in ff["attrs"].items()
                                                       if k not in ("uuid", "filename")})
            copies.append(clone)
        if len(copies) > 1:
            self._event("CLONE", ff, comp, childUuids=[c["uuid"] for c in copies[1:]])
        for c, f in zip(outs, copies):
            self._enter(f, c)
        return True

    def _enter(self, ff, conn):
        """ff arrives in conn: the destination takes it if it runs, else it waits there."""
        kind, dst = self._where(conn["dst"])
        if self.stall or (kind != "FUNNEL" and dst.get("state") != "RUNNING"):
            conn["flowfiles"].append(ff)
            conn["queued"] += 1
            return
        rel = self._process(dst, ff) if kind == "PROCESSOR" else ""
        if not self._move(ff, dst, rel) and kind != "PROCESSOR":
            conn["flowfiles"].append(ff)  # a port that leads nowhere (a `failure` port) holds it in front
            conn["queued"] += 1

    def _resume(self, comp_id):
        """A started component takes what waits in front of it."""
        for c in list(self.connections.values()):
            if c["dst"] == comp_id and c["flowfiles"] and not self.stall:
                waiting, c["flowfiles"] = c["flowfiles"], []
                c["queued"] -= len(waiting)
                for ff in waiting:
                    self._enter(ff, c)

    # ---------------------------------------------------------------- provenance

    def _event_dto(self, e):
        return {k: v for k, v in e.items() if not k.startswith("_")}

    def n_provenance(self, body, **_):
        request = body["provenance"]["request"]
        terms = {k: v["value"] for k, v in (request.get("searchTerms") or {}).items()}
        unknown = set(terms) - {"FlowFileUUID", "ProcessorID", "EventType"}
        if unknown:
            raise self.Reply(400, f"fake: unsupported search terms {sorted(unknown)}")

        def hit(e):
            uid = terms.get("FlowFileUUID")
            return ((uid is None or uid == e["flowFileUuid"] or uid in e["childUuids"] or uid in e["parentUuids"])
                    and terms.get("ProcessorID", e["componentId"]) == e["componentId"]
                    and terms.get("EventType", e["eventType"]) == e["eventType"])

        qid = next(self.ids)
        found = [self._event_dto(e) for e in self.events if hit(e)][: int(request.get("maxResults") or 1000)]
        self.queries[qid] = {"id": qid, "polls": 0, "request": request, "events": found}
        return 201, self._provenance_entity(self.queries[qid])

    def _provenance_entity(self, q):
        done = q["polls"] >= self.provenance_polls and not self.provenance_stuck
        events = q["events"] if done else []
        return {"provenance": {"id": q["id"], "uri": f"http://fake/provenance/{q['id']}", "finished": done,
                               "percentCompleted": 100 if done else 0, "request": q["request"],
                               "submissionTime": "01/01/2026 12:00:00.000 UTC",
                               "results": {"provenanceEvents": events, "total": str(len(events)),
                                           "totalCount": len(events), "errors": []}}}

    def n_provenance_get(self, qid, **_):
        q = self.queries[qid]
        q["polls"] += 1
        return 200, self._provenance_entity(q)

    def n_provenance_delete(self, qid, **_):
        return 200, self._provenance_entity(self.queries.pop(qid))

    def _find_event(self, eid):
        e = next((e for e in self.events if e["id"] == eid), None)
        if e is None:
            raise self.Reply(404, f"Unable to find provenance event {eid}")
        return e

    def n_event(self, eid, **_):
        return 200, {"provenanceEvent": self._event_dto(self._find_event(eid))}

    def n_event_content(self, eid, **_):
        e = self._find_event(eid)
        mime = next((a["value"] for a in e["attributes"] if a["name"] == "mime.type"), "application/octet-stream")
        return 200, Raw(e["_content"], mime)
