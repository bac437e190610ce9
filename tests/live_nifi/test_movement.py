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

import pytest

from .deploy import Deployment, values_for
from .sinks import HttpSink

TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-01$")


@pytest.fixture(scope="module")
def sink():
    server = HttpSink()
    yield server
    server.close()


@pytest.fixture(scope="module")
def order_to_erp(nifi, generated, backends, sink):
    deployment = Deployment(nifi, generated["order_to_erp/order_to_erp"], name="movement order_to_erp")
    deployment.upload()
    backends.http_base = sink.url
    deployment.set_parameters(values_for(deployment.parameters(), backends))
    deployment.enable_services()
    deployment.settle()
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
