"""The examples' mapping scripts (examples/*/mappings/*.groovy) do what their integration's README says a script
receives and must write: each runs in Groovy, as NiFi's ExecuteScript runs it (tests/fixtures/groovy/
run_mapping.groovy stands in for the session), on inputs built from the example's own protos."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

# The Groovy of the NiFi the live group runs (NiFi 2.3.0's pom: groovy.version 4.0.26) and the protobuf-java the
# order_to_erp scripts take from mapping.module.path; live/backends.py fetches them with Maven.
JARS = {
    "groovy": ("org/apache/groovy/groovy/4.0.26", "groovy-4.0.26.jar"),
    "groovy-json": ("org/apache/groovy/groovy-json/4.0.26", "groovy-json-4.0.26.jar"),
    "protobuf-java": ("com/google/protobuf/protobuf-java/3.25.6", "protobuf-java-3.25.6.jar"),
}
RUNNER = ROOT / "tests" / "fixtures" / "groovy" / "run_mapping.groovy"
ORDER = ROOT / "examples" / "order_to_erp"
EV = ROOT / "examples" / "ev_coownership"


def _classpath() -> str | None:
    repository = Path(os.environ.get("MAVEN_REPOSITORY", Path.home() / ".m2" / "repository"))
    jars = [repository / folder / name for folder, name in JARS.values()]
    if shutil.which("java") is None or not all(jar.exists() for jar in jars):
        return None
    return os.pathsep.join(str(jar) for jar in jars)


@pytest.fixture(scope="module")
def groovy():
    classpath = _classpath()
    if classpath is None:
        pytest.skip("no java or no Groovy 4.0.26 / protobuf-java 3.25.6 in the Maven repository "
                    "(python3 dev.py nifi backends fetches them)")

    def run(script: Path, cases: list[tuple[bytes, dict]], tmp: Path) -> list[dict]:
        cases_file = tmp / f"{script.stem}-cases.json"
        cases_file.write_text(json.dumps([{"content": base64.b64encode(content).decode(), "attributes": attributes}
                                          for content, attributes in cases]))
        done = subprocess.run(["java", "-cp", classpath, "groovy.ui.GroovyMain", str(RUNNER), str(script),
                               str(cases_file)], capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        results = json.loads(done.stdout)
        for result in results:
            assert result["open"] == [], "a FlowFile was neither transferred nor removed"
            for out in result["transferred"]:
                out["content"] = base64.b64decode(out["content"])
        return results

    return run


def _messages(integration_dir: Path):
    """The example's message classes, from the descriptors.pb the plugin generated."""
    files = descriptor_pb2.FileDescriptorSet.FromString((integration_dir / "schemas" / "descriptors.pb").read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    return lambda name: message_factory.GetMessageClass(pool.FindMessageTypeByName(name))


KAFKA_ATTRIBUTES = {"kafka.topic": "orders.v1", "kafka.partition": "0", "kafka.offset": "7",
                    "integration.name": "order_to_erp", "integration.port": "orders_in",
                    "mime.type": "application/x-protobuf", "traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"}


def _order_facts():
    message = _messages(ORDER / "generated" / "order_to_erp")
    envelope = message("acme.domain.orders.v1.DomainFactEnvelope")
    placed = envelope(fact_id="f-1", order_id="o-42")
    placed.occurred_at.FromJsonString("2026-01-02T03:04:05.600Z")
    placed.order_placed.customer_id = "c-7"
    placed.order_placed.lines.add(sku="sku-1", quantity=2)
    cancelled = envelope(fact_id="f-2", order_id="o-42")
    cancelled.order_cancelled.reason = "customer"
    return message, placed.SerializeToString(), cancelled.SerializeToString()


def test_erp_http_out_maps_a_placed_order_to_an_upsert_request(groovy, tmp_path):
    message, placed, cancelled = _order_facts()
    results = groovy(ORDER / "mappings" / "erp_http_out.groovy",
                     [(placed, KAFKA_ATTRIBUTES), (cancelled, KAFKA_ATTRIBUTES), (b"\xff\xff", KAFKA_ATTRIBUTES)],
                     tmp_path)
    (upsert,) = results[0]["transferred"]
    assert upsert["relationship"] == "success"
    assert json.loads(upsert["content"]) == {
        "erp_order_id": "erp-o-42", "source_order_id": "o-42", "updated_at": "2026-01-02T03:04:05.600Z",
        "required_headers": {"X-Correlation-Id": "f-1"},
    }
    # The attribute egress erp_http_out requires (its README: "Attributes it must set"), and the input's kept.
    assert upsert["attributes"]["X-Correlation-Id"] == "f-1"
    assert upsert["attributes"]["traceparent"] == KAFKA_ATTRIBUTES["traceparent"]
    # The JSON is an ErpOrderUpsertRequest as protobuf's own JSON parser reads it.
    request = message("acme.integration.order_to_erp.v1.ErpOrderUpsertRequest")()
    from google.protobuf import json_format

    json_format.Parse(upsert["content"], request)
    assert request.updated_at.seconds == 1767323045
    assert (results[1]["transferred"], results[1]["removed"]) == ([], 1)  # a cancellation: nothing to upsert
    assert [out["relationship"] for out in results[2]["transferred"]] == ["failure"]  # not a protobuf envelope
    assert results[2]["log"] and results[2]["log"][0].startswith("ERROR")


def test_erp_fact_out_writes_an_erp_upserted_fact(groovy, tmp_path):
    message, placed, cancelled = _order_facts()
    results = groovy(ORDER / "mappings" / "erp_fact_out.groovy",
                     [(placed, KAFKA_ATTRIBUTES), (cancelled, KAFKA_ATTRIBUTES)], tmp_path)
    (fact,) = results[0]["transferred"]
    assert fact["relationship"] == "success"
    upserted = message("acme.integration.order_to_erp.v1.ErpUpsertedFact").FromString(fact["content"])
    assert (upserted.source_order_id, upserted.erp_order_id) == ("o-42", "erp-o-42")
    assert upserted.occurred_at.ToJsonString() == "2026-01-02T03:04:05.600Z"
    assert (results[1]["transferred"], results[1]["removed"]) == ([], 1)


ENRICHED_ATTRIBUTES = {"integration.name": "cross_service_validation", "integration.port": "hourly",
                       "mime.type": "application/json", "record.count": "2",
                       "traceparent": "00-" + "3" * 32 + "-" + "4" * 16 + "-01"}
# What the lookups make of two hourly rows (README, "Enrichment: what the mapping receives"): the first found both
# totals and disagrees on the amount, the second found none.
ENRICHED = (
    b'{"hour":"2026-01-02T03","booking_count":3,"booked_cents":4500,'
    b'"cost_totals_lookup":{"hour":"2026-01-02T03","cost_count":2,"amount_cents":900},'
    b'"payment_totals_lookup":{"hour":"2026-01-02T03","payment_count":3,"amount_cents":4400}}\n'
    b'{"hour":"2026-01-02T04","booking_count":1,"booked_cents":1000}\n'
)


def test_validation_result_writes_one_result_per_record(groovy, tmp_path):
    script = EV / "mappings" / "cross_service_validation" / "validation_result.groovy"
    message = _messages(EV / "generated" / "cross_service_validation")
    results = groovy(script, [(ENRICHED, ENRICHED_ATTRIBUTES), (b'{"booking_count": 1}\n', ENRICHED_ATTRIBUTES)],
                     tmp_path)
    (out,) = results[0]["transferred"]
    assert out["relationship"] == "success"
    lines = [json.loads(line) for line in out["content"].decode().splitlines()]
    for line in lines:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", line.pop("checked_at"))
    assert lines == [
        {"run_id": "2026-01-02T03/hourly", "orphan_booking_ids": [], "missing_cost_ids": [], "critical": True},
        {"run_id": "2026-01-02T04/hourly", "orphan_booking_ids": ["2026-01-02T04"],
         "missing_cost_ids": ["2026-01-02T04"], "critical": False},
    ]
    from google.protobuf import json_format

    for line in out["content"].decode().splitlines():  # each line is a ValidationResult
        json_format.Parse(line, message("evco.integration.v1.ValidationResult")())
    assert [o["relationship"] for o in results[1]["transferred"]] == ["failure"]  # a record without its hour


def test_alerts_out_raises_one_alert_per_record_that_needs_one(groovy, tmp_path):
    script = EV / "mappings" / "cross_service_validation" / "alerts_out.groovy"
    fine = (b'{"hour":"h","booking_count":1,"booked_cents":5,"cost_totals_lookup":{"amount_cents":1},'
            b'"payment_totals_lookup":{"amount_cents":5}}\n')
    results = groovy(script, [(ENRICHED, ENRICHED_ATTRIBUTES), (fine, ENRICHED_ATTRIBUTES)], tmp_path)
    alerts = results[0]["transferred"]
    assert [a["relationship"] for a in alerts] == ["success", "success"]
    assert [json.loads(a["content"]) for a in alerts] == [
        {"run_id": "2026-01-02T03/hourly", "summary": "hour 2026-01-02T03: booked 4500 cents, paid 4400"},
        {"run_id": "2026-01-02T04/hourly",
         "summary": "hour 2026-01-02T04: no cost totals; 1 bookings without payments"},
    ]
    # Each alert is a FlowFile of its own with the input's attributes (egress alerts_out needs no more).
    assert all(a["attributes"]["traceparent"] == ENRICHED_ATTRIBUTES["traceparent"] for a in alerts)
    assert results[0]["removed"] == 1
    assert (results[1]["transferred"], results[1]["removed"]) == ([], 1)  # nothing to alert


def test_every_mapping_script_of_the_examples_is_tested():
    scripts = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "examples").glob("*/mappings/**/*.groovy"))
    assert scripts == [
        "examples/ev_coownership/mappings/cross_service_validation/alerts_out.groovy",
        "examples/ev_coownership/mappings/cross_service_validation/validation_result.groovy",
        "examples/order_to_erp/mappings/erp_fact_out.groovy",
        "examples/order_to_erp/mappings/erp_http_out.groovy",
    ]
