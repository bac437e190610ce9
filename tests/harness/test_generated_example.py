"""The harness against the generator's real output: every integration under examples/*/generated."""
from pathlib import Path

import pytest

from .conftest import SECRET, Harness, generated_integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = EXAMPLES / "order_to_erp" / "generated" / "order_to_erp"
INTEGRATIONS = sorted(p.parents[1] for p in EXAMPLES.glob("*/generated/*/nifi/flow.snapshot.json"))


def test_every_example_integration_is_covered():
    assert len(INTEGRATIONS) == 5, INTEGRATIONS


@pytest.mark.parametrize("example", INTEGRATIONS, ids=[p.name for p in INTEGRATIONS])
def test_generated_example_deploys_and_is_idempotent(server, fake, tmp_path, example):
    art, secrets, env = generated_integration(example, tmp_path, fake.users["admin"])
    h = Harness(server, art, secrets)
    rc = h(env=env)
    # Whatever NiFi finds invalid in the generated flow (today: `failure` ports nothing takes from, BEHAVIOUR 13;
    # the flow side fixes those) is named in FlowRunning, and only then does the run exit 1.
    root = next(g["id"] for g in fake.groups.values() if g["parent"] == "root")
    invalid = [c for g in fake.subtree(root) for c in fake.in_group(fake.components, g)
               if fake.validation(c)[0] == "INVALID"]
    line = next(x for x in h.out if x.startswith("FlowRunning"))
    assert rc == (1 if invalid else 0), h.text
    assert f"{len(invalid)} invalid" in line
    for c in invalid:
        assert f"'{c['name']}' in '" in line and "Port has no" in line
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
