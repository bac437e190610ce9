"""The fake NiFi Registry, on its own: the calls of the harness and of NiFi's own registry client, answered as
NiFi Registry's source says, and a server a real NiFi's NifiRegistryFlowRegistryClient can be pointed at.

NiFi's client (nifi-extension-bundles/nifi-flow-registry-client-bundle/.../NifiRegistryFlowRegistryClient.java,
the same at rel/nifi-2.3.0 and rel/nifi-2.11.0) appends `/nifi-registry-api` to its `url` property
(nifi-registry/nifi-registry-core/nifi-registry-client/.../impl/JerseyNiFiRegistryClient.java ~90) and sends:
GET /buckets, GET /buckets/{b} (JerseyBucketClient); GET /buckets/{b}/flows, GET /buckets/{b}/flows/{f}
(JerseyFlowClient: the latest version is the flow's `versionCount`); GET /buckets/{b}/flows/{f}/versions and
GET /buckets/{b}/flows/{f}/versions/{v} (JerseyFlowSnapshotClient: the snapshot's `flow` must be present, NiFi
reads `snapshot.getFlow().getVersionCount()`); POST /buckets/{b}/flows and POST .../versions when a user
commits. Registry paths below cite nifi-registry/nifi-registry-core/ (nifi-registry-framework/.../service/
RegistryService.java, nifi-registry-web-api/.../web/service/StandardServiceFacade.java, .../web/api/).

    srv = RegistryServer().start()      # http://127.0.0.1:<port>; NiFi's client `url` is srv.url
    ...
    srv.stop()
"""
from __future__ import annotations

import copy
import threading
from typing import Any, ClassVar

from .core import Ids, Reply, Request, Seen, reply_bytes
from .server import Server, dispatch

LATEST = -1  # StandardServiceFacade.LATEST_VERSION: "the next version" on import


class FakeRegistry:
    """State and handlers; `handle` is the HTTP entry point, `snapshot` what a fake NiFi imports from."""

    ROUTES: ClassVar[list] = [
        ("GET", r"/buckets", "get_buckets", None, "list[Bucket]"),
        ("POST", r"/buckets", "create_bucket", "Bucket", "Bucket"),
        ("GET", r"/buckets/([^/]+)", "get_bucket", None, "Bucket"),
        ("DELETE", r"/buckets/([^/]+)", "delete_bucket", None, "Bucket"),
        ("GET", r"/buckets/([^/]+)/flows", "get_flows", None, "list[VersionedFlow]"),
        ("POST", r"/buckets/([^/]+)/flows", "create_flow", "VersionedFlow", "VersionedFlow"),
        ("GET", r"/buckets/([^/]+)/flows/([^/]+)", "get_flow", None, "VersionedFlow"),
        ("DELETE", r"/buckets/([^/]+)/flows/([^/]+)", "delete_flow", None, "VersionedFlow"),
        ("GET", r"/buckets/([^/]+)/flows/([^/]+)/versions", "get_versions", None, "list[VersionedFlowSnapshotMetadata]"),
        ("POST", r"/buckets/([^/]+)/flows/([^/]+)/versions", "create_version", "VersionedFlowSnapshot",
         "VersionedFlowSnapshot"),
        ("POST", r"/buckets/([^/]+)/flows/([^/]+)/versions/import", "import_version", "VersionedFlowSnapshot",
         "VersionedFlowSnapshot"),
        ("GET", r"/buckets/([^/]+)/flows/([^/]+)/versions/latest", "get_latest", None, "VersionedFlowSnapshot"),
        ("GET", r"/buckets/([^/]+)/flows/([^/]+)/versions/latest/metadata", "get_latest_metadata", None,
         "VersionedFlowSnapshotMetadata"),
        ("GET", r"/buckets/([^/]+)/flows/([^/]+)/versions/(\d+)", "get_version", None, "VersionedFlowSnapshot"),
    ]

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.ids = Ids(prefix=0x8e9)
        self.clock = 1_700_000_000_000  # createdTimestamp and friends: milliseconds, monotone
        self.buckets: dict[str, dict] = {}
        self.flows: dict[str, dict] = {}
        self.snapshots: dict[str, list[dict]] = {}  # flow id -> snapshots, version 1 first
        self.seen: list[Seen] = []
        self.model_errors: list[str] = []
        self.response_errors: list[str] = []

    # -- entry point

    def handle(self, prefix: str, req: Request) -> tuple[int, list[tuple[str, str]], bytes]:
        with self.lock:
            self.clock += 1
            seen = Seen(req.method, req.path, "registry", req.query, req.body, dict(req.headers))
            self.seen.append(seen)
            try:
                status, headers, data = dispatch(self, self.ROUTES, req, "registry")
            except Reply as r:
                status, headers, data = reply_bytes(r)
            seen.status = status
            return status, headers, data

    # -- what NiFi reads when it deploys from version control

    def snapshot(self, bucket_id: str, flow_id: str, version: int) -> dict:
        return self.get_version(bucket_id, flow_id, str(version), req=None)[1]

    # -- helpers

    def _bucket(self, bid: str) -> dict:
        if bid not in self.buckets:
            # RegistryService.getBucket ~150: ResourceNotFoundException -> 404
            raise Reply(404, "The specified bucket ID does not exist in this registry.")
        return self.buckets[bid]

    def _flow(self, bid: str, fid: str) -> dict:
        self._bucket(bid)
        flow = self.flows.get(fid)
        if flow is None or flow["bucketIdentifier"] != bid:
            raise Reply(404, "The specified flow ID does not exist in this bucket.")
        return flow

    def _flow_dto(self, flow: dict) -> dict:
        return {**flow, "bucketName": self.buckets[flow["bucketIdentifier"]]["name"],
                "versionCount": len(self.snapshots[flow["identifier"]])}

    # -- buckets

    def get_buckets(self, req: Request) -> tuple[int, Any]:
        return 200, sorted(self.buckets.values(), key=lambda b: b["name"])

    def create_bucket(self, req: Request) -> tuple[int, Any]:
        """StandardServiceFacade.createBucket ~196: with `preserveSourceProperties=true` the client's identifier
        is kept (and required); without it an identifier is refused and a random one assigned (BEHAVIOUR 10).
        RegistryService.createBucket ~120: a second bucket of the same name is an IllegalStateException (409)."""
        body = dict(req.body or {})
        preserve = (req.query.get("preserveSourceProperties") or "").lower() == "true"
        if preserve and not body.get("identifier"):
            raise Reply(400, "Bucket identifier must be specified.")
        if not preserve and body.get("identifier"):
            raise Reply(400, "Bucket identifier cannot be specified when creating a new bucket.")
        if not body.get("name"):
            raise Reply(400, "Cannot create bucket: name: must not be blank")
        if any(b["name"] == body["name"] for b in self.buckets.values()):
            raise Reply(409, "A bucket with the same name already exists")
        bid = body.get("identifier") or self.ids()
        if bid in self.buckets:
            raise Reply(409, "A bucket with the same identifier already exists")
        self.buckets[bid] = {"identifier": bid, "name": body["name"], "description": body.get("description"),
                             "createdTimestamp": self.clock, "allowBundleRedeploy": False, "allowPublicRead": False}
        return 200, self.buckets[bid]

    def get_bucket(self, bid: str, req: Request) -> tuple[int, Any]:
        return 200, self._bucket(bid)

    def delete_bucket(self, bid: str, req: Request) -> tuple[int, Any]:
        """RegistryService.deleteBucket ~200: the bucket's flows go with it."""
        bucket = self._bucket(bid)
        for fid in [f for f, x in self.flows.items() if x["bucketIdentifier"] == bid]:
            del self.flows[fid], self.snapshots[fid]
        del self.buckets[bid]
        return 200, bucket

    # -- flows

    def flows_in(self, bid: str) -> list[dict]:
        return sorted((self._flow_dto(f) for f in self.flows.values() if f["bucketIdentifier"] == bid),
                      key=lambda f: f["name"])

    def get_flows(self, bid: str, req: Request) -> tuple[int, Any]:
        self._bucket(bid)
        return 200, self.flows_in(bid)

    def create_flow(self, bid: str, req: Request) -> tuple[int, Any]:
        """StandardServiceFacade.createFlow ~245: a client-supplied `identifier` is kept ("NiFi has been sending
        an identifier"), else a random one; RegistryService.createFlow ~330: same name in the bucket is 409."""
        self._bucket(bid)
        body = dict(req.body or {})
        if any(f["name"] == body.get("name") and f["bucketIdentifier"] == bid for f in self.flows.values()):
            raise Reply(409, "A versioned flow with the same name already exists in the selected bucket")
        fid = body.get("identifier") or self.ids()
        if fid in self.flows:
            raise Reply(409, "A versioned flow with the same identifier already exists")
        self.flows[fid] = {"identifier": fid, "name": body.get("name"), "description": body.get("description"),
                           "bucketIdentifier": bid, "type": "Flow", "createdTimestamp": self.clock,
                           "modifiedTimestamp": self.clock}
        self.snapshots[fid] = []
        return 200, self._flow_dto(self.flows[fid])

    def get_flow(self, bid: str, fid: str, req: Request) -> tuple[int, Any]:
        return 200, self._flow_dto(self._flow(bid, fid))

    def delete_flow(self, bid: str, fid: str, req: Request) -> tuple[int, Any]:
        flow = self._flow_dto(self._flow(bid, fid))
        del self.flows[fid], self.snapshots[fid]
        return 200, flow

    # -- versions

    def get_versions(self, bid: str, fid: str, req: Request) -> tuple[int, Any]:
        """BucketFlowResource.getFlowVersions ~347: a SortedSet, so ascending by version
        (VersionedFlowSnapshotMetadata.compareTo)."""
        self._flow(bid, fid)
        return 200, [s["snapshotMetadata"] for s in self.snapshots[fid]]

    def _create(self, bid: str, fid: str, snapshot: dict) -> dict:
        """RegistryService.createFlowSnapshot ~535: version -1 means "next" (1 for the first); another version
        must be exactly the next one (409 otherwise); `flow` and `bucket` of the request are ignored and
        answered filled in."""
        flow = self._flow(bid, fid)
        meta = dict(snapshot.get("snapshotMetadata") or {})
        existing = self.snapshots[fid]
        last = existing[-1]["snapshotMetadata"]["version"] if existing else 0
        version = int(meta.get("version", LATEST))
        if version == 0:
            raise Reply(400, "Version must be greater than zero, or use -1 to indicate latest version")
        if version == LATEST:
            version = last + 1
        elif version <= last:
            raise Reply(409, f"A Versioned flow snapshot with the same version already exists: {version}")
        elif version > last + 1:
            raise Reply(409, f"Version must be a one-up number, last version was {last} and version for this "
                             f"snapshot was {version}")
        meta.update(bucketIdentifier=bid, flowIdentifier=fid, version=version,
                    timestamp=meta.get("timestamp") if (meta.get("timestamp") or 0) > 0 else self.clock)
        stored = {k: copy.deepcopy(v) for k, v in snapshot.items() if k not in ("flow", "bucket", "latest")}
        stored["snapshotMetadata"] = meta
        existing.append(stored)
        flow["modifiedTimestamp"] = self.clock
        return self._answer(stored)

    def create_version(self, bid: str, fid: str, req: Request) -> tuple[int, Any, list]:
        body = dict(req.body or {})
        meta = body.get("snapshotMetadata") or {}
        if meta.get("bucketIdentifier") not in (None, bid) or meta.get("flowIdentifier") not in (None, fid):
            raise Reply(400, "The bucket and flow identifiers in the snapshot metadata must match the URI")
        return 200, self._create(bid, fid, body)  # BucketFlowResource.createFlowVersion ~305: 200

    def import_version(self, bid: str, fid: str, req: Request) -> tuple[int, Any, list]:
        """StandardServiceFacade.importVersionedFlowSnapshot ~375: the snapshot's own `snapshotMetadata` is
        replaced (version "next", this bucket and flow, the `Comments` header else the file's comments), so
        any exported snapshot imports as the next version (BEHAVIOUR 10)."""
        body = dict(req.body or {})
        comments = req.headers.get("comments") or (body.get("snapshotMetadata") or {}).get("comments")
        meta = {"version": LATEST, "author": "anonymous"}
        if comments:
            meta["comments"] = comments
        body["snapshotMetadata"] = meta
        out = self._create(bid, fid, body)  # BucketFlowResource.importVersionedFlow ~343: 201 and a Location
        version = out["snapshotMetadata"]["version"]
        return 201, out, [("Location", f"/nifi-registry-api/buckets/{bid}/flows/{fid}/versions/{version}")]

    def _answer(self, stored: dict) -> dict:
        fid = stored["snapshotMetadata"]["flowIdentifier"]
        flow = self._flow_dto(self.flows[fid])
        out = copy.deepcopy(stored)
        out.update(flow=flow, bucket=self.buckets[flow["bucketIdentifier"]],
                   latest=stored["snapshotMetadata"]["version"] == flow["versionCount"])
        return out

    def get_version(self, bid: str, fid: str, version: str, req: Request | None) -> tuple[int, Any]:
        """RegistryService.getFlowSnapshot ~650: the stored snapshot with `flow` and `bucket` filled in."""
        self._flow(bid, fid)
        n = int(version)
        if not 1 <= n <= len(self.snapshots[fid]):
            raise Reply(404, f"The specified versioned flow snapshot does not exist for this flow: {n}")
        return 200, self._answer(self.snapshots[fid][n - 1])

    def get_latest(self, bid: str, fid: str, req: Request) -> tuple[int, Any]:
        self._flow(bid, fid)
        if not self.snapshots[fid]:
            raise Reply(404, "The specified flow ID has no versions")
        return 200, self._answer(self.snapshots[fid][-1])

    def get_latest_metadata(self, bid: str, fid: str, req: Request) -> tuple[int, Any]:
        return 200, self.get_latest(bid, fid, req)[1]["snapshotMetadata"]


class RegistryServer(Server):
    """The fake Registry alone on a loopback port, in a thread; `url` is what NiFi's registry client needs."""

    def __init__(self, registry: FakeRegistry | None = None, **kw: Any):
        self.registry = registry or FakeRegistry()
        super().__init__({"/nifi-registry-api": self.registry}, **kw)
        self.url = self.base
        self.api_url = self.base + "/nifi-registry-api"
