"""Issue 17, part 5 on the real NiFi: an HTTP IN port with validate_schema, called for real.

NiFi's ValidateJson (its own JSON Schema validator) gets the schema the plugin wrote for the port's message. A
payload json_format wrote for the message is accepted (202) and goes on to the mapping; payloads protobuf's parser
refuses (an unknown field, two members of a oneof, a bad enum name, a non-numeric int64, not JSON at all) are
answered 400 and wait in 'parked failures', content unchanged, with NiFi's reason in json.validation.errors.
"""
from __future__ import annotations

import json

import httpx
import pytest
from conftest import run_protoc
from google.protobuf import (
    descriptor_pb2,
    descriptor_pool,
    json_format,
    message_factory,
)

from .deploy import Deployment
from .sinks import listening
from .test_movement import _contents, _queue_into

PROTO = """
syntax = "proto3";
package acme.checked.v1;

import "ameide_core_proto/integration/v1/options.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/timestamp.proto";

message Reading {
  enum Unit { UNIT_UNSPECIFIED = 0; CELSIUS = 1; KELVIN = 2; }
  string sensor_id = 1;
  int64 sequence = 2;
  Unit unit = 3;
  google.protobuf.Timestamp taken_at = 4;
  oneof value { double measured = 5; string error_code = 6; }
  map<string, string> labels = 7;
}

service CheckedReadings {
  rpc ReadingsIn(Reading) returns (google.protobuf.Empty) {
    option (ameide_core_proto.integration.v1.port) = {
      direction: IN transport: { http: { method: POST endpoint_ref: "readings" } }
      content_type: "application/json" validate_schema: true };
  }
  rpc ReadingsOut(Reading) returns (google.protobuf.Empty) {
    option (ameide_core_proto.integration.v1.port) = {
      direction: OUT transport: { http: { method: POST endpoint_ref: "readings-sink" } }
      content_type: "application/json" };
  }
}
"""


def _valid_payload(root) -> bytes:
    """A Reading as protobuf's own JSON writer writes it (int64 as a string, the Timestamp in RFC 3339)."""
    compiled = run_protoc(root, [root / "proto"], files=["acme/checked/v1/checked.proto"])
    assert compiled.returncode == 0, compiled.stderr
    pool = descriptor_pool.DescriptorPool()
    for file_proto in descriptor_pb2.FileDescriptorSet.FromString(
            compiled.files["checked_readings/schemas/descriptors.pb"]).file:
        pool.Add(file_proto)
    reading = message_factory.GetMessageClass(pool.FindMessageTypeByName("acme.checked.v1.Reading"))()
    reading.sensor_id, reading.sequence, reading.unit, reading.measured = "s-1", 2**62, 2, 21.5
    reading.taken_at.seconds, reading.taken_at.nanos = 1767225600, 500_000_000
    reading.labels["site"] = "north"
    return json_format.MessageToJson(reading, descriptor_pool=pool).encode()


@pytest.fixture(scope="module")
def checked(tmp_path_factory, connection, nifi, backends):
    root = tmp_path_factory.mktemp("validation")
    (root / "proto" / "acme" / "checked" / "v1").mkdir(parents=True)
    (root / "proto" / "acme" / "checked" / "v1" / "checked.proto").write_text(PROTO)
    run = run_protoc(root, [root / "proto"], opt=f"nifi_version={connection.version}")
    assert run.returncode == 0, run.stderr
    out = run.write(root / "generated")
    deployment = Deployment(nifi, out / "checked_readings", name="validation checked_readings").prepare(backends)
    yield deployment, _valid_payload(root), backends.ports["readings"]
    deployment.remove()


INVALID = {
    "an unknown field": {"sensorId": "s-2", "colour": "red"},
    "two members of a oneof": {"sensorId": "s-3", "measured": 1.5, "errorCode": "E1"},
    "a bad enum name": {"sensorId": "s-4", "unit": "FAHRENHEIT"},
    "a non-numeric int64": {"sensorId": "s-5", "sequence": "12a"},
    "a Timestamp as an object": {"sensorId": "s-6", "takenAt": {"seconds": 1}},
}


def test_valid_payloads_go_on_and_invalid_ones_are_answered_400_and_parked(nifi, checked):
    deployment, valid, port = checked
    ingress = deployment.child("ingress readings_in")
    onward = _queue_into(nifi, deployment, "mapping", "from readings_in")
    parked = next(c for c in nifi.flow(deployment.group["id"])["connections"]
                  if c["component"]["name"] == "parked failures")
    nifi.schedule(ingress["id"], "RUNNING")
    url = f"http://127.0.0.1:{port}/readings"
    nifi.wait("the listener", lambda: listening(url))
    headers = {"Content-Type": "application/json"}
    # Original field names are protobuf JSON too: the parser (and the schema) take them.
    snake = json.dumps({"sensor_id": "s-7", "error_code": "E2", "taken_at": "2026-01-01T00:00:00Z"}).encode()
    accepted = [httpx.post(url, content=body, headers=headers, timeout=30) for body in (valid, snake)]
    bodies = {what: json.dumps(payload).encode() for what, payload in INVALID.items()}
    bodies["not JSON at all"] = b"{not json"
    refused = {what: httpx.post(url, content=body, headers=headers, timeout=30) for what, body in bodies.items()}
    nifi.wait("the accepted payloads onward", lambda: nifi.queue_count(onward) == 2)
    nifi.wait("the refused payloads parked", lambda: nifi.queue_count(parked) == len(bodies), timeout=120)
    nifi.schedule(ingress["id"], "STOPPED")

    assert [r.status_code for r in accepted] == [202, 202]
    assert {what: r.status_code for what, r in refused.items()} == {what: 400 for what in bodies}
    assert sorted(content for _, content in _contents(nifi, onward)) == sorted([valid, snake])
    found = {content: attributes for attributes, content in _contents(nifi, parked)}
    assert set(found) == set(bodies.values())  # never dropped, never changed
    for what, body in bodies.items():
        errors = found[body].get("json.validation.errors")
        if what == "not JSON at all":
            assert errors is None  # ValidateJson's `failure`: no validation ran, the payload is parked as it is
        else:
            assert errors, (what, found[body])
    assert "colour" in found[bodies["an unknown field"]]["json.validation.errors"]
