"""processors.py: validity (ports, relationships, services), VALIDATING, RUN_ONCE, group start and stop, counts,
the cluster's execution node."""
from .conftest import CLIENT, deploy, generate, rev


def flow(api, gid):
    return api.get(f"/flow/process-groups/{gid}")["processGroupFlow"]["flow"]


def test_a_dangling_output_port_is_invalid_never_started_and_counted_invalid(api, fake):
    """BEHAVIOUR 13: the root `failure` port of the generator's current shape."""
    gid = deploy(fake, "dangling_failure_port")
    next(iter(fake.services.values()))["state"] = "ENABLED"
    port = flow(api, gid)["outputPorts"][0]
    assert port["component"]["validationErrors"] == [
        "'Port 'failure'' is invalid because Port has no outgoing connections"]
    api("PUT", f"/flow/process-groups/{gid}", json_body={"id": gid, "state": "RUNNING"})
    api.wait()
    assert fake.components[port["id"]]["state"] == "STOPPED"
    counts = api.get(f"/process-groups/{gid}")
    assert counts["invalidCount"] == 1 and counts["stoppedCount"] == 0
    assert fake.invalid_components(gid) == [
        "OUTPUT_PORT failure: 'Port 'failure'' is invalid because Port has no outgoing connections"]
    # A port cannot be started by hand either.
    status, text = api.status("PUT", f"/output-ports/{port['id']}/run-status",
                              json_body={"revision": rev(port), "state": "RUNNING"})
    assert status == 409 and "no outgoing connections" in text


def test_the_valid_fixture_has_no_invalid_component_once_services_are_enabled(api, fake):
    gid = deploy(fake)
    api.wait()
    assert fake.invalid_components(gid) == [
        "PROCESSOR ConsumeKafka: 'Kafka Connection Service' validated against '" +
        next(iter(fake.services)) + "' is invalid because Controller Service with ID " + next(iter(fake.services)) +
        " is disabled"]
    svc = next(iter(fake.services.values()))
    svc["state"] = "ENABLED"
    assert fake.invalid_components(gid) == []


def test_a_started_invalid_processor_stays_starting_and_outlives_a_group_stop(api, fake):
    """StandardProcessorNode: started while invalid it is STARTING, which getScheduledState ~145 reports as STOPPED,
    so isRunning is false: StandardProcessGroup.getCounts counts it invalid, a group stop skips it
    (ProcessGroup.STOP_PROCESSORS_FILTER), a stop of the processor is a no-op, and it runs once it is valid
    (initiateStart retries). Probe b6 in behaviours.py shows the same on a real NiFi."""
    gid = deploy(fake)
    api("PUT", f"/flow/process-groups/{gid}", json_body={"id": gid, "state": "RUNNING"})
    api.wait()
    consume = fake.component_by_name("ingress orders_in", "ConsumeKafka")
    assert consume["state"] == "STARTING"
    assert api.get(f"/processors/{consume['id']}")["component"]["state"] == "STOPPED"  # its logical state
    assert api.get(f"/process-groups/{gid}")["invalidCount"] == 1
    api("PUT", f"/flow/process-groups/{gid}", json_body={"id": gid, "state": "STOPPED"})
    api.wait()
    assert consume["state"] == "STARTING"
    next(iter(fake.services.values()))["state"] = "ENABLED"
    fake.revalidate(consume["id"])
    api.wait()
    assert consume["state"] == "RUNNING"


def test_a_new_connection_makes_a_processor_validating_and_run_once_then_does_nothing(api, fake):
    """BEHAVIOUR 7 (since 2.9.0): RUN_ONCE on a processor that is not VALID answers 200 and does nothing."""
    fake.validating_ticks = 5
    deploy(fake)
    ingress = fake.group_by_name("ingress orders_in")["id"]
    out = flow(api, ingress)["outputPorts"][0]
    proc, _ = generate(api, ingress, out)
    entity = api.get(f"/processors/{proc['id']}")
    assert entity["component"]["validationStatus"] == "VALIDATING"
    api("PUT", f"/processors/{proc['id']}/run-status", json_body={"revision": rev(entity), "state": "RUN_ONCE"})
    assert fake.events == []
    warning = fake.bulletins[-1]["bulletin"]
    assert warning["level"] == "WARNING" and "Cannot run once" in warning["message"]
    api.wait()
    entity = api.get(f"/processors/{proc['id']}")
    assert entity["component"]["validationStatus"] == "VALID"
    api("PUT", f"/processors/{proc['id']}/run-status", json_body={"revision": rev(entity), "state": "RUN_ONCE"})
    assert [e["eventType"] for e in fake.events] == ["CREATE"]


def test_in_a_cluster_every_node_runs_it_unless_primary(api, fake):
    """BEHAVIOUR 15: executionNode ALL fires once per node."""
    fake.nodes = 3
    deploy(fake)
    ingress = fake.group_by_name("ingress orders_in")["id"]
    out = flow(api, ingress)["outputPorts"][0]
    for node, created in (("ALL", 3), ("PRIMARY", 1)):
        fake.events.clear()
        proc, _ = generate(api, ingress, out)
        entity = api("PUT", f"/processors/{proc['id']}", json_body={
            "revision": rev(proc), "component": {"id": proc["id"], "config": {"executionNode": node}}})
        api.wait()
        api("PUT", f"/processors/{proc['id']}/run-status", json_body={"revision": rev(entity), "state": "RUN_ONCE"})
        assert [e["clusterNodeId"] for e in fake.events] == ["node-1", "node-2", "node-3"][:created]


def test_primary_node_only_with_an_incoming_connection_is_invalid(api, fake):
    deploy(fake)
    trace = next(c for c in fake.components.values() if c["kind"] == "PROCESSOR" and c["name"] == "InvokeHTTP")
    trace["executionNode"] = "PRIMARY"
    assert "cannot be scheduled for Primary Node Only" in " ".join(fake.processor_errors(trace))


def test_a_stop_returns_at_once_and_threads_end_later(api, fake):
    """BEHAVIOUR 6: after PUT .../process-groups/{id} STOPPED the processors keep an active thread a moment;
    a stopped processor with an active thread is still "running" and cannot be configured or started."""
    gid = deploy(fake)
    next(iter(fake.services.values()))["state"] = "ENABLED"
    api("PUT", f"/flow/process-groups/{gid}", json_body={"id": gid, "state": "RUNNING"})
    api.wait()
    invoke = fake.component_by_name("egress erp_http_out", "InvokeHTTP")
    assert invoke["state"] == "RUNNING"
    fake.stopping_ticks = 10
    api("PUT", f"/flow/process-groups/{gid}", json_body={"id": gid, "state": "STOPPED"})
    group = api.get(f"/process-groups/{gid}")
    assert group["status"]["aggregateSnapshot"]["activeThreadCount"] == 2  # ConsumeKafka and InvokeHTTP
    entity = api.get(f"/processors/{invoke['id']}")
    assert entity["component"]["state"] == "STOPPED" and entity["status"]["aggregateSnapshot"]["activeThreadCount"] == 1
    status, text = api.status("PUT", f"/processors/{invoke['id']}", json_body={
        "revision": rev(entity), "component": {"id": invoke["id"], "name": "x"}})
    assert status == 409 and "not stopped" in text
    status, text = api.status("PUT", f"/processors/{invoke['id']}/run-status",
                              json_body={"revision": rev(entity), "state": "RUNNING"})
    assert status == 409 and "Current state is STOPPING" in text
    api.wait(10)
    assert api.get(f"/process-groups/{gid}")["status"]["aggregateSnapshot"]["activeThreadCount"] == 0


def test_stale_revision_is_400_and_the_last_writer_may_reuse_its_own(api, fake):
    """BEHAVIOUR 2: Revision.equals accepts the current version, or the client id of the last change."""
    deploy(fake)
    invoke = fake.component_by_name("egress erp_http_out", "InvokeHTTP")
    entity = api.get(f"/processors/{invoke['id']}")
    stale = {"version": entity["revision"]["version"], "clientId": CLIENT}
    api("PUT", f"/processors/{invoke['id']}", json_body={"revision": stale, "component": {"id": invoke["id"]}})
    api("PUT", f"/processors/{invoke['id']}", json_body={"revision": stale, "component": {"id": invoke["id"]}})
    other = {"version": entity["revision"]["version"], "clientId": "someone-else"}
    status, text = api.status("PUT", f"/processors/{invoke['id']}", json_body={"revision": other,
                                                                               "component": {"id": invoke["id"]}})
    assert status == 400 and text.endswith("is not the most up-to-date revision. This component appears to have been "
                                           "modified. Retrieve the most up-to-date revision and try again.")


def test_processor_types_filter_by_exact_type(api):
    types = api.get("/flow/processor-types", query={"type": "org.apache.nifi.processors.standard.GenerateFlowFile"})
    assert [t["bundle"]["artifact"] for t in types["processorTypes"]] == ["nifi-standard-nar"]
    assert api.get("/flow/processor-types", query={"type": "GenerateFlowFile"})["processorTypes"] == []
