"""BEHAVIOUR.md, row by row, asked of the real NiFi: what a deploy tool and a fake NiFi must match.

Each test sets up the smallest flow that shows one behaviour, asserts it, and passes the
answer to the recording (tests/fixtures/live-nifi/behaviour-<version>.json) that the fast
suite holds the fake NiFi to.
"""
from __future__ import annotations

import socket
import threading
import time

import pytest

from .recording import mask
from .rest import CLIENT_ID

STANDARD = "org.apache.nifi.processors.standard."
GENERATE = STANDARD + "GenerateFlowFile"
UPDATE_ATTRIBUTE = "org.apache.nifi.processors.attributes.UpdateAttribute"
DEBUG_FLOW = STANDARD + "DebugFlow"
DBCP = "org.apache.nifi.dbcp.DBCPConnectionPool"


def test_row1_service_types_by_api_need_the_bundle(nifi, recording):
    api = "org.apache.nifi.dbcp.DBCPService"
    bare = nifi.request("GET", "/flow/controller-service-types", expect=(400,), params={"serviceType": api})
    bundle = nifi.bundle_of(DBCP)
    api_bundle = {"serviceBundleGroup": "org.apache.nifi", "serviceBundleArtifact": "nifi-standard-services-api-nar",
                  "serviceBundleVersion": bundle["version"]}
    with_bundle = nifi.get("/flow/controller-service-types", params={"serviceType": api, **api_bundle})
    by_class = nifi.get("/flow/controller-service-types", params={"typeFilter": DBCP})
    assert "serviceBundleGroup" in bare.text
    assert DBCP in {t["type"] for t in with_bundle["controllerServiceTypes"]}
    assert [t["type"] for t in by_class["controllerServiceTypes"]] == [DBCP]
    recording.check("row1.serviceType-without-bundle", {"status": bare.status_code, "message": mask(bare.text)})
    recording.check("row1.typeFilter", {"status": 200, "types": [t["type"] for t in by_class["controllerServiceTypes"]]})


def test_row2_stale_revision_is_400_unless_the_same_client_and_a_running_processor_is_409(nifi, scratch, recording):
    """A revision is current if its version matches OR its clientId is the last modifier's
    (nifi-framework-api Revision.equals ~107): a stale version from another client is 400."""
    generate = nifi.processor(scratch["id"], GENERATE, "generate", auto_terminate=("success",))
    version = generate["revision"]["version"]
    nifi.put(f"/processors/{generate['id']}", {"revision": {"version": version, "clientId": CLIENT_ID},
                                               "component": {"id": generate["id"], "name": "renamed once"}})
    same_client = nifi.request("PUT", f"/processors/{generate['id']}", json={
        "revision": {"version": version, "clientId": CLIENT_ID}, "component": {"id": generate["id"], "name": "twice"}})
    other_client = nifi.request("PUT", f"/processors/{generate['id']}", expect=(400,), json={
        "revision": {"version": version, "clientId": "another-client"}, "component": {"id": generate["id"],
                                                                                     "name": "thrice"}})
    nifi.wait_valid(generate)
    nifi.run_state(generate, "RUNNING")
    current = nifi.refresh(generate)
    running = nifi.request("PUT", f"/processors/{generate['id']}", expect=(409,),
                           json={"revision": nifi.rev(current), "component": {"id": generate["id"], "name": "x"}})
    nifi.run_state(generate, "STOPPED")
    recording.check("row2.stale-version-same-client", {"status": same_client.status_code})
    recording.check("row2.stale-version-other-client", {"status": other_client.status_code,
                                                        "message": mask(other_client.text)})
    recording.check("row2.update-running-processor", {"status": running.status_code, "message": mask(running.text)})


def test_row3_sensitive_values_are_masked_even_when_a_parameter_reference(nifi, scratch, recording):
    context = nifi.parameter_context(f"row3 {scratch['id']}", {"db.password": ("hunter22", True),
                                                              "db.url": ("jdbc:postgresql://127.0.0.1/x", False)})
    try:
        nifi.bind_context(scratch, context)
        pool = nifi.service(scratch["id"], DBCP, "pool", {"Password": "#{db.password}",
                                                         "Database Connection URL": "#{db.url}"})
        shown = nifi.get(f"/controller-services/{pool['id']}")["component"]["properties"]
        assert shown["Password"] == "********"
        assert shown["Database Connection URL"] == "#{db.url}"
        recording.check("row3.sensitive-parameter-reference", {
            "Password": shown["Password"], "Database Connection URL": shown["Database Connection URL"]})
    finally:
        nifi.delete_group_tree(scratch)
        nifi.delete_context(context)
        scratch["id"] = None


def test_row5_token_login_needs_a_login_provider(nifi, recording):
    """This NiFi authenticates by client certificate only (no single-user provider is served)."""
    answer = nifi.request("POST", "/access/token", expect=(400, 401, 403, 409, 500),
                          data={"username": "admin", "password": "x"})
    assert answer.status_code != 200
    recording.check("row5.access-token-without-login-provider", {
        "status": answer.status_code, "message": mask(answer.text), "sets_cookie": "set-cookie" in answer.headers})


class _Silent:
    """A TCP server that accepts and never answers: a processor reading from it keeps its thread."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


def test_row6_stop_is_async_and_disabling_a_busy_service_is_409(nifi, scratch, recording):
    silent = _Silent()
    try:
        client = nifi.service(scratch["id"], "org.apache.nifi.distributed.cache.client.MapCacheClientService",
                              "cache client", {"Server Hostname": "127.0.0.1", "Server Port": str(silent.port),
                                               "Communications Timeout": "20 secs"})
        nifi.services_state(scratch["id"], "ENABLED")
        fetch_type = STANDARD + "FetchDistributedMapCache"
        generate = nifi.processor(scratch["id"], GENERATE, "generate")
        fetch = nifi.processor(scratch["id"], fetch_type, "fetch", {
            "Cache Entry Identifier": "k", "Distributed Cache Service": client["id"]},
            auto_terminate=("success", "failure", "not-found"))
        nifi.connect(scratch["id"], generate, fetch, ("success",))
        nifi.wait_valid(fetch)
        nifi.schedule(scratch["id"], "RUNNING")
        nifi.wait("fetch to block on the silent server", lambda: nifi.active_threads(scratch["id"]) > 0)
        started = time.monotonic()
        nifi.schedule(scratch["id"], "STOPPED")
        returned_after = time.monotonic() - started
        threads_after_stop = nifi.active_threads(scratch["id"])
        current = nifi.get(f"/controller-services/{client['id']}")
        busy = nifi.request("PUT", f"/controller-services/{client['id']}/run-status", expect=(409,),
                            json={"revision": nifi.rev(current), "state": "DISABLED"})
        assert returned_after < 5 and threads_after_stop > 0
        recording.check("row6.stop-returns-with-active-threads", {"active_threads_after_stop": threads_after_stop > 0})
        recording.check("row6.disable-service-with-active-threads", {"status": busy.status_code,
                                                                     "message": mask(busy.text)})
    finally:
        silent.close()


def test_row7_run_once_while_validating(nifi, scratch, recording):
    """RUN_ONCE on a processor still VALIDATING: a 200 that does nothing since 2.9 (NIFI-15668,
    StandardProcessorNode ~1704). What this release does is recorded: did the processor run?"""
    debug = nifi.processor(scratch["id"], DEBUG_FLOW, "slow to validate", {"CustomValidate Pause Time": "4 sec"},
                           auto_terminate=("success", "failure"))
    current = nifi.refresh(debug)
    status_then = current["component"]["validationStatus"]
    answer = nifi.request("PUT", f"/processors/{debug['id']}/run-status", expect=(200, 409),
                          json={"revision": nifi.rev(current), "state": "RUN_ONCE"})
    nifi.wait_valid(debug, timeout=30)
    time.sleep(3)
    tasks = nifi.get(f"/flow/processors/{debug['id']}/status")["processorStatus"]["aggregateSnapshot"]["taskCount"]
    recording.check("row7.run-once-while-validating", {"validationStatus": status_then, "status": answer.status_code,
                                                       "ran": tasks > 0,
                                                       "message": mask(answer.text) if answer.status_code != 200 else ""})


def test_row8_listing_is_capped_at_100_and_row9_requests_linger_until_deleted(nifi, scratch, recording):
    generate = nifi.processor(scratch["id"], GENERATE, "generate 150", {"Batch Size": "150"})
    funnel = nifi.post(f"/process-groups/{scratch['id']}/funnels", {"revision": {"version": 0, "clientId": CLIENT_ID},
                                                                   "component": {"position": {"x": 0, "y": 300}}})
    queue = nifi.connect(scratch["id"], generate, funnel, ("success",))
    nifi.wait_valid(generate)
    nifi.run_state(generate, "RUN_ONCE")
    nifi.wait("150 FlowFiles queued", lambda: nifi.queue_count(queue) == 150)
    listing = nifi.post(f"/flowfile-queues/{queue['id']}/listing-requests", {}, expect=(202,))["listingRequest"]
    done = nifi.wait("listing to finish", lambda: (
        r if (r := nifi.get(f"/flowfile-queues/{queue['id']}/listing-requests/{listing['id']}")["listingRequest"])[
            "finished"] else None))
    time.sleep(1)
    lingering = nifi.request("GET", f"/flowfile-queues/{queue['id']}/listing-requests/{listing['id']}")
    nifi.delete(f"/flowfile-queues/{queue['id']}/listing-requests/{listing['id']}")
    gone = nifi.request("GET", f"/flowfile-queues/{queue['id']}/listing-requests/{listing['id']}", expect=(404,))
    assert len(done["flowFileSummaries"]) == 100 and done["queueSize"]["objectCount"] == 150
    recording.check("row8.listing-cap", {"summaries": len(done["flowFileSummaries"]),
                                         "objectCount": done["queueSize"]["objectCount"]})
    recording.check("row9.finished-request-lingers-until-deleted", {"before_delete": lingering.status_code,
                                                                    "after_delete": gone.status_code})


def test_row13_output_port_without_connection_is_invalid(nifi, scratch, recording):
    child = nifi.create_group(scratch["id"], "child")
    port = nifi.port(child["id"], "output-ports", "failure")
    generate = nifi.processor(child["id"], GENERATE, "generate")
    nifi.connect(child["id"], generate, port, ("success",))
    shown = nifi.wait("port validation", lambda: (
        p if (p := nifi.refresh(port))["component"].get("validationErrors") else None), timeout=15)
    counts = nifi.get(f"/process-groups/{child['id']}")
    assert shown["component"]["state"] == "STOPPED" or shown["component"].get("validationErrors")
    assert counts["invalidCount"] >= 1
    recording.check("row13.dangling-output-port", {
        "validationErrors": [mask(e) for e in shown["component"]["validationErrors"]],
        "group_invalidCount_counts_it": counts["invalidCount"] >= 1})


def test_row14_every_relationship_must_be_handled(nifi, scratch, recording):
    generate = nifi.processor(scratch["id"], GENERATE, "generate")
    shown = nifi.wait("validation", lambda: (
        p if (p := nifi.refresh(generate))["component"].get("validationStatus") == "INVALID" else None))
    recording.check("row14.unhandled-relationship", {
        "validationErrors": [mask(e) for e in shown["component"]["validationErrors"]]})


def _one_flowfile_attributes(nifi, group_id, attributes: dict) -> dict:
    """Generate one FlowFile, pass it through UpdateAttribute with `attributes`, return what it carries."""
    generate = nifi.processor(group_id, GENERATE, "generate")
    update = nifi.processor(group_id, UPDATE_ATTRIBUTE, "update", attributes)
    funnel = nifi.post(f"/process-groups/{group_id}/funnels", {"revision": {"version": 0, "clientId": CLIENT_ID},
                                                              "component": {"position": {"x": 0, "y": 300}}})
    nifi.connect(group_id, generate, update, ("success",))
    queue = nifi.connect(group_id, update, funnel, ("success",))
    nifi.wait_valid(generate)
    nifi.wait_valid(update)
    nifi.run_state(update, "RUNNING")
    nifi.run_state(generate, "RUN_ONCE")
    nifi.wait("one FlowFile after UpdateAttribute", lambda: nifi.queue_count(queue) == 1)
    nifi.run_state(update, "STOPPED")
    listing = nifi.post(f"/flowfile-queues/{queue['id']}/listing-requests", {}, expect=(202,))["listingRequest"]
    done = nifi.wait("listing", lambda: (
        r if (r := nifi.get(f"/flowfile-queues/{queue['id']}/listing-requests/{listing['id']}")["listingRequest"])[
            "finished"] else None))
    nifi.delete(f"/flowfile-queues/{queue['id']}/listing-requests/{listing['id']}")
    uuid = done["flowFileSummaries"][0]["uuid"]
    return nifi.get(f"/flowfile-queues/{queue['id']}/flowfiles/{uuid}")["flowFile"]["attributes"]


def test_row17_unset_attribute_is_empty_and_row19_escapes_are_literal(nifi, scratch, recording):
    context = nifi.parameter_context(f"row19 {scratch['id']}", {"x": ("from-parameter", False)})
    try:
        nifi.bind_context(scratch, context)
        attributes = _one_flowfile_attributes(nifi, scratch["id"], {
            "from.unset": "[${no.such.attribute}]", "escaped.parameter": "##{x}", "parameter": "#{x}",
            "escaped.expression": "$${filename}"})
        observed = {k: attributes[k] for k in ("from.unset", "escaped.parameter", "parameter", "escaped.expression")}
        assert observed["from.unset"] == "[]"
        assert observed["escaped.parameter"] == "#{x}" and observed["parameter"] == "from-parameter"
        recording.check("row17-19.expression-and-parameter-escapes", observed)
    finally:
        nifi.delete_group_tree(scratch)
        nifi.delete_context(context)
        scratch["id"] = None


@pytest.mark.parametrize("value", ["١٠ GB", "99999999999999999999999 GB", "10 GB"])
def test_row20_data_sizes_nifi_cannot_parse(nifi, scratch, recording, value):
    generate = nifi.processor(scratch["id"], GENERATE, "generate")
    funnel = nifi.post(f"/process-groups/{scratch['id']}/funnels", {"revision": {"version": 0, "clientId": CLIENT_ID},
                                                                   "component": {"position": {"x": 0, "y": 300}}})
    answer = nifi.request("POST", f"/process-groups/{scratch['id']}/connections", expect=(201, 400, 409),
                          json={"revision": {"version": 0, "clientId": CLIENT_ID}, "component": {
                              "source": {"id": generate["id"], "groupId": scratch["id"], "type": "PROCESSOR"},
                              "destination": {"id": funnel["id"], "groupId": scratch["id"], "type": "FUNNEL"},
                              "selectedRelationships": ["success"], "backPressureDataSizeThreshold": value}})
    shown = answer.json()["component"]["backPressureDataSizeThreshold"] if answer.status_code == 201 else None
    recording.check(f"row20.backpressure-size {value!r}", {"status": answer.status_code, "stored": shown,
                                                          "message": mask(answer.text) if answer.status_code != 201
                                                          else ""})
