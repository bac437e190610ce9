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
    assert h(env=env) == 0, h.text
    n = len(fake.seen)
    assert h(env=env) == 0, h.text
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
