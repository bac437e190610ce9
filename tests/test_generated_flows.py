"""What the generated flows do on a live NiFi (issue 11), read from the real protoc's output: enrichment that keeps
the payload, keys the flow reads itself, a deployed integration with nothing invalid, options that route, TLS and
the cluster's shared services, HTTP replies without request data."""
from __future__ import annotations

import json

import pytest
import yaml
from conftest import GOLDEN_INPUTS, ROOT, run_protoc

from protoc_gen_nifi import nifi_catalog as nc
from protoc_gen_nifi.flowcheck import behaviour_problems

EV = ROOT / "examples" / "ev_coownership" / "proto"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, dict]:
    """integration -> {"flow": flow definition, "services": manifest, "params": parameters by name}."""
    run = run_protoc(tmp_path_factory.mktemp("flows"), [EV, GOLDEN_INPUTS / "all_transports",
                                                        GOLDEN_INPUTS / "tls_and_shared"])
    assert run.returncode == 0, run.stderr
    out = {}
    for name in {path.split("/", 1)[0] for path in run.files}:
        out[name] = {
            "flow": json.loads(run.files[f"{name}/nifi/flow-definition.json"]),
            "services": json.loads(run.files[f"{name}/nifi/controller-services.json"]),
            "params": {p["name"]: p for p in yaml.safe_load(run.files[f"{name}/nifi/parameter-context.yaml"])
                       ["parameters"]},
            "schemas": {path.rsplit("/", 1)[1].removesuffix(".schema.json"): content
                        for path, content in run.files.items()
                        if path.startswith(f"{name}/schemas/") and path.endswith(".schema.json")},
        }
    return out


def _group(flow: dict, name: str) -> dict:
    return next(g for g in flow["flowContents"]["processGroups"] if g["name"] == name)


def _groups(group: dict):
    yield group
    for child in group["processGroups"]:
        yield from _groups(child)


def _by_type(group: dict, component: nc.Component) -> list[dict]:
    return [p for p in group["processors"] if p["type"] == component.type]


def _service(flow: dict, identifier: str) -> dict:
    return next(s for s in flow["flowContents"]["controllerServices"] if s["identifier"] == identifier)


def _edges(group: dict) -> set[tuple[str, tuple[str, ...], str]]:
    names = {c["identifier"]: c.get("name") or c["componentType"] for kind in ("processors", "inputPorts",
                                                                                "outputPorts", "funnels")
             for c in group[kind]}
    return {(names[c["source"]["id"]], tuple(c["selectedRelationships"]), names[c["destination"]["id"]])
            for c in group["connections"]}


# ---- 1. enrichment that keeps the payload ---------------------------------------------------------------

def test_a_jdbc_lookup_inserts_the_row_beside_the_record_through_a_prepared_statement(generated):
    flow = generated["booking_analytics"]["flow"]
    (lookup,) = _by_type(_group(flow, "lookup user_profile_lookup"), nc.LOOKUP_RECORD)
    assert lookup["properties"]["Result RecordPath"] == "/user_profile_lookup"
    assert lookup["properties"]["key"] == "/user_id"  # the booking's own field: read by the flow, no script
    assert lookup["propertyDescriptors"]["key"]["dynamic"] is True
    service = _service(flow, lookup["properties"]["Lookup Service"])
    assert service["type"] == nc.DATABASE_RECORD_LOOKUP_SERVICE.type
    # DatabaseRecordLookupService: SELECT <value columns> FROM <table> WHERE <key column> = ? (no SQL text here)
    assert service["properties"] == {
        "Database Connection Pooling Service": service["properties"]["Database Connection Pooling Service"],
        "Lookup Key Column": "user_id", "Lookup Value Columns": "user_id,display_name,group_id,ownership_share_permille",
        "Table Name": "#{jdbc.profiles.table}"}
    assert not any("lookup.sql" in name for name in generated["booking_analytics"]["params"])


def test_a_cache_first_lookup_falls_back_to_the_database_on_a_miss(generated):
    group = _group(generated["booking_analytics"]["flow"], "lookup vehicle_profile_lookup")
    cache, database = _by_type(group, nc.LOOKUP_RECORD)
    assert cache["properties"]["Routing Strategy"] == "route-to-matched-unmatched"
    assert cache["properties"]["key"] == "concat('vehicle-profiles:', /vehicle_id)"  # the keyspace of the ref
    assert database["properties"]["key"] == "/vehicle_id"
    assert {cache["properties"]["Result RecordPath"], database["properties"]["Result RecordPath"]} == {
        "/vehicle_profile_lookup"}
    assert _edges(group) >= {(cache["name"], ("matched",), "out"), (cache["name"], ("unmatched",), database["name"]),
                             (database["name"], ("success",), "out")}


def test_chained_lookups_keep_earlier_results_and_may_key_on_them(generated):
    flow = generated["financial_reconciliation"]["flow"]
    mapping = _group(flow, "mapping")
    # Both lookups are on the way to the scripts, one after the other: each adds its field, none replaces content.
    assert ("from payments_lookup", ("",), "to refunds_lookup") in _edges(mapping)
    (refunds,) = _by_type(_group(flow, "lookup refunds_lookup"), nc.LOOKUP_RECORD)
    assert refunds["properties"]["key"] == "/payments_lookup/payment_id"
    assert refunds["properties"]["Result RecordPath"] == "/refunds_lookup"
    for integration in generated.values():
        for group in _groups(integration["flow"]["flowContents"]):
            for processor in group["processors"]:
                assert processor["type"] not in (nc.EXECUTE_SQL_RECORD.type, nc.FETCH_DISTRIBUTED_MAP_CACHE.type)


def test_the_mapping_receives_one_json_object_per_line(generated):
    flow = generated["booking_analytics"]["flow"]
    (lookup,) = _by_type(_group(flow, "lookup user_profile_lookup"), nc.LOOKUP_RECORD)
    writer = _service(flow, lookup["properties"]["Record Writer"])
    assert writer["type"] == nc.JSON_RECORD_SET_WRITER.type
    assert writer["properties"] == {"Output Grouping": "output-oneline", "Allow Scientific Notation": "false"}


def test_what_nifi_changes_on_import_is_written_as_nifi_keeps_it(generated):
    """A setting NiFi changes on import makes the deployed group differ from its flow for ever after, so every
    rerun of a deploy would "repair" it: a @TriggerSerially processor runs one task whatever the flow says
    (StandardProcessorNode.setMaxConcurrentTasks), and a JSON writer without "Allow Scientific Notation" gets
    "true" (JsonRecordSetWriter.migrateProperties). tests/live_nifi/test_harness.py shows NiFi keeping both."""
    serial = {c.type for c in nc.COMPONENTS if c.serial}
    assert serial == {nc.QUERY_DATABASE_TABLE_RECORD.type, nc.LIST_S3.type}
    every = [p for g in _groups(generated["every_transport"]["flow"]["flowContents"]) for p in g["processors"]]
    tasks = {(p["type"] in serial, p["concurrentlySchedulableTaskCount"]) for p in every}
    # every_transport asks for two tasks (of every tuned processor): NiFi allows them except where serial
    assert (True, 1) in tasks and (False, 2) in tasks and (True, 2) not in tasks
    writers = [s for i in generated.values() for g in _groups(i["flow"]["flowContents"]) for s in g["controllerServices"]
               if s["type"] == nc.JSON_RECORD_SET_WRITER.type]
    assert writers and all(w["properties"]["Allow Scientific Notation"] == "false" for w in writers)


# ---- 2. every attribute read is written first; 3. a deployed integration is valid ------------------------

def test_every_generated_flow_passes_the_behaviour_checks(generated):
    for name, integration in generated.items():
        assert behaviour_problems(integration["flow"]) == [], name


def test_failures_are_parked_in_a_valid_queue_and_no_port_dangles(generated):
    for name, integration in generated.items():
        root = integration["flow"]["flowContents"]
        assert root["inputPorts"] == root["outputPorts"] == [], name
        parked = integration["services"]["parkedFailures"]
        (queue,) = [c for c in root["connections"] if c["name"] == "parked failures"]
        assert (queue["identifier"], queue["destination"]["id"]) == (parked["connection"], parked["funnel"])
        assert queue["destination"]["type"] == "FUNNEL"
        assert not [c for c in root["connections"] if c["source"]["id"] == parked["funnel"]]
        for group in root["processGroups"]:
            for port in group["inputPorts"] + group["outputPorts"]:
                ends = [c for g in (root, group) for c in g["connections"]]
                assert any(c["destination"]["id"] == port["identifier"] for c in ends), (name, group["name"], port)
                assert any(c["source"]["id"] == port["identifier"] for c in ends), (name, group["name"], port)


def test_primary_node_sources_are_followed_by_load_balanced_connections(generated):
    seen = 0
    for integration in generated.values():
        for group in _groups(integration["flow"]["flowContents"]):
            primary = {p["identifier"] for p in group["processors"] if p["executionNode"] == "PRIMARY"}
            for connection in group["connections"]:
                if connection["source"]["id"] in primary:
                    assert connection["loadBalanceStrategy"] == "ROUND_ROBIN"
                    seen += 1
    assert seen >= 5  # ListS3, QueryDatabaseTableRecord, GetMongo, GenerateFlowFile ...


def test_consume_kafka_connects_only_the_relationships_it_has(generated):
    group = _group(generated["every_transport"]["flow"], "ingress kafka_in")
    (consume,) = _by_type(group, nc.CONSUME_KAFKA)
    assert "Record Reader" not in consume["properties"]
    assert {r for source, rels, _ in _edges(group) if source == consume["name"] for r in rels} == {"success"}
    assert [p["name"] for p in group["outputPorts"]] == ["out"]  # nothing can fail here: no failure port


# ---- 4. options that route ------------------------------------------------------------------------------

def test_amqp_routes_each_message_by_its_routing_key_field(generated):
    group = _group(generated["booking_analytics"]["flow"], "egress booking_analysed_out")
    (read,) = _by_type(group, nc.EVALUATE_JSON_PATH)
    (guard,) = _by_type(group, nc.ROUTE_ON_ATTRIBUTE)
    (publish,) = _by_type(group, nc.PUBLISH_AMQP)
    assert read["properties"]["routing.key"] == "$.group_id"
    assert guard["properties"]["success"] == "${'routing.key':isEmpty():not()}"
    assert publish["properties"]["Routing Key"] == "${'routing.key'}"
    assert "amqp.booking-analysed.routing.key" not in generated["booking_analytics"]["params"]


def test_redis_keys_live_in_the_keyspace_of_their_ref(generated):
    dashboard = _group(generated["maintenance_predictions"]["flow"], "egress dashboard_out")
    (hash_put,) = _by_type(dashboard, nc.PUT_REDIS_HASH_RECORD)
    assert hash_put["properties"]["Hash Value Record Path"] == "concat('vehicle-dashboard:', /vehicle_id)"
    cache = _group(generated["every_transport"]["flow"], "egress redis_cache_out")
    (put,) = _by_type(cache, nc.PUT_DISTRIBUTED_MAP_CACHE)
    assert put["properties"]["Cache Entry Identifier"] == "records-cache:${'redis.key'}"
    assert _by_type(cache, nc.EVALUATE_JSON_PATH)[0]["properties"]["redis.key"] == "$.id"


def test_mongodb_stores_every_record_upserted_on_the_idempotency_keys(generated):
    group = _group(generated["booking_analytics"]["flow"], "egress booking_events_out")
    (put,) = _by_type(group, nc.PUT_MONGO_RECORD)
    assert put["properties"]["Update Key Fields"] == "booking_id"
    assert "Record Reader" in put["properties"]


def test_kafka_keys_read_from_nested_and_several_fields(generated):
    group = _group(generated["secure_orders"]["flow"], "egress orders_out")
    (read,) = _by_type(group, nc.EVALUATE_JSON_PATH)
    assert {k: v for k, v in read["properties"].items() if k.startswith("kafka")} == {
        "kafka.key.1": "$.customer.id", "kafka.key.2": "$.id"}
    joins = [p for p in _by_type(group, nc.UPDATE_ATTRIBUTE) if "kafka.key" in p["properties"]]
    assert joins[0]["properties"]["kafka.key"] == "${'kafka.key.1'}:${'kafka.key.2'}"


# ---- 5. TLS and shared services -------------------------------------------------------------------------

def test_tls_is_an_ssl_context_whose_stores_are_parameters_and_passwords_sensitive(generated):
    secure = generated["secure_orders"]
    flow, params = secure["flow"], secure["params"]
    kafka = next(s for s in flow["flowContents"]["controllerServices"] if s["type"] == nc.KAFKA3_CONNECTION_SERVICE.type)
    assert kafka["properties"]["security.protocol"] == "SASL_SSL"
    ssl = _service(flow, kafka["properties"]["SSL Context Service"])
    assert ssl["type"] == nc.STANDARD_RESTRICTED_SSL_CONTEXT_SERVICE.type
    assert ssl["properties"] == {"Truststore Filename": "#{kafka.tls.truststore.path}",
                                 "Truststore Password": "#{kafka.tls.truststore.password}",
                                 "Truststore Type": "#{kafka.tls.truststore.type}"}
    assert params["kafka.tls.truststore.password"]["sensitive"] and not params["kafka.tls.truststore.path"]["sensitive"]
    assert params["kafka.sasl.password"]["required"]  # SASL_SSL needs the credentials
    # Mutual TLS: the keystore too, and an HTTP listener that requires client certificates.
    (receive,) = _by_type(_group(flow, "ingress orders_api"), nc.HANDLE_HTTP_REQUEST)
    assert receive["properties"]["Client Authentication"] == "Need Authentication"
    server = _service(flow, receive["properties"]["SSL Context Service"])
    assert {"Keystore Filename", "Truststore Filename", "Key Password"} <= set(server["properties"])
    assert params["http.orders-api.tls.keystore.password"]["sensitive"]
    for integration in generated.values():
        for service in integration["flow"]["flowContents"]["controllerServices"]:
            if service["type"] == nc.STANDARD_RESTRICTED_SSL_CONTEXT_SERVICE.type:
                for key, value in service["properties"].items():
                    assert value.startswith("#{") and value.endswith("}"), (key, value)


def test_a_shared_service_is_referenced_by_name_not_embedded(generated):
    secure = generated["secure_orders"]
    flow, services, params = secure["flow"], secure["services"], secure["params"]
    external = flow["externalControllerServices"]
    assert sorted(e["name"] for e in external.values()) == ["AWS credentials (prod)", "orders-db pool"]
    embedded = {s["type"] for s in flow["flowContents"]["controllerServices"]}
    assert nc.DBCP_CONNECTION_POOL.type not in embedded and nc.AWS_CREDENTIALS_SERVICE.type not in embedded
    (upsert,) = _by_type(_group(flow, "egress orders_db"), nc.PUT_DATABASE_RECORD)
    pool = upsert["properties"]["Database Connection Pooling Service"]
    assert external[pool]["name"] == "orders-db pool"
    assert upsert["propertyDescriptors"]["Database Connection Pooling Service"]["identifiesControllerService"]
    # The fallback's lookup service (embedded) uses the shared pool too.
    lookups = [s for s in flow["flowContents"]["controllerServices"]
               if s["type"] == nc.DATABASE_RECORD_LOOKUP_SERVICE.type]
    assert [s["properties"]["Database Connection Pooling Service"] for s in lookups] == [pool]
    assert {e["name"] for e in services["externalControllerServices"]} == {e["name"] for e in external.values()}
    assert not any(name.startswith(("jdbc.orders-db.", "aws.")) for name in params)


# ---- 6. HTTP IN replies carry no request data -------------------------------------------------------------

def test_every_http_reply_is_emptied_first(generated):
    replies = 0
    for integration in generated.values():
        for group in _groups(integration["flow"]["flowContents"]):
            by_id = {p["identifier"]: p for p in group["processors"]}
            for processor in _by_type(group, nc.HANDLE_HTTP_RESPONSE):
                feeds = [by_id[c["source"]["id"]] for c in group["connections"]
                         if c["destination"]["id"] == processor["identifier"]]
                assert [f["type"] for f in feeds] == [nc.MODIFY_BYTES.type], processor["name"]
                assert feeds[0]["properties"] == {"Remove All Content": "true"}
                replies += 1
    assert replies >= 4  # 202 and 400 on the HTTP IN ports of cross_service_validation and every_transport


# ---- 5. payloads checked against their message's JSON Schema (issue 17) --------------------------------------


def test_an_http_in_port_validates_its_payload_answers_400_and_parks_what_fails(generated):
    group = _group(generated["every_transport"]["flow"], "ingress http_in")
    (validate,) = _by_type(group, nc.VALIDATE_JSON)
    assert validate["properties"]["Schema Access Strategy"] == "SCHEMA_CONTENT_PROPERTY"
    assert validate["properties"]["JSON Schema Version"] == "DRAFT_2020_12"
    schema = json.loads(validate["properties"]["JSON Schema"])
    assert schema["$ref"] == "#/$defs/acme.every.v1.Record"
    edges = _edges(group)
    # Only a valid payload is acknowledged (202) and goes on; the others are answered 400 and parked.
    assert ("required headers", ("valid",), validate["name"]) in edges
    assert (validate["name"], ("valid",), "empty 202 body") in edges
    assert (validate["name"], ("valid",), "trace context") in edges
    assert (validate["name"], ("failure", "invalid"), "empty 400 body") in edges
    assert (validate["name"], ("failure", "invalid"), "failure") in edges
    # The embedded schema is the one written beside the flow, to the byte.
    assert validate["properties"]["JSON Schema"].encode() == generated["every_transport"]["schemas"][
        "acme.every.v1.Record"]
    assert not validate["autoTerminatedRelationships"]
    (receive,) = _by_type(group, nc.HANDLE_HTTP_REQUEST)
    assert not any(source == receive["name"] and target.startswith("empty") for source, _, target in edges)


def test_another_transport_validates_after_tagging_the_payload(generated):
    group = _group(generated["every_transport"]["flow"], "ingress s3_in")
    (validate,) = _by_type(group, nc.VALIDATE_JSON)
    edges = _edges(group)
    assert ("trace context", ("success",), validate["name"]) in edges
    assert (validate["name"], ("valid",), "out") in edges
    assert (validate["name"], ("failure", "invalid"), "failure") in edges
