"""Unit tests of property normalisation (seed 002) and value resolution."""
import pytest

from protoc_gen_nifi.harness.errors import HarnessError, Redactor
from protoc_gen_nifi.harness.parameters import resolve_values
from protoc_gen_nifi.harness.services import Descriptors, normalise, validation_errors

from .fakenifi import KAFKA_DESCRIPTORS

DESC = Descriptors(KAFKA_DESCRIPTORS, dynamic=False)
ENTRY = {"key": "kafka", "name": "Kafka connection"}


def test_aliases_and_allowable_display_values_become_canonical():
    props = {"Bootstrap Servers": "#{kafka.bootstrap.servers}", "security-protocol": "SASL SSL",
             " SASL Mechanism ": "scram-sha-512", "sasl.password": "#{kafka.sasl.password}",
             "max-poll-records": "500"}
    assert normalise({**ENTRY, "properties": props}, DESC) == {
        "bootstrap.servers": "#{kafka.bootstrap.servers}", "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512", "sasl.password": "#{kafka.sasl.password}", "max.poll.records": "500"}


def test_parameter_reference_bypasses_allowable_values():
    assert normalise({**ENTRY, "properties": {"security.protocol": "#{kafka.protocol}"}}, DESC) == \
        {"security.protocol": "#{kafka.protocol}"}


def test_disallowed_value_names_choices():
    with pytest.raises(HarnessError) as e:
        normalise({**ENTRY, "properties": {"security.protocol": "TLS"}}, DESC)
    assert "property 'security.protocol': value 'TLS' is not allowed" in str(e.value)
    assert "PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL" in str(e.value)


def test_dynamic_services_keep_unknown_keys():
    assert normalise({**ENTRY, "properties": {"x.custom": "1"}}, Descriptors(KAFKA_DESCRIPTORS, dynamic=True)) == \
        {"x.custom": "1"}


def test_validation_errors_are_mapped_to_canonical_keys():
    entity = {"component": {"validationErrors": [
        "'Bootstrap Servers' is invalid because Bootstrap Servers is required", "Something global"]}}
    assert validation_errors(entity, DESC, ENTRY) == [
        ("controller service 'Kafka connection' (kafka) property 'bootstrap.servers': 'Bootstrap Servers' is "
         "invalid because Bootstrap Servers is required"),
        "controller service 'Kafka connection' (kafka): Something global"]


def test_values_from_env_then_secret_file_by_name_or_env(tmp_path):
    (tmp_path / "b").write_text("from-name\n")
    (tmp_path / "C_ENV").write_text("from-env-file")
    params = [{"name": "a", "env": "A_ENV"}, {"name": "b", "env": "B_ENV", "sensitive": True},
              {"name": "c", "env": "C_ENV", "sensitive": True}]
    r = Redactor()
    assert resolve_values(params, {"A_ENV": "va"}, tmp_path, r) == {"a": "va", "b": "from-name", "c": "from-env-file"}
    assert r("from-name from-env-file va") == "<redacted> <redacted> va"


def test_services_that_others_use_are_reconciled_first():
    from protoc_gen_nifi.harness.services import dependency_order

    client = {"identifier": "c", "properties": {"Redis Connection Pool": "p", "TTL": "#{ttl}"}}
    pool = {"identifier": "p", "properties": {"Connection String": "#{redis}"}}
    reader = {"identifier": "r", "properties": {}}
    assert [e["identifier"] for e in dependency_order([client, reader, pool])] == ["p", "c", "r"]
    looped = [{"identifier": "a", "properties": {"x": "b"}}, {"identifier": "b", "properties": {"x": "a"}}]
    assert sorted(e["identifier"] for e in dependency_order(looped)) == ["a", "b"]


@pytest.mark.parametrize("integration, slug", [
    ("financial_reconciliation", "nightly"),  # schedule: GenerateFlowFile -> trace context
    ("cross_service_validation", "on_demand"),  # HTTP IN: HandleHttpRequest -> (reply, trace context)
    ("maintenance_predictions", "maintenance_history_in"),  # JDBC IN
    ("booking_analytics", "booking_created_in"),  # AMQP IN
])
def test_cases_enter_every_ingress_at_its_trace_context(integration, slug):
    import json
    from pathlib import Path

    from protoc_gen_nifi.harness import topology

    root = Path(__file__).resolve().parents[2] / "examples" / "ev_coownership" / "generated" / integration
    snapshot = json.loads((root / "nifi" / "flow.snapshot.json").read_text())
    found = topology.entry(snapshot, slug)
    assert (found.group_name, found.target_name, found.target_type) == (f"ingress {slug}", "trace context",
                                                                        "PROCESSOR")


def test_flow_running_names_a_started_invalid_processor_that_nifi_counts_as_running():
    """A started processor that is invalid is STARTING: NiFi shows it STOPPED and INVALID, and its group's counts
    call it running (StandardProcessGroup.getCounts uses isRunning). The condition names it."""
    from protoc_gen_nifi.harness.assertions import running_condition
    from protoc_gen_nifi.harness.inventory import Component

    ok = Component("1", "PROCESSOR", "trace context", "g", "i/ingress", "v1", "RUNNING", "VALID")
    starting = Component("2", "PROCESSOR", "ConsumeKafka", "g", "i/ingress", "v2", "STOPPED", "INVALID",
                         ["'Topics' validated against '#{t}' is invalid because Parameter 't' has no value"])
    port = Component("3", "OUTPUT_PORT", "out", "g", "i/ingress", "v3", "STOPPED", "VALIDATING")
    cond = running_condition([ok, starting, port], {"invalidCount": 0, "flowFilesQueued": 0})
    assert not cond.ok
    assert cond.message == ("1 running, 1 invalid, 1 validating; invalid: processor 'ConsumeKafka' in 'i/ingress': "
                           "Parameter 't' has no value; validating: output port 'out' in 'i/ingress' (NiFi-wide: 0 "
                           "invalid, 0 queued)")
    assert running_condition([ok], {}).ok


def test_bodies_and_answers_are_checked_at_every_target_nifi_version():
    """nipyapi holds one version of NiFi's spec; the per-version table (make_dto_fields.py) catches a key an older
    target does not have, such as ProcessorDTO.physicalState (added after 2.3.0)."""
    from .nifi_model import check

    assert check({"physicalState": "RUNNING"}, "ProcessorDTO") == [
        "$: NiFi 2.0.0's ProcessorDTO has no property 'physicalState'",
        "$: NiFi 2.3.0's ProcessorDTO has no property 'physicalState'"]
    assert check({"state": "RUNNING", "validationStatus": "VALID"}, "ProcessorDTO") == []
