"""Provenance: asynchronous queries by NiFi's searchable fields, single events, their output content.

Paths below nifi-web/nifi-web-api/src/main/java/org/apache/nifi/web/api/ unless said.
"""
from __future__ import annotations

from typing import Any, ClassVar

from .core import Reply, Request
from .server import Raw

# nifi-commons/nifi-data-provenance-utils/.../provenance/SearchableFields.java ~34: the identifiers a query's
# searchTerms use
SEARCHABLE = {"Identifier", "EventTime", "FlowFileUUID", "Filename", "EventType", "TransitURI", "ProcessorID",
              "AlternateIdentifierURI", "FileSize", "Details", "Relationship", "LineageStartDate", "LineageIdentifiers",
              "ContentClaimSection", "ContentClaimContainer", "ContentClaimIdentifier", "ContentClaimOffset",
              "SourceQueueIdentifier"}


class ProvenanceMixin:
    provenance_ticks = 1  # requests before a query finishes
    provenance_stuck = False  # it never does

    PROVENANCE_ROUTES: ClassVar[list] = [
        ("POST", r"/provenance", "n_provenance", "ProvenanceEntity", "ProvenanceEntity"),
        ("GET", r"/provenance/([^/]+)", "n_provenance_get", None, "ProvenanceEntity"),
        ("DELETE", r"/provenance/([^/]+)", "n_provenance_delete", None, "ProvenanceEntity"),
        ("GET", r"/provenance-events/([^/]+)", "n_event", None, "ProvenanceEventEntity"),
        ("GET", r"/provenance-events/([^/]+)/content/output", "n_event_content", None, None),
    ]

    def n_provenance(self, req: Request) -> tuple[int, Any]:
        """ProvenanceResource.submitProvenanceRequest: asynchronous (POST, poll until `finished`, DELETE;
        BEHAVIOUR 9). A FlowFileUUID term also finds the events of which the FlowFile is a FORK/CLONE child or
        parent: they are indexed under it (nifi-provenance-repository-bundle/.../lucene/
        ConvertEventToLuceneDocument ~96; BEHAVIOUR 12)."""
        request = req.body["provenance"]["request"]
        terms = {k: v["value"] for k, v in (request.get("searchTerms") or {}).items()}
        unknown = set(terms) - SEARCHABLE
        if unknown:
            raise Reply(400, f"Unknown search term(s): {sorted(unknown)}")

        def hit(e: dict) -> bool:
            uid = terms.get("FlowFileUUID")
            return ((uid is None or uid == e["flowFileUuid"] or uid in e["childUuids"] or uid in e["parentUuids"])
                    and terms.get("ProcessorID", e["componentId"]) == e["componentId"]
                    and terms.get("EventType", e["eventType"]) == e["eventType"])

        found = [{k: v for k, v in e.items() if not k.startswith("_")} for e in self.events if hit(e)]
        q = self.requests.create("provenance", self.now + self.provenance_ticks, request=request,
                                 events=found[: int(request.get("maxResults") or 1000)])
        return 201, self.provenance_entity(q)

    def provenance_entity(self, q: dict) -> dict:
        done = self.now >= q["ready_at"] and not self.provenance_stuck
        events = q["events"] if done else []
        return {"provenance": {"id": q["id"], "uri": f"https://fake/provenance/{q['id']}", "finished": done,
                               "percentCompleted": 100 if done else 0, "request": q["request"],
                               "submissionTime": "01/01/2026 12:00:00.000 UTC",
                               "results": {"provenanceEvents": events, "total": str(len(events)),
                                           "totalCount": len(events), "errors": []}}}

    def n_provenance_get(self, qid: str, req: Request) -> tuple[int, Any]:
        return 200, self.provenance_entity(self.requests.get("provenance", qid))

    def n_provenance_delete(self, qid: str, req: Request) -> tuple[int, Any]:
        return 200, self.provenance_entity(self.requests.delete("provenance", qid))

    def _event(self, eid: str, req: Request) -> dict:
        """ProvenanceEventResource: in a cluster the event's node must be named (`clusterNodeId`)."""
        e = next((e for e in self.events if e["id"] == eid), None)
        if e is None:
            raise Reply(404, f"Unable to find provenance event {eid}")
        if self.nodes > 1 and req.query.get("clusterNodeId") != e["clusterNodeId"]:
            raise Reply(400, "The id of the node in the cluster is required.")
        return e

    def n_event(self, eid: str, req: Request) -> tuple[int, Any]:
        return 200, {"provenanceEvent": {k: v for k, v in self._event(eid, req).items() if not k.startswith("_")}}

    def n_event_content(self, eid: str, req: Request) -> tuple[int, Any]:
        e = self._event(eid, req)
        mime = next((a["value"] for a in e["attributes"] if a["name"] == "mime.type"), "application/octet-stream")
        return 200, Raw(e["_content"], mime)
