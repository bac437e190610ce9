"""FlowFiles through generated boundaries on the real NiFi, to real peers on loopback.

HTTP OUT posts to an HTTP server of the test; HTTP IN is called for real on NiFi's listener;
JDBC reads and writes the PostgreSQL that `.ci/run` starts. A FlowFile enters a boundary at
its group's port (from a temporary GenerateFlowFile beside it, as the harness's golden cases
do), because the mapping between boundaries is an ExecuteScript and no 2.x scripting NAR is
served here.
"""
from __future__ import annotations

import json
import re

import httpx
import pytest
from conftest import ROOT, run_protoc

from .deploy import Deployment, psql
from .sinks import HttpSink, listening

TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-01$")


@pytest.fixture(scope="module")
def order_to_erp(nifi, generated, backends, sink):
    backends.http_base = sink.url
    deployment = Deployment(nifi, generated["order_to_erp/order_to_erp"], name="movement order_to_erp").prepare(backends)
    yield deployment
    deployment.remove()


def test_http_out_posts_the_payload_with_cloudevents_traceparent_and_required_headers(nifi, order_to_erp, sink):
    egress = order_to_erp.child("egress erp_http_out")
    nifi.schedule(egress["id"], "RUNNING")
    payload = json.dumps({"order_id": "o-1", "lines": [{"sku": "s-1", "qty": 2}]})
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    before = len(sink.received)
    order_to_erp.inject(egress, "in", payload, {"X-Correlation-Id": "corr-1", "traceparent": traceparent})
    request = sink.wait_for(before + 1)[before]
    nifi.schedule(egress["id"], "STOPPED")
    assert (request.method, request.path) == ("POST", "/erp-orders")
    assert request.body == payload.encode()
    headers = request.headers
    assert headers["content-type"].startswith("application/json")
    assert headers["traceparent"] == traceparent
    assert headers["x-correlation-id"] == "corr-1"
    assert headers["authorization"] == "live-test-secret"      # the sensitive parameter's value, set at deploy
    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-type"] == "acme.integration.order_to_erp.v1.ErpOrderUpsertRequest"
    assert headers["ce-source"] == "/integrations/order_to_erp"
    assert re.fullmatch(r"[0-9a-f-]{36}", headers["ce-id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", headers["ce-time"])


def test_http_out_makes_a_w3c_traceparent_when_none_arrives(nifi, order_to_erp, sink):
    egress = order_to_erp.child("egress erp_http_out")
    nifi.schedule(egress["id"], "RUNNING")
    before = len(sink.received)
    order_to_erp.inject(egress, "in", "{}", {"X-Correlation-Id": "corr-2"})
    request = sink.wait_for(before + 1)[before]
    nifi.schedule(egress["id"], "STOPPED")
    assert TRACEPARENT.match(request.headers["traceparent"]), request.headers["traceparent"]


# --- JDBC, against the PostgreSQL of `python3 dev.py nifi backends` ----------------------------------

@pytest.fixture
def deploy(nifi, generated, backends):
    """Deploy one generated integration with test values, some overridden; removed afterwards."""
    made = []

    def make(name: str, **overrides: str) -> Deployment:
        deployment = Deployment(nifi, generated[name], name=f"movement {name}")
        made.append(deployment)
        return deployment.prepare(backends, **overrides)

    yield make
    for deployment in made:
        deployment.remove()


def _queue_into(nifi, deployment: Deployment, group_name: str, port_name: str) -> dict:
    """The root-level connection that feeds a child group's input port."""
    target = deployment.child(group_name)
    for connection in nifi.flow(deployment.group["id"])["connections"]:
        destination = connection["component"]["destination"]
        if destination["groupId"] == target["id"] and destination["name"] == port_name:
            return connection
    raise AssertionError(f"nothing feeds {group_name}/{port_name}")


def _contents(nifi, queue: dict) -> list[tuple[dict, bytes]]:
    listing = nifi.post(f"/flowfile-queues/{queue['id']}/listing-requests", {}, expect=(202,))["listingRequest"]
    path = f"/flowfile-queues/{queue['id']}/listing-requests/{listing['id']}"
    done = nifi.wait("listing", lambda: (r if (r := nifi.get(path)["listingRequest"])["finished"] else None))
    nifi.delete(path)
    found = []
    for summary in done["flowFileSummaries"]:
        flowfile = nifi.get(f"/flowfile-queues/{queue['id']}/flowfiles/{summary['uuid']}")["flowFile"]
        content = nifi.request("GET", f"/flowfile-queues/{queue['id']}/flowfiles/{summary['uuid']}/content").content
        found.append((flowfile["attributes"], content))
    return found


def test_jdbc_in_reads_new_rows_once_with_trace_context(nifi, deploy, backends):
    table = "maintenance_history_live"
    psql(backends, f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (record_id text PRIMARY KEY, "
                    "vehicle_id text, odometer_km bigint, charge_cycles int, updated_at timestamptz);"
                    f"INSERT INTO {table} VALUES ('r1','v1',1000,10,'2026-01-01T00:00:00Z'),"
                    "('r2','v2',2000,20,'2026-01-02T00:00:00Z')")
    deployment = deploy("ev_coownership/maintenance_predictions", **{
        "jdbc.maintenance-history.table": table, "jdbc.maintenance-history.max.value.columns": "updated_at"})
    ingress = deployment.child("ingress maintenance_history_in")
    queue = _queue_into(nifi, deployment, "mapping", "from maintenance_history_in")
    reader = next(p for p in nifi.flow(ingress["id"])["processors"] if p["component"]["name"].startswith("new rows"))
    nifi.schedule(ingress["id"], "RUNNING")            # its 15-minute timer fires once at start
    nifi.wait("the first batch", lambda: nifi.queue_count(queue) == 1)
    psql(backends, f"INSERT INTO {table} VALUES ('r3','v3',3000,30,'2026-01-03T00:00:00Z')")
    nifi.run_state(reader, "STOPPED")
    nifi.run_state(reader, "RUN_ONCE")                 # only the new row: the max-value state holds
    nifi.wait("the second batch", lambda: nifi.queue_count(queue) == 2)
    nifi.schedule(ingress["id"], "STOPPED")
    batches = sorted(_contents(nifi, queue), key=lambda item: len(item[1]), reverse=True)
    first, second = (json.loads(content) for _, content in batches)
    assert sorted(r["record_id"] for r in first) == ["r1", "r2"]
    assert [r["record_id"] for r in second] == ["r3"]
    for attributes, _ in batches:
        assert attributes["integration.port"] == "maintenance_history_in"
        assert TRACEPARENT.match(attributes["traceparent"])


def test_jdbc_out_upserts_on_the_idempotency_key(nifi, deploy, backends):
    table = "validation_audit_live"
    psql(backends, f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (run_id text PRIMARY KEY, "
                    "critical boolean, checked_at text)")
    deployment = deploy("ev_coownership/cross_service_validation", **{"jdbc.validation-audit.table": table})
    egress = deployment.child("egress audit_out")
    nifi.schedule(egress["id"], "RUNNING")
    first = json.dumps([{"run_id": "run-1", "critical": False, "checked_at": "2026-01-01T00:00:00Z"},
                        {"run_id": "run-2", "critical": True, "checked_at": "2026-01-01T00:00:00Z"}])
    deployment.inject(egress, "in", first, {"mime.type": "application/json"})
    nifi.wait("two rows", lambda: psql(backends, f"SELECT count(*) FROM {table}") == "2")
    again = json.dumps([{"run_id": "run-1", "critical": True, "checked_at": "2026-01-02T00:00:00Z"}])
    deployment.inject(egress, "in", again, {"mime.type": "application/json"})
    nifi.wait("run-1 updated", lambda: psql(backends, f"SELECT critical FROM {table} WHERE run_id='run-1'") == "t")
    nifi.schedule(egress["id"], "STOPPED")
    assert psql(backends, f"SELECT count(*) FROM {table}") == "2"
    assert psql(backends, f"SELECT checked_at FROM {table} WHERE run_id='run-1'") == "2026-01-02T00:00:00Z"


# --- HTTP IN: NiFi's HandleHttpRequest called for real ---------------------------------------------

def test_http_in_accepts_with_required_headers_and_lifts_cloudevents(nifi, deploy, backends):
    deployment = deploy("all_transports/every_transport")
    ingress = deployment.child("ingress http_in")
    queue = _queue_into(nifi, deployment, "mapping", "from http_in")
    port = backends.ports["records-api"]
    nifi.schedule(ingress["id"], "RUNNING")
    url = f"http://127.0.0.1:{port}/records-api"
    nifi.wait("the listener", lambda: listening(url))
    headers = {"X-Tenant": "t-1", "Idempotency-Key": "k-1", "ce-id": "evt-1", "ce-type": "acme.every.v1.Record",
               "ce-source": "/tests", "ce-specversion": "1.0", "Content-Type": "application/json",
               "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    body = b'{"id": "r-1"}'
    accepted = httpx.put(url, content=body, headers=headers, timeout=30)
    refused = httpx.put(url, content=body, headers={"Content-Type": "application/json"}, timeout=30)
    nifi.wait("the accepted request in the queue", lambda: nifi.queue_count(queue) == 1)
    nifi.schedule(ingress["id"], "STOPPED")
    assert accepted.status_code == 202
    assert refused.status_code == 400
    assert accepted.content == b"" and refused.content == b""  # replies carry no request data
    [(attributes, content)] = _contents(nifi, queue)
    assert content == body
    assert attributes["ce_id"] == "evt-1" and attributes["ce_type"] == "acme.every.v1.Record"
    assert attributes["traceparent"] == headers["traceparent"]
    assert attributes["integration.port"] == "http_in"


# --- a failing sink: retries, then the parked-failures queue -----------------------------------------

@pytest.fixture(scope="module")
def quick_retries(tmp_path_factory, connection):
    """order_to_erp generated with short retries, so a failing sink reaches the parked queue in seconds."""
    run = run_protoc(tmp_path_factory.mktemp("quick"), [ROOT / "examples" / "order_to_erp" / "proto"],
                     opt=f"nifi_version={connection.version},retry_count=2,max_backoff=1 sec")
    assert run.returncode == 0, run.stderr
    out = tmp_path_factory.getbasetemp() / "quick-out"
    for name, data in run.files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    return out / "order_to_erp"


@pytest.mark.parametrize("failure", ["answers 503", "refuses connections"])
def test_a_failing_sink_is_retried_then_the_flowfile_is_parked(nifi, backends, quick_retries, failure):
    sink = HttpSink(status=503)
    if failure == "refuses connections":
        sink.close()  # the port is closed: every attempt is refused
    deployment = Deployment(nifi, quick_retries, name="movement failing sink")
    try:
        backends.http_base = sink.url
        deployment.prepare(backends)
        egress = deployment.child("egress erp_http_out")
        parked = next(c for c in nifi.flow(deployment.group["id"])["connections"]
                      if c["component"]["name"] == "parked failures")
        nifi.schedule(egress["id"], "RUNNING")
        deployment.inject(egress, "in", '{"order_id": "o-9"}', {"X-Correlation-Id": "corr-9"})
        nifi.wait("the FlowFile in 'parked failures'", lambda: nifi.queue_count(parked) == 1, timeout=120)
        attempts = len(sink.received)
        [(attributes, content)] = _contents(nifi, parked)
        events = [(e["eventType"], e["componentName"]) for e in _provenance(nifi, attributes["uuid"])]
        board = nifi.get("/flow/bulletin-board", params={"limit": "100"})["bulletinBoard"]["bulletins"]
        ours = [b["bulletin"] for b in board if (b.get("bulletin") or {}).get("groupId") == egress["id"]]
    finally:
        deployment.remove()
        if failure == "answers 503":
            sink.close()
    assert content == b'{"order_id": "o-9"}'
    assert attributes["integration.port"] == "erp_http_out"
    # Provenance tells the story: made, given its context, let through by the required-header guard ...
    assert events[:3] == [("CREATE", "live test injection"), ("ATTRIBUTES_MODIFIED", "cloudevents context"),
                          ("ROUTE", "require X-Correlation-Id")]
    if failure == "answers 503":
        # ... sent three times (the first and retry_count=2 retries); InvokeHTTP routes a 5xx answer to Retry
        # without a bulletin, so the parked queue is where this failure shows.
        assert attempts == 3 and events.count(("SEND", "POST erp-orders")) == 3
        assert attributes["invokehttp.status.code"] == "503"
        assert ours == []
    else:
        # ... and each refused attempt is an ERROR bulletin of the transport processor.
        assert attributes["invokehttp.java.exception.class"] == "java.net.ConnectException"
        assert ours and all(b["level"] == "ERROR" and b["sourceName"] == "POST erp-orders" for b in ours)

def _provenance(nifi, uuid: str) -> list[dict]:
    """Provenance events of one FlowFile: an async query (POST, poll, DELETE; BEHAVIOUR 9 and 12)."""
    query = nifi.post("/provenance", {"provenance": {"request": {"maxResults": 1000, "searchTerms": {
        "FlowFileUUID": {"value": uuid, "inverse": False}}}}}, expect=(201,))["provenance"]
    path = f"/provenance/{query['id']}"
    done = nifi.wait("the provenance query", lambda: (p if (p := nifi.get(path)["provenance"])["finished"] else None))
    nifi.delete(path)
    return sorted(done["results"]["provenanceEvents"], key=lambda e: e["eventId"])
