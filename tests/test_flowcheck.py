"""Tests for protoc_gen_nifi.flowcheck: real NiFi exports and hand-made broken documents."""
from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("nipyapi")

from protoc_gen_nifi import flowcheck
from protoc_gen_nifi.flowcheck import Problem, check_document, check_file, main

EXPORTS = Path(__file__).parent / "fixtures" / "nifi-exports"
P = "apache_nifi__"
RULES = P + "nifi-extension-bundles~nifi-standard-bundle~nifi-standard-rules~src~test~resources~"
FW = P + "nifi-framework-bundle~nifi-framework~"
SYS = P + "nifi-system-tests~nifi-system-test-suite~src~test~resources~versioned-flows~test-flows~"
VARS = "unknown key 'variables' for VersionedProcessGroup (NiFi silently ignores it)"

# NiFi 2.x exports: no problem at all in non-generated mode.
CLEAN_2X = [
    P + "nifi-connector-mock-bundle~nifi-connector-mock-test-bundle~nifi-connector-mock-test-connectors~src~main~resources~flows~Cron_Schedule_Connector.json",
    P + "nifi-connector-mock-bundle~nifi-connector-mock-test-bundle~nifi-connector-mock-test-connectors~src~main~resources~flows~Generate_and_Update.json",
    P + "nifi-connectors~nifi-kafka-to-s3-bundle~nifi-kafka-to-s3-connector~src~main~resources~flows~Kafka_to_S3.json",
    # flow-analysis-rule fixtures: the *_Violation ones break analysis policies (load balancing,
    # backpressure limits, expiration limits, SSL service), which are not import rules
    RULES + "RequireLoadBalancedConnectionAfterSourceProcessor~RequireLoadBalancedConnectionAfterNonPrimarySourceProcessor_No_Violation.json",
    RULES + "RequireLoadBalancedConnectionAfterSourceProcessor~RequireLoadBalancedConnectionAfterSourceProcessor_No_Violation.json",
    RULES + "RequireLoadBalancedConnectionAfterSourceProcessor~RequireLoadBalancedConnectionAfterSourceProcessor_Violation.json",
    RULES + "RequireServerSSLContextService~RequireServerSSLContextService.json",
    RULES + "RequireServerSSLContextService~RequireServerSSLContextService_noViolation.json",
    RULES + "RestrictBackpressureSettings~RestrictBackpressureSettings.json",
    RULES + "RestrictBackpressureSettings~RestrictBackpressureSettings_noViolation.json",
    RULES + "RestrictFlowFileExpiration~RestrictFlowFileExpiration.json",
    RULES + "RestrictFlowFileExpiration~RestrictFlowFileExpiration_noViolation.json",
    FW + "nifi-framework-components~src~test~resources~snapshots~migrated-property~web-client-service-provider.json",
    FW + "nifi-framework-components~src~test~resources~snapshots~standard-external-service-reference~convert-record-external-schema-registry.json",
    FW + "nifi-framework-components~src~test~resources~snapshots~versioned-child-services-from-parent~child.json",
    # 2.0.0-SNAPSHOT: versionedFlowCoordinates.version is a JSON number for a String field, which
    # Jackson coerces, so it passes in non-generated mode (tested to fail in generated mode below)
    FW + "nifi-framework-components~src~test~resources~snapshots~versioned-child-services-from-parent~parent.json",
    FW + "nifi-framework-core~src~test~resources~flows~choose-color.json",
    # its "Number of Copies" descriptor carries a stale name; NiFi ignores descriptor names, so only
    # generated mode checks them
    FW + "nifi-framework-core~src~test~resources~flows~generate-duplicate-log-flow.json",
    FW + "nifi-framework-core~src~test~resources~flows~on-property-modified-tracker.json",
    # a 1.13.0-SNAPSHOT stateless system-test flow that happens to use no 1.x-only key
    P + "nifi-system-tests~nifi-stateless-system-test-suite~src~test~resources~flows~GenerateFlowFile.json",
]

PG_CHILD = "$.flowContents.processGroups[0](child)"

# Files that must yield exactly these problems.
EXPECTED = {
    # THE deliberately broken fixture: version 2 removed both processors but kept the connections.
    # (Plus the 1.x `variables` key it still carries.)
    SYS + "flow-with-invalid-connection~2~snapshot.json": [
        Problem("$.flowContents.connections[0].source",
                "6d9c5768-a1ac-313d-b073-2eefa2712ba9 is neither a component of this group nor a port of a direct child group"),
        Problem(f"{PG_CHILD}.connections[0].destination",
                "941ef216-74ef-3225-bf73-a9e8b167c0a8 is neither a component of this group nor a port of a direct child group"),
        Problem(f"{PG_CHILD}.variables", VARS),
        Problem("$.flowContents.variables", VARS),
    ],
    # Exempt from the zero-problem rule: NiFi 1.x exports, whose `variables` (Variable Registry) and
    # RPG `targetUri` keys are gone from NiFi 2.x's model: a 2.x import drops them.
    SYS + "flow-with-invalid-connection~1~snapshot.json": [
        Problem(f"{PG_CHILD}.variables", VARS), Problem("$.flowContents.variables", VARS)],
    SYS + "port-moved-groups~1~snapshot.json": [
        Problem(f"{PG_CHILD}.variables", VARS), Problem("$.flowContents.variables", VARS)],
    SYS + "port-moved-groups~2~snapshot.json": [
        Problem(f"{PG_CHILD}.variables", VARS), Problem("$.flowContents.variables", VARS)],
    P + "nifi-docs~src~main~asciidoc~misc~WebCrawler.json": [Problem("$.flowContents.variables", VARS)],
    P + "nifi-registry~nifi-registry-core~nifi-registry-web-api~src~test~resources~test-versioned-flow-snapshot.json": [
        Problem("$.flowContents.variables", VARS)],
    P + "nifi-stateless~nifi-stateless-bundle~nifi-stateless-engine~src~test~resources~flow-snapshot.json": [
        Problem("$.flowContents.remoteProcessGroups[0](NiFi Flow).targetUri",
                "unknown key 'targetUri' for VersionedRemoteProcessGroup (NiFi silently ignores it)"),
        Problem("$.flowContents.variables", VARS),
    ],
    # 1.18: #{NIFI_PROJECT_HOME} is referenced from a group that binds no parameter context (the NiFi
    # test substitutes it before use); imported as is, the reference would not resolve.
    P + "nifi-extension-bundles~nifi-asn1-bundle~nifi-asn1-services~src~test~resources~ASN1.json": [
        Problem('$.flowContents.controllerServices[1](JASN1Reader).properties["asn-files"]',
                "references #{NIFI_PROJECT_HOME} but its process group binds no parameter context "
                "(contexts are not inherited from parent groups)"),
        Problem('$.flowContents.processors[4](GenerateFlowFile).properties["absolute.path"]',
                "references #{NIFI_PROJECT_HOME} but its process group binds no parameter context "
                "(contexts are not inherited from parent groups)"),
        Problem('$.flowContents.processors[5](GenerateFlowFile).properties["absolute.path"]',
                "references #{NIFI_PROJECT_HOME} but its process group binds no parameter context "
                "(contexts are not inherited from parent groups)"),
        Problem("$.flowContents.variables", VARS),
    ],
    # Exempt 2.x file: a hand-edited connector test fixture whose propertyDescriptors mark "Text" of the
    # system-test processor CreateDummyFlowFile sensitive although that processor's TEXT descriptor is
    # not (nifi-connector-mock... CreateDummyFlowFile.java), while the parameter "Text" is not
    # sensitive. NiFi uses the component's own descriptor for non-dynamic properties, so it imports;
    # the document itself is inconsistent, and for our generated output the descriptor is the claim.
    FW + "nifi-framework-core~src~test~resources~flows~generate-and-log-with-parameter.json": [
        Problem('$.flowContents.processors[0](CreateDummyFlowFile).properties["Text"]',
                "sensitive property references non-sensitive parameter 'Text' (NiFi rejects it)"),
    ],
}


def test_every_fixture_is_classified():
    on_disk = sorted(p.name for p in EXPORTS.glob("*.json"))
    assert sorted(CLEAN_2X + list(EXPECTED)) == on_disk
    assert not set(CLEAN_2X) & set(EXPECTED)
    sources = (EXPORTS / "SOURCES.md").read_text(encoding="utf-8")
    for name in on_disk:
        assert f"`{name}`" in sources


@pytest.mark.parametrize("name", CLEAN_2X)
def test_clean_real_exports_pass(name):
    assert check_file(EXPORTS / name) == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_exports_with_known_problems(name):
    assert check_file(EXPORTS / name) == sorted(EXPECTED[name])


def test_number_for_string_is_rejected_in_generated_mode():
    doc = json.loads((EXPORTS / CLEAN_2X[15]).read_text(encoding="utf-8"))
    assert "parent.json" in CLEAN_2X[15]
    problems = check_document(doc, generated=True)
    assert Problem("$.flowContents.processGroups[0](Child).versionedFlowCoordinates.version",
                   "expected a string, got number") in problems


# --------------------------------------------------------------------------------------------------
# a minimal valid generated-style flow, then one defect at a time

ROOT, INGRESS, CS, CONSUME, OUT, FAIL, PARK, FUNNEL, READER = (
    "root-pg", "ingress-pg", "kafka-cs", "consume", "out-port", "fail-port", "park", "funnel", "reader-cs")


def _conn(ident, group, src, dst, rels):
    return {
        "identifier": ident, "name": "", "componentType": "CONNECTION", "groupIdentifier": group,
        "source": src, "destination": dst, "selectedRelationships": rels,
        "backPressureObjectThreshold": 10000, "backPressureDataSizeThreshold": "1 GB",
        "flowFileExpiration": "0 sec", "loadBalanceStrategy": "DO_NOT_LOAD_BALANCE",
        "loadBalanceCompression": "DO_NOT_COMPRESS", "prioritizers": [], "bends": [],
        "labelIndex": 0, "zIndex": 0,
    }


def _port(ident, name, kind, group):
    return {"identifier": ident, "name": name, "type": kind, "componentType": kind,
            "groupIdentifier": group, "position": {"x": 0.0, "y": 0.0}, "allowRemoteAccess": False,
            "portFunction": "STANDARD", "scheduledState": "ENABLED", "concurrentlySchedulableTaskCount": 1}


def _desc(name, sensitive=False, cs=False):
    return {"name": name, "displayName": name, "identifiesControllerService": cs,
            "sensitive": sensitive, "dynamic": False}


def _pg(ident, name, group=None):
    pg = {
        "identifier": ident, "name": name, "comments": "", "componentType": "PROCESS_GROUP",
        "position": {"x": 0.0, "y": 0.0}, "parameterContextName": "orders",
        "processGroups": [], "remoteProcessGroups": [], "processors": [], "inputPorts": [],
        "outputPorts": [], "connections": [], "labels": [], "funnels": [], "controllerServices": [],
        "defaultFlowFileExpiration": "0 sec", "defaultBackPressureObjectThreshold": 10000,
        "defaultBackPressureDataSizeThreshold": "1 GB", "scheduledState": "ENABLED",
        "executionEngine": "INHERITED", "maxConcurrentTasks": 1, "statelessFlowTimeout": "1 min",
        "flowFileConcurrency": "UNBOUNDED", "flowFileOutboundPolicy": "STREAM_WHEN_AVAILABLE",
    }
    if group:
        pg["groupIdentifier"] = group
    return pg


def make_doc():
    bundle = {"group": "org.apache.nifi", "artifact": "nifi-kafka-nar", "version": "2.11.0"}
    consume = {
        "identifier": CONSUME, "name": "ConsumeKafka", "componentType": "PROCESSOR",
        "groupIdentifier": INGRESS, "position": {"x": 0.0, "y": 0.0},
        "type": "org.apache.nifi.kafka.processors.ConsumeKafka", "bundle": bundle,
        # With a Record Reader (the cluster's, an external service), ConsumeKafka has `parse failure` too.
        "properties": {"Kafka Connection Service": CS, "Group ID": "#{kafka.group.id}", "Topics": "orders",
                       "Record Reader": READER},
        "propertyDescriptors": {"Kafka Connection Service": _desc("Kafka Connection Service", cs=True),
                                "Group ID": _desc("Group ID"), "Topics": _desc("Topics"),
                                "Record Reader": _desc("Record Reader", cs=True)},
        "schedulingPeriod": "0 sec", "schedulingStrategy": "TIMER_DRIVEN", "executionNode": "ALL",
        "autoTerminatedRelationships": [], "scheduledState": "ENABLED", "backoffMechanism": "PENALIZE_FLOWFILE",
        "retriedRelationships": [], "retryCount": 10, "bulletinLevel": "WARN",
    }
    service = {
        "identifier": CS, "name": "Kafka connection", "componentType": "CONTROLLER_SERVICE",
        "groupIdentifier": ROOT, "type": "org.apache.nifi.kafka.service.Kafka3ConnectionService",
        "bundle": {"group": "org.apache.nifi", "artifact": "nifi-kafka-3-service-nar", "version": "2.11.0"},
        "controllerServiceApis": [{"type": "org.apache.nifi.kafka.service.api.KafkaConnectionService",
                                   "bundle": {"group": "org.apache.nifi", "artifact": "nifi-kafka-service-api-nar",
                                              "version": "2.11.0"}}],
        "properties": {"bootstrap.servers": "#{kafka.bootstrap.servers}", "sasl.password": "#{kafka.sasl.password}"},
        "propertyDescriptors": {"bootstrap.servers": _desc("bootstrap.servers"),
                                "sasl.password": _desc("sasl.password", sensitive=True)},
        "scheduledState": "DISABLED", "bulletinLevel": "WARN",
    }
    ingress = _pg(INGRESS, "ingress orders_in", ROOT)
    ingress["processors"] = [consume]
    ingress["outputPorts"] = [_port(OUT, "out", "OUTPUT_PORT", INGRESS), _port(FAIL, "failure", "OUTPUT_PORT", INGRESS)]
    proc_end = {"id": CONSUME, "type": "PROCESSOR", "groupId": INGRESS, "name": "ConsumeKafka"}
    ingress["connections"] = [
        _conn("c-success", INGRESS, proc_end, {"id": OUT, "type": "OUTPUT_PORT", "groupId": INGRESS, "name": "out"},
              ["success"]),
        _conn("c-parse-failure", INGRESS, proc_end,
              {"id": FAIL, "type": "OUTPUT_PORT", "groupId": INGRESS, "name": "failure"}, ["parse failure"]),
    ]
    root = _pg(ROOT, "orders")
    root["controllerServices"] = [service]
    root["processGroups"] = [ingress]
    # Dead ends are funnels: NiFi never schedules a funnel with no way out and never finds one invalid.
    root["funnels"] = [{"identifier": ident, "componentType": "FUNNEL", "groupIdentifier": ROOT,
                        "position": {"x": 0.0, "y": 0.0}} for ident in (FUNNEL, PARK)]
    root["connections"] = [
        _conn("c-out", ROOT, {"id": OUT, "type": "OUTPUT_PORT", "groupId": INGRESS, "name": "out"},
              {"id": FUNNEL, "type": "FUNNEL", "groupId": ROOT}, [""]),
        _conn("c-fail", ROOT, {"id": FAIL, "type": "OUTPUT_PORT", "groupId": INGRESS, "name": "failure"},
              {"id": PARK, "type": "FUNNEL", "groupId": ROOT}, [""]),
    ]
    params = [
        {"name": "kafka.bootstrap.servers", "description": "", "sensitive": False, "provided": False},
        {"name": "kafka.group.id", "description": "", "sensitive": False, "provided": False},
        {"name": "kafka.sasl.password", "description": "", "sensitive": True, "provided": False},
    ]
    return {
        "flowContents": root,
        "externalControllerServices": {READER: {"identifier": READER, "name": "JSON reader"}},
        "parameterContexts": {"orders": {"name": "orders", "parameters": params, "inheritedParameterContexts": [],
                                         "description": "", "componentType": "PARAMETER_CONTEXT"}},
        "parameterProviders": {},
        "flowEncodingVersion": "1.0",
        "latest": False,
        "snapshotMetadata": {"version": -1, "comments": "protoc-gen-nifi orders"},
    }


INGRESS_P = "$.flowContents.processGroups[0](ingress orders_in)"
CONSUME_P = f"{INGRESS_P}.processors[0](ConsumeKafka)"
CS_P = "$.flowContents.controllerServices[0](Kafka connection)"


@pytest.mark.parametrize("generated", [False, True])
@pytest.mark.parametrize("as_definition", [False, True])
def test_minimal_document_is_clean(generated, as_definition):
    doc = make_doc()
    if as_definition:
        del doc["snapshotMetadata"]
    assert check_document(doc, generated=generated) == []


def _root(doc):
    return doc["flowContents"]


def _ingress(doc):
    return doc["flowContents"]["processGroups"][0]


def _consume(doc):
    return _ingress(doc)["processors"][0]


def _m_unknown_key(doc):
    _consume(doc)["schedulingPeriodd"] = "1 sec"


def _m_misspelt_concurrency(doc):
    _ingress(doc)["flowfileConcurrency"] = _ingress(doc).pop("flowFileConcurrency")


def _m_dangling(doc):
    _root(doc)["connections"][1]["destination"]["id"] = "nowhere"


def _m_wrong_group(doc):
    _consume(doc)["groupIdentifier"] = ROOT


def _m_wrong_group_of_group(doc):
    _ingress(doc)["groupIdentifier"] = INGRESS


def _m_sensitive_literal(doc):
    _root(doc)["controllerServices"][0]["properties"]["sasl.password"] = "hunter2"


def _m_undefined_param(doc):
    _consume(doc)["properties"]["Topics"] = "#{kafka.topic}"


def _m_no_backpressure(doc):
    del _ingress(doc)["connections"][0]["backPressureObjectThreshold"]


def _drop_failure_port(doc):
    """Without a failure path the ingress group's failure port would lead nothing anywhere: remove it too."""
    _ingress(doc)["connections"].pop(1)
    _ingress(doc)["outputPorts"].pop(1)
    _root(doc)["connections"].pop(1)


def _m_autoterminated_failure(doc):
    _drop_failure_port(doc)
    _consume(doc)["autoTerminatedRelationships"] = ["parse failure"]


def _m_wrong_type(doc):
    _ingress(doc)["defaultBackPressureObjectThreshold"] = "10000"


def _m_setter_enum(doc):
    _consume(doc)["scheduledState"] = "STOPPED"


def _m_extra_enum(doc):
    _consume(doc)["schedulingStrategy"] = "EVENT_DRIVEN"


def _m_duplicate_id(doc):
    _ingress(doc)["connections"][1]["identifier"] = "c-success"


def _m_component_type(doc):
    _root(doc)["funnels"][0]["componentType"] = "LABEL"


def _m_source_is_child_input(doc):
    port = _ingress(doc)["outputPorts"][0]
    port["type"] = port["componentType"] = "INPUT_PORT"
    _ingress(doc)["inputPorts"].append(_ingress(doc)["outputPorts"].pop(0))
    _ingress(doc)["connections"].pop(0)
    _consume(doc)["autoTerminatedRelationships"] = ["success"]


def _m_endpoint_group(doc):
    _root(doc)["connections"][0]["source"]["groupId"] = ROOT


def _m_no_relationship(doc):
    _ingress(doc)["connections"][0]["selectedRelationships"] = []
    _consume(doc)["autoTerminatedRelationships"] = ["success"]


def _m_bundle(doc):
    del _consume(doc)["bundle"]["version"]


def _m_short_type(doc):
    _consume(doc)["type"] = "ConsumeKafka"


def _m_service_scope(doc):
    # move the service into a sibling group's scope: the ingress group cannot see it any more
    sib = _pg("sibling", "sibling", ROOT)
    cs = _root(doc)["controllerServices"].pop(0)
    cs["groupIdentifier"] = "sibling"
    sib["controllerServices"] = [cs]
    _root(doc)["processGroups"].append(sib)


def _m_child_unbound(doc):
    del _ingress(doc)["parameterContextName"]


def _m_context_key(doc):
    doc["parameterContexts"]["orders"]["name"] = "Orders"


def _m_param_name(doc):
    doc["parameterContexts"]["orders"]["parameters"][1]["name"] = "kafka/group"
    _consume(doc)["properties"]["Group ID"] = "g"


def _m_sensitive_two_refs(doc):
    _root(doc)["controllerServices"][0]["properties"]["sasl.password"] = "#{kafka.sasl.password}x"


def _m_sensitive_to_plain_param(doc):
    _root(doc)["controllerServices"][0]["properties"]["sasl.password"] = "#{kafka.bootstrap.servers}"


def _m_sensitive_param_value(doc):
    doc["parameterContexts"]["orders"]["parameters"][2]["value"] = "hunter2"


def _m_instance_id(doc):
    _root(doc)["connections"][0]["source"]["instanceIdentifier"] = "5bd1a091-0186-1000-d9a9-5003d6a3ad8d"


def _m_zero_backpressure(doc):
    _ingress(doc)["connections"][0]["backPressureDataSizeThreshold"] = "0 GB"


def _m_unconnected_relationship(doc):
    _drop_failure_port(doc)


def _m_wrong_case_relationship(doc):
    _ingress(doc)["connections"][0]["selectedRelationships"] = ["Success"]
    _consume(doc)["autoTerminatedRelationships"] = ["success"]


def _m_missing_descriptor(doc):
    del _consume(doc)["propertyDescriptors"]["Topics"]


def _m_inherited_context(doc):
    # parameters of an inherited context resolve; an unknown inherited context does not
    doc["parameterContexts"]["kafka"] = {"name": "kafka", "parameters": [
        {"name": "kafka.topic", "description": "", "sensitive": False, "provided": False}]}
    doc["parameterContexts"]["orders"]["inheritedParameterContexts"] = ["kafka", "ghost"]
    _consume(doc)["properties"]["Topics"] = "#{kafka.topic}"


def _m_unbound_context_name(doc):
    _ingress(doc)["parameterContextName"] = "missing"


def _m_envelope(doc):
    del doc["parameterProviders"]


CASES = {
    # name: (mutation, generated, expected problem)
    "unknown key": (_m_unknown_key, False, Problem(
        f"{CONSUME_P}.schedulingPeriodd",
        "unknown key 'schedulingPeriodd' for VersionedProcessor (NiFi silently ignores it)")),
    "misspelt flowfileConcurrency": (_m_misspelt_concurrency, False, Problem(
        f"{INGRESS_P}.flowfileConcurrency",
        "unknown key 'flowfileConcurrency' for VersionedProcessGroup (NiFi silently ignores it)")),
    "dangling connection": (_m_dangling, False, Problem(
        "$.flowContents.connections[1].destination",
        "nowhere is neither a component of this group nor a port of a direct child group")),
    "wrong groupIdentifier": (_m_wrong_group, False, Problem(
        CONSUME_P, f"groupIdentifier {ROOT} is not the containing group {INGRESS}")),
    "wrong groupIdentifier of a child group": (_m_wrong_group_of_group, False, Problem(
        INGRESS_P, f"groupIdentifier {INGRESS} is not the containing group {ROOT}")),
    "sensitive literal": (_m_sensitive_literal, True, Problem(
        f'{CS_P}.properties["sasl.password"]', "sensitive property carries a literal value")),
    "undefined parameter": (_m_undefined_param, False, Problem(
        f'{CONSUME_P}.properties["Topics"]', "references undefined parameter #{kafka.topic} (context 'orders')")),
    "missing backpressure": (_m_no_backpressure, True, Problem(
        f"{INGRESS_P}.connections[0]", "missing explicit backPressureObjectThreshold")),
    "auto-terminated failure": (_m_autoterminated_failure, True, Problem(
        f"{CONSUME_P}.autoTerminatedRelationships",
        "failure relationship 'parse failure' is auto-terminated; route it somewhere visible")),
    "wrong JSON type": (_m_wrong_type, False, Problem(
        f"{INGRESS_P}.defaultBackPressureObjectThreshold", "expected an integer, got string")),
    "enum rejected by nipyapi setter": (_m_setter_enum, False, Problem(
        f"{CONSUME_P}.scheduledState",
        "Invalid value for 'scheduled_state' (STOPPED), must be one of ['ENABLED', 'DISABLED', 'RUNNING']")),
    "2.x enum": (_m_extra_enum, False, Problem(
        f"{CONSUME_P}.schedulingStrategy", "'EVENT_DRIVEN' is not one of NiFi 2.x's values "
                                           "['TIMER_DRIVEN', 'CRON_DRIVEN']")),
    "duplicate identifier": (_m_duplicate_id, False, Problem(
        f"{INGRESS_P}.connections[1]", f"duplicate identifier c-success (also used at {INGRESS_P}.connections[0])")),
    "componentType": (_m_component_type, False, Problem(
        "$.flowContents.funnels[0].componentType", "LABEL in a list of FUNNEL")),
    "child input port as source": (_m_source_is_child_input, False, Problem(
        "$.flowContents.connections[0].source",
        f"{OUT} is a child group's INPUT_PORT; a connection source in a child group must be its OUTPUT_PORT")),
    "endpoint groupId": (_m_endpoint_group, False, Problem(
        "$.flowContents.connections[0].source", f"groupId {ROOT} is not {INGRESS}, the child group containing {OUT}")),
    "no relationship": (_m_no_relationship, False, Problem(
        f"{INGRESS_P}.connections[0].selectedRelationships",
        "a connection from a processor needs at least one relationship")),
    "incomplete bundle": (_m_bundle, False, Problem(CONSUME_P, "bundle needs group, artifact and version")),
    "unqualified type": (_m_short_type, False, Problem(
        f"{CONSUME_P}.type", "'ConsumeKafka' is not a fully-qualified class name")),
    "service out of scope": (_m_service_scope, False, Problem(
        f'{CONSUME_P}.properties["Kafka Connection Service"]',
        f"controller service {CS} is neither in this group or an ancestor nor in externalControllerServices")),
    "no context inheritance from parent": (_m_child_unbound, False, Problem(
        f'{CONSUME_P}.properties["Group ID"]', "references #{kafka.group.id} but its process group binds no "
                                               "parameter context (contexts are not inherited from parent groups)")),
    "context key != name": (_m_context_key, False, Problem(
        '$.parameterContexts["orders"]',
        "map key 'orders' differs from the context's name 'Orders' (NiFi looks contexts up by name)")),
    "parameter name": (_m_param_name, False, Problem(
        '$.parameterContexts["orders"].parameters[1](kafka/group)',
        "parameter name 'kafka/group' does not match [A-Za-z0-9 ._-]+")),
    "sensitive with extra text": (_m_sensitive_two_refs, False, Problem(
        f'{CS_P}.properties["sasl.password"]', "sensitive property must be exactly one #{parameter} reference")),
    "sensitive to non-sensitive parameter": (_m_sensitive_to_plain_param, False, Problem(
        f'{CS_P}.properties["sasl.password"]',
        "sensitive property references non-sensitive parameter 'kafka.bootstrap.servers' (NiFi rejects it)")),
    "sensitive parameter value": (_m_sensitive_param_value, True, Problem(
        '$.parameterContexts["orders"].parameters[2](kafka.sasl.password)',
        "sensitive parameter carries a value (secrets are set after import)")),
    "instanceIdentifier": (_m_instance_id, True, Problem(
        "$.flowContents.connections[0].source",
        "instanceIdentifier must be omitted (NiFi mints instance ids on import)")),
    "zero data-size backpressure": (_m_zero_backpressure, True, Problem(
        f"{INGRESS_P}.connections[0].backPressureDataSizeThreshold", "'0 GB' disables data-size backpressure")),
    "unconnected relationship": (_m_unconnected_relationship, True, Problem(
        CONSUME_P, "relationship 'parse failure' is neither connected nor auto-terminated (processor is invalid)")),
    "relationship case": (_m_wrong_case_relationship, True, Problem(
        CONSUME_P, "'Success' is not a relationship of ConsumeKafka as configured (names are case-sensitive: "
                   "['success', 'parse failure'])")),
    "missing descriptor": (_m_missing_descriptor, True, Problem(
        f'{CONSUME_P}.properties["Topics"]', "property set without a propertyDescriptors entry")),
    "inherited context": (_m_inherited_context, False, Problem(
        '$.parameterContexts["orders"].inheritedParameterContexts',
        "inherits context 'ghost' that is not in parameterContexts")),
    "unknown bound context": (_m_unbound_context_name, False, Problem(
        f"{INGRESS_P}.parameterContextName",
        "context 'missing' is not in parameterContexts (NiFi leaves the group unbound)")),
    "envelope": (_m_envelope, True, Problem("$", "missing envelope key 'parameterProviders'")),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_single_defect(name):
    mutate, generated, expected = CASES[name]
    doc = make_doc()
    mutate(doc)
    assert check_document(doc, generated=generated) == [expected]
    if generated:  # rules of generated mode only: a plain NiFi import accepts these
        assert expected not in check_document(doc)


def test_input_is_not_modified_and_results_are_deterministic():
    doc = make_doc()
    _m_dangling(doc)
    _m_unknown_key(doc)
    before = copy.deepcopy(doc)
    first = check_document(doc, generated=True)
    assert doc == before
    assert first == sorted(first) == check_document(copy.deepcopy(doc), generated=True)
    # the dangling connection also leaves the ingress group's failure port with no way out
    assert len(first) == 3


def test_kind_detection_and_envelope_models():
    doc = make_doc()
    doc["snapshotMetadata"]["version"] = "1"  # Registry: int
    assert check_document(doc) == [Problem("$.snapshotMetadata.version", "expected an integer, got string")]
    # NiFi's RegisteredFlowSnapshotMetadata.version is a string in 2.x
    assert check_document(doc, kind="definition") == []
    with pytest.raises(ValueError):
        check_document(doc, kind="flow")


def test_not_an_object():
    assert check_document([], kind="definition") == [
        Problem("$", "expected a JSON object (RegisteredFlowSnapshot), got list")]


def test_parameter_reference_parsing():
    refs = flowcheck.parameter_references
    assert refs("#{a}") == ["a"]
    assert refs("${#{S3 Prefix}:append('/')}${filename}") == ["S3 Prefix"]
    assert refs("#{'quoted name'}") == ["quoted name"]
    assert refs("##{escaped}") == []
    assert refs("###{real}") == ["real"]
    assert refs("#{unterminated") == []
    assert refs("#{a}#{b}") == ["a", "b"]


def test_escaped_reference_needs_no_context():
    doc = make_doc()
    _consume(doc)["properties"]["Topics"] = "##{not.a.param}"
    assert check_document(doc) == []


def test_schedule_parameter_references_resolve():
    doc = make_doc()
    _consume(doc)["schedulingPeriod"] = "#{kafka.poll}"
    assert check_document(doc) == [Problem(f"{CONSUME_P}.schedulingPeriod",
                                           "references undefined parameter #{kafka.poll} (context 'orders')")]


def test_external_controller_service_resolves():
    doc = make_doc()
    doc["flowContents"]["controllerServices"].clear()
    assert check_document(doc) == [Problem(
        f'{CONSUME_P}.properties["Kafka Connection Service"]',
        f"controller service {CS} is neither in this group or an ancestor nor in externalControllerServices")]
    doc["externalControllerServices"][CS] = {"identifier": CS, "name": "Kafka connection"}
    assert check_document(doc) == []


def test_python_processor_type_is_bare():
    doc = make_doc()
    _consume(doc)["type"] = "ChunkDocument"
    _consume(doc)["bundle"] = {"group": "org.apache.nifi", "artifact": "python-extensions", "version": "2.11.0"}
    assert check_document(doc) == []


def test_catalog_flags_display_names():
    catalog = [{"type": "org.apache.nifi.kafka.processors.ConsumeKafka", "properties": [
        {"name": "auto.offset.reset", "displayName": "Auto Offset Reset", "sensitive": False},
        {"name": "Group ID", "displayName": None, "sensitive": False}]}]
    doc = make_doc()
    _consume(doc)["properties"]["Auto Offset Reset"] = "earliest"
    _consume(doc)["propertyDescriptors"]["Auto Offset Reset"] = _desc("Auto Offset Reset")
    assert check_document(doc) == []
    assert check_document(doc, catalog=catalog) == [Problem(
        f'{CONSUME_P}.properties["Auto Offset Reset"]',
        "display name used as property key; NiFi's key is 'auto.offset.reset'")]


def test_catalog_supplies_sensitivity():
    catalog = {"org.apache.nifi.kafka.service.Kafka3ConnectionService": {
        "sasl.password": {"displayName": "SASL Password", "sensitive": True}}}
    doc = make_doc()
    service = doc["flowContents"]["controllerServices"][0]
    del service["propertyDescriptors"]["sasl.password"]
    service["properties"]["sasl.password"] = "#{kafka.bootstrap.servers}"
    assert check_document(doc) == []
    assert check_document(doc, catalog=catalog) == [Problem(
        f'{CS_P}.properties["sasl.password"]',
        "sensitive property references non-sensitive parameter 'kafka.bootstrap.servers' (NiFi rejects it)")]


# --------------------------------------------------------------------------------------------------
# files and the command line

def test_json_syntax_error_has_file_line_col(tmp_path):
    bad = tmp_path / "flow.json"
    bad.write_text('{\n  "flowContents": {,\n}\n', encoding="utf-8")
    assert check_file(bad) == [Problem(f"{bad}:2:20", "invalid JSON: Expecting property name enclosed in double quotes")]


def test_duplicate_json_keys_are_flagged(tmp_path):
    f = tmp_path / "flow.json"
    text = json.dumps(make_doc(), indent=1).replace('"latest": false', '"latest": false, "latest": true')
    f.write_text(text, encoding="utf-8")
    assert check_file(f) == [Problem("$", "key 'latest' appears more than once (only the last one counts)")]


def test_missing_file(tmp_path):
    [problem] = check_file(tmp_path / "nope.json")
    assert problem.path == str(tmp_path / "nope.json") and problem.message.startswith("cannot read:")


def test_main_output_and_exit_code(tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(make_doc()), encoding="utf-8")
    broken = make_doc()
    _m_no_backpressure(broken)
    _m_unknown_key(broken)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken), encoding="utf-8")
    syntax = tmp_path / "syntax.json"
    syntax.write_text("{", encoding="utf-8")

    assert main(["check", str(good)]) == 0
    assert capsys.readouterr().out == "1 file, 0 problems\n"

    assert main(["check", "--generated", str(good), str(bad), str(syntax)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{bad}: {INGRESS_P}.connections[0]: missing explicit backPressureObjectThreshold",
        (f"{bad}: {CONSUME_P}.schedulingPeriodd: unknown key 'schedulingPeriodd' for VersionedProcessor "
         "(NiFi silently ignores it)"),
        f"{syntax}:1:2: invalid JSON: Expecting property name enclosed in double quotes",
        "3 files, 3 problems",
    ]
    # without --generated the backpressure rule does not apply
    assert main([str(bad)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "1 file, 1 problem"


def test_main_usage_errors(capsys):
    assert main(["check"]) == 2
    assert main(["check", "--bogus", "x.json"]) == 2
    assert "usage" in capsys.readouterr().err


def test_missing_nipyapi_gives_install_hint(monkeypatch):
    for mod in [m for m in sys.modules if m == "nipyapi" or m.startswith("nipyapi.")]:
        monkeypatch.setitem(sys.modules, mod, None)
    monkeypatch.setitem(sys.modules, "nipyapi", None)
    with pytest.raises(RuntimeError, match=r"pip install 'protoc-gen-nifi\[check\]'"):
        check_document(make_doc())


def test_validation_flag_of_nipyapi_is_restored():
    from nipyapi.nifi.configuration import Configuration

    conf = Configuration()
    conf.client_side_validation = False
    try:
        doc = make_doc()
        _m_setter_enum(doc)
        assert len(check_document(doc, kind="definition")) == 1  # validated anyway
        assert conf.client_side_validation is False
    finally:
        conf.client_side_validation = True


# --------------------------------------------------------------------------------------------------
# the packaged catalogs against real exports

KAFKA_TO_S3 = CLEAN_2X[2]


@pytest.mark.parametrize("name", CLEAN_2X)
def test_clean_real_exports_pass_with_the_newest_catalog(name):
    assert check_file(EXPORTS / name, catalog=flowcheck.load_catalog("2.11.0")) == []


def test_newer_keys_are_display_names_in_an_older_catalog():
    # Kafka_to_S3 is a 2.9 export: its AWS credential keys were display names in 2.0.0 (FORMAT.md 4.6),
    # so NiFi 2.0.0 would take them as unknown dynamic properties.
    assert "Kafka_to_S3" in KAFKA_TO_S3
    problems = check_file(EXPORTS / KAFKA_TO_S3, catalog="2.0.0")
    cs = "$.flowContents.controllerServices[4](AWSCredentialsProviderControllerService)"
    assert Problem(f'{cs}.properties["Access Key ID"]',
                   "display name used as property key; NiFi's key is 'Access Key'") in problems
    assert {p.message.split(";")[0] for p in problems} == {"display name used as property key"}


def test_packaged_catalogs_name_their_source():
    data = Path(flowcheck.__file__).resolve().parent.parent / "data" / "nifi"
    for version in ("2.0.0", "2.11.0"):
        raw = json.loads((data / f"{version}.json").read_text(encoding="utf-8"))
        assert raw["nifiVersion"] == version and f"rel/nifi-{version}" in raw["_source"]
        cat = flowcheck.load_catalog(version)
        assert cat["org.apache.nifi.kafka.service.Kafka3ConnectionService"]["sasl.password"]["sensitive"] is True
