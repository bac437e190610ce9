"""Golden cases (--cases): inject, follow through provenance, judge, always clean up; and the folder checks."""
import json
import shutil
import time
from pathlib import Path

import pytest
import yaml

from .conftest import Harness, generated_integration

FIXTURE_CASES = Path(__file__).parent / "fixtures" / "cases"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "order_to_erp" / "generated" / "order_to_erp"
GENERATE = "org.apache.nifi.processors.standard.GenerateFlowFile"


def write_case(root: Path, name: str, doc, **files: bytes) -> Path:
    d = root / name
    d.mkdir(parents=True)
    (d / "case.yaml").write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    for fname, data in files.items():
        (d / fname.replace("__", ".")).write_bytes(data)
    return d


def case_doc(body="in.bin", expect_body="out.bin", **expect):
    event = {"port": "erp_http_out", "body": expect_body, **expect}
    return {"input": {"port": "orders_in", "body": body}, "expect": {"events": [event]}}


def sent(fake, method, suffix):
    return [s for s in fake.seen if s.method == method and s.path.endswith(suffix)]


def line(harness, prefix):
    return next(x for x in harness.out if x.startswith(prefix))


def assert_clean(fake, harness):
    """Nothing the cases added is left, the group is back at its registry version, queries are closed."""
    assert fake.temp_components() == []
    assert fake.requests.open() == []
    assert line(harness, "FlowSynced").split()[1] == "True"


def test_passing_case_injects_follows_and_cleans_up(harness, fake, tmp_path):
    cases = tmp_path / "cases"
    shutil.copytree(FIXTURE_CASES, cases)
    assert harness("--cases", str(cases)) == 0, harness.text
    assert line(harness, "  case order-placed:").startswith(
        "  case order-placed: passed SEND at 'InvokeHTTP' (egress erp_http_out); no FlowFile reached a failure port")
    assert line(harness, "EndpointReachable") == (
        "EndpointReachable True    CasesPassed          1 golden case(s) reached their endpoints")
    assert "cases 1/1 passed" in line(harness, "Ready") and line(harness, "Ready").split()[1] == "True"
    # The temporary GenerateFlowFile went into the ingress group and fed what ConsumeKafka feeds.
    ingress = fake.group_by_name("ingress orders_in")
    create = sent(fake, "POST", f"/process-groups/{ingress['id']}/processors")[0].body["component"]
    assert create["type"] == GENERATE and create["name"] == "protoc-gen-nifi case order-placed"
    assert create["bundle"] == {"group": "org.apache.nifi", "artifact": "nifi-standard-nar", "version": "2.11.0"}
    props = next(s for s in fake.seen if s.method == "PUT" and "config" in str(s.body)).body["component"]["config"]
    body = (FIXTURE_CASES / "order-placed" / "order.json").read_bytes()
    assert props["properties"]["Custom Text"] == body.decode("latin-1")
    assert props["properties"]["order.source"] == "golden-case"
    conn = sent(fake, "POST", "/connections")[0].body["component"]
    out_port = fake.component_by_name("ingress orders_in", "out")
    assert conn["destination"] == {"id": out_port["id"], "groupId": ingress["id"], "type": "OUTPUT_PORT"}
    assert conn["selectedRelationships"] == ["success"]
    run_once = [s.body["state"] for s in fake.seen if s.path.endswith("/run-status") and s.path.startswith("/processors")]
    assert run_once[0] == "RUN_ONCE"
    # What NiFi "sent" is exactly the case body, and the port stopped for the delete runs again.
    send = next(e for e in fake.events if e["eventType"] == "SEND")
    assert send["_content"] == body
    assert out_port["state"] == "RUNNING"
    deletes = [s.path.split("/")[1] for s in fake.mutations() if s.method == "DELETE" and not s.path.startswith(
        ("/provenance", "/flowfile-queues"))]
    assert deletes == ["connections", "processors"]
    assert_clean(fake, harness)


def test_binary_body_and_legacy_property_names(harness, fake, tmp_path):
    """Protobuf bytes survive (ISO-8859-1 Custom Text); NiFi 2.0.0's names are found by display name."""
    fake.legacy_generate = True
    payload = bytes(range(256)).replace(b"${", b"$ ").replace(b"#{", b"# ")
    write_case(tmp_path / "cases", "binary", case_doc(), in__bin=payload, out__bin=payload)
    assert harness("--cases", str(tmp_path / "cases")) == 0, harness.text
    props = next(s for s in fake.seen if s.method == "PUT" and "config" in str(s.body)).body["component"]["config"]
    assert props["properties"]["generate-ff-custom-text"] == payload.decode("latin-1")
    assert props["properties"]["character-set"] == "ISO-8859-1" and "Custom Text" not in props["properties"]
    assert_clean(fake, harness)


def test_body_mismatch_says_which_case_and_what_differs(harness, fake, tmp_path):
    root = tmp_path / "cases"
    write_case(root, "bytes-differ", case_doc(), in__bin=b'{"orderId": "A-1"}', out__bin=b'{"orderId": "B-1"}')
    write_case(root, "json-equal", case_doc(compare="json"), in__bin=b'{"orderId": "A-1", "qty": 2}',
               out__bin=b'{\n  "qty": 2,\n  "orderId": "A-1"\n}\n')
    write_case(root, "json-differs", case_doc(compare="json"), in__bin=b'{"orderId": "A-1", "qty": 2}',
               out__bin=b'{"orderId": "A-1", "qty": 3}')
    assert harness("--cases", str(root)) == 1
    assert line(harness, "  case bytes-differ:") == (
        "  case bytes-differ: FAILED SEND at 'InvokeHTTP' (egress erp_http_out): body differs from out.bin at byte 13: "
        "expected 18 bytes ('rderId\": \"B-1\"}'), got 18 bytes ('rderId\": \"A-1\"}')")
    assert line(harness, "  case json-equal:").split()[2] == "passed"
    assert line(harness, "  case json-differs:").endswith("body differs from out.bin as JSON: $.qty: expected 3, got 2")
    ready = line(harness, "Ready")
    assert ready.split()[1] == "False" and "cases 1/3 passed (failed: bytes-differ, json-differs)" in ready
    assert line(harness, "EndpointReachable") == (
        "EndpointReachable False   CasesFailed          golden cases failed: bytes-differ, json-differs")
    assert_clean(fake, harness)


def test_attribute_expectations(harness, fake, tmp_path):
    doc = case_doc(attributes={"order.source": "x", "ce_type": "y", "filename": {"matches": "[0-9a-f-]{36}"}})
    doc["input"]["attributes"] = {"order.source": "golden"}
    write_case(tmp_path / "cases", "attrs", doc, in__bin=b"a", out__bin=b"a")
    assert harness("--cases", str(tmp_path / "cases")) == 1
    assert line(harness, "  case attrs:") == (
        "  case attrs: FAILED SEND at 'InvokeHTTP' (egress erp_http_out): attribute 'ce_type' is missing; "
        "attribute 'order.source': expected 'x', got 'golden'")  # 'filename' matched its pattern


def test_flowfile_reaching_failure_fails_the_case_without_waiting(harness, fake, tmp_path):
    fake.send_fails = True
    root = tmp_path / "cases"
    write_case(root, "delivered", case_doc(), in__bin=b"order", out__bin=b"order")
    write_case(root, "rejected", {"input": {"port": "orders_in", "body": "in.bin"}, "expect": {"failure": True}},
               in__bin=b"order")
    start = time.monotonic()
    assert harness("--cases", str(root), "--case-timeout", "30") == 1
    assert time.monotonic() - start < 10  # the failure is seen in the queue, not by timing out
    failed = line(harness, "  case delivered:")
    assert failed.startswith("  case delivered: FAILED FlowFile ")
    assert failed.endswith("reached a failure port (queued at 'egress erp_http_out/failure' -> 'order_to_erp/funnel')")
    assert line(harness, "  case rejected:").split()[2] == "passed"
    assert any("/flowfiles/" in s.path for s in fake.seen)  # asked by UUID, not by a (capped) listing
    assert_clean(fake, harness)
    # The failed FlowFiles stay in the failure queue for a human to inspect; only the temporary queue is dropped.
    assert sum(len(v) for v in fake.queued_uuids().values()) == 2


def test_timeout_when_provenance_never_finishes_still_cleans_up(harness, fake, tmp_path):
    fake.provenance_stuck = True
    fake.stall = True  # and the FlowFile is still in the temporary queue: cleanup must drop it first
    write_case(tmp_path / "cases", "stuck", case_doc(), in__bin=b"order", out__bin=b"order")
    assert harness("--cases", str(tmp_path / "cases"), "--case-timeout", "1") == 1
    assert line(harness, "  case stuck:") == (
        "  case stuck: FAILED timed out after 1s: no SEND at 'InvokeHTTP' (egress erp_http_out); GenerateFlowFile "
        "produced no FlowFile yet (no CREATE event); NiFi's provenance query did not finish")
    order = [f"{s.method} {s.path.split('/')[1]}" for s in fake.mutations() if s.method in ("POST", "DELETE")
             and not s.path.startswith(("/provenance", "/parameter", "/controller", "/process-groups/root"))]
    assert order[-4:] == ["POST flowfile-queues", "DELETE flowfile-queues", "DELETE connections", "DELETE processors"]
    assert_clean(fake, harness)


def test_timeout_names_what_was_missing_and_the_last_event(harness, fake, tmp_path):
    fake.stall = True
    write_case(tmp_path / "cases", "slow", case_doc(), in__bin=b"order", out__bin=b"order")
    assert harness("--cases", str(tmp_path / "cases"), "--case-timeout", "0.3") == 1
    assert ("  case slow: FAILED timed out after 0.3s: no SEND at 'InvokeHTTP' (egress erp_http_out); last event: "
            "CREATE at 'protoc-gen-nifi case slow'") in line(harness, "  case slow:")
    assert_clean(fake, harness)


def test_malformed_case_folder_is_reported_before_any_request(harness, fake, tmp_path):
    root = tmp_path / "cases"
    write_case(root, "a-typo", {"input": {"port": "orders_in", "body": "in.bin", "atributes": {}},
                                "expect": {"events": [{"port": "orders_in"}]}}, in__bin=b"x")
    write_case(root, "b-values", {"input": {"port": "nope", "body": "missing.bin", "attributes": {"qty": 3}},
                                  "expect": {"events": [{"port": "erp_http_out", "type": "SENT", "compare": "text"}]}})
    write_case(root, "c-el", {"input": {"port": "orders_in", "body": "in.bin"}, "expect": {}}, in__bin=b"x ${now()}")
    write_case(root, "d-yaml", "input: [unclosed\n")
    (root / "e-no-yaml").mkdir()
    assert harness("--cases", str(root)) == 2
    assert fake.seen == []
    a, b, c, d, e = (f"error: [cases] {root}/{n}" for n in ("a-typo", "b-values", "c-el", "d-yaml", "e-no-yaml"))
    yaml_prefix = f"{d}/case.yaml: is not valid YAML (while parsing a flow sequence"  # PyYAML's own words follow
    errors = [yaml_prefix if x.startswith(yaml_prefix) else x for x in harness.err]
    assert errors == [
        (f"{a}/case.yaml: input: unknown key 'atributes'. Fix: use one of: attributes, body, port (misspelt keys "
        "would otherwise be ignored silently)"),
        f"{a}/case.yaml: expect.events[0]: no OUT port 'orders_in' in this integration. Fix: use one of: erp_http_out",
        f"{b}/case.yaml: input.port: no port 'nope' in this integration. Fix: use one of: erp_http_out, orders_in",
        (f"{b}/case.yaml: input.body: cannot read 'missing.bin' (No such file or directory). Fix: put the file beside "
        f"case.yaml in {root}/b-values"),
        f"{b}/case.yaml: input.attributes.qty must be a string, got 3. Fix: quote the value in YAML",
        (f"{b}/case.yaml: expect.events[0].type: 'SENT' is not a provenance event type. Fix: use one of: ADDINFO, "
        "ATTRIBUTES_MODIFIED, CLONE, CONTENT_MODIFIED, CREATE, DOWNLOAD, DROP, EXPIRE, FETCH, FORK, JOIN, RECEIVE, "
        "REMOTE_INVOCATION, REPLAY, ROUTE, SEND, UNKNOWN, UPLOAD"),
        f"{b}/case.yaml: expect.events[0].compare: 'text'. Fix: use bytes or json",
        (f"{c}/case.yaml: input.body (in.bin) contains '${{' or '#{{', which NiFi would evaluate (Expression Language "
        "/ parameter reference) in the temporary GenerateFlowFile. Fix: drive this input through the real transport "
        "instead; cases inject literal content only"),
        (f"{c}/case.yaml: expects nothing. Fix: add expect.events, or `expect: {{failure: true}}` for input that must "
        "fail"),
        yaml_prefix,
        f"{e}: has no case.yaml. Fix: add one, or move the folder out of the cases directory",
    ]


@pytest.mark.parametrize("setup, message", [
    (lambda root: None, "is not a directory"),
    (lambda root: root.mkdir(), "holds no case folders"),
])
def test_cases_folder_itself_is_checked(harness, fake, tmp_path, setup, message):
    root = tmp_path / "cases"
    setup(root)
    assert harness("--cases", str(root)) == 2
    assert harness.err[0].startswith(f"error: [cases] {root}: {message}")
    assert fake.seen == []


def test_cases_need_a_started_flow(harness, fake, tmp_path):
    shutil.copytree(FIXTURE_CASES, tmp_path / "cases")
    assert harness("--cases", str(tmp_path / "cases"), "--no-start") == 2
    assert harness.err == ["error: [cases] --cases: cases need the flow running. Fix: drop --no-start"]
    assert fake.seen == []


def test_dry_run_plans_the_case_calls(harness, fake, tmp_path):
    shutil.copytree(FIXTURE_CASES, tmp_path / "cases")
    assert harness("--dry-run", "--cases", str(tmp_path / "cases")) == 0
    assert fake.seen == []
    url = harness.server.nifi_url
    size = len((FIXTURE_CASES / "order-placed" / "order.json").read_bytes())
    plan = [x for x in harness.out if x.startswith("[case ")]
    assert plan[0] == (f"[case order-placed] POST   {url}/process-groups/{{ingress orders_in}}/processors    # temporary "
                       f"GenerateFlowFile: {size} bytes of order.json, attributes mime.type, order.source")
    assert f"{url}/process-groups/{{ingress orders_in}}/connections    # GenerateFlowFile -> 'out' (OUTPUT_PORT)" in plan[2]
    assert "until VALID, then PUT .../run-status RUN_ONCE (primary node only)" in plan[3]
    assert "until: SEND at 'InvokeHTTP' (egress erp_http_out), body erp_request.json (bytes)" in plan[4]
    assert plan[-1].startswith(f"[case order-placed] DELETE {url}/connections/{{id}}, /processors/{{id}}    # always")
    assert harness.out.index(plan[0]) < harness.out.index(next(x for x in harness.out if x.startswith("[assert]")))


def test_generated_example_mapping_fan_out_is_followed_through_clones(server, fake, tmp_path):
    """The generator's real flow: trace context, a funnel cloning to two mappings, two egress transports."""
    if not (EXAMPLE / "nifi" / "flow.snapshot.json").exists():
        pytest.skip("examples/order_to_erp not generated yet")
    art, secrets, env = generated_integration(EXAMPLE, tmp_path, fake.users["admin"])

    def mapping(name, content, attrs):  # stands in for the human-owned Groovy scripts
        order = json.loads(content)
        return json.dumps({"erpOrder": order["orderId"], "by": name}).encode()

    fake.mapping = mapping
    root = tmp_path / "cases"
    write_case(root, "fan-out", {
        "input": {"port": "orders_in", "body": "order.json"},
        "expect": {"events": [
            {"port": "erp_http_out", "body": "http.json", "compare": "json",
             "attributes": {"ce_type": "acme.integration.order_to_erp.v1.ErpOrderUpsertRequest",
                            "integration.port": "erp_http_out", "mime.type": "application/json"}},
            {"port": "erp_fact_out", "body": "fact.json", "attributes": {"ce_type": "integration.erp.order_upserted.v1"}},
            {"processor": "ingress orders_in/trace context", "type": "ATTRIBUTES_MODIFIED",
             "attributes": {"integration.port": "orders_in"}}]}},
        order__json=b'{"orderId": "A-7"}', http__json=b'{"by": "map erp_http_out", "erpOrder": "A-7"}',
        fact__json=b'{"erpOrder": "A-7", "by": "map erp_fact_out"}')
    h = Harness(server, art, secrets)
    rc = h("--cases", str(root), "--case-timeout", "10", env=env)
    assert rc == (0 if "FlowRunning       True" in h.text else 1), h.text  # the generator's flow may be invalid
    assert "  case fan-out: passed SEND at 'POST erp-orders' (egress erp_http_out), SEND at 'publish erp-facts-out' " \
           "(egress erp_fact_out), ATTRIBUTES_MODIFIED at 'trace context' (ingress orders_in)" in h.text
    clone = next(e for e in fake.events if e["eventType"] == "CLONE")
    assert clone["componentType"] == "Funnel" and len(clone["childUuids"]) == 1
    create = sent(fake, "POST", f"/process-groups/{fake.group_by_name('ingress orders_in')['id']}/connections")
    assert create[0].body["component"]["destination"]["type"] == "PROCESSOR"  # after ConsumeKafka: trace context
    assert fake.temp_components() == [] and "FlowSynced        True" in h.text


def test_an_expected_failure_in_the_generated_flow_is_found_parked_and_does_not_fail_the_run(server, fake, tmp_path):
    """In the generator's flow a failure passes the `failure` ports and the root funnel and waits in the `parked
    failures` queue (seen on NiFi 2.3.0, tests/live_nifi/test_harness.py): a `failure: true` case finds it there,
    and the FlowFile it parked on purpose counts against neither BulletinsOK (FailuresParked) nor the run."""
    art, secrets, env = generated_integration(EXAMPLE, tmp_path, fake.users["admin"])

    def mapping(name, content, attrs):
        if content == b"bad":  # the script fails, and NiFi's error bulletin names the FlowFile by its filename
            fake.add_bulletin(fake.group_by_name("mapping")["id"], "ERROR",
                              f"ExecuteScript[id=x] Failed to process FlowFile[filename={attrs['filename']}]", name)
            raise ValueError("the script refuses it")
        return content

    fake.mapping = mapping
    root = tmp_path / "cases"
    write_case(root, "refused", {"input": {"port": "orders_in", "body": "in.bin"}, "expect": {"failure": True}},
               in__bin=b"bad")
    h = Harness(server, art, secrets)
    assert h("--cases", str(root), "--case-timeout", "10", env=env) == 0, h.text
    assert line(h, "  case refused:").endswith("reached a failure port (queued at 'parked failures')")
    # Both bulletins name a FlowFile of the case, and the FlowFiles it parked were parked on purpose.
    assert line(h, "BulletinsOK") == ("BulletinsOK       True    NoBulletins          no bulletins at or above ERROR; "
                                      "2 FlowFile(s) wait in 'parked failures' (2 parked during this run, 2 of them "
                                      "by failure cases)")
    # The next run judges only what is parked during it.
    assert h(env=env) == 0, h.text
    # Parked failures wait for an operator and an upgrade keeps them: they do not hold a new version back.
    path = art / "nifi" / "flow.snapshot.json"
    snap = json.loads(path.read_text())
    snap["flowContents"]["comments"] = "protoc-gen-nifi: a new version"
    snap["snapshotMetadata"]["comments"] = "protoc-gen-nifi order_to_erp sha256:" + "ab" * 32
    path.write_text(json.dumps(snap))
    assert h(env=env) == 0, h.text
    assert "imported flow 'order_to_erp' as version 2" in h.text
    assert line(h, "BulletinsOK").startswith("BulletinsOK       True    NoBulletins          no bulletins at or "
                                             "above ERROR; 2 FlowFile(s) wait in 'parked failures'")
    # Removing the group would lose them: refused unless they are discarded.
    assert h("--undeploy", env=env) == 2 and "2 FlowFile(s) are queued" in h.err[0]
    assert h("--undeploy", "--discard-queued", env=env) == 0, h.text
    assert not [g for g in fake.groups.values() if g["name"] == "order_to_erp"]


def test_the_generator_runs_once_only_when_valid(harness, fake, tmp_path):
    """Defect 8: right after its connection is added the temporary GenerateFlowFile is VALIDATING, and since NiFi 2.9
    a RUN_ONCE then answers 200 and does nothing (BEHAVIOUR 7); the case would wait out its timeout."""
    fake.validating_ticks = 6
    shutil.copytree(FIXTURE_CASES, tmp_path / "cases")
    assert harness("--cases", str(tmp_path / "cases"), "--case-timeout", "5") == 0, harness.text
    assert not any("Cannot run once" in b["bulletin"]["message"] for b in fake.bulletins)
    assert_clean(fake, harness)


def test_in_a_cluster_the_case_runs_on_the_primary_node_only(harness, fake, tmp_path):
    """Defect 8 / BEHAVIOUR 15: every node runs a processor unless its executionNode is PRIMARY."""
    fake.nodes = 3
    shutil.copytree(FIXTURE_CASES, tmp_path / "cases")
    assert harness("--cases", str(tmp_path / "cases")) == 0, harness.text
    config = next(s for s in fake.seen if s.method == "PUT" and "config" in str(s.body)).body["component"]["config"]
    assert config["executionNode"] == "PRIMARY"
    assert [e["clusterNodeId"] for e in fake.events if e["eventType"] == "CREATE"] == ["node-1"]
    assert_clean(fake, harness)


def test_a_failure_is_seen_behind_more_than_a_hundred_older_ones(harness, fake, tmp_path):
    """Defect 10: a queue listing shows at most 100 FlowFiles (BEHAVIOUR 8); with older failures waiting for an
    operator, the case's failed FlowFile is not among them. Counts say which failure queue grew; the FlowFile is
    then asked for by UUID."""
    assert harness() == 0
    failures = next(c for c in fake.connections.values() if fake.components[c["dst"]]["kind"] == "FUNNEL")
    fake.enqueue(failures["id"], 150)
    fake.send_fails = True
    write_case(tmp_path / "cases", "late", case_doc(), in__bin=b"order", out__bin=b"order")
    assert harness("--cases", str(tmp_path / "cases"), "--case-timeout", "20") == 1
    assert line(harness, "  case late:").startswith("  case late: FAILED FlowFile ")
    assert line(harness, "  case late:").endswith("reached a failure port (queued at 'egress erp_http_out/failure' -> "
                                               "'order_to_erp/funnel')")
    assert not any(s.path.endswith("/listing-requests") for s in fake.seen)


def test_a_slow_nifi_cannot_hold_a_case_past_its_timeout(harness, fake, tmp_path):
    """Defect 11: following a case had no deadline of its own: each call could take --request-timeout. Every call
    of a case now ends by the case's deadline."""
    fake.delays[r"GET /provenance/[^/]+"] = 3.0  # NiFi takes 3 s to answer each poll of a query
    write_case(tmp_path / "cases", "slow", case_doc(), in__bin=b"order", out__bin=b"order")
    start = time.monotonic()
    assert harness("--cases", str(tmp_path / "cases"), "--case-timeout", "0.5") == 1
    assert time.monotonic() - start < 2.5, "the case waited for NiFi past its timeout"
    assert line(harness, "  case slow:").startswith("  case slow: FAILED timed out after 0.5s: ")
    assert_clean(fake, harness)
