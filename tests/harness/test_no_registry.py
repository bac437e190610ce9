"""The harness without a Registry (--no-registry) against the fake NiFi: the flow definition uploaded, compared with
NiFi's export of the group, replaced in place when it differs; drift undone; components NiFi cannot load named and
never started; undeploy."""
import json

import pytest

from protoc_gen_nifi.harness.artifacts import content_sha

from .conftest import ENV

NO_REGISTRY = "--no-registry"


def calls(fake, since=0):
    return [f"{s.method} {s.path}" for s in fake.mutations(since)]


def definition(artifacts) -> dict:
    return json.loads((artifacts / "nifi" / "flow-definition.json").read_text())


def rewrite(artifacts, change) -> str:
    """Change flow-definition.json (a regenerated integration); its new hash."""
    doc = definition(artifacts)
    change(doc)
    (artifacts / "nifi" / "flow-definition.json").write_text(json.dumps(doc))
    return content_sha(doc)


def processor(doc: dict, group: str, name: str) -> dict:
    g = next(g for g in doc["flowContents"]["processGroups"] if g["name"] == group)
    return next(p for p in g["processors"] if p["name"] == name)


def test_first_run_uploads_the_definition_and_no_registry_is_asked(harness, fake, artifacts):
    assert harness(NO_REGISTRY) == 0, harness.text
    assert calls(fake) == ["POST /parameter-contexts", "POST /process-groups/root/process-groups/upload",
                           f"PUT /controller-services/{next(iter(fake.services))}/run-status",
                           f"PUT /flow/process-groups/{fake.group_by_name('order_to_erp')['id']}"]
    assert not [s for s in fake.seen if s.api == "registry"] and fake.clients == {}
    upload = next(s for s in fake.seen if s.path.endswith("/upload"))
    assert {k: v for k, v in upload.body.items() if k != "file"} == {
        "groupName": "order_to_erp", "positionX": "0.0", "positionY": "0.0", "disconnectedNodeAcknowledged": "false",
        "clientId": upload.body["clientId"]}
    sent, doc = json.loads(upload.body["file"]), definition(artifacts)
    sha = content_sha(doc)
    # The definition as generated, its top group's comments ending with the hash it was deployed from.
    assert sent["flowContents"].pop("comments") == f"{doc['flowContents'].pop('comments')}\n\n" \
                                                   f"protoc-gen-nifi definition sha256:{sha}"
    assert sent == doc
    group = fake.group_by_name("order_to_erp")
    assert fake.contexts[group["context"]]["name"] == "order_to_erp" and len(fake.contexts) == 1  # reused by name
    assert f"[deploy] created process group 'order_to_erp' from flow-definition.json sha256:{sha[:12]}" in harness.text
    assert f"FlowSynced        True    UpToDate             matches flow-definition.json sha256:{sha[:12]} (20 components compared)" \
        in harness.text and "Ready             True    AllConditionsHold" in harness.text
    assert "RegistrySynced    Unknown NoRegistry           deployed from flow-definition.json without a Registry" \
        in harness.out


def test_the_hash_is_the_one_the_snapshot_carries(artifacts):
    """A definition's hash is its snapshot's `sha256:` comment (the generator writes both from one content)."""
    snapshot = json.loads((artifacts / "nifi" / "flow.snapshot.json").read_text())
    assert f"sha256:{content_sha(definition(artifacts))}" in snapshot["snapshotMetadata"]["comments"]


def test_an_identical_rerun_changes_nothing(harness, fake):
    assert harness(NO_REGISTRY) == 0
    n = len(fake.seen)
    assert harness(NO_REGISTRY) == 0, harness.text
    assert calls(fake, n) == []
    assert "[deploy] process group 'order_to_erp' matches flow-definition.json" in harness.text


def test_hand_edits_are_reported_one_by_one_and_undone_in_place(harness, fake):
    assert harness(NO_REGISTRY) == 0
    gid = fake.group_by_name("order_to_erp")["id"]
    invoke = fake.component_by_name("egress erp_http_out", "InvokeHTTP")
    invoke["properties"]["HTTP Method"] = "PUT"
    invoke["autoterm"].discard("Response")
    mapping = fake.group_by_name("mapping")["id"]
    fake.call("POST", f"/process-groups/{mapping}/processors", peer="harness", json_body={
        "revision": {"version": 0, "clientId": "someone"}, "component": {
            "type": "org.apache.nifi.processors.standard.GenerateFlowFile", "name": "added by hand",
            "bundle": {"group": "org.apache.nifi", "artifact": "nifi-standard-nar", "version": "2.11.0"}}})
    n = len(fake.seen)
    assert harness(NO_REGISTRY) == 0, harness.text
    replace = [c for c in calls(fake, n)]
    assert replace[0] == f"POST /process-groups/{gid}/replace-requests"
    assert replace[1].startswith("DELETE /process-groups/replace-requests/") and len(replace) == 2
    where = "processor 'InvokeHTTP' in 'order_to_erp/egress erp_http_out'"
    drift = [line for line in harness.out if line.startswith("[deploy] drift: ")]
    assert drift == [
        (f"[deploy] drift: {where}: autoTerminatedRelationships is ['No Retry', 'Original']; the definition has "
        "['No Retry', 'Original', 'Response']"),
        f"[deploy] drift: {where}: property 'HTTP Method' is 'PUT'; the definition has 'POST'",
        "[deploy] drift: processor 'added by hand' in 'order_to_erp/mapping': added (the definition does not have it)"]
    assert "undid 3 hand edit(s) (drift) in process group 'order_to_erp'" in harness.text
    # Undone in place: the same group and processor instances, the edits gone, the added processor removed.
    assert fake.group_by_name("order_to_erp")["id"] == gid and fake.components[invoke["id"]] is invoke
    assert invoke["properties"]["HTTP Method"] == "POST" and invoke["autoterm"] == {"No Retry", "Original", "Response"}
    assert not [c for c in fake.components.values() if c.get("name") == "added by hand"]
    assert "FlowSynced        True" in harness.text
    n = len(fake.seen)
    assert harness(NO_REGISTRY) == 0 and calls(fake, n) == []  # converged


def test_a_new_definition_is_applied_in_place(harness, fake, artifacts):
    assert harness(NO_REGISTRY) == 0
    old = content_sha(definition(artifacts))
    gid = fake.group_by_name("order_to_erp")["id"]
    invoke = fake.component_by_name("egress erp_http_out", "InvokeHTTP")
    new = rewrite(artifacts, lambda d: processor(d, "egress erp_http_out", "InvokeHTTP")["properties"].update(
        {"HTTP Method": "PATCH"}))
    n = len(fake.seen)
    assert harness(NO_REGISTRY) == 0, harness.text
    assert [c.split("/")[1] + "/" + c.split("/")[2] for c in calls(fake, n)] == [
        f"process-groups/{gid}", "process-groups/replace-requests"]
    assert f"[deploy] process group 'order_to_erp' was deployed from sha256:{old[:12]}; flow-definition.json is " \
           f"sha256:{new[:12]} (1 difference(s))" in harness.text
    assert "[deploy] change: processor 'InvokeHTTP' in 'order_to_erp/egress erp_http_out': property 'HTTP Method' " \
           "is 'POST'; the definition has 'PATCH'" in harness.text
    assert fake.components[invoke["id"]]["properties"]["HTTP Method"] == "PATCH"
    assert f"FlowSynced        True    UpToDate             matches flow-definition.json sha256:{new[:12]}" in harness.text
    n = len(fake.seen)
    assert harness(NO_REGISTRY) == 0 and calls(fake, n) == []


def test_a_new_definition_waits_for_the_drain_policy_but_undoing_drift_does_not(harness, fake, artifacts):
    assert harness(NO_REGISTRY) == 0
    waiting = next(c for c in fake.connections.values() if fake.components[c["dst"]]["kind"] == "FUNNEL")
    fake.enqueue(waiting["id"], 3)
    rewrite(artifacts, lambda d: d["flowContents"].update(comments="protoc-gen-nifi: regenerated"))
    n = len(fake.seen)
    assert harness(NO_REGISTRY) == 2
    assert harness.err[0].startswith("error: [drain] process group 'order_to_erp': 3 FlowFile(s) queued, the drain "
                                     "policy allows 0; upgrade refused")
    assert not [c for c in calls(fake, n) if "replace-requests" in c]
    (harness.artifacts / "nifi" / "flow-definition.json").write_text(json.dumps(definition(harness.artifacts)))
    fake.component_by_name("egress erp_http_out", "InvokeHTTP")["properties"]["HTTP Method"] = "PUT"
    assert harness(NO_REGISTRY, "--max-queued", "3") == 0, harness.text
    assert "[deploy] change: process group 'order_to_erp': comments is" in harness.text


def test_a_failed_replace_says_why_and_a_rerun_converges(harness, fake, artifacts):
    """NiFi refuses to remove a connection that holds data (FlowUpdateResource step 9): the request fails, the
    group is as it was; once the queue is empty a rerun applies the definition."""
    assert harness(NO_REGISTRY) == 0
    root = definition(artifacts)["flowContents"]
    doomed = next(c["identifier"] for c in root["connections"] if c["destination"]["type"] == "FUNNEL")
    queue = fake.connection_by_versioned(doomed)  # the failures wait there: nothing takes from the funnel
    fake.enqueue(queue["id"], 2)
    rewrite(artifacts, lambda d: d["flowContents"].update(connections=[
        c for c in d["flowContents"]["connections"] if c["identifier"] != doomed]))
    assert harness(NO_REGISTRY, "--max-queued", "10") == 2
    assert harness.err[0].startswith("error: [deploy] process group 'order_to_erp': NiFi failed the replace: Failed "
                                     "to perform update flow request due to Cannot remove Connection")
    assert "Fix: fix what NiFi reports (often a queue that still holds data" in harness.err[0]
    assert fake.connection_by_versioned(doomed) is queue
    queue["flowfiles"].clear()
    assert harness(NO_REGISTRY) == 1, harness.text  # deployed; this definition leaves a port dangling (BEHAVIOUR 13)
    assert not [c for c in fake.connections.values() if c["versionedId"] == doomed]
    assert "FlowSynced        True" in harness.text and "'failure' in 'order_to_erp/egress erp_http_out': Port has no " \
           "outgoing connections" in harness.text


def test_a_failed_first_run_says_what_it_created_and_a_rerun_converges(harness, fake):
    fake.failures[r"POST /process-groups/root/process-groups/upload"] = (409, "NiFi is not ready")
    assert harness(NO_REGISTRY) == 2
    assert harness.err == [
        ("error: [deploy] process group 'order_to_erp': NiFi answered HTTP 409 to POST /nifi-api/process-groups/root/"
        "process-groups/upload: NiFi is not ready. Fix: the component is in a state that forbids the change (see "
        "NiFi's message); rerun once it is not"),
        ("error: [partial] before it stopped, this run: created parameter context 'order_to_erp' with 6 parameter(s). "
        "Everything else is as it was; a rerun continues from here, --undeploy removes what the harness created")]
    fake.failures.clear()
    assert harness(NO_REGISTRY) == 0, harness.text
    assert "[parameters] parameter context 'order_to_erp' is current" in harness.text and len(fake.contexts) == 1


def test_nifi_keeping_a_difference_after_the_upload_is_an_error_not_an_endless_replace(harness, fake, artifacts):
    """A JSON writer without 'Allow Scientific Notation' gets 'true' on import (JsonRecordSetWriter.migrate-
    Properties): what NiFi then holds is not the definition, and replacing it again would not change that."""
    def add_writer(d):
        d["flowContents"]["controllerServices"].append({
            "identifier": "7e2b5bb4-4b9a-3c3e-9d8e-000000000001", "name": "JSON out", "componentType":
            "CONTROLLER_SERVICE", "type": "org.apache.nifi.json.JsonRecordSetWriter", "properties": {},
            "propertyDescriptors": {},
            "bundle": {"group": "org.apache.nifi", "artifact": "nifi-record-serialization-services-nar",
                       "version": "2.11.0"}, "groupIdentifier": d["flowContents"]["identifier"]})
    rewrite(artifacts, add_writer)
    assert harness(NO_REGISTRY) == 2
    assert "after the upload NiFi still holds 1 difference(s) from flow-definition.json: controller service 'JSON " \
           "out' in 'order_to_erp': property 'Allow Scientific Notation' is 'true'; the definition has it unset " \
           "(default 'false')" \
           in harness.err[0]
    assert "Fix: generate the flow for this NiFi's version" in harness.err[0]
    assert "created process group 'order_to_erp'" in harness.err[1]  # [partial]


def test_a_versioned_group_of_that_name_is_not_replaced(harness, fake):
    assert harness() == 0  # deployed through the Registry
    n = len(fake.seen)
    assert harness(NO_REGISTRY) == 2
    assert "[deploy] process group 'order_to_erp': is under version control of a NiFi Registry" in harness.err[0]
    assert "Fix: deploy it without --no-registry" in harness.err[0]
    assert calls(fake, n) == []


GHOSTS = frozenset({"nifi-kafka-nar", "nifi-kafka-3-service-nar"})


def test_components_nifi_cannot_load_are_named_and_never_started(harness, fake):
    fake.missing_nars = GHOSTS
    assert harness(NO_REGISTRY) == 1, harness.text
    assert "[deploy] NiFi cannot load 2 component(s) of process group 'order_to_erp'" in harness.text
    assert "[deploy]   missing: processor 'ConsumeKafka' in 'order_to_erp/ingress orders_in': " \
           "org.apache.nifi.kafka.processors.ConsumeKafka from nifi-kafka-nar 2.11.0" in harness.out
    assert "[deploy]   missing: controller service 'Kafka connection' in 'order_to_erp': " \
           "org.apache.nifi.kafka.service.Kafka3ConnectionService from nifi-kafka-3-service-nar 2.11.0" in harness.out
    assert "[services] controller service 'Kafka connection' (kafka) left as it is: NiFi cannot load " \
           "org.apache.nifi.kafka.service.Kafka3ConnectionService (nifi-kafka-3-service-nar 2.11.0 is not " \
           "installed)" in harness.out
    assert any(line.startswith("[start] not started: NiFi cannot load 2 of its component(s)") for line in harness.out)
    assert not any(c.get("state") in ("RUNNING", "STARTING") for c in fake.components.values())
    assert not [s for s in fake.mutations() if s.path.startswith("/flow/process-groups/") or "run-status" in s.path]
    running = next(line for line in harness.out if line.startswith("FlowRunning"))
    assert "False" in running and "1 missing" in running and "missing: processor 'ConsumeKafka' in 'order_to_erp/" \
           "ingress orders_in' (org.apache.nifi.kafka.processors.ConsumeKafka: NAR not installed)" in running
    assert "FlowSynced        True" in harness.text  # what NiFi does not export of a ghost is not a difference
    n = len(fake.seen)
    assert harness(NO_REGISTRY) == 1 and calls(fake, n) == []
    assert harness(NO_REGISTRY, "--undeploy") == 0, harness.text
    assert list(fake.groups) == ["root"] and fake.contexts == {}


def test_undeploy_outlasts_a_ghost_someone_else_started(harness, fake):
    """Started by hand, a ghost stays STARTING: a stop does not reach it and the first delete fails after removing
    the connections; the harness retries until NiFi lets it go."""
    fake.missing_nars = GHOSTS
    assert harness(NO_REGISTRY) == 1
    gid = fake.group_by_name("order_to_erp")["id"]
    fake.call("PUT", f"/flow/process-groups/{gid}", peer="harness", json_body={"id": gid, "state": "RUNNING"})
    assert fake.component_by_name("ingress orders_in", "ConsumeKafka")["state"] == "STARTING"
    assert harness(NO_REGISTRY, "--undeploy") == 0, harness.text
    assert any("because Processor is running); retrying" in line for line in harness.out)
    assert list(fake.groups) == ["root"] and fake.contexts == {}


def test_undeploy_without_a_registry(harness, fake):
    assert harness(NO_REGISTRY) == 0
    n = len(fake.seen)
    assert harness(NO_REGISTRY, "--undeploy") == 0, harness.text
    assert [c.split(" ")[0] + " " + c.split("/")[1] for c in calls(fake, n)] == [
        "PUT flow", "PUT controller-services", "DELETE process-groups", "DELETE parameter-contexts"]
    assert list(fake.groups) == ["root"] and fake.contexts == {} and not [s for s in fake.seen if s.api == "registry"]
    n = len(fake.seen)
    assert harness(NO_REGISTRY, "--undeploy") == 0
    assert calls(fake, n) == [] and "nothing of integration 'order_to_erp' found" in harness.text


@pytest.mark.parametrize("extra", [(), ("--undeploy",)])
def test_dry_run_plans_the_definition_calls_and_sends_nothing(harness, fake, extra):
    assert harness(NO_REGISTRY, "--dry-run", *extra) == 0
    assert fake.seen == []
    assert "registry" not in harness.text.replace("NiFi Registry: none (--no-registry)", "").replace(
        "--no-registry", "")
    if not extra:
        assert any("/process-groups/root/process-groups/upload" in line for line in harness.out)
        assert any("/process-groups/{pgId}/replace-requests" in line for line in harness.out)
        assert any("/process-groups/{pgId}/download" in line for line in harness.out)
    else:
        assert harness.out[-1].startswith("[undeploy] DELETE") and "parameter-contexts" in harness.out[-1]
    assert ENV["NIFI_PASSWORD"] not in harness.text
