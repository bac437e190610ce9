"""The harness against the generator's real output: every integration under examples/*/generated."""
import json
from pathlib import Path

import pytest

from .conftest import SECRET, Harness, closed_port, generated_integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = EXAMPLES / "order_to_erp" / "generated" / "order_to_erp"
INTEGRATIONS = sorted(p.parents[1] for p in EXAMPLES.glob("*/generated/*/nifi/flow.snapshot.json"))


def test_every_example_integration_is_covered():
    assert len(INTEGRATIONS) == 6, INTEGRATIONS


@pytest.mark.parametrize("example", INTEGRATIONS, ids=[p.name for p in INTEGRATIONS])
def test_generated_example_deploys_and_is_idempotent(server, fake, tmp_path, example, listener):
    art, secrets, env = generated_integration(example, tmp_path, fake.users["admin"], listener.port)
    h = Harness(server, art, secrets)
    rc = h(env=env)
    # The generated flow is valid as NiFi judges it (no port without connections, BEHAVIOUR 13; every
    # relationship handled, BEHAVIOUR 14), so the first run reaches Ready.
    root = next(g["id"] for g in fake.groups.values() if g["parent"] == "root")
    invalid = [c["name"] for g in fake.subtree(root) for c in fake.in_group(fake.components, g)
               if fake.validation(c)[0] == "INVALID"]
    assert invalid == []
    assert rc == 0, h.text
    assert "0 invalid" in next(x for x in h.out if x.startswith("FlowRunning"))
    assert [x.split()[0] for x in h.out if not x.startswith("[")] == [
        "SecretsReady", "DependenciesReady", "WorkloadReady", "RegistrySynced", "FlowDeployed", "FlowSynced",
        "FlowRunning", "BackpressureOK", "BulletinsOK", "EndpointReachable", "Ready"]
    n = len(fake.seen)
    assert h(env=env) == rc, h.text
    assert fake.mutations(n) == []
    assert SECRET not in "\n".join(h.everything)
    # Services that use services (a map-cache client and its Redis pool) must point at the deployed
    # instances, never at versioned ids, which NiFi does not know once the flow is imported.
    services_by_id = set(fake.services)
    processors = [c for c in fake.components.values() if c["kind"] == "PROCESSOR"]
    for component in [*fake.services.values(), *processors]:
        for key, value in component["properties"].items():
            if value in {s["versionedId"] for s in fake.services.values()}:
                raise AssertionError(f"{component['name']}: {key} names versioned id {value}, not an instance")
            if key in ("Redis Connection Pool", "Kafka Connection Service", "Client Service", "Record Reader",
                       "Record Writer", "Database Connection Pooling Service", "Distributed Cache Service"):
                assert value in services_by_id, (component["name"], key, value)


def test_failures_parked_during_a_run_fail_it_and_all_parked_are_counted(server, fake, tmp_path):
    """controller-services.json names the `parked failures` queue; what waits there is counted by the queue's
    status (not a capped listing, BEHAVIOUR 8), and only FlowFiles parked during this run make it fail."""
    art, secrets, env = generated_integration(EXAMPLE, tmp_path, fake.users["admin"])
    h = Harness(server, art, secrets)
    assert h(env=env) == 0, h.text
    assert "no FlowFile waits in 'parked failures'" in next(x for x in h.out if x.startswith("BulletinsOK"))
    versioned = json.loads((art / "nifi" / "controller-services.json").read_text())["parkedFailures"]["connection"]
    parked = next(c for c in fake.connections.values() if c["versionedId"] == versioned)
    fake.enqueue(parked["id"], 150)
    assert h(env=env) == 0, h.text
    line = next(x for x in h.out if x.startswith("BulletinsOK"))
    assert "True" in line and "150 FlowFile(s) wait in 'parked failures' (0 parked during this run)" in line
    fake.queued_later.append((parked["id"], 1))
    assert h(env=env) == 1
    line = next(x for x in h.out if x.startswith("BulletinsOK"))
    assert line.startswith("BulletinsOK       False   FailuresParked       ") and "151 FlowFile(s) wait in 'parked failures' (1 parked during this run)" in line
    assert "not ready: BulletinsOK" in h.text


HTTP_IN = EXAMPLES / "ev_coownership" / "generated" / "cross_service_validation"


def test_http_in_listeners_are_probed_for_endpoint_reachable(server, fake, tmp_path, listener):
    """EndpointReachable: once the flow runs, each HTTP IN listener (parameter http.<endpoint>.listen.port) must
    accept a TCP connection on NiFi's host within --settle-timeout."""
    art, secrets, env = generated_integration(HTTP_IN, tmp_path, fake.users["admin"], listener.port)
    h = Harness(server, art, secrets)
    before = listener.accepted
    assert h(env=env) == 0, h.text
    line = next(x for x in h.out if x.startswith("EndpointReachable"))
    assert line == (f"EndpointReachable True    ListenersAccepting   validation-requests at 127.0.0.1:{listener.port} "
                    "accepts connections")
    assert listener.accepted_after(before)
    port = closed_port()
    env = {k: str(port) if v == str(listener.port) else v for k, v in env.items()}
    assert h(env=env) == 1, h.text
    line = next(x for x in h.out if x.startswith("EndpointReachable"))
    assert line.startswith(f"EndpointReachable False   ListenerUnreachable  validation-requests at 127.0.0.1:{port} "
                           "does not accept connections: "), line
    assert "not ready: EndpointReachable" in next(x for x in h.out if x.startswith("Ready"))


def test_no_listener_and_no_case_leaves_endpoint_reachable_unknown(harness):
    assert harness() == 0, harness.text
    assert next(x for x in harness.out if x.startswith("EndpointReachable")) == (
        "EndpointReachable Unknown NothingToProbe       no HTTP IN listener to probe and no golden case (--cases)")
