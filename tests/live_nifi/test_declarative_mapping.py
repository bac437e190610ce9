"""The trip_stops example on the real NiFi: a report posted to its HTTP IN port comes out of its HTTP OUT ports as
the README of the example says, through nothing but the record processors its declarative mapping compiles to
(route, filter, remove, mask, flatten, camelCase, timestamp; no script)."""
from __future__ import annotations

import json
import re

import httpx
import pytest
from conftest import ROOT, run_protoc

from .deploy import Deployment
from .sinks import listening

EXAMPLE = ROOT / "examples" / "trip_stops" / "proto"
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

COMPLETED = {
    "trip_id": "t-1", "status": "TRIP_STATUS_COMPLETED",
    "driver": {"driver_id": "d-7", "full_name": "Ada Lovelace", "license_number": "DL-123456"},
    "stops": [{"stop_id": "s-1", "sequence": 1, "address_line": "1 Main St"},
              {"stop_id": "s-2", "sequence": 2, "address_line": "2 Side Rd"}],
    "distance_km": 12.5, "internal_note": "late at the depot",
}
CANCELLED = {"trip_id": "t-2", "status": "TRIP_STATUS_CANCELLED",
             "driver": {"driver_id": "d-8", "full_name": "Alan Turing", "license_number": "DL-999"},
             "stops": [{"stop_id": "s-9", "sequence": 1, "address_line": "9 Long Rd"}],
             "distance_km": 3.0, "internal_note": "customer called"}
UNFINISHED = {"trip_id": "t-3", "driver": {"driver_id": "d-9"}, "stops": [], "distance_km": 1.0}


@pytest.fixture(scope="module")
def trip_stops(nifi, connection, backends, sink, tmp_path_factory):
    run = run_protoc(tmp_path_factory.mktemp("trip_stops"), [EXAMPLE], opt=f"nifi_version={connection.version}")
    assert run.returncode == 0, run.stderr
    out = run.write(tmp_path_factory.mktemp("trip_stops_out"))
    backends.http_base = sink.url
    deployment = Deployment(nifi, out / "trip_stops", name="declarative mapping trip_stops").prepare(backends)
    yield deployment
    nifi.schedule(deployment.group["id"], "STOPPED")
    deployment.remove()


def test_every_component_of_the_example_is_valid(trip_stops):
    verdict = trip_stops.verdict()
    assert verdict.invalid == [] and verdict.not_judged == [] and verdict.lost_settings == []


def test_a_report_becomes_the_documented_records(nifi, trip_stops, backends, sink):
    nifi.schedule(trip_stops.group["id"], "RUNNING")
    url = f"http://127.0.0.1:{backends.ports['trip-reports']}/trip-reports"
    nifi.wait("the listener", lambda: listening(url))
    before = len(sink.received)
    for report in (COMPLETED, CANCELLED, UNFINISHED):
        reply = httpx.post(url, json=report, timeout=30)
        assert reply.status_code == 202
    received = sink.wait_for(before + 3)[before:]
    # One message per request; the unfinished trip is filtered out.
    assert sorted(request.path for request in received) == ["/cancelled-trips", "/stop-events", "/stop-events"]
    stops = sorted((json.loads(r.body) for r in received if r.path == "/stop-events"), key=lambda s: s["sequence"])
    for stop in stops:
        assert TIME.match(stop.pop("publishedAt"))
    assert stops == [
        {"tripId": "t-1", "driver": {"driverId": "d-7", "fullName": "Ada Lovelace", "licenseNumber": "******456"},
         "distanceKm": 12.5, "stopId": "s-1", "sequence": 1, "addressLine": "1 Main St"},
        {"tripId": "t-1", "driver": {"driverId": "d-7", "fullName": "Ada Lovelace", "licenseNumber": "******456"},
         "distanceKm": 12.5, "stopId": "s-2", "sequence": 2, "addressLine": "2 Side Rd"},
    ]
    [cancelled] = [json.loads(r.body) for r in received if r.path == "/cancelled-trips"]
    assert cancelled == {key: value for key, value in CANCELLED.items() if key != "internal_note"}


def test_several_reports_in_one_request_keep_every_value(nifi, trip_stops, backends, sink):
    """A JSON array is several records in one FlowFile: each still comes out whole (NiFi renames a field in the
    schema the records of a FlowFile share, so the mapping renames one record per FlowFile)."""
    nifi.schedule(trip_stops.group["id"], "RUNNING")
    url = f"http://127.0.0.1:{backends.ports['trip-reports']}/trip-reports"
    nifi.wait("the listener", lambda: listening(url))
    other = {**COMPLETED, "trip_id": "t-4", "stops": COMPLETED["stops"][:1]}
    before = len(sink.received)
    assert httpx.post(url, json=[COMPLETED, other], timeout=30).status_code == 202
    received = sink.wait_for(before + 3)[before:]
    stops = sorted((s["tripId"], s["stopId"], s["driver"]["licenseNumber"], s["distanceKm"])
                    for s in (json.loads(r.body) for r in received))
    assert stops == [("t-1", "s-1", "******456", 12.5), ("t-1", "s-2", "******456", 12.5),
                     ("t-4", "s-1", "******456", 12.5)]
