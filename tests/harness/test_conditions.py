"""Drain policy and the per-condition report."""
import json
import shutil
from pathlib import Path

from .conftest import ENV


def bump_snapshot(artifacts, n="cd"):
    path = artifacts / "nifi" / "flow.snapshot.json"
    snap = json.loads(path.read_text())
    snap["flowContents"]["comments"] = f"protoc-gen-nifi: change {n}"
    snap["snapshotMetadata"]["comments"] = "protoc-gen-nifi order_to_erp sha256:" + n * 32
    path.write_text(json.dumps(snap))


def failures(fake):
    """The connection where failed FlowFiles wait for an operator (in front of the root funnel): never drains."""
    return next(c for c in fake.connections.values() if fake.components[c["dst"]]["kind"] == "FUNNEL")


def test_upgrade_refused_while_queues_are_above_policy(harness, fake, artifacts):
    assert harness() == 0
    fake.enqueue(failures(fake)["id"], 5)
    bump_snapshot(artifacts)
    n = len(fake.seen)
    assert harness() == 2
    assert harness.err[0].startswith("error: [drain] process group 'order_to_erp': 5 FlowFile(s) queued, the drain "
                                     "policy allows 0; upgrade refused")
    assert "Fix: rerun with --drain" in harness.err[0]
    assert not any("update-requests" in s.path for s in fake.mutations(n) if s.api == "nifi")
    assert fake.group_by_name("order_to_erp")["vci"]["version"] == "1"
    # --max-queued raises the policy
    assert harness("--max-queued", "5") == 0, harness.text


def test_drain_mode_stops_only_the_sources_then_upgrades(harness, fake, artifacts):
    """Defect 9: stopping the whole ingress group strands the FlowFiles between the consumer and the next step;
    only the sources stop, the rest keeps running and empties the queues."""
    assert harness() == 0
    consume = fake.component_by_name("ingress orders_in", "ConsumeKafka")
    between = next(c for c in fake.connections.values() if c["src"] == consume["id"])
    fake.throughput = 5  # the flow is busy: each queue passes 5 FlowFiles per moment
    fake.enqueue(between["id"], 100)
    bump_snapshot(artifacts)
    n = len(fake.seen)
    assert harness("--drain", "--drain-timeout", "10") == 0, harness.text
    stops = [(s.path, s.body["state"]) for s in fake.mutations(n) if s.body and s.body.get("state") == "STOPPED"]
    assert stops == [(f"/processors/{consume['id']}/run-status", "STOPPED")]
    seq = [f"{s.method} {s.path}" for s in fake.mutations(n) if s.api == "nifi"]
    assert any(c.startswith("POST /versions/update-requests/") for c in seq)
    assert seq[-1] == f"PUT /flow/process-groups/{fake.group_by_name('order_to_erp')['id']}"  # started again
    assert "stopped the sources (processor 'ConsumeKafka' in 'order_to_erp/ingress orders_in')" in harness.text
    assert "Ready             True    AllConditionsHold    all conditions hold" in harness.text and between["flowfiles"] == []


def test_drain_timeout_refuses_and_restarts_the_sources(harness, fake, artifacts):
    assert harness() == 0
    fake.enqueue(failures(fake)["id"], 5)
    bump_snapshot(artifacts)
    n = len(fake.seen)
    assert harness("--drain", "--drain-timeout", "0.2") == 2
    assert "[drain]" in harness.err[0] and "did not happen within 0.2s" in harness.err[0]
    states = [s.body["state"] for s in fake.mutations(n) if "/run-status" in s.path]
    assert states == ["STOPPED", "RUNNING"]
    assert fake.component_by_name("ingress orders_in", "ConsumeKafka")["state"] == "RUNNING"
    assert fake.group_by_name("order_to_erp")["vci"]["version"] == "1"


def test_error_bulletin_fails_bulletins_ok(harness, fake):
    assert harness() == 0
    egress = fake.group_by_name("egress erp_http_out")["id"]
    fake.add_bulletin(egress, "ERROR", "before this run: not judged")
    fake.bulletins_later.append(("some-other-group", "ERROR", "not ours"))
    assert harness() == 0, harness.text  # old bulletins and other groups' bulletins do not count
    fake.bulletins_later += [(egress, "ERROR", "Connection refused: erp"), (egress, "WARNING", "slow")]
    rc = harness()
    assert rc == 1
    assert "BulletinsOK       False   BulletinsRaised      ERROR InvokeHTTP: Connection refused: erp" in harness.text
    assert "Ready             False   NotReady             not ready: BulletinsOK" in harness.text
    assert "slow" not in harness.text
    fake.bulletins_later.append((egress, "WARNING", "slow again"))
    assert harness("--fail-on-warning") == 1
    assert "WARNING InvokeHTTP: slow again" in harness.text


def test_backpressure_reports_the_full_queue(harness, fake):
    assert harness() == 0
    fake.enqueue(failures(fake)["id"], 10000, filename="order-0.json")
    assert harness() == 1
    line = next(x for x in harness.out if x.startswith("BackpressureOK"))
    assert "False" in line and "10000 queued (first: order-0.json)" in line
    assert any(s.path.endswith("/listing-requests") and s.method == "POST" for s in fake.seen)
    assert any(s.method == "DELETE" and "/listing-requests/" in s.path for s in fake.seen)


DANGLING = Path(__file__).parent / "fixtures" / "dangling_failure_port" / "nifi"


def test_an_invalid_port_is_named_with_nifis_reason(harness, fake, artifacts):
    """Defect 2: the generator's root `failure` port has no outgoing connection, so NiFi finds it invalid and never
    starts it (BEHAVIOUR 13); FlowRunning says which component and why, and the run exits 1."""
    shutil.copytree(DANGLING, artifacts / "nifi", dirs_exist_ok=True)
    assert harness() == 1, harness.text
    line = next(x for x in harness.out if x.startswith("FlowRunning"))
    assert line.startswith("FlowRunning       False   NotAllRunning        7 running, 1 invalid; invalid: output port 'failure' in "
                           "'order_to_erp': Port has no outgoing connections (NiFi-wide: 1 invalid")
    assert next(x for x in harness.out if x.startswith("Ready")).split()[1] == "False"


def test_no_start_reports_not_running(harness, fake):
    assert harness("--no-start", "--settle-timeout", "0") == 1
    assert "FlowRunning       False   NotAllRunning        0 running, 0 invalid, 7 stopped; stopped: processor 'ConsumeKafka' in " \
           "'order_to_erp/ingress orders_in'" in harness.text
    assert not any(s.method == "PUT" and s.body.get("state") == "RUNNING" for s in fake.mutations())


def test_dry_run_sends_nothing_and_hides_values(harness, fake):
    env = dict(ENV, KAFKA_SASL_PASSWORD="env-secret-value-789")
    assert harness("--dry-run", env=env) == 0
    assert fake.seen == []
    text = harness.text
    assert "env-secret-value-789" not in text
    for v in ENV.values():
        assert v not in text or v == "order_to_erp"
    assert "kafka.sasl.password (sensitive) <- env KAFKA_SASL_PASSWORD" in text
    assert "POST   " in text and "/versions/import" in text
    # A required parameter without a value: the plan still prints, and the dry run fails as the run would.
    assert harness("--dry-run", env={}, secrets=False) == 2
    assert "kafka.sasl.password (sensitive) <- MISSING (set KAFKA_SASL_PASSWORD" in harness.text
    assert len(harness.err) == 1 and harness.err[0].startswith("error: [parameters] parameter context: no value for ")
    assert "'kafka.sasl.password' (environment variable KAFKA_SASL_PASSWORD (no --secrets-dir given))" in harness.err[0]
    assert fake.seen == []


def test_node_health_is_a_condition(harness, fake):
    """Defect 12: the design's health signals include node health (/system-diagnostics)."""
    assert harness() == 0
    assert next(x for x in harness.out if x.startswith("WorkloadReady")) == (
        "WorkloadReady     True    NodesHealthy         heap 40%, repositories at most 20% full")
    fake.heap_used_pct = 95.0
    assert harness("--settle-timeout", "0") == 1
    assert next(x for x in harness.out if x.startswith("WorkloadReady")) == (
        "WorkloadReady     False   NodeShortOfResources heap 95% used (limit 90%)")
    assert next(x for x in harness.out if x.startswith("Ready")).startswith(
        "Ready             False   NotReady             not ready: WorkloadReady")


def test_one_node_in_trouble_is_named_though_the_cluster_average_is_fine(harness, fake):
    fake.nodes, fake.node_heap, fake.repo_used_pct = 2, {1: 96.0}, 91.0
    assert harness("--settle-timeout", "0") == 1
    line = next(x for x in harness.out if x.startswith("WorkloadReady"))
    assert line == ("WorkloadReady     False   NodeShortOfResources nifi-0: flowfile repo 'flowfile' 91% full (limit 90%); nifi-0: content repo "
                    "'default' 91% full (limit 90%); nifi-0: provenance repo 'default' 91% full (limit 90%); nifi-1: heap "
                    "96% used (limit 90%); nifi-1: flowfile repo 'flowfile' 91% full (limit 90%); nifi-1: content repo "
                    "'default' 91% full (limit 90%); nifi-1: provenance repo 'default' 91% full (limit 90%)")


def test_dry_run_undeploy_lists_the_removals_and_sends_nothing(harness, fake):
    assert harness("--dry-run", "--undeploy", secrets=False) == 0
    assert fake.seen == []
    assert harness.out[0] == "plan for removing integration 'order_to_erp' (--undeploy; nothing is sent)"
    assert any("DELETE" in x and "/process-groups/{pgId}" in x for x in harness.out)
