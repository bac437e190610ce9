"""Declarative mapping (issue 17) through the real protoc: every kind of mistake is refused with a located error,
every step kind compiles to the standard record processors of the transform table, and the flows pass flowcheck at
both NiFi releases the project targets (2.3.0, the live one, and 2.11.0)."""
from __future__ import annotations

import json
import re

import pytest
from conftest import GOLDEN_INPUTS, ROOT, run_protoc

from protoc_gen_nifi import nifi_catalog as nc
from protoc_gen_nifi import nifi_definitions
from protoc_gen_nifi.flowcheck import check_document
from protoc_gen_nifi.transforms import TRANSFORMS
from protoc_gen_nifi.transforms.checks import camel_case, snake_case

EXAMPLE = ROOT / "examples" / "trip_stops" / "proto"
BAD = "acme/mapping/v1/bad.proto"

# port -> what its error must say (each port's first wrong step).
MISTAKES = {
    "OrdersIn": "move mapping (and mapping_script) to the OUT port",
    "SelectTypo": "mapping step 1 (select) 'order_idd' is not a field of acme.badmapping.v1.Order",
    "MaskNumber": "mapping step 1 (mask) 'total_cents' is a number; mask takes string fields",
    "FlattenMessage": "(flatten) 'customer' is a message (acme.badmapping.v1.Customer); flatten takes a repeated",
    "CompareNumberWithText": "'total_cents' is a number, but value 'lots' is not; compare numbers with numbers",
    "UnknownEnumValue": "'PLATINUM' is not a value of enum acme.badmapping.v1.Tier (TIER_UNSPECIFIED, GOLD)",
    "RouteNowhere": "port 'Nowhere' is not an OUT port of this integration",
    "TimestampClash": "field 'order_id' already exists in the record",
    "DoesNotFit": "after its mapping steps, its records have field 'customer', which acme.badmapping.v1.Summary "
                  "does not declare",
    "ThroughRepeated": "'lines' is a repeated message (acme.badmapping.v1.Line) field, so 'lines.sku' names one "
                       "field of many records; flatten 'lines' first",
    "IntoMap": "'labels' is a map, so 'labels.vip' names nothing inside it",
    "OrderText": "'note' is a string: NiFi Expression Language orders only numbers",
    "RenameClash": "to 'order_id' is already a field beside 'note'",
    "ScriptWithoutSteps": "mapping_script is for a port with mapping steps",
    "EmptyStep": "mapping step 1 sets no step; set one of select, remove",
    "RouteDoesNotFit": "the records it routes to DoesNotFit do not fit",
}


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    return run_protoc(tmp_path_factory.mktemp("bad"), [GOLDEN_INPUTS / "bad_mapping"])


def _port_lines(text: str) -> dict[str, int]:
    """The line of each rpc's port option in the bad input, where its error must point."""
    lines, found, rpc = text.splitlines(), {}, None
    for number, line in enumerate(lines, start=1):
        match = re.match(r"\s*rpc (\w+)\(", line)
        rpc = match.group(1) if match else rpc
        if "option (ameide_core_proto.integration.v1.port)" in line:
            found[rpc] = number
    return found


def test_bad_mappings_write_nothing_and_report_every_port(bad):
    assert bad.returncode != 0 and bad.files == {} and "Traceback" not in bad.stderr
    assert len([line for line in bad.stderr.splitlines() if BAD in line]) == len(MISTAKES)


@pytest.mark.parametrize("port", sorted(MISTAKES))
def test_each_mistake_is_located_at_its_port_and_says_how_to_fix_it(bad, port):
    line = _port_lines((GOLDEN_INPUTS / "bad_mapping" / BAD).read_text())[port]
    [error] = [e for e in bad.stderr.splitlines() if f"port {port}:" in e]
    assert re.search(rf"{re.escape(BAD)}:{line}:5: port {port}: ", error), error
    assert MISTAKES[port] in error
    assert ";" in error.split(f"port {port}: ", 1)[1]  # what is wrong; how to fix it


@pytest.fixture(scope="module", params=["2.3.0", "2.11.0"])
def flows(request, tmp_path_factory):
    run = run_protoc(tmp_path_factory.mktemp("flows"), [GOLDEN_INPUTS / "declarative_mapping", EXAMPLE],
                     opt=f"nifi_version={request.param}")
    assert run.returncode == 0, run.stderr
    return request.param, run.files


def _mapping(files: dict, integration: str) -> dict:
    flow = json.loads(files[f"{integration}/nifi/flow-definition.json"])
    return next(g for g in flow["flowContents"]["processGroups"] if g["name"] == "mapping")


def test_generated_flows_pass_flowcheck(flows):
    version, files = flows
    for name, content in sorted(files.items()):
        if name.endswith(("flow-definition.json", "flow.snapshot.json")):
            assert check_document(json.loads(content), generated=True, catalog=version) == [], name


# Step kind -> the processors it becomes, in data order, for the golden input's ports.
COMPILED = {
    "filter": ["PartitionRecord", "RouteOnAttribute"],
    "route": ["PartitionRecord", "RouteOnAttribute"],
    "select": ["RemoveRecordField"],
    "timestamp": ["UpdateRecord"],
    "flatten": ["ForkRecord", "SplitRecord", "UpdateRecord", "RemoveRecordField"],
    "mask": ["UpdateRecord"],
    "remove": ["RemoveRecordField"],
    # One record per FlowFile first (a rename changes the schema the records of a FlowFile share), then one
    # rename per depth: customer / lines, then the top.
    "field_case": ["SplitRecord", "RenameRecordField", "RenameRecordField"],
    "rename": ["SplitRecord", "RenameRecordField"],
}


def test_every_step_kind_compiles_to_standard_record_processors_only(flows):
    version, files = flows
    mapping = _mapping(files, "order_mapping")
    by_kind: dict[str, list[str]] = {}
    for processor in mapping["processors"]:
        match = re.match(r"^\w+ \d+ (\w+)", processor["name"])
        if processor["type"].endswith("ExecuteScript"):
            continue
        kind = processor["name"].split()[2] if match else ""
        kind = {"value": None, "records": None, "fork": "flatten", "split": "flatten", "lift": "flatten", "drop": "flatten"}.get(kind, kind)
        step = int(processor["name"].split()[1])
        key = kind or next(p["name"].split()[2] for p in mapping["processors"]
                           if p["name"].split()[:2] == processor["name"].split()[:2]
                           and p["name"].split()[2] not in ("value", "records"))
        by_kind.setdefault(key, []).append((processor["name"].split()[0], step, processor["type"].rsplit(".", 1)[1]))
        assert processor["bundle"] == {"artifact": "nifi-standard-nar", "group": "org.apache.nifi",
                                       "version": version}
    assert set(by_kind) == set(TRANSFORMS) == set(COMPILED)
    for kind, placed in by_kind.items():
        first = placed[0][:2]
        assert [t for port, step, t in placed if (port, step) == first] == COMPILED[kind], kind
    assert not any(p["type"].endswith("ExecuteScript") for p in _mapping(files, "trip_stops")["processors"])


def test_property_keys_are_the_releases_own(flows):
    version, files = flows
    for integration in ("order_mapping", "trip_stops"):
        for processor in _mapping(files, integration)["processors"]:
            if processor["type"] == nc.EXECUTE_SCRIPT.type:  # the script's properties NiFi builds at run time
                continue
            for key, descriptor in processor["propertyDescriptors"].items():
                if not descriptor["dynamic"]:
                    assert nifi_definitions.prop(version, processor["type"], key) is not None, (version, key)
            assert set(processor["autoTerminatedRelationships"]) <= set(
                nc.BY_TYPE[processor["type"]].relationships_for(nc.Config(
                    processor["properties"], tuple(k for k, d in processor["propertyDescriptors"].items()
                                                   if d["dynamic"]))))


def test_route_records_leave_for_the_target_port_and_route_only_ports_run_no_script(flows):
    _, files = flows
    mapping = _mapping(files, "order_mapping")
    names = {c["identifier"]: c["name"] for kind in ("processors", "outputPorts") for c in mapping[kind]}
    edges = {(names.get(c["source"]["id"]), tuple(c["selectedRelationships"]), names.get(c["destination"]["id"]))
             for c in mapping["connections"]}
    assert ("summary_out 2 route", ("routed",), "to gold_out") in edges
    assert ("summary_out 2 route", ("unmatched",), "summary_out 3 select") in edges
    assert not any(p["name"] == "map gold_out" for p in mapping["processors"])
    assert any(p["name"] == "map renamed_out" for p in mapping["processors"])  # mapping_script: true


def test_field_case_conversions():
    assert [camel_case(n) for n in ("order_id", "unit_price", "id", "a_b_c")] == ["orderId", "unitPrice", "id", "aBC"]
    assert [snake_case(n) for n in ("orderId", "unitPrice", "id", "order_id")] == ["order_id", "unit_price", "id",
                                                                                   "order_id"]


@pytest.mark.parametrize("value, keep_length, keep_last, expected", [
    ("DL-123456", True, 3, "******456"),
    ("DL-123456", True, 0, "*********"),
    ("DL-123456", False, 0, "********"),
    ("DL-123456", False, 4, "********3456"),
    ("ab", True, 3, "ab"),  # no more than keep_last characters: nothing to hide
])
def test_mask_regexes_do_what_the_option_says(value, keep_length, keep_last, expected, tmp_path):
    """The regex and replacement the mask step gives RecordPath's replaceRegex (java.util.regex, whose syntax for
    these patterns Python's re shares), applied here."""
    from protoc_gen_nifi.transforms import checks

    class Option:
        field, mask_char = "f", "*"

        def HasField(self, name):
            return False

    option = Option()
    option.keep_length, option.keep_last = keep_length, keep_last
    from protoc_gen_nifi.transforms.shape import Field, Schema
    state = checks.State(Schema(lambda name: None, lambda name: ()), (Field("f", "string"),), "M", {}, "P")
    [[(path, expression)]] = checks.mask(state, option).stages
    regex, replacement = re.fullmatch(r"replaceRegex\(\., '(.*)', '(.*)'\)", expression).groups()
    assert path == "/f"
    assert re.sub(regex, replacement.replace("$1", r"\1"), value) == expected
