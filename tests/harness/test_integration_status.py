"""The harness and the kubernetes/ folder agree: the Registry import uses the bucket and flow ids the NifiDataflow
carries, and the conditions can be written as the Integration's status (metav1.Condition), valid against its CRD."""
from __future__ import annotations

import jsonschema
import yaml

from protoc_gen_nifi.harness import status
from protoc_gen_nifi.ids import registry_ids
from protoc_gen_nifi.k8s_schema import schemas

STATUS_SCHEMA = schemas()[("integration.ameide.io/v1alpha1", "Integration")]["properties"]["status"]


def test_registry_import_uses_the_generated_ids(harness, fake):
    assert harness() == 0, harness.text
    bucket_id, flow_id = registry_ids("protoc-gen-nifi", "order_to_erp")
    assert list(fake.registry.buckets) == [bucket_id]
    assert list(fake.registry.flows) == [flow_id]
    # The very ids a generated NifiDataflow names (tests/test_kubernetes.py checks the generator's side).
    bucket_post = next(s for s in fake.registry.seen if s.method == "POST" and s.path == "/buckets")
    assert bucket_post.query == {"preserveSourceProperties": "true"}


def test_status_file_is_an_integration_status(harness, tmp_path):
    path = tmp_path / "status.yaml"
    assert harness("--status-file", str(path), "--generation", "3") == 0, harness.text
    doc = yaml.safe_load(path.read_text())
    assert doc["apiVersion"] == "integration.ameide.io/v1alpha1" and doc["kind"] == "Integration"
    jsonschema.Draft7Validator(STATUS_SCHEMA).validate(doc["status"])
    conds = {c["type"]: c for c in doc["status"]["conditions"]}
    assert list(conds) == list(status.TYPES)
    assert all(c["observedGeneration"] == 3 for c in conds.values()) and doc["status"]["observedGeneration"] == 3
    for kind in ("SecretsReady", "DependenciesReady", "WorkloadReady", "RegistrySynced", "FlowDeployed",
                 "FlowSynced", "FlowRunning", "BackpressureOK", "BulletinsOK", "Ready"):
        assert conds[kind]["status"] == "True", conds[kind]
    assert conds["EndpointReachable"] == {**conds["EndpointReachable"], "status": "Unknown",
                                          "reason": "NothingToProbe"}  # no HTTP IN listener, no --cases
    assert conds["FlowSynced"]["message"].startswith("version 1 (UP_TO_DATE)")
    # The printed report is the same conditions, line by line, in the same order.
    printed = [x for x in harness.out if not x.startswith(("[", "  case "))]
    assert printed == [f"{c['type']:<17} {c['status']:<7} {c['reason']:<20} {c['message']}"
                       for c in doc["status"]["conditions"]]
    assert doc["status"]["registry"] == {"bucketId": registry_ids("protoc-gen-nifi", "order_to_erp")[0],
                                         "flowId": registry_ids("protoc-gen-nifi", "order_to_erp")[1], "version": 1}


def test_a_failed_step_is_a_false_condition(harness, tmp_path, fake):
    path = tmp_path / "status.yaml"
    harness.server.registry_url = "http://127.0.0.1:9/nifi-registry-api"  # nothing listens there
    assert harness("--status-file", str(path), "--request-timeout", "0.5") == 2
    doc = yaml.safe_load(path.read_text())
    jsonschema.Draft7Validator(STATUS_SCHEMA).validate(doc["status"])
    conds = {c["type"]: c for c in doc["status"]["conditions"]}
    assert conds["Ready"]["status"] == "False" and conds["Ready"]["reason"] == "StepFailed"
    assert conds["RegistrySynced"]["status"] == "False" and "[registry]" in conds["RegistrySynced"]["message"]
    assert conds["FlowDeployed"]["status"] == "Unknown"


def test_one_function_maps_the_checks():
    """conditions.integration: what the report prints and the status document holds, from the assert step's checks
    (no run: only what the checks say)."""
    from protoc_gen_nifi.harness.conditions import Check, integration

    checks = [Check("FlowSynced", True, "v1"), Check("FlowRunning", True, "7 running"),
              Check("BackpressureOK", True, "ok"), Check("BulletinsOK", False, "ERROR x: boom"),
              Check("NodeHealthy", True, "heap 40%"), Check("FailuresParked", False, "1 FlowFile(s) wait")]
    conds = {c.type: c for c in integration(None, checks, None)}
    assert list(conds) == list(status.TYPES)
    assert (conds["BulletinsOK"].status, conds["BulletinsOK"].reason, conds["BulletinsOK"].message) == (
        "False", "BulletinsRaised", "ERROR x: boom; 1 FlowFile(s) wait")
    checks[3] = Check("BulletinsOK", True, "no bulletins at or above ERROR")
    conds = {c.type: c for c in integration(None, checks, None)}
    assert (conds["BulletinsOK"].status, conds["BulletinsOK"].reason) == ("False", "FailuresParked")
    assert conds["WorkloadReady"].line() == "WorkloadReady     True    NodesHealthy         heap 40%"
    assert conds["Ready"].line() == "Ready             False   NotReady             not ready: BulletinsOK"
    assert conds["EndpointReachable"].status == "Unknown" and conds["SecretsReady"].reason == "NotChecked"
