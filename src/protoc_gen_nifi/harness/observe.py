"""What NiFi recorded about a case's FlowFiles, read through the REST API: provenance queries, one
event's attributes and output content, and whether a FlowFile waits in a queue.

A query is asynchronous: POST /provenance, poll GET /provenance/{id} until `finished`, then DELETE it
(NiFi keeps finished queries until they expire otherwise; BEHAVIOUR 9). Every wait is bounded by the caller's
deadline. Where a FlowFile waits is asked by UUID, never by a listing, which NiFi caps at 100 (BEHAVIOUR 8).
Search-term keys are NiFi's SearchableFields identifiers (`FlowFileUUID`, `ProcessorID`, `EventType`, ...).
"""
from __future__ import annotations

import time

from .context import Run

STEP = "cases"


def query(run: Run, terms: dict[str, str], *, deadline: float, component: str) -> list[dict]:
    body = {"provenance": {"request": {
        "maxResults": 1000, "summarize": False, "incrementalResults": False,
        "searchTerms": {k: {"value": v, "inverse": False} for k, v in terms.items()}}}}
    prov = run.nifi.async_request("/provenance", "provenance", body=body, step=STEP, component=component,
                                  what="NiFi's provenance query", fix="check NiFi's provenance repository",
                                  timeout=max(0.0, deadline - time.monotonic()))
    return list((prov.get("results") or {}).get("provenanceEvents") or [])


def in_queue(run: Run, connection_id: str, uuid: str, node: str | None, *, component: str) -> bool:
    """Whether a FlowFile waits in a connection: GET /flowfile-queues/{id}/flowfiles/{uuid} (404: not there).
    Unlike a listing, it is not capped at 100 FlowFiles (StandardConnectionDAO.getFlowFile); in a cluster NiFi
    needs the FlowFile's node."""
    found = run.nifi.get(f"/flowfile-queues/{connection_id}/flowfiles/{uuid}",
                         params={"clusterNodeId": node} if node else None, step=STEP, component=component,
                         allow_404=True)
    return found is not None


def _node(event: dict) -> dict | None:
    return {"clusterNodeId": event["clusterNodeId"]} if event.get("clusterNodeId") else None


def attributes(run: Run, event: dict, *, component: str) -> dict[str, str]:
    """The FlowFile's attributes at this event (read from the full event, which always carries them)."""
    full = run.nifi.get(f"/provenance-events/{event['id']}", params=_node(event), step=STEP,
                        component=component)["provenanceEvent"]
    return {a["name"]: a.get("value") for a in full.get("attributes") or [] if a.get("value") is not None}


def output_content(run: Run, event: dict, *, component: str) -> bytes | None:
    """The content the FlowFile had after this event (for SEND: what was sent); None if not available."""
    if event.get("outputContentAvailable") is False:
        return None
    return run.nifi.get_bytes(f"/provenance-events/{event['id']}/content/output", params=_node(event),
                              step=STEP, component=component)
