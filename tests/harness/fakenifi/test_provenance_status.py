"""provenance.py (BEHAVIOUR 9, 12) and status.py (system diagnostics, bulletins)."""
from .conftest import deploy, generate, rev


def query(api, terms):
    q = api("POST", "/provenance", 201, json_body={"provenance": {"request": {
        "maxResults": 100, "searchTerms": {k: {"value": v, "inverse": False} for k, v in terms.items()}}}})["provenance"]
    assert q["finished"] is False
    api.wait(1)
    done = api.get(f"/provenance/{q['id']}")["provenance"]
    api("DELETE", f"/provenance/{q['id']}")
    return done["results"]["provenanceEvents"]


def test_queries_are_asynchronous_and_find_clone_children_under_the_parent(api, fake):
    gid = deploy(fake)
    fake.services[next(iter(fake.services))]["state"] = "ENABLED"
    api.wait()
    api("PUT", f"/flow/process-groups/{gid}", json_body={"id": gid, "state": "RUNNING"})
    ingress = fake.group_by_name("ingress orders_in")["id"]
    out = api.get(f"/flow/process-groups/{ingress}")["processGroupFlow"]["flow"]["outputPorts"][0]
    proc, _ = generate(api, ingress, out)
    # A second connection from the same relationship: the FlowFile is cloned.
    api("POST", f"/process-groups/{ingress}/connections", 201, json_body={
        "revision": {"version": 0}, "component": {
            "selectedRelationships": ["success"], "source": {"id": proc["id"], "groupId": ingress, "type": "PROCESSOR"},
            "destination": {"id": out["id"], "groupId": ingress, "type": "OUTPUT_PORT"}}})
    api.wait()
    api("PUT", f"/processors/{proc['id']}/run-status",
        json_body={"revision": rev(api.get(f"/processors/{proc['id']}")), "state": "RUN_ONCE"})
    created = query(api, {"ProcessorID": proc["id"]})
    assert [e["eventType"] for e in created] == ["CREATE", "CLONE"]
    child = created[1]["childUuids"][0]
    assert created[1]["eventId"] in [e["eventId"] for e in query(api, {"FlowFileUUID": child})]
    status, _text = api.status("POST", "/provenance", json_body={"provenance": {"request": {
        "searchTerms": {"ComponentId": {"value": "x"}}}}})
    assert status == 400
    assert fake.requests.open() == []


def test_event_content_in_a_cluster_needs_the_node(api, fake):
    fake.nodes = 2
    deploy(fake)
    ingress = fake.group_by_name("ingress orders_in")["id"]
    out = api.get(f"/flow/process-groups/{ingress}")["processGroupFlow"]["flow"]["outputPorts"][0]
    proc, _ = generate(api, ingress, out)
    api.wait()
    api("PUT", f"/processors/{proc['id']}/run-status",
        json_body={"revision": rev(api.get(f"/processors/{proc['id']}")), "state": "RUN_ONCE"})
    event = fake.events[0]
    assert api.status("GET", f"/provenance-events/{event['id']}")[0] == 400
    assert api.status("GET", f"/provenance-events/{event['id']}/content/output",
                      query={"clusterNodeId": event["clusterNodeId"]})[0] == 200


def test_system_diagnostics_aggregate_and_per_node(api, fake):
    fake.nodes, fake.node_heap = 2, {1: 96.0}
    diag = api.get("/system-diagnostics")["systemDiagnostics"]
    assert diag["aggregateSnapshot"]["heapUtilization"] == "68.0%" and "nodeSnapshots" not in diag
    nodes = api.get("/system-diagnostics", query={"nodewise": "true"})["systemDiagnostics"]["nodeSnapshots"]
    assert [(n["nodeId"], n["snapshot"]["heapUtilization"]) for n in nodes] == [("node-1", "40.0%"),
                                                                                 ("node-2", "96.0%")]
    assert nodes[0]["snapshot"]["contentRepositoryStorageUsage"][0]["utilization"] == "20.0%"
