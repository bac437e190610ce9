"""flowcheck's graph and data-flow checks (what a live NiFi makes of a flow), each shown catching its kind of
defect on a broken flow: hand-made ones, one defect at a time, and the flows this generator wrote before
issue 11 (tests/fixtures/before-issue-11, byte for byte as they were committed)."""
from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from protoc_gen_nifi import nifi_catalog as nc
from protoc_gen_nifi.flowcheck import behaviour_problems
from protoc_gen_nifi.flowcheck.dataflow import attribute_reads, guaranteed
from protoc_gen_nifi.flowcheck.index import Graph

BEFORE = Path(__file__).parent / "fixtures" / "before-issue-11"


class Flow:
    """A small flow definition: a root group with an optional child, processors, ports, funnels, services."""

    def __init__(self) -> None:
        self.root = self._group("root", None)
        self.by_id: dict[str, tuple[dict, str, dict]] = {}  # id -> (component, kind, group)

    @staticmethod
    def _group(ident: str, parent: str | None) -> dict:
        group = {"identifier": ident, "name": ident, "processGroups": [], "processors": [], "inputPorts": [],
                 "outputPorts": [], "funnels": [], "connections": [], "controllerServices": []}
        if parent:
            group["groupIdentifier"] = parent
        return group

    def child(self, ident: str) -> dict:
        group = self._group(ident, "root")
        self.root["processGroups"].append(group)
        return group

    def processor(self, ident: str, component: nc.Component, properties: dict | None = None,
                  dynamic: dict | None = None, auto: tuple[str, ...] = (), group: dict | None = None,
                  primary: bool = False) -> str:
        group = group or self.root
        properties = {**(properties or {}), **(dynamic or {})}
        descriptors = {key: {"name": key, "dynamic": key in (dynamic or {})} for key in properties}
        processor = {"identifier": ident, "name": ident, "type": component.type, "properties": properties,
                     "propertyDescriptors": descriptors, "autoTerminatedRelationships": list(auto),
                     "executionNode": "PRIMARY" if primary else "ALL", "groupIdentifier": group["identifier"]}
        group["processors"].append(processor)
        self.by_id[ident] = (processor, "PROCESSOR", group)
        return ident

    def port(self, ident: str, kind: str, group: dict | None = None) -> str:
        group = group or self.root
        port = {"identifier": ident, "name": ident, "type": kind, "groupIdentifier": group["identifier"]}
        group["inputPorts" if kind == "INPUT_PORT" else "outputPorts"].append(port)
        self.by_id[ident] = (port, kind, group)
        return ident

    def funnel(self, ident: str, group: dict | None = None) -> str:
        group = group or self.root
        group["funnels"].append({"identifier": ident, "groupIdentifier": group["identifier"]})
        self.by_id[ident] = ({"identifier": ident}, "FUNNEL", group)
        return ident

    def service(self, ident: str, component: nc.Component, properties: dict) -> str:
        self.root["controllerServices"].append({"identifier": ident, "name": ident, "type": component.type,
                                                "properties": properties, "propertyDescriptors": {}})
        return ident

    def connect(self, source: str, destination: str, *relationships: str, balanced: bool = False,
                group: dict | None = None) -> None:
        ends = []
        for ident in (source, destination):
            _, kind, owner = self.by_id[ident]
            ends.append({"id": ident, "type": kind, "groupId": owner["identifier"]})
        group = group or self.by_id[source][2]
        group["connections"].append({
            "identifier": f"{source}->{destination}", "source": ends[0], "destination": ends[1],
            "selectedRelationships": list(relationships) or [""],
            "loadBalanceStrategy": "ROUND_ROBIN" if balanced else "DO_NOT_LOAD_BALANCE"})

    def problems(self) -> list[str]:
        return [f"{p.path}: {p.message}" for p in behaviour_problems({"flowContents": self.root})]


def _source(flow: Flow, attributes: dict[str, str] | None = None) -> str:
    """A GenerateFlowFile (its dynamic properties become attributes) into an UpdateAttribute."""
    flow.processor("gen", nc.GENERATE_FLOW_FILE)
    flow.processor("tag", nc.UPDATE_ATTRIBUTE, dynamic=attributes or {})
    flow.connect("gen", "tag", "success")
    return "tag"


def _sink(flow: Flow, source: str, *relationships: str) -> None:
    flow.funnel(f"end-{source}")
    flow.connect(source, f"end-{source}", *relationships)


def _through(ident: str, component: nc.Component, properties: dict, *out: str,
             attributes: dict[str, str] | None = None) -> Flow:
    """source -> one processor -> a dead end on `out`."""
    flow = Flow()
    flow.connect(_source(flow, attributes), flow.processor(ident, component, properties), "success")
    _sink(flow, ident, *out)
    return flow


def _unset(where: str, attribute: str) -> str:
    return (f"{where}: reads attribute '{attribute}', which nothing upstream sets on every path (Expression Language "
            "gives '' for it); set it upstream, or say the read is optional (e.g. :replaceNull('')) if it may be absent")


# ---- Expression Language as the data-flow check reads it ---------------------------------------------

@pytest.mark.parametrize("value, reads", [
    ("${a}", [("a", False)]),
    ("${'x-header'}", [("x-header", False)]),
    ("${a:replaceNull('')}", [("a", True)]),
    ("${'a b':isEmpty():not()}", [("a b", True)]),
    ("${a:replaceEmpty(${UUID()})}", [("a", True)]),  # UUID() is a function, not an attribute
    ("pre ${a:toUpper()}-${b}", [("a", False), ("b", False)]),
    ("$${literal}", []),  # an escaped ${ (BEHAVIOUR 19)
    ("$$${a}", [("a", False)]),
    ("${now():format('yyyy')}", []),
    ("#{param}", []),
    ("$.json.path", []),
])
def test_attribute_reads(value, reads):
    assert list(attribute_reads(value)) == reads


def test_only_and_ed_presence_checks_guarantee_attributes():
    assert guaranteed("${'a':isEmpty():not()}") == {"a"}
    assert guaranteed("${a:isEmpty():not():and(${'b':notNull()})}") == {"a", "b"}
    assert guaranteed("${a:isEmpty():not():or(${b:isEmpty():not()})}") == set()
    assert guaranteed("${a:equals('x')}") == set()


# ---- data flow: attributes --------------------------------------------------------------------------

def test_an_attribute_nothing_writes_is_caught():
    flow = _through("put", nc.PUT_DISTRIBUTED_MAP_CACHE, {"Cache Entry Identifier": "${cache.key}"}, "success", "failure")
    assert flow.problems() == [
        _unset('$.flowContents.processors[2](put).properties["Cache Entry Identifier"]', "cache.key")]


def test_an_attribute_written_upstream_on_every_path_is_fine():
    flow = _through("put", nc.PUT_DISTRIBUTED_MAP_CACHE, {"Cache Entry Identifier": "${cache.key}:${filename}"},
                    "success", "failure", attributes={"cache.key": "${uuid}"})
    assert flow.problems() == []


def test_an_attribute_written_on_one_path_only_is_caught():
    flow = Flow()
    flow.processor("gen", nc.GENERATE_FLOW_FILE)
    flow.processor("route", nc.ROUTE_ON_ATTRIBUTE, dynamic={"big": "${fileSize:gt(10)}"})
    flow.processor("tag", nc.UPDATE_ATTRIBUTE, dynamic={"routing.key": "big"})
    flow.funnel("merge")
    flow.processor("publish", nc.PUBLISH_AMQP, {"Routing Key": "${routing.key}"})
    flow.connect("gen", "route", "success")
    flow.connect("route", "tag", "big")
    flow.connect("tag", "merge", "success")
    flow.connect("route", "merge", "unmatched")  # this path sets nothing
    flow.connect("merge", "publish")
    _sink(flow, "publish", "success", "failure")
    assert [p for p in flow.problems() if "routing.key" in p] == [
        _unset('$.flowContents.processors[3](publish).properties["Routing Key"]', "routing.key")]


def test_a_guard_proves_an_attribute_on_its_relationship_only():
    flow = Flow()
    flow.processor("gen", nc.GENERATE_FLOW_FILE)
    flow.processor("guard", nc.ROUTE_ON_ATTRIBUTE, {"Routing Strategy": "Route to Property name"},
                   dynamic={"success": "${'X-Tenant':isEmpty():not()}"})
    flow.processor("send", nc.INVOKE_HTTP, dynamic={"X-Tenant": "${'X-Tenant'}"},
                   auto=("Original", "Response"))
    flow.processor("log", nc.UPDATE_ATTRIBUTE, dynamic={"tenant": "${'X-Tenant'}"})
    flow.connect("gen", "guard", "success")
    flow.connect("guard", "send", "success")
    flow.connect("guard", "log", "unmatched")
    _sink(flow, "send", "Failure", "No Retry", "Retry")
    _sink(flow, "log", "success")
    problems = flow.problems()
    assert not any("processors[2](send)" in p for p in problems)
    assert [p.split(": ")[0] for p in problems] == ['$.flowContents.processors[3](log).properties["tenant"]']


def test_optional_reads_core_attributes_and_flowfile_properties_need_no_writer():
    flow = Flow()
    tag = _source(flow, {"ce_id": "${'consume.amqp.ce_id':replaceNull('')}", "name": "${filename}",
                         "kind": "${mime.type}", "size": "${fileSize}"})
    _sink(flow, tag, "success")
    assert flow.problems() == []


def test_an_implicit_read_is_caught():
    """HandleHttpResponse answers the request named by http.context.identifier, which HandleHttpRequest sets."""
    flow = Flow()
    tag = _source(flow)
    flow.processor("reply", nc.HANDLE_HTTP_RESPONSE, {"HTTP Status Code": "200"}, auto=("success",))
    flow.connect(tag, "reply", "success")
    _sink(flow, "reply", "failure")
    assert flow.problems() == [("$.flowContents.processors[2](reply): HandleHttpResponse needs attribute "
                               "'http.context.identifier', which nothing upstream sets on every path")]
    fixed = Flow()
    fixed.processor("receive", nc.HANDLE_HTTP_REQUEST)
    fixed.processor("reply", nc.HANDLE_HTTP_RESPONSE, {"HTTP Status Code": "200"}, auto=("success",))
    fixed.connect("receive", "reply", "success")
    _sink(fixed, "reply", "failure")
    assert fixed.problems() == []


# ---- data flow: content and SQL ----------------------------------------------------------------------

def test_a_lookup_that_replaces_the_payload_is_caught():
    flow = _through("query", nc.EXECUTE_SQL_RECORD, {"SQL Query": "#{lookup.sql}"}, "success", "failure")
    assert flow.problems() == [
        ("$.flowContents.processors[2](query): ExecuteSQLRecord replaces the FlowFile content with its result, so "
        "the payload it is given is lost; enrich with LookupRecord and a lookup service, or fork with ForkEnrichment "
        "and join with JoinEnrichment")]


def test_a_query_on_a_fork_enrichment_branch_keeps_the_payload():
    flow = Flow()
    tag = _source(flow)
    flow.processor("fork", nc.FORK_ENRICHMENT)
    flow.processor("query", nc.EXECUTE_SQL_RECORD, {"SQL Query": "SELECT * FROM t WHERE id = ?"})
    flow.processor("join", nc.JOIN_ENRICHMENT)  # `original` is auto-terminated by default
    flow.connect(tag, "fork", "success")
    flow.connect("fork", "query", "enrichment")
    flow.connect("fork", "join", "original")
    flow.connect("query", "join", "success")
    _sink(flow, "query", "failure")
    _sink(flow, "join", "joined", "timeout", "failure")
    assert flow.problems() == []


def test_a_cache_fetch_replaces_the_payload_unless_it_writes_an_attribute():
    for into_attribute, found in ((False, True), (True, False)):
        properties = {"Cache Entry Identifier": "${cache.key}"}
        if into_attribute:
            properties["Put Cache Value In Attribute"] = "lookup.result"
        flow = _through("fetch", nc.FETCH_DISTRIBUTED_MAP_CACHE, properties, "success", "failure", "not-found",
                        attributes={"cache.key": "k"})
        assert any("replaces the FlowFile content" in p for p in flow.problems()) is found


def test_sql_built_from_attributes_is_caught_in_processors_and_services():
    flow = _through("query", nc.EXECUTE_SQL, {"SQL select query": "SELECT * FROM t WHERE id = '${lookup.key}'"},
                    "success", "failure", attributes={"lookup.key": "k"})
    flow.service("rows", nc.DATABASE_RECORD_LOOKUP_SERVICE, {"Table Name": "${table}", "Lookup Key Column": "id"})
    problems = [p for p in flow.problems() if "builds SQL" in p]
    assert problems == [
        ("$.flowContents.controllerServices[0](rows).properties[\"Table Name\"]: builds SQL from the FlowFile "
        "attribute(s) table: a value pasted into SQL is injection; bind it as a ? parameter (sql.args.N.type and "
        "sql.args.N.value) or look it up through a lookup service"),
        ("$.flowContents.processors[2](query).properties[\"SQL select query\"]: builds SQL from the FlowFile "
        "attribute(s) lookup.key: a value pasted into SQL is injection; bind it as a ? parameter (sql.args.N.type "
        "and sql.args.N.value) or look it up through a lookup service")]


# ---- graph: relationships, input, ports, load balancing ---------------------------------------------

def test_a_relationship_the_configuration_lacks_is_caught():
    """ConsumeKafka has `parse failure` only with a Record Reader (ConsumeKafka.getRelationships)."""
    flow = Flow()
    flow.processor("consume", nc.CONSUME_KAFKA, {"Processing Strategy": "FLOW_FILE"})
    flow.funnel("out")
    flow.funnel("bad")
    flow.connect("consume", "out", "success")
    flow.connect("consume", "bad", "parse failure")
    assert flow.problems() == [("$.flowContents.processors[0](consume): 'parse failure' is not a relationship of "
                               "ConsumeKafka as configured (names are case-sensitive: ['success'])")]


def test_every_relationship_the_configuration_has_must_be_handled():
    flow = _through("lookup", nc.LOOKUP_RECORD, {"routing-strategy": "route-to-matched-unmatched"}, "matched", "success")
    assert flow.problems() == [
        ("$.flowContents.processors[2](lookup): 'success' is not a relationship of LookupRecord as configured (names "
        "are case-sensitive: ['matched', 'unmatched', 'failure'])"),
        ("$.flowContents.processors[2](lookup): relationship 'failure' is neither connected nor auto-terminated "
        "(processor is invalid)"),
        ("$.flowContents.processors[2](lookup): relationship 'unmatched' is neither connected nor auto-terminated "
        "(processor is invalid)")]


def test_route_on_attribute_relationships_are_its_routing_properties():
    flow = Flow()
    flow.connect(_source(flow), flow.processor("route", nc.ROUTE_ON_ATTRIBUTE, dynamic={"big": "${fileSize:gt(10)}"}),
                 "success")
    _sink(flow, "route", "unmatched")
    assert flow.problems() == [("$.flowContents.processors[2](route): relationship 'big' is neither connected nor "
                               "auto-terminated (processor is invalid)")]


def test_a_processor_without_the_input_it_requires_is_caught():
    flow = Flow()
    flow.processor("reply", nc.HANDLE_HTTP_RESPONSE, auto=("success",))
    _sink(flow, "reply", "failure")
    assert "$.flowContents.processors[0](reply): HandleHttpResponse requires an upstream connection but has none " \
           "(processor is invalid)" in flow.problems()


def test_ports_need_a_connection_in_and_out():
    flow = Flow()
    group = flow.child("egress")
    flow.port("in", "INPUT_PORT", group)  # nothing feeds it
    flow.port("failure", "OUTPUT_PORT", group)  # nothing leaves it
    flow.port("top", "OUTPUT_PORT")  # the deployed flow's root: nothing outside connects to it
    tag = _source(flow)
    flow.connect(tag, "failure", "success", group=flow.root)
    flow.connect("failure", "top", group=flow.root)
    flow.processor("send", nc.UPDATE_ATTRIBUTE, group=group, auto=("success",))
    flow.connect("in", "send")
    assert flow.problems() == [
        ("$.flowContents.outputPorts[0](top): port has no outgoing connection (a port of the flow's root group: "
        "nothing outside the flow connects to it once it is deployed); NiFi finds it invalid and never starts it"),
        ("$.flowContents.processGroups[0](egress).inputPorts[0](in): port has no incoming connection; NiFi finds it "
        "invalid and never starts it"),
    ]


def test_a_primary_node_source_needs_a_load_balanced_connection():
    for balanced in (False, True):
        flow = Flow()
        flow.processor("list", nc.LIST_S3, primary=True)
        flow.processor("fetch", nc.FETCH_S3_OBJECT)
        flow.connect("list", "fetch", "success", balanced=balanced)
        _sink(flow, "fetch", "success", "failure")
        assert flow.problems() == ([] if balanced else [
            ("$.flowContents.connections[0].loadBalanceStrategy: follows ListS3 on the primary node without load "
            "balancing, so one node does all the work it starts; set loadBalanceStrategy ROUND_ROBIN")])


def test_a_failure_port_that_leads_to_a_dead_end_funnel_is_valid():
    flow = Flow()
    group = flow.child("ingress")
    flow.processor("fetch", nc.FETCH_S3_OBJECT, group=group, auto=("success",))
    flow.processor("gen", nc.GENERATE_FLOW_FILE, group=group)
    flow.connect("gen", "fetch", "success")
    flow.port("failure", "OUTPUT_PORT", group)
    flow.connect("fetch", "failure", "failure")
    flow.funnel("parked")
    flow.connect("failure", "parked", group=flow.root)
    assert flow.problems() == []


# ---- the flows written before issue 11 -----------------------------------------------------------------

def test_a_checked_graph_is_freed_without_the_cycle_collector():
    """The plugin builds and checks a graph of every flow it writes: a graph that were a reference cycle would
    keep its whole flow until the cycle collector ran (and make it run more often)."""
    flow = Flow()
    group = flow.child("egress")
    flow.port("in", "INPUT_PORT", group)
    tag = _source(flow)
    flow.connect(tag, "in", "success", group=flow.root)
    flow.processor("send", nc.UPDATE_ATTRIBUTE, group=group, auto=("success",))
    flow.connect("in", "send")
    behaviour_problems({"flowContents": flow.root})  # first use: regular expressions compiled, caches filled
    gc.collect()
    gc.disable()
    try:
        graph = Graph.of(flow.root)
        behaviour_problems({"flowContents": flow.root}, graph)
        assert graph.nodes["send"].incoming and graph.memo  # connected, and the data-flow analysis kept
        del graph
        assert gc.collect() == 0
    finally:
        gc.enable()


def _before(name: str) -> list[str]:
    doc = json.loads((BEFORE / f"{name}.json").read_text(encoding="utf-8"))
    return [f"{p.path}: {p.message}" for p in behaviour_problems(doc)]


@pytest.mark.parametrize("name, where, what", [
    # The root failure port led nowhere: invalid, so the deployed integration never showed all-valid.
    ("order_to_erp", "$.flowContents.outputPorts[0](failure)", "port has no outgoing connection"),
    ("order_to_erp", "(ingress orders_in).processors[0](consume orders-in)",
     "'parse failure' is not a relationship of ConsumeKafka as configured"),
    # A header the human script had to set, read with nothing in the flow making sure it was.
    ("order_to_erp", "(POST erp-orders).properties[\"X-Correlation-Id\"]", "reads attribute 'X-Correlation-Id'"),
    # An ingress group's failure port that nothing fed.
    ("booking_analytics", "(ingress booking_created_in).outputPorts[1](failure)", "port has no incoming connection"),
    # The SQL lookup destroyed the booking it should enrich; the cache lookup's key was never set.
    ("booking_analytics", "(lookup user_profile_lookup).processors[0](look up profiles)",
     "ExecuteSQLRecord replaces the FlowFile content"),
    ("booking_analytics", "(look up vehicle-profiles).properties[\"Cache Entry Identifier\"]",
     "reads attribute 'cache.key'"),
    # Optional message headers read as if always there.
    ("booking_analytics", "(trace context).properties[\"ce_id\"]", "reads attribute 'consume.amqp.ce_id'"),
    # Two lookups in a row: the second wiped the first one's result ("join costs with payments").
    ("financial_reconciliation", "(lookup payments_lookup).processors[0](look up payments)",
     "ExecuteSQLRecord replaces the FlowFile content"),
    ("financial_reconciliation", "(ingress nightly).connections[0].loadBalanceStrategy",
     "follows GenerateFlowFile on the primary node without load balancing"),
])
def test_the_checks_catch_what_the_flows_before_issue_11_got_wrong(name, where, what):
    assert any(where in problem and what in problem for problem in _before(name)), "\n".join(_before(name))
