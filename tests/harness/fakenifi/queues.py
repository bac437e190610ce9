"""Connections and their queues: creation and deletion rules, queue listings (at most 100 FlowFiles), drop
requests, one FlowFile by UUID, and emptying every queue of a group.

Paths below nifi-framework-components/src/main/java/org/apache/nifi/ and nifi-web/nifi-web-api/src/main/java/
org/apache/nifi/web/ unless said.
"""
from __future__ import annotations

from typing import Any, ClassVar

from .core import Reply, Request, check_delete_rev, new_rev, rev_dto

LISTING_MAX = 100  # dao/impl/StandardConnectionDAO.createFlowFileListingRequest ~404: listFlowFiles(id, 100)


class QueuesMixin:
    QUEUE_ROUTES: ClassVar[list] = [
        ("POST", r"/process-groups/([^/]+)/connections", "n_create_connection", "ConnectionEntity", "ConnectionEntity"),
        ("GET", r"/connections/([^/]+)", "n_connection", None, "ConnectionEntity"),
        ("DELETE", r"/connections/([^/]+)", "n_delete_connection", None, "ConnectionEntity"),
        ("POST", r"/flowfile-queues/([^/]+)/listing-requests", "n_listing", None, "ListingRequestEntity"),
        ("GET", r"/flowfile-queues/([^/]+)/listing-requests/([^/]+)", "n_listing_get", None, "ListingRequestEntity"),
        ("DELETE", r"/flowfile-queues/([^/]+)/listing-requests/([^/]+)", "n_listing_delete", None,
         "ListingRequestEntity"),
        ("GET", r"/flowfile-queues/([^/]+)/flowfiles/([^/]+)", "n_flowfile", None, "FlowFileEntity"),
        ("POST", r"/flowfile-queues/([^/]+)/drop-requests", "n_drop", None, "DropRequestEntity"),
        ("GET", r"/flowfile-queues/([^/]+)/drop-requests/([^/]+)", "n_drop_get", None, "DropRequestEntity"),
        ("DELETE", r"/flowfile-queues/([^/]+)/drop-requests/([^/]+)", "n_drop_delete", None, "DropRequestEntity"),
        ("POST", r"/process-groups/([^/]+)/empty-all-connections-requests", "n_empty_all", None, "DropRequestEntity"),
        ("GET", r"/process-groups/([^/]+)/empty-all-connections-requests/([^/]+)", "n_empty_all_get", None,
         "DropRequestEntity"),
        ("DELETE", r"/process-groups/([^/]+)/empty-all-connections-requests/([^/]+)", "n_empty_all_delete", None,
         "DropRequestEntity"),
    ]

    # ------------------------------------------------------------ entities

    def connectable(self, cid: str) -> dict:
        c = self.components.get(cid)
        if c is None:
            raise Reply(404, f"Unable to find component with id '{cid}'.")
        return {"id": cid, "groupId": c["group"], "type": c["kind"], "name": c.get("name") or "funnel"}

    def connection_status(self, c: dict) -> dict:
        src, dst = self.components[c["src"]], self.components[c["dst"]]
        n = len(c["flowfiles"])
        return {"id": c["id"], "groupId": c["group"], "name": c.get("name") or "",
                "sourceName": src.get("name") or "funnel", "destinationName": dst.get("name") or "funnel",
                "flowFilesQueued": n, "queuedCount": str(n), "percentUseCount": int(100 * n / c["threshold"]),
                "percentUseBytes": 0}

    def connection_entity(self, c: dict) -> dict:
        src, dst = self.connectable(c["src"]), self.connectable(c["dst"])
        comp = {"id": c["id"], "name": c.get("name") or "", "parentGroupId": c["group"], "source": src,
                "destination": dst, "selectedRelationships": sorted(c["rels"] - {""}) or None,
                "backPressureObjectThreshold": c["threshold"], "versionedComponentId": c.get("versionedId")}
        return {"id": c["id"], "revision": rev_dto(c), "component": comp, "sourceId": src["id"],
                "sourceGroupId": src["groupId"], "sourceType": src["type"], "destinationId": dst["id"],
                "destinationGroupId": dst["groupId"], "destinationType": dst["type"],
                "status": {"id": c["id"], "groupId": c["group"], "aggregateSnapshot": self.connection_status(c)}}

    def connection(self, cid: str) -> dict:
        if cid not in self.connections:
            raise Reply(404, f"Unable to locate connection with id '{cid}'.")
        return self.connections[cid]

    # ------------------------------------------------------------ connections

    def n_create_connection(self, gid: str, req: Request) -> tuple[int, Any]:
        """dao/impl/StandardConnectionDAO.verifyCreate ~408: the ends must exist as given (type, group); a
        processor source needs selected relationships. Adding a connection resets the validation of both ends
        (StandardProcessorNode ~729: they are VALIDATING for a moment; BEHAVIOUR 7)."""
        self.group(gid)
        rev = new_rev(req.body, "Connection")
        comp = req.body["component"]
        src, dst = comp["source"], comp["destination"]
        for end in (src, dst):
            actual = self.connectable(end["id"])
            if end.get("type") != actual["type"] or end.get("groupId") != actual["groupId"]:
                raise Reply(400, f"Connectable {end} does not match the component ({actual['type']} in "
                                 f"{actual['groupId']})")
        if not comp.get("selectedRelationships") and self.components[src["id"]]["kind"] == "PROCESSOR":
            raise Reply(400, "Connections for processors must specify which relationship(s) to include.")
        cid = self.ids()
        self.connections[cid] = {"id": cid, "group": gid, "versionedId": None, "name": comp.get("name") or "",
                                 "src": src["id"], "dst": dst["id"], "rev": rev, "flowfiles": [],
                                 "rels": set(comp.get("selectedRelationships") or [""]),
                                 "threshold": comp.get("backPressureObjectThreshold") or 10000}
        self.revalidate(src["id"], dst["id"])
        return 201, self.connection_entity(self.connections[cid])

    def n_connection(self, cid: str, req: Request) -> tuple[int, Any]:
        return 200, self.connection_entity(self.connection(cid))

    def n_delete_connection(self, cid: str, req: Request) -> tuple[int, Any]:
        """connectable/StandardConnection.verifyCanDelete ~491: the queue must be empty, the source stopped
        (a funnel's sources, recursively) and the destination not running, unless a funnel (409)."""
        c = self.connection(cid)
        check_delete_rev(c, req.query)
        if c["flowfiles"]:
            raise Reply(409, f"Queue not empty for {cid}")
        for end, label in ((c["src"], "Source"), (c["dst"], "Destination")):
            comp = self.components[end]
            if comp["kind"] != "FUNNEL" and self.is_running(comp):
                raise Reply(409, f"{label} of Connection ({end}) is running")
        entity = self.connection_entity(c)
        del self.connections[cid]
        self.revalidate(c["src"], c["dst"])
        return 200, entity

    # ------------------------------------------------------------ listings, lookups, drops (asynchronous)

    def listing_dto(self, r: dict) -> dict:
        c = self.connections[r["connection"]]
        done = self.now >= r["ready_at"]
        dto = {"id": r["id"], "uri": f"https://fake/{r['id']}", "finished": done, "percentCompleted": 100 if done else 0,
               "state": "Completed" if done else "Waiting for other queue requests to complete",
               "queueSize": {"objectCount": len(c["flowfiles"]), "byteCount": sum(len(f["content"])
                                                                                  for f in c["flowfiles"])},
               "maxResults": LISTING_MAX}
        if done:
            dto["flowFileSummaries"] = [{"uuid": f["uuid"], "filename": f["attrs"].get("filename"), "position": i + 1,
                                         "size": len(f["content"]), "penalized": False}
                                        for i, f in enumerate(c["flowfiles"][:LISTING_MAX])]
        return dto

    def n_listing(self, cid: str, req: Request) -> tuple[int, Any]:
        """api/FlowFileQueueResource.createFlowFileListing: 202 and a request that finishes later; the listing
        holds at most 100 FlowFiles however many are queued (BEHAVIOUR 8)."""
        self.connection(cid)
        r = self.requests.create("listing", self.now + self.async_ticks, connection=cid)
        return 202, {"listingRequest": self.listing_dto(r)}

    def n_listing_get(self, cid: str, lid: str, req: Request) -> tuple[int, Any]:
        return 200, {"listingRequest": self.listing_dto(self.requests.get("listing", lid))}

    def n_listing_delete(self, cid: str, lid: str, req: Request) -> tuple[int, Any]:
        return 200, {"listingRequest": self.listing_dto(self.requests.delete("listing", lid))}

    def n_flowfile(self, cid: str, uuid: str, req: Request) -> tuple[int, Any]:
        """api/FlowFileQueueResource.getFlowFile: in a cluster `clusterNodeId` is required (400); dao/impl/
        StandardConnectionDAO.getFlowFile ~173: a FlowFile not in the active queue is 404 (no cap)."""
        c = self.connection(cid)
        if self.nodes > 1 and not req.query.get("clusterNodeId"):
            raise Reply(400, "The id of the node in the cluster is required.")
        for i, f in enumerate(c["flowfiles"]):
            if f["uuid"] == uuid and (self.nodes == 1 or f.get("node") == req.query.get("clusterNodeId")):
                return 200, {"flowFile": {"uuid": uuid, "filename": f["attrs"].get("filename"), "position": i + 1,
                                          "size": len(f["content"]), "attributes": dict(f["attrs"]),
                                          "clusterNodeId": f.get("node")}}
        raise Reply(404, f"The FlowFile with UUID {uuid} is no longer in the active queue.")

    def drop_dto(self, r: dict) -> dict:
        done = self.now >= r["ready_at"]
        if done and not r.get("dropped"):
            for cid in r["connections"]:
                self.connections[cid]["flowfiles"] = []
            r["dropped"] = True
        return {"id": r["id"], "uri": f"https://fake/{r['id']}", "finished": done,
                "percentCompleted": 100 if done else 0, "state": "Completed" if done else "Dropping FlowFiles",
                "originalCount": r["original"], "droppedCount": r["original"] if done else 0,
                "currentCount": 0 if done else r["original"]}

    def _drop(self, kind: str, cids: list[str]) -> dict:
        original = sum(len(self.connections[c]["flowfiles"]) for c in cids)
        return self.requests.create(kind, self.now + self.async_ticks, connections=cids, original=original)

    def n_drop(self, cid: str, req: Request) -> tuple[int, Any]:
        self.connection(cid)
        return 202, {"dropRequest": self.drop_dto(self._drop("drop", [cid]))}

    def n_drop_get(self, cid: str, rid: str, req: Request) -> tuple[int, Any]:
        return 200, {"dropRequest": self.drop_dto(self.requests.get("drop", rid))}

    def n_drop_delete(self, cid: str, rid: str, req: Request) -> tuple[int, Any]:
        return 200, {"dropRequest": self.drop_dto(self.requests.delete("drop", rid))}

    def n_empty_all(self, gid: str, req: Request) -> tuple[int, Any]:
        """api/ProcessGroupResource.createEmptyAllConnectionsRequest: one drop request for every queue of the
        group and its descendants."""
        subtree = set(self.subtree(gid))
        cids = sorted(c for c, x in self.connections.items() if x["group"] in subtree)
        return 202, {"dropRequest": self.drop_dto(self._drop("empty-all", cids))}

    def n_empty_all_get(self, gid: str, rid: str, req: Request) -> tuple[int, Any]:
        return 200, {"dropRequest": self.drop_dto(self.requests.get("empty-all", rid))}

    def n_empty_all_delete(self, gid: str, rid: str, req: Request) -> tuple[int, Any]:
        return 200, {"dropRequest": self.drop_dto(self.requests.delete("empty-all", rid))}

    # ------------------------------------------------------------ what tests do to queues

    def enqueue(self, cid: str, n: int, **attrs: str) -> list[str]:
        """Put n FlowFiles in a queue (as if they had arrived); their UUIDs."""
        out = []
        for _ in range(n):
            ff = self.new_flowfile(b"{}", dict(attrs))
            self.connections[cid]["flowfiles"].append(ff)
            out.append(ff["uuid"])
        return out
