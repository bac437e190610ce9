"""The NodeHealthy check (the Integration's WorkloadReady condition): each NiFi node's heap and repository disks,
from GET /system-diagnostics.

The design's health signals include node health (seed 000: `/system-diagnostics` for node health). A node that
is short of heap or whose FlowFile, content or provenance repository is nearly full will soon stop processing,
whatever the flow looks like. In a cluster the aggregate averages the nodes, so one node in trouble hardly
shows in it: `nodewise=true` returns one snapshot per node (SystemDiagnosticsResource; a standalone NiFi
ignores the flag and answers the aggregate).
"""
from __future__ import annotations

from .context import Run

HEAP_LIMIT = 90.0  # percent of the maximum heap in use
DISK_LIMIT = 90.0  # percent of a repository's disk in use
REPOSITORIES = (("flowFileRepositoryStorageUsage", "flowfile repo"), ("contentRepositoryStorageUsage", "content repo"),
                ("provenanceRepositoryStorageUsage", "provenance repo"))


def _pct(text: object) -> float | None:
    try:
        return float(str(text).strip().rstrip("%"))
    except ValueError:
        return None


def problems(snapshot: dict) -> tuple[list[str], str]:
    """(what is at or above its limit, a summary) of one node's snapshot."""
    out, parts = [], []
    heap = _pct(snapshot.get("heapUtilization"))
    if heap is not None:
        parts.append(f"heap {heap:g}%")
        if heap >= HEAP_LIMIT:
            out.append(f"heap {heap:g}% used (limit {HEAP_LIMIT:g}%)")
    worst = 0.0
    for key, label in REPOSITORIES:
        usages = snapshot.get(key) or []
        for usage in usages if isinstance(usages, list) else [usages]:
            pct = _pct(usage.get("utilization"))
            if pct is None:
                continue
            worst = max(worst, pct)
            if pct >= DISK_LIMIT:
                out.append(f"{label} '{usage.get('identifier') or 'default'}' {pct:g}% full (limit {DISK_LIMIT:g}%)")
    parts.append(f"repositories at most {worst:g}% full")
    return out, ", ".join(parts)


def node_condition(run: Run) -> tuple[bool, str]:
    diag = (run.nifi.get("/system-diagnostics", params={"nodewise": "true"}, step="assert",
                         component="NiFi system diagnostics") or {}).get("systemDiagnostics") or {}
    nodes = [(n.get("address") or n.get("nodeId") or "node", n.get("snapshot") or {})
             for n in diag.get("nodeSnapshots") or []] or [(None, diag.get("aggregateSnapshot") or {})]
    bad, summaries = [], []
    for name, snapshot in nodes:
        found, summary = problems(snapshot)
        bad += [f"{name}: {p}" if name else p for p in found]
        summaries.append(f"{name}: {summary}" if name else summary)
    return not bad, "; ".join(bad) if bad else "; ".join(summaries)
