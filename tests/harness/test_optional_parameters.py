"""Parameters marked `required: false` may stay unset; a missing `required` still means required."""
import shutil
from pathlib import Path

import pytest

from .conftest import ENV

OPTIONAL_YAML = Path(__file__).parent / "fixtures" / "parameter-context-optional.yaml"


@pytest.fixture
def optional(artifacts):
    shutil.copy(OPTIONAL_YAML, artifacts / "nifi" / "parameter-context.yaml")
    return artifacts


def params_sent(fake, since=0):
    """name -> parameter DTO of every parameter sent to NiFi since `since`."""
    out = {}
    for s in fake.seen[since:]:
        if s.method == "POST" and s.path.startswith("/parameter-contexts"):
            out.update({e["parameter"]["name"]: e["parameter"] for e in s.body["component"]["parameters"]})
    return out


def context(fake):
    return next(iter(fake.contexts.values()))["params"]


def test_optional_parameters_without_value_are_declared_unset(harness, fake, optional):
    assert harness() == 0, harness.text
    sent = params_sent(fake)
    assert sent["mapping.module.path"] == {"name": "mapping.module.path", "sensitive": False, "value": None,
                                           "valueRemoved": True, "description": "Comma-separated paths of modules "
                                           "the mapping scripts use (may be empty)"}
    assert sent["mapping.token"]["value"] is None and sent["mapping.token"]["sensitive"] is True
    assert context(fake)["mapping.module.path"]["value"] is None
    n = len(fake.seen)
    assert harness() == 0, harness.text
    assert fake.mutations(n) == []  # still unset: nothing to change


def test_empty_value_counts_as_unset_and_a_value_can_come_and_go(harness, fake, optional):
    assert harness(env=dict(ENV, MAPPING_MODULE_PATH="")) == 0, harness.text
    assert context(fake)["mapping.module.path"]["value"] is None  # not "", which NiFi would pass on as a value
    n = len(fake.seen)
    assert harness(env=dict(ENV, MAPPING_MODULE_PATH="/opt/nifi/mapping/lib")) == 0, harness.text
    assert params_sent(fake, n) == {"mapping.module.path": {
        "name": "mapping.module.path", "sensitive": False, "value": "/opt/nifi/mapping/lib",
        "description": "Comma-separated paths of modules the mapping scripts use (may be empty)"}}
    assert context(fake)["mapping.module.path"]["value"] == "/opt/nifi/mapping/lib"
    n = len(fake.seen)
    assert harness() == 0, harness.text
    assert params_sent(fake, n)["mapping.module.path"]["valueRemoved"] is True
    assert context(fake)["mapping.module.path"]["value"] is None


def test_missing_required_parameter_still_fails_and_names_only_it(harness, fake, optional):
    assert harness(secrets=False) == 2
    assert harness.err == [("error: [parameters] parameter context: no value for 'kafka.sasl.password' (environment "
                           "variable KAFKA_SASL_PASSWORD (no --secrets-dir given)). Fix: export the environment "
                           "variable(s), or mount the Secret and pass --secrets-dir DIR")]
    assert fake.seen == []


def test_dry_run_shows_optional_parameters_as_unset(harness, fake, optional):
    assert harness("--dry-run") == 0
    assert "mapping.module.path (plain) <- unset (optional; set MAPPING_MODULE_PATH to give it a value)" in harness.text
    assert "mapping.token (sensitive) <- unset (optional; set MAPPING_TOKEN to give it a value)" in harness.text
    assert fake.seen == []
