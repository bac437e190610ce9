"""Generated flows against NiFi's own API model and import rules (nipyapi's models come from NiFi's OpenAPI
spec), and the generator's component table against the descriptor names read from NiFi's source."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import GOLDEN_INPUTS, ROOT, SEED_PROTOS, run_protoc

from protoc_gen_nifi import nifi_catalog as nc
from protoc_gen_nifi.flowcheck import check_document

CASES = {
    "seed": [SEED_PROTOS],
    "editions": [GOLDEN_INPUTS / "editions"],
    "proto2_overrides": [GOLDEN_INPUTS / "proto2_overrides"],
    "ev_coownership": [ROOT / "examples" / "ev_coownership" / "proto"],
    "all_transports": [GOLDEN_INPUTS / "all_transports"],
    "tls_and_shared": [GOLDEN_INPUTS / "tls_and_shared"],
}


@pytest.mark.parametrize("version", ["2.0.0", "2.3.0", "2.11.0"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_flows_conform_to_nifi_model_and_import_rules(tmp_path, case, version):
    run = run_protoc(tmp_path, CASES[case], opt=f"nifi_version={version}")
    assert run.returncode == 0, run.stderr
    flows = {n: json.loads(c) for n, c in run.files.items() if n.endswith(("snapshot.json", "definition.json"))}
    assert len(flows) >= 2
    for name, doc in flows.items():
        kind = "snapshot" if name.endswith("snapshot.json") else "definition"
        problems = check_document(doc, kind=kind, generated=True, catalog=version)
        assert problems == [], "\n".join(map(str, problems))
        bundles = {c["bundle"]["version"] for c in _components(doc["flowContents"])}
        assert bundles == {version}


def _components(group):
    yield from group["processors"]
    yield from group["controllerServices"]
    for child in group["processGroups"]:
        yield from _components(child)


def test_the_checker_really_rejects_a_broken_generated_flow(seed_protoc):
    doc = json.loads(seed_protoc.files["order_to_erp/nifi/flow.snapshot.json"])
    doc["flowContents"]["processGroups"][0]["connections"][0]["backPressureObjectThreshold"] = 0
    doc["flowContents"]["flowfileConcurrency"] = "UNBOUNDED"
    problems = check_document(doc, kind="snapshot", generated=True, catalog="2.11.0")
    messages = " ".join(p.message for p in problems)
    assert "flowfileConcurrency" in messages and "backpressure" in messages.lower()


# ---- shape compared with real NiFi 2.x exports ------------------------------------------------------------

EXPORTS = Path(__file__).resolve().parent / "fixtures" / "nifi-exports"
REAL_2X = ["Kafka_to_S3", "Cron_Schedule_Connector", "Generate_and_Update", "choose-color",
           "RestrictBackpressureSettings_noViolation"]
LISTS = {"processors": "PROCESSOR", "connections": "CONNECTION", "inputPorts": "INPUT_PORT",
         "outputPorts": "OUTPUT_PORT", "controllerServices": "CONTROLLER_SERVICE", "funnels": "FUNNEL",
         "labels": "LABEL"}


def _walk(group, into):
    into.setdefault("PROCESS_GROUP", []).append(group)
    for key, kind in LISTS.items():
        into.setdefault(kind, []).extend(group.get(key, []))
    for child in group.get("processGroups", []):
        _walk(child, into)
    return into


# No 2.x export in the reference set has a label; WebCrawler (1.18) does, and VersionedLabel did not change in 2.x.
LABEL_SOURCE = "WebCrawler"


def _real_exports(names=REAL_2X):
    found = {}
    for path in sorted(EXPORTS.glob("*.json")):
        if any(name in path.name for name in names):
            found[path.name] = json.loads(path.read_text(encoding="utf-8"))
    assert len(found) >= len(names) - 1
    return found


def test_generated_components_have_the_shape_of_real_nifi_2x_exports(seed_protoc):
    real: dict[str, list[dict]] = {}
    for doc in _real_exports().values():
        for kind, items in _walk(doc["flowContents"], {}).items():
            real.setdefault(kind, []).extend(items)
    for doc in _real_exports([LABEL_SOURCE]).values():
        real["LABEL"] = _walk(doc["flowContents"], {})["LABEL"]
    ours = _walk(json.loads(seed_protoc.files["order_to_erp/nifi/flow-definition.json"])["flowContents"], {})
    for kind, items in ours.items():
        assert real.get(kind), f"no real {kind} to compare with"
        real_keys = set().union(*(set(item) for item in real[kind])) - {"instanceIdentifier"}
        always = set.intersection(*(set(item) for item in real[kind])) - {"instanceIdentifier"}
        for item in items:
            keys = set(item)
            assert keys <= real_keys, f"{kind} {item.get('name')!r}: keys real exports never carry {keys - real_keys}"
            # The root group has no groupIdentifier in real downloads either.
            missing = always - keys - ({"groupIdentifier"} if kind == "PROCESS_GROUP" else set())
            assert not missing, f"{kind} {item.get('name')!r}: misses {missing}, which every real export carries"


def test_every_transport_entry_and_every_catalog_component_is_generated(tmp_path):
    """tests/golden/inputs/all_transports (and tls_and_shared, and declarative_mapping for the record processors
    of the transform table) exercise the whole transport table and catalog: no entry goes untested."""
    import ast

    from protoc_gen_nifi.transports import TRANSPORTS

    run = run_protoc(tmp_path, [GOLDEN_INPUTS / "all_transports", GOLDEN_INPUTS / "tls_and_shared",
                                GOLDEN_INPUTS / "declarative_mapping"])
    assert run.returncode == 0, run.stderr
    generated, emitted = set(), set()
    mapping = json.loads(run.files["order_mapping/nifi/flow.snapshot.json"])
    emitted |= {c["type"] for c in _components(mapping["flowContents"])}
    # every_trigger holds the schedule (a schedule brings no payload for every_transport's lookups to enrich);
    # secure_orders holds TLS, which the catalog's SSL context service is for.
    for integration in ("every_transport", "every_trigger", "secure_orders"):
        test_source = run.files[f"{integration}/tests/{integration}_structural_test.py"].decode()
        ports = next(ast.literal_eval(node.value) for node in ast.parse(test_source).body
                     if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PORTS")
        generated |= {(p["transport"], p["direction"]) for p in ports.values()}
        flow = json.loads(run.files[f"{integration}/nifi/flow.snapshot.json"])
        emitted |= {c["type"] for c in _components(flow["flowContents"])}
    assert generated == {(kind, direction) for kind, entry in TRANSPORTS.items() for direction in entry.builders}
    assert {c.type for c in nc.COMPONENTS} <= emitted, {c.type for c in nc.COMPONENTS} - emitted
