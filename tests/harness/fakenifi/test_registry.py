"""registry.py: NiFi Registry's rules (BEHAVIOUR 10), and the calls of NiFi's own registry client over HTTP."""
import json

import httpx

from .conftest import FIXTURES
from .registry import FakeRegistry, RegistryServer

SNAPSHOT = json.loads((FIXTURES / "order_to_erp" / "nifi" / "flow.snapshot.json").read_text())


def test_bucket_ids_are_kept_only_with_preserve_source_properties():
    with RegistryServer() as srv:
        api = httpx.Client(base_url=srv.api_url)
        assert api.post("/buckets", json={"name": "a", "identifier": "b-1"}).status_code == 400
        made = api.post("/buckets", params={"preserveSourceProperties": "true"}, json={"name": "a", "identifier": "b-1"})
        assert made.status_code == 200 and made.json()["identifier"] == "b-1"
        assert api.post("/buckets", params={"preserveSourceProperties": "true"}, json={"name": "c"}).status_code == 400
        assert api.post("/buckets", json={"name": "a"}).status_code == 409  # same name
        random = api.post("/buckets", json={"name": "d"}).json()["identifier"]
        assert random not in ("b-1", "") and [b["name"] for b in api.get("/buckets").json()] == ["a", "d"]


def test_flow_keeps_a_client_chosen_identifier():
    with RegistryServer() as srv:
        api = httpx.Client(base_url=srv.api_url)
        bid = api.post("/buckets", json={"name": "a"}).json()["identifier"]
        assert api.post(f"/buckets/{bid}/flows", json={"name": "f", "identifier": "flow-1"}).json()["identifier"] == \
            "flow-1"
        assert api.post(f"/buckets/{bid}/flows", json={"name": "f"}).status_code == 409


def test_import_renumbers_and_replaces_the_snapshot_metadata():
    with RegistryServer() as srv:
        api = httpx.Client(base_url=srv.api_url)
        bid = api.post("/buckets", json={"name": "a"}).json()["identifier"]
        fid = api.post(f"/buckets/{bid}/flows", json={"name": "f"}).json()["identifier"]
        snap = dict(SNAPSHOT, snapshotMetadata={"version": 7, "comments": "old", "bucketIdentifier": "elsewhere"})
        first = api.post(f"/buckets/{bid}/flows/{fid}/versions/import", json=snap)
        assert first.status_code == 201
        assert first.headers["location"].endswith(f"/buckets/{bid}/flows/{fid}/versions/1")
        meta = first.json()["snapshotMetadata"]
        assert (meta["version"], meta["bucketIdentifier"], meta["flowIdentifier"], meta["comments"]) == (1, bid, fid,
                                                                                                        "old")
        second = api.post(f"/buckets/{bid}/flows/{fid}/versions/import", json=snap, headers={"Comments": "new"})
        assert second.json()["snapshotMetadata"]["version"] == 2 and second.json()["snapshotMetadata"]["comments"] == \
            "new"
        # A commit (NiFi's own POST .../versions) must name exactly the next version.
        commit = dict(SNAPSHOT, snapshotMetadata={"version": 2, "bucketIdentifier": bid, "flowIdentifier": fid})
        assert api.post(f"/buckets/{bid}/flows/{fid}/versions", json=commit).status_code == 409
        commit["snapshotMetadata"]["version"] = 3
        assert api.post(f"/buckets/{bid}/flows/{fid}/versions", json=commit).status_code == 200
        assert [v["version"] for v in api.get(f"/buckets/{bid}/flows/{fid}/versions").json()] == [1, 2, 3]


def test_the_calls_of_nifis_registry_client():
    """What NifiRegistryFlowRegistryClient sends (JerseyBucketClient, JerseyFlowClient, JerseyFlowSnapshotClient)
    to list buckets and flows, learn the latest version and fetch a snapshot, answered with the fields it reads."""
    registry = FakeRegistry()
    with RegistryServer(registry) as srv:
        setup = httpx.Client(base_url=srv.api_url)
        bid = setup.post("/buckets", json={"name": "a"}).json()["identifier"]
        fid = setup.post(f"/buckets/{bid}/flows", json={"name": "f"}).json()["identifier"]
        setup.post(f"/buckets/{bid}/flows/{fid}/versions/import", json=SNAPSHOT)
        setup.post(f"/buckets/{bid}/flows/{fid}/versions/import", json=SNAPSHOT)
        nifi = httpx.Client(base_url=srv.url + "/nifi-registry-api")  # the client appends the context itself
        assert [b["identifier"] for b in nifi.get("/buckets").json()] == [bid]
        assert nifi.get(f"/buckets/{bid}").json()["name"] == "a"
        assert [f["identifier"] for f in nifi.get(f"/buckets/{bid}/flows").json()] == [fid]
        assert nifi.get(f"/buckets/{bid}/flows/{fid}").json()["versionCount"] == 2  # getLatestVersion
        assert [m["version"] for m in nifi.get(f"/buckets/{bid}/flows/{fid}/versions").json()] == [1, 2]
        one = nifi.get(f"/buckets/{bid}/flows/{fid}/versions/1").json()
        assert one["flow"]["versionCount"] == 2 and one["bucket"]["identifier"] == bid and one["latest"] is False
        assert one["flowContents"] == SNAPSHOT["flowContents"]
        assert nifi.get(f"/buckets/{bid}/flows/{fid}/versions/latest").json()["latest"] is True
        assert nifi.get(f"/buckets/{bid}/flows/{fid}/versions/3").status_code == 404
    assert registry.model_errors == [] and registry.response_errors == []
    assert [f"{s.method} {s.status}" for s in registry.seen[-1:]] == ["GET 404"]
