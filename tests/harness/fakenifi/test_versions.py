"""versions.py: groups from a registry version, local modifications from a real comparison (BEHAVIOUR 4), update
and revert requests (BEHAVIOUR 9), and what cannot be deleted."""
import json

from .conftest import CLIENT, FIXTURES, _req, deploy, generate, rev


def state(api, gid):
    return api.get(f"/versions/process-groups/{gid}")["versionControlInformation"]["state"]


def change(api, kind, gid):
    """POST an update or revert request for the group at its version (update: the latest), poll, DELETE."""
    vci = api.get(f"/versions/process-groups/{gid}")
    target = dict(vci["versionControlInformation"])
    if kind == "update":
        target["version"] = str(len(api.fake.registry.snapshots[target["flowId"]]))
    body = {"processGroupRevision": {**vci["processGroupRevision"], "clientId": CLIENT},
            "versionControlInformation": {k: target[k] for k in ("groupId", "registryId", "bucketId", "flowId",
                                                                 "version")}}
    status, out = api.status("POST", f"/versions/{kind}-requests/process-groups/{gid}", json_body=body)
    if status != 200:
        return status, out
    rid = out["request"]["requestId"]
    assert out["request"]["complete"] is False
    api.wait()
    done = api.get(f"/versions/{kind}-requests/{rid}")["request"]
    api("DELETE", f"/versions/{kind}-requests/{rid}")
    return status, done


def test_group_from_version_is_up_to_date_and_binds_its_parameter_context(api, fake):
    gid = deploy(fake)
    assert state(api, gid) == "UP_TO_DATE"
    ctx = api.get("/flow/parameter-contexts")["parameterContexts"]
    assert [c["component"]["name"] for c in ctx] == ["order_to_erp"]
    assert ctx[0]["component"]["boundProcessGroups"][0]["id"] in fake.subtree(gid)
    assert api.get(f"/process-groups/{gid}/local-modifications") == {"componentDifferences": []}


def test_any_edit_addition_or_deletion_is_a_local_modification_and_revert_clears_it(api, fake):
    gid = deploy(fake)
    invoke = fake.component_by_name("egress erp_http_out", "InvokeHTTP")
    entity = api.get(f"/processors/{invoke['id']}")
    api("PUT", f"/processors/{invoke['id']}", json_body={"revision": rev(entity), "component": {
        "id": invoke["id"], "config": {"properties": {"HTTP Method": "PUT"}}}})
    assert state(api, gid) == "LOCALLY_MODIFIED"
    diffs = api.get(f"/process-groups/{gid}/local-modifications")["componentDifferences"]
    assert [(d["componentName"], d["differences"][0]["differenceType"]) for d in diffs] == [("InvokeHTTP",
                                                                                             "PROPERTY_CHANGED")]
    ingress = fake.group_by_name("ingress orders_in")["id"]
    out = next(p for p in api.get(f"/flow/process-groups/{ingress}")["processGroupFlow"]["flow"]["outputPorts"])
    generate(api, ingress, out)  # an addition
    types = {d["differences"][0]["differenceType"] for d in
             api.get(f"/process-groups/{gid}/local-modifications")["componentDifferences"]}
    assert types == {"PROPERTY_CHANGED", "COMPONENT_ADDED"}
    status, done = change(api, "revert", gid)
    assert status == 200 and done["complete"] and not done["failureReason"]
    assert state(api, gid) == "UP_TO_DATE" and fake.temp_components() == []
    assert fake.components[invoke["id"]]["properties"]["HTTP Method"] == "POST"  # same instance, reverted
    # A deletion: a versioned connection removed by hand.
    conn = next(c for c in fake.connections.values() if c["group"] == gid)
    del fake.connections[conn["id"]]
    assert [d["differences"][0]["differenceType"] for d in
            api.get(f"/process-groups/{gid}/local-modifications")["componentDifferences"]] == ["COMPONENT_REMOVED"]
    change(api, "revert", gid)
    assert state(api, gid) == "UP_TO_DATE"
    assert fake.requests.open() == []


def test_update_of_a_modified_group_is_409_and_a_newer_version_makes_it_stale(api, fake):
    gid = deploy(fake)
    reg = fake.registry
    bucket, flow = next(iter(reg.buckets)), next(iter(reg.flows))
    snap = json.loads((FIXTURES / "order_to_erp" / "nifi" / "flow.snapshot.json").read_text())
    snap["flowContents"]["processGroups"][0]["name"] = "ingress renamed"
    reg.import_version(bucket, flow, _req(snap))
    assert state(api, gid) == "STALE"
    fake.component_by_name("egress erp_http_out", "InvokeHTTP")["name"] = "edited"
    assert state(api, gid) == "LOCALLY_MODIFIED_AND_STALE"
    status, text = change(api, "update", gid)
    assert status == 409 and "must be reverted to its original form before changing the version" in text
    change(api, "revert", gid)
    status, done = change(api, "update", gid)
    assert status == 200 and not done["failureReason"]
    assert state(api, gid) == "UP_TO_DATE" and fake.group_by_name("ingress renamed")
    assert fake.requests.open() == []


def test_an_update_that_removes_a_queue_with_data_fails(api, fake):
    gid = deploy(fake)
    reg = fake.registry
    snap = json.loads((FIXTURES / "order_to_erp" / "nifi" / "flow.snapshot.json").read_text())
    removed = snap["flowContents"]["connections"].pop(0)
    reg.import_version(next(iter(reg.buckets)), next(iter(reg.flows)), _req(snap))
    fake.enqueue(fake.connection_by_versioned(removed["identifier"])["id"], 2)
    status, done = change(api, "update", gid)
    assert status == 200 and "has 2 FlowFiles queued" in done["failureReason"]
    assert api.get(f"/versions/process-groups/{gid}")["versionControlInformation"]["version"] == "1"


def test_a_stale_group_revision_is_400(api, fake):
    gid = deploy(fake)
    vci = api.get(f"/versions/process-groups/{gid}")
    body = {"processGroupRevision": {"version": vci["processGroupRevision"]["version"] + 5, "clientId": "x"},
            "versionControlInformation": {k: vci["versionControlInformation"][k]
                                          for k in ("groupId", "registryId", "bucketId", "flowId", "version")}}
    status, text = api.status("POST", f"/versions/revert-requests/process-groups/{gid}", json_body=body)
    assert status == 400 and "is not the most up-to-date revision" in text


def test_what_cannot_be_deleted(api, fake):
    gid = deploy(fake)
    group = api.get(f"/process-groups/{gid}")
    client = api.get("/controller/registry-clients")["registries"][0]
    assert api.status("DELETE", f"/controller/registry-clients/{client['id']}",
                      query={"version": client["revision"]["version"]})[0] == 409  # a group tracks it
    ctx = api.get("/flow/parameter-contexts")["parameterContexts"][0]
    assert api.status("DELETE", f"/parameter-contexts/{ctx['id']}", query={"version": 1})[0] == 409  # bound
    api("PUT", f"/flow/process-groups/{gid}", json_body={"id": gid, "state": "RUNNING"})
    assert api.status("DELETE", f"/process-groups/{gid}", query={"version": group["revision"]["version"]})[0] == 409
    api("PUT", f"/flow/process-groups/{gid}", json_body={"id": gid, "state": "STOPPED"})
    api.wait()
    # ConsumeKafka was started while invalid (its service is disabled): still STARTING, which no stop reaches, and
    # removing its connections makes it look running (StandardProcessGroup.removeComponents, then
    # StandardProcessorNode.verifyCanDelete).
    status, text = api.status("DELETE", f"/process-groups/{gid}", query={"version": group["revision"]["version"]})
    assert status == 409 and "because Processor is running" in text
    assert not [c for c in fake.connections.values() if c["group"] in fake.subtree(gid)]  # removed all the same
    assert api.status("DELETE", f"/process-groups/{gid}", query={"version": group["revision"]["version"]})[0] == 200
    assert api.status("DELETE", f"/controller/registry-clients/{client['id']}",
                      query={"version": client["revision"]["version"]})[0] == 200
