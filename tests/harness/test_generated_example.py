"""The harness against the generator's real output for examples/order_to_erp (skipped until generated)."""
import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import SECRET, Harness

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "order_to_erp" / "generated" / "order_to_erp"

pytestmark = pytest.mark.skipif(not (EXAMPLE / "nifi" / "flow.snapshot.json").exists(),
                                reason="examples/order_to_erp not generated yet")


def test_generated_example_deploys_and_is_idempotent(server, fake, tmp_path):
    art = tmp_path / "order_to_erp"
    shutil.copytree(EXAMPLE / "nifi", art / "nifi")
    params = yaml.safe_load((art / "nifi" / "parameter-context.yaml").read_text())["parameters"]
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    env = {"NIFI_USERNAME": "admin", "NIFI_PASSWORD": fake.users["admin"]}
    for p in params:
        if p["sensitive"]:
            (secrets / p["name"]).write_text(SECRET)
        else:
            env[p["env"]] = {"kafka.bootstrap.servers": "kafka:9092", "kafka.security.protocol": "SASL_SSL",
                             "kafka.sasl.mechanism": "SCRAM-SHA-512"}.get(p["name"], f"value-of-{p['name']}")
    h = Harness(server, art, secrets)
    assert h(env=env) == 0, h.text
    n = len(fake.seen)
    assert h(env=env) == 0, h.text
    assert fake.mutations(n) == []
    assert SECRET not in "\n".join(h.everything)
