"""queues.py: listings capped at 100 (BEHAVIOUR 8), a FlowFile by UUID, drops, connection deletion rules; and
parameters.py's asynchronous update (BEHAVIOUR 9)."""
from .conftest import CLIENT, deploy, generate, rev


def listing(api, cid):
    req = api("POST", f"/flowfile-queues/{cid}/listing-requests", 202)["listingRequest"]
    assert req["finished"] is False
    api.wait()
    done = api.get(f"/flowfile-queues/{cid}/listing-requests/{req['id']}")["listingRequest"]
    api("DELETE", f"/flowfile-queues/{cid}/listing-requests/{req['id']}")
    return done


def test_a_listing_holds_at_most_100_flowfiles_but_a_uuid_is_found_in_any_position(api, fake):
    deploy(fake)
    cid = next(iter(fake.connections))
    uuids = fake.enqueue(cid, 150)
    done = listing(api, cid)
    assert done["queueSize"]["objectCount"] == 150 and len(done["flowFileSummaries"]) == 100
    assert uuids[-1] not in {s["uuid"] for s in done["flowFileSummaries"]}
    assert api.get(f"/flowfile-queues/{cid}/flowfiles/{uuids[-1]}")["flowFile"]["position"] == 150
    assert api.status("GET", f"/flowfile-queues/{cid}/flowfiles/nope")[0] == 404
    assert fake.requests.open() == []


def test_a_request_never_deleted_stays_open(api, fake):
    deploy(fake)
    cid = next(iter(fake.connections))
    api("POST", f"/flowfile-queues/{cid}/listing-requests", 202)
    assert [r.split()[0] for r in fake.requests.open()] == ["listing"]


def test_drop_and_empty_all(api, fake):
    gid = deploy(fake)
    a, b = list(fake.connections)[:2]
    fake.enqueue(a, 3)
    fake.enqueue(b, 2)
    drop = api("POST", f"/flowfile-queues/{a}/drop-requests", 202)["dropRequest"]
    api.wait()
    assert api.get(f"/flowfile-queues/{a}/drop-requests/{drop['id']}")["dropRequest"]["droppedCount"] == 3
    api("DELETE", f"/flowfile-queues/{a}/drop-requests/{drop['id']}")
    drop = api("POST", f"/process-groups/{gid}/empty-all-connections-requests", 202)["dropRequest"]
    api.wait()
    api.get(f"/process-groups/{gid}/empty-all-connections-requests/{drop['id']}")
    api("DELETE", f"/process-groups/{gid}/empty-all-connections-requests/{drop['id']}")
    assert fake.queued_uuids() == {} and fake.requests.open() == []


def test_a_connection_is_deleted_only_empty_with_both_ends_stopped(api, fake):
    deploy(fake)
    ingress = fake.group_by_name("ingress orders_in")["id"]
    out = api.get(f"/flow/process-groups/{ingress}")["processGroupFlow"]["flow"]["outputPorts"][0]
    proc, conn = generate(api, ingress, out)
    fake.enqueue(conn["id"], 1)
    query = {"version": conn["revision"]["version"], "clientId": CLIENT}
    status, text = api.status("DELETE", f"/connections/{conn['id']}", query=query)
    assert status == 409 and text == f"Queue not empty for {conn['id']}"
    fake.connections[conn["id"]]["flowfiles"] = []
    fake.components[out["id"]]["state"] = "RUNNING"
    status, text = api.status("DELETE", f"/connections/{conn['id']}", query=query)
    assert status == 409 and text == f"Destination of Connection ({out['id']}) is running"
    fake.components[out["id"]]["state"] = "STOPPED"
    api("DELETE", f"/connections/{conn['id']}", query=query)
    entity = api.get(f"/processors/{proc['id']}")
    api("DELETE", f"/processors/{proc['id']}", query={"version": entity["revision"]["version"], "clientId": CLIENT})


def test_parameter_update_is_asynchronous_and_keeps_or_removes_values(api, fake):
    deploy(fake)
    ctx = api.get("/flow/parameter-contexts")["parameterContexts"][0]
    cid = ctx["id"]
    body = {"id": cid, "revision": rev(ctx), "component": {"id": cid, "parameters": [
        {"parameter": {"name": "kafka.sasl.password", "sensitive": True, "value": "s3cret"}},
        {"parameter": {"name": "kafka.orders_in.topics", "sensitive": False, "value": "t"}}]}}
    req = api("POST", f"/parameter-contexts/{cid}/update-requests", json_body=body)["request"]
    assert req["complete"] is False
    api.wait()
    assert api.get(f"/parameter-contexts/{cid}/update-requests/{req['requestId']}")["request"]["complete"] is True
    api("DELETE", f"/parameter-contexts/{cid}/update-requests/{req['requestId']}")
    params = {p["parameter"]["name"]: p["parameter"] for p in api.get(f"/parameter-contexts/{cid}")["component"]
              ["parameters"]}
    assert params["kafka.sasl.password"]["value"] == "********" and params["kafka.orders_in.topics"]["value"] == "t"
    ctx = api.get(f"/parameter-contexts/{cid}")
    keep = {"id": cid, "revision": rev(ctx), "component": {"id": cid, "parameters": [
        {"parameter": {"name": "kafka.orders_in.topics", "sensitive": False, "value": None}}]}}
    req = api("POST", f"/parameter-contexts/{cid}/update-requests", json_body=keep)["request"]
    api("DELETE", f"/parameter-contexts/{cid}/update-requests/{req['requestId']}")
    assert fake.contexts[cid]["params"]["kafka.orders_in.topics"]["value"] == "t"  # null without valueRemoved
    flip = {"id": cid, "revision": rev(api.get(f"/parameter-contexts/{cid}")), "component": {"id": cid, "parameters": [
        {"parameter": {"name": "kafka.sasl.password", "sensitive": False, "value": "x"}}]}}
    assert api.status("POST", f"/parameter-contexts/{cid}/update-requests", json_body=flip)[0] == 400
    assert fake.requests.open() == []
