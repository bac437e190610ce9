"""The component definitions the catalog is checked against, asked of the real NiFi again.

`tests/fixtures/live-nifi/definitions-<version>.json` (which tests/test_nifi_definitions.py holds
the catalog data to) was recorded from this NiFi; here every recorded type is instantiated anew
and must still answer the same, and NiFi's `/flow/*-definition` endpoints (served for NARs that
carry their extension manifest) must name the same properties. So the fast suite's ground
truth cannot drift from the real NiFi unnoticed.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from .rest import NifiError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "live-nifi"


def _recorded(version: str) -> dict:
    path = FIXTURES / f"definitions-{version}.json"
    if not path.exists():
        pytest.fail(f"no recorded definitions for NiFi {version}: record them from this NiFi (see README, Live NiFi)")
    return json.loads(path.read_text())["components"]


def _now(nifi, group_id: str, type_: str, kind: str) -> dict:
    bundle = nifi.bundle_of(type_)
    body = {"revision": {"version": 0}, "component": {"type": type_, "bundle": bundle}}
    if kind == "processor":
        component = nifi.post(f"/process-groups/{group_id}/processors", body)["component"]
        descriptors, relationships = component["config"]["descriptors"], sorted(
            r["name"] for r in component["relationships"])
    else:
        component = nifi.post(f"/process-groups/{group_id}/controller-services", body)["component"]
        descriptors, relationships = component["descriptors"], None
    properties = {name: {"displayName": d.get("displayName"), "required": d.get("required"),
                         "sensitive": d.get("sensitive"), "defaultValue": d.get("defaultValue"),
                         "identifiesControllerService": d.get("identifiesControllerService"),
                         "allowableValues": sorted(a["allowableValue"]["value"] for a in d["allowableValues"])
                         if d.get("allowableValues") and not d.get("identifiesControllerService") else None}
                  for name, d in descriptors.items()}
    return {"properties": properties, "relationships": relationships, "bundle": bundle}


def test_recorded_definitions_are_what_nifi_answers(nifi, scratch, connection):
    recorded = _recorded(connection.version)
    drift = []
    for type_, expected in sorted(recorded.items()):
        try:
            now = _now(nifi, scratch["id"], type_, expected["kind"])
        except NifiError as error:
            drift.append(f"{type_}: cannot be instantiated any more ({error})")
            continue
        for name, want in expected["properties"].items():
            have = now["properties"].get(name)
            if have is None:
                drift.append(f"{type_}: property {name!r} is gone")
                continue
            for field in ("displayName", "required", "sensitive", "defaultValue", "identifiesControllerService"):
                if want.get(field) != have.get(field):
                    drift.append(f"{type_}.{name}: {field} {want.get(field)!r} recorded, {have.get(field)!r} now")
            if want.get("allowableValues") and not want.get("identifiesControllerService") and \
                    sorted(want["allowableValues"]) != have["allowableValues"]:
                drift.append(f"{type_}.{name}: allowable values differ")
        drift += [f"{type_}: new property {name!r}" for name in now["properties"].keys() - expected["properties"].keys()]
        if expected["kind"] == "processor" and sorted(expected["relationships"]) != now["relationships"]:
            drift.append(f"{type_}: relationships {expected['relationships']} recorded, {now['relationships']} now")
    assert not drift, "\n".join(drift)


def test_definition_endpoints_agree_with_the_components_themselves(nifi, scratch, connection):
    """`/flow/processor-definition` and `/flow/controller-service-definition` come from the NAR's
    extension manifest (published NARs only): they must name the properties the instance has."""
    recorded = _recorded(connection.version)
    checked, disagreements = 0, []
    for type_, expected in sorted(recorded.items()):
        bundle = expected["bundle"]
        kind = expected["kind"]
        answer = nifi.request("GET", f"/flow/{kind}-definition/{bundle['group']}/{bundle['artifact']}/"
                                     f"{bundle['version']}/{type_}", expect=(200, 404))
        if answer.status_code == 404:
            continue  # a NAR packed here from published jars carries no manifest (live/distribution.py)
        checked += 1
        named = set((answer.json().get("propertyDescriptors") or {}).keys())
        if named != set(expected["properties"]):
            disagreements.append(f"{type_}: definition {sorted(named ^ set(expected['properties']))}")
    assert checked > 0, "no NAR of this NiFi serves its definition"
    assert not disagreements, "\n".join(disagreements)
