"""Health read-outs: the controller status, the bulletin board, and the nodes' system diagnostics.

Paths below nifi-web/nifi-web-api/src/main/java/org/apache/nifi/web/api/ unless said.
"""
from __future__ import annotations

from typing import Any, ClassVar

from .core import Request

GB = 1 << 30


def _storage(ident: str, used_pct: float, total: int = 100 * GB) -> dict:
    used = int(total * used_pct / 100)
    return {"identifier": ident, "totalSpace": f"{total // GB} GB", "totalSpaceBytes": total,
            "usedSpace": f"{used // GB} GB", "usedSpaceBytes": used, "freeSpace": f"{(total - used) // GB} GB",
            "freeSpaceBytes": total - used, "utilization": f"{used_pct:.1f}%"}


class StatusMixin:
    heap_used_pct = 40.0  # per node: `{node index: pct}` overrides in node_heap
    repo_used_pct = 20.0
    node_heap: dict[int, float]
    bulletins_later: list  # (group id, level, message) raised at the next /flow/status
    queued_later: list  # (connection id, count) FlowFiles that arrive at the next /flow/status

    STATUS_ROUTES: ClassVar[list] = [
        ("GET", r"/flow/status", "n_status", None, "ControllerStatusEntity"),
        ("GET", r"/flow/bulletin-board", "n_bulletins", None, "BulletinBoardEntity"),
        ("GET", r"/system-diagnostics", "n_system_diagnostics", None, "SystemDiagnosticsEntity"),
    ]

    def n_status(self, req: Request) -> tuple[int, Any]:
        while self.bulletins_later:
            self.add_bulletin(*self.bulletins_later.pop(0))
        while self.queued_later:
            self.enqueue(*self.queued_later.pop(0))
        c = self.counts("root")
        queued = sum(len(x["flowfiles"]) for x in self.connections.values())
        threads = sum(self.threads(x) for x in self.components.values())
        return 200, {"controllerStatus": {"flowFilesQueued": queued, "queued": f"{queued} / 0 bytes",
                                          "runningCount": c["runningCount"], "stoppedCount": c["stoppedCount"],
                                          "invalidCount": c["invalidCount"], "disabledCount": c["disabledCount"],
                                          "activeThreadCount": threads}}

    def n_bulletins(self, req: Request) -> tuple[int, Any]:
        """FlowResource.getBulletinBoard: `after` (exclusive id) and `limit`."""
        after = int(req.query.get("after", -1))
        out = [b for b in self.bulletins if b["id"] > after][: int(req.query.get("limit", 1000))]
        return 200, {"bulletinBoard": {"bulletins": out, "generated": "12:00:00 UTC"}}

    def _diagnostics(self, node: int | None) -> dict:
        """One node's snapshot; node None: the cluster's aggregate (heap summed over the nodes, so a single node
        short of memory hardly shows in it)."""
        heaps = [self.node_heap.get(n, self.heap_used_pct) for n in range(self.nodes)]
        heap = sum(heaps) / len(heaps) if node is None else heaps[node]
        max_heap = 4 * GB
        used = int(max_heap * heap / 100)
        return {"maxHeap": "4 GB", "maxHeapBytes": max_heap, "totalHeap": "4 GB", "totalHeapBytes": max_heap,
                "usedHeap": f"{used >> 20} MB", "usedHeapBytes": used, "freeHeapBytes": max_heap - used,
                "heapUtilization": f"{heap:.1f}%", "availableProcessors": 4, "processorLoadAverage": 0.5,
                "totalThreads": 120, "daemonThreads": 80, "uptime": "01:00:00.000",
                "flowFileRepositoryStorageUsage": _storage("flowfile", self.repo_used_pct),
                "contentRepositoryStorageUsage": [_storage("default", self.repo_used_pct)],
                "provenanceRepositoryStorageUsage": [_storage("default", self.repo_used_pct)]}

    def n_system_diagnostics(self, req: Request) -> tuple[int, Any]:
        """SystemDiagnosticsResource.getSystemDiagnostics: the aggregate snapshot, and with `nodewise=true` in a
        cluster one snapshot per node (NodeSystemDiagnosticsSnapshotDTO)."""
        out: dict[str, Any] = {"aggregateSnapshot": self._diagnostics(None)}
        if self.nodes > 1 and req.query.get("nodewise") == "true":
            out["nodeSnapshots"] = [{"nodeId": self.node_id(n), "address": f"nifi-{n}", "apiPort": 8443,
                                     "snapshot": self._diagnostics(n)} for n in range(self.nodes)]
        return 200, {"systemDiagnostics": out}
