"""Fixtures for the fake's own tests: a fake NiFi called without HTTP, and one integration deployed in it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from . import Fake
from .processors import GENERATE

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CLIENT = "test-client"


def rev(entity: dict) -> dict:
    return {"version": entity["revision"]["version"], "clientId": CLIENT}


class Api:
    """`api.get(path)` etc.: one request to the fake; returns the body and asserts the status."""

    def __init__(self, fake: Fake):
        self.fake = fake

    def __call__(self, method: str, path: str, status: int | None = 200, **kw):
        got, body = self.fake.call(method, path, **kw)
        if status is not None:
            assert got == status, (method, path, got, body)
        return body

    def get(self, path, **kw):
        return self("GET", path, **kw)

    def status(self, method: str, path: str, **kw) -> tuple[int, object]:
        return self.fake.call(method, path, **kw)

    def wait(self, ticks: int = 5) -> None:
        for _ in range(ticks):
            self.fake.call("GET", "/flow/status")


@pytest.fixture
def fake():
    fake = Fake()
    yield fake
    assert fake.model_errors == [] and fake.response_errors == [], "bodies or answers NiFi's model does not have"


@pytest.fixture
def api(fake):
    return Api(fake)


def deploy(fake: Fake, folder: str = "order_to_erp") -> str:
    """Import the fixture snapshot into the fake Registry and create the group from it, as the harness does."""
    raw = (FIXTURES / folder / "nifi" / "flow.snapshot.json").read_bytes()
    reg = fake.registry
    bucket = reg.create_bucket(_req({"name": "b"}))[1]["identifier"]
    flow = reg.create_flow(bucket, _req({"name": json.loads(raw)["flowContents"]["name"]}))[1]["identifier"]
    reg.import_version(bucket, flow, _req(json.loads(raw)))
    api = Api(fake)
    client = api("POST", "/controller/registry-clients", 201, json_body={
        "revision": {"version": 0}, "component": {"name": "r", "type": "org.apache.nifi.registry.flow."
                                                  "NifiRegistryFlowRegistryClient", "properties": {"url": "x"}}})
    pg = api("POST", "/process-groups/root/process-groups", 201, json_body={
        "revision": {"version": 0}, "component": {"versionControlInformation": {
            "registryId": client["id"], "bucketId": bucket, "flowId": flow, "version": "1"}}})
    return pg["id"]


def _req(body: dict):
    from .core import Request

    return Request("POST", "/", "registry", {}, {}, body, b"")


def generate(api: Api, gid: str, target: dict) -> tuple[dict, dict]:
    """A GenerateFlowFile in group `gid` connected to `target` (a component entity): (processor, connection)."""
    bundle = {"group": "org.apache.nifi", "artifact": "nifi-standard-nar", "version": "2.11.0"}
    p = api("POST", f"/process-groups/{gid}/processors", 201, json_body={
        "revision": {"version": 0, "clientId": CLIENT}, "component": {"type": GENERATE, "bundle": bundle, "name": "g"}})
    t = target["component"]
    kind = t.get("type") if t.get("type") in ("INPUT_PORT", "OUTPUT_PORT") else "PROCESSOR"
    c = api("POST", f"/process-groups/{gid}/connections", 201, json_body={
        "revision": {"version": 0, "clientId": CLIENT}, "component": {
            "selectedRelationships": ["success"], "source": {"id": p["id"], "groupId": gid, "type": "PROCESSOR"},
            "destination": {"id": t["id"], "groupId": gid, "type": kind}}})
    return p, c
