"""The data plane: FlowFiles moving through running components, with the provenance events NiFi records.

Not NiFi's engine, only what a client can observe of it: a FlowFile in a connection whose destination runs is
taken (on the next tick); UpdateAttribute sets its literal values; ExecuteScript calls `mapping(name, content,
attributes)` (identity by default; a ValueError routes to `failure`); the senders record SEND (or route to
failure with `send_fails`); a relationship with several connections clones (CLONE); an auto-terminated one
drops (DROP). A funnel with no outgoing connection is never triggered, so FlowFiles wait in front of it
(nifi-framework-core/.../tasks/ConnectableTask.isWorkToDo ~137); so do they in front of a stopped or invalid
port. In a cluster, each FlowFile lives on one node (`clusterNodeId`).
"""
from __future__ import annotations

import math

from .processors import GENERATE, GENERATE_PROPS, LEGACY

CHARSETS = {"UTF-8": "utf-8", "ISO-8859-1": "latin-1", "US-ASCII": "ascii"}
SENDERS = {"InvokeHTTP": ("SEND", "Original", "Failure"), "PublishKafka": ("SEND", "success", "failure"),
           "PublishAMQP": ("SEND", "success", "failure"), "PutS3Object": ("SEND", "success", "failure"),
           "PutMongo": ("SEND", "success", "failure"), "PutDatabaseRecord": ("SEND", "success", "failure")}


class FlowFilesMixin:
    send_fails = False
    stall = False  # nothing moves: FlowFiles stay where they are put
    throughput: int | None = None  # FlowFiles a connection passes per tick; None: all that wait
    mapping = None  # (processor name, content, attributes) -> content, for ExecuteScript

    def _init_flowfiles(self) -> None:
        self.events: list[dict] = []

    def node_id(self, node: int) -> str | None:
        return f"node-{node + 1}" if self.nodes > 1 else None

    def new_flowfile(self, content: bytes, attrs: dict, node: str | None = None) -> dict:
        uid = self.ids()
        return {"uuid": uid, "content": content, "node": node,
                "attrs": {**attrs, "uuid": uid, "filename": attrs.get("filename") or uid, "path": "./"}}

    def event(self, kind: str, ff: dict, comp: dict, **extra: object) -> None:
        eid = len(self.events) + 1
        attrs = [{"name": k, "value": v, "previousValue": None} for k, v in sorted(ff["attrs"].items())]
        self.events.append({"eventId": eid, "id": str(eid), "eventType": kind, "flowFileUuid": ff["uuid"],
                            "componentId": comp["id"], "componentName": comp.get("name") or "funnel",
                            "componentType": (comp.get("type") or "Funnel").rsplit(".", 1)[-1],
                            "groupId": comp["group"], "attributes": attrs, "fileSizeBytes": len(ff["content"]),
                            "outputContentAvailable": True, "parentUuids": [], "childUuids": [],
                            "clusterNodeId": ff.get("node"), "eventTime": "01/01/2026 12:00:00.000 UTC",
                            "_content": ff["content"], **extra})

    def trigger(self, p: dict, node: int) -> None:
        """One run of a source processor (GenerateFlowFile: `Batch Size` FlowFiles of its Custom Text and dynamic
        attributes)."""
        if p["type"] != GENERATE:
            return
        names = {d: (LEGACY.get(k, k) if self.legacy_generate else k) for k, d in GENERATE_PROPS.items()}
        props = p["properties"]
        text = props.get(names["Custom Text"])
        charset = CHARSETS[props.get(names["Character Set"]) or "UTF-8"]
        attrs = {k: v for k, v in props.items() if k not in names.values() and v is not None}
        for _ in range(int(props.get(names["Batch Size"]) or 1)):
            ff = self.new_flowfile(text.encode(charset) if text else b"", dict(attrs), self.node_id(node))
            self.event("CREATE", ff, p)
            self.move(ff, p, "success")

    def process(self, p: dict, ff: dict) -> str:
        """Run one processor on one FlowFile: the relationship it goes to."""
        kind = (p.get("type") or "").rsplit(".", 1)[-1]
        if kind == "UpdateAttribute":
            ff["attrs"].update({k: v for k, v in p["properties"].items() if v and "${" not in v and "#{" not in v})
            self.event("ATTRIBUTES_MODIFIED", ff, p)
            return "success"
        if kind == "ExecuteScript":
            try:
                ff["content"] = (self.mapping or (lambda name, content, attrs: content))(p["name"], ff["content"],
                                                                                          ff["attrs"])
            except ValueError:  # the script failed
                return "failure"
            self.event("CONTENT_MODIFIED", ff, p)
            return "success"
        if kind in SENDERS:
            event, ok, failed = SENDERS[kind]
            if self.send_fails:
                return failed
            uri = p["properties"].get("HTTP URL") or f"{kind.lower()}://{p['properties'].get('Topic Name') or ''}"
            self.event(event, ff, p, transitUri=uri)
            return ok
        return "success"

    def move(self, ff: dict, comp: dict, rel: str) -> bool:
        outs = sorted((c for c in self.connections.values() if c["src"] == comp["id"] and rel in c["rels"]),
                      key=lambda c: c["id"])
        if not outs:
            if rel in (comp.get("autoterm") or ()):
                self.event("DROP", ff, comp, details=f"Auto-Terminated by {rel} Relationship")
            return False
        copies = [ff]
        for _ in outs[1:]:
            # A clone keeps every attribute but `uuid`, its filename included (StandardProcessSession.commit,
            # nifi-framework-components, rel/nifi-2.3.0: `fromFlowFile(currRec)` then a new UUID).
            copies.append(self.new_flowfile(ff["content"], {k: v for k, v in ff["attrs"].items() if k != "uuid"},
                                            ff.get("node")))
        if len(copies) > 1:
            self.event("CLONE", ff, comp, childUuids=[c["uuid"] for c in copies[1:]])
        for c, f in zip(outs, copies):
            c["flowfiles"].append(f)
        return True

    def takes(self, comp: dict) -> bool:
        """Whether a component takes FlowFiles from its incoming queues now."""
        if comp["kind"] == "FUNNEL":
            return any(c["src"] == comp["id"] for c in self.connections.values())
        return comp.get("state") == "RUNNING"

    def resume(self, cid: str) -> None:
        """A started component takes what waits in front of it."""
        self.advance_flowfiles()

    def advance_flowfiles(self) -> None:
        """One tick of processing: each connection passes at most `throughput` FlowFiles (all when None)."""
        if self.stall:
            return
        budget: dict[str, int] = {}
        for _ in range(50):  # until nothing moves (a bounded number of hops per tick)
            moved = False
            for c in sorted(self.connections.values(), key=lambda x: x["id"]):
                dst = self.components.get(c["dst"])
                left = budget.get(c["id"], math.inf if self.throughput is None else self.throughput)
                if not c["flowfiles"] or dst is None or not self.takes(dst) or left <= 0:
                    continue
                take = int(min(left, len(c["flowfiles"])))
                budget[c["id"]] = left - take
                waiting, c["flowfiles"] = c["flowfiles"][:take], c["flowfiles"][take:]
                for ff in waiting:
                    rel = self.process(dst, ff) if dst["kind"] == "PROCESSOR" else ""
                    self.move(ff, dst, rel)
                moved = True
            if not moved:
                return
