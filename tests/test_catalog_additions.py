"""The components and properties issue 11 added to the catalog, pinned to what NiFi's source says at the three
releases that matter (rel/nifi-2.0.0, rel/nifi-2.3.0, the real NiFi of the live tests, and rel/nifi-2.11.0):
descriptor names, relationships, input requirements and service APIs. The tables below were read from the
source at those tags (nifi-standard-processors, nifi-lookup-services, nifi-mongodb-processors, nifi-amqp-processors,
nifi-ssl-context-service, nifi-record-serialization-services, nifi-mongodb-client-service-api, nifi-redis-utils)."""
from __future__ import annotations

import pytest

from protoc_gen_nifi import nifi_catalog as nc

# component -> catalog key -> (key at 2.0.0, key at 2.3.0, key at 2.11.0)
KEYS = {
    nc.LOOKUP_RECORD: {
        "Record Reader": ("record-reader", "record-reader", "Record Reader"),
        "Record Writer": ("record-writer", "record-writer", "Record Writer"),
        "Lookup Service": ("lookup-service", "lookup-service", "Lookup Service"),
        "Routing Strategy": ("routing-strategy", "routing-strategy", "Routing Strategy"),
        "Result RecordPath": ("result-record-path", "result-record-path", "Result RecordPath"),
    },
    nc.DATABASE_RECORD_LOOKUP_SERVICE: {
        "Database Connection Pooling Service": ("dbrecord-lookup-dbcp-service",) * 2 + (
            "Database Connection Pooling Service",),
        "Table Name": ("dbrecord-lookup-table-name",) * 2 + ("Table Name",),
        "Lookup Key Column": ("dbrecord-lookup-key-column",) * 2 + ("Lookup Key Column",),
        "Lookup Value Columns": ("dbrecord-lookup-value-columns",) * 2 + ("Lookup Value Columns",),
    },
    nc.DISTRIBUTED_MAP_CACHE_LOOKUP_SERVICE: {
        "Distributed Cache Service": ("distributed-map-cache-service",) * 2 + ("Distributed Cache Service",),
    },
    nc.PUT_MONGO_RECORD: {
        "Client Service": ("mongo-client-service", "mongo-client-service", "Client Service"),
        "Record Reader": ("record-reader", "record-reader", "Record Reader"),
        "Update Key Fields": ("update-key-fields", "update-key-fields", "Update Key Fields"),
        "Mongo Database Name": ("Mongo Database Name",) * 3,
        "Mongo Collection Name": ("Mongo Collection Name",) * 3,
    },
    nc.STANDARD_RESTRICTED_SSL_CONTEXT_SERVICE: {
        "Key Password": ("key-password", "key-password", "Key Password"),
        **{key: (key,) * 3 for key in ("Keystore Filename", "Keystore Password", "Keystore Type",
                                       "Truststore Filename", "Truststore Password", "Truststore Type")},
    },
    nc.JSON_RECORD_SET_WRITER: {"Output Grouping": ("output-grouping", "output-grouping", "Output Grouping")},
    nc.CONSUME_AMQP: {"SSL Context Service": ("ssl-context-service", "ssl-context-service", "SSL Context Service")},
    nc.PUBLISH_AMQP: {"SSL Context Service": ("ssl-context-service", "ssl-context-service", "SSL Context Service")},
    nc.MONGODB_CLIENT_SERVICE: {
        "SSL Context Service": ("ssl-context-service", "ssl-context-service", "SSL Context Service")},
    nc.EVALUATE_JSON_PATH: {key: (key,) * 3 for key in ("Destination", "Return Type", "Path Not Found Behavior")},
    nc.MODIFY_BYTES: {"Remove All Content": ("Remove All Content",) * 3},
    nc.HANDLE_HTTP_REQUEST: {key: (key,) * 3 for key in ("SSL Context Service", "Client Authentication")},
    # Issue 17: ValidateJson (nifi-standard-processors) names its properties the same at every 2.x release.
    nc.VALIDATE_JSON: {key: (key,) * 3 for key in ("Schema Access Strategy", "JSON Schema", "JSON Schema Version")},
    **{component: {"SSL Context Service": ("SSL Context Service",) * 3}
       for component in (nc.KAFKA3_CONNECTION_SERVICE, nc.INVOKE_HTTP, nc.LIST_S3, nc.FETCH_S3_OBJECT,
                         nc.PUT_S3_OBJECT, nc.REDIS_CONNECTION_POOL)},
}

# Issue 17, declarative mapping: the record processors of nifi-standard-nar, read from their source
# (AbstractRecordProcessor, UpdateRecord, ForkRecord, PartitionRecord, SplitRecord) at the same three tags.
_RECORD_IO = {"Record Reader": ("Record Reader",) * 3, "Record Writer": ("Record Writer",) * 3}
KEYS.update({
    nc.UPDATE_RECORD: {**_RECORD_IO, "Replacement Value Strategy": ("Replacement Value Strategy",) * 3},
    nc.REMOVE_RECORD_FIELD: _RECORD_IO,
    nc.RENAME_RECORD_FIELD: _RECORD_IO,
    nc.SPLIT_RECORD: {**_RECORD_IO, "Records Per Split": ("Records Per Split",) * 3},
    nc.FORK_RECORD: {"Record Reader": ("record-reader", "record-reader", "Record Reader"),
                     "Record Writer": ("record-writer", "record-writer", "Record Writer"),
                     "Mode": ("fork-mode", "fork-mode", "Mode"),
                     "Include Parent Fields": ("include-parent-fields", "include-parent-fields",
                                               "Include Parent Fields")},
    nc.PARTITION_RECORD: {"Record Reader": ("record-reader", "record-reader", "Record Reader"),
                          "Record Writer": ("record-writer", "record-writer", "Record Writer")},
})

# component -> (relationships as configured here, @InputRequirement) at all three releases
BEHAVIOUR = {
    nc.LOOKUP_RECORD: (("success", "failure"), "REQUIRED"),
    nc.EVALUATE_JSON_PATH: (("matched", "unmatched", "failure"), "REQUIRED"),
    nc.MODIFY_BYTES: (("success",), "REQUIRED"),
    nc.PUT_MONGO_RECORD: (("success", "failure"), "REQUIRED"),
    nc.ROUTE_ON_ATTRIBUTE: (("unmatched",), "REQUIRED"),
    nc.HANDLE_HTTP_REQUEST: (("success",), "FORBIDDEN"),
    nc.CONSUME_KAFKA: (("success",), "FORBIDDEN"),  # no Record Reader: no `parse failure`
    nc.JOIN_ENRICHMENT: (("joined", "original", "timeout", "failure"), "REQUIRED"),
    nc.UPDATE_RECORD: (("success", "failure"), "REQUIRED"),
    nc.REMOVE_RECORD_FIELD: (("success", "failure"), "REQUIRED"),
    nc.RENAME_RECORD_FIELD: (("success", "failure"), "REQUIRED"),
    nc.FORK_RECORD: (("fork", "original", "failure"), "REQUIRED"),
    nc.SPLIT_RECORD: (("splits", "original", "failure"), "REQUIRED"),
    nc.PARTITION_RECORD: (("success", "original", "failure"), "REQUIRED"),
    nc.VALIDATE_JSON: (("valid", "invalid", "failure"), "REQUIRED"),
}


def test_validate_json_at_the_releases_the_output_targets():
    """What the flow sets on ValidateJson is NiFi's own: the access strategy and schema version values, and the
    attribute `invalid` carries (ValidateJson.java and SchemaVersion.java at rel/nifi-2.3.0 and rel/nifi-2.11.0)."""
    from protoc_gen_nifi import nifi_definitions

    for version in ("2.0.0", "2.3.0", "2.11.0"):
        properties = nifi_definitions.component(version, nc.VALIDATE_JSON.type)["properties"]
        assert "SCHEMA_CONTENT_PROPERTY" in properties["Schema Access Strategy"]["allowableValues"]
        assert properties["Schema Access Strategy"]["defaultValue"] == "SCHEMA_CONTENT_PROPERTY"
        assert "DRAFT_2020_12" in properties["JSON Schema Version"]["allowableValues"]
        assert nifi_definitions.component(version, nc.VALIDATE_JSON.type)["writesAttributes"] == [
            "json.validation.errors"]


@pytest.mark.parametrize("component", list(KEYS), ids=lambda c: c.type.rsplit(".", 1)[-1])
def test_added_keys_are_nifis_at_each_release(component):
    for key, (at_2_0, at_2_3, at_2_11) in KEYS[component].items():
        component.prop(key)  # the catalog has it
        assert nc.Target.of("2.0.0").key(component, key) == at_2_0, (component.type, key)
        assert nc.Target.of("2.11.0").key(component, key) == at_2_11, (component.type, key)
        assert nc.Target.of("2.3.0").key(component, key) == at_2_3, (component.type, key)
        # Where a key was renamed, NiFi's display name stayed what the new key is.
        assert nc.Target.of("2.0.0").display(component, key) == at_2_11


@pytest.mark.parametrize("component", list(BEHAVIOUR), ids=lambda c: c.type.rsplit(".", 1)[-1])
def test_relationships_and_input_requirement(component):
    relationships, requirement = BEHAVIOUR[component]
    assert set(component.relationships_for(nc.Config({}))) == set(relationships)
    assert component.input == requirement


def test_relationships_that_depend_on_the_configuration():
    assert nc.LOOKUP_RECORD.relationships_for(nc.Config({"routing-strategy": "route-to-matched-unmatched"})) == (
        "matched", "unmatched", "failure")
    assert nc.LOOKUP_RECORD.relationships_for(nc.Config({"Routing Strategy": "route-to-matched-unmatched"})) == (
        "matched", "unmatched", "failure")
    assert set(nc.CONSUME_KAFKA.relationships_for(nc.Config({"Record Reader": "r"}))) == {"success", "parse failure"}
    assert set(nc.ROUTE_ON_ATTRIBUTE.relationships_for(nc.Config({"a": "${x}"}, ("a",)))) == {"a", "unmatched"}
    assert set(nc.ROUTE_ON_ATTRIBUTE.relationships_for(nc.Config(
        {"Routing Strategy": "Route to 'match' if all match", "a": "${x}"}, ("a",)))) == {"matched", "unmatched"}


def test_ssl_context_apis_follow_the_release():
    """SSLContextService extends SSLContextProvider from 2.1.0 (nifi-ssl-context-service-api)."""
    apis = {version: {api for api, _ in nc.Target.of(version).apis(nc.STANDARD_RESTRICTED_SSL_CONTEXT_SERVICE)}
            for version in nc.SUPPORTED_NIFI_VERSIONS}
    assert apis["2.0.0"] == {"org.apache.nifi.ssl.SSLContextService", "org.apache.nifi.ssl.RestrictedSSLContextService"}
    assert apis["2.11.0"] == apis["2.0.0"] | {"org.apache.nifi.ssl.SSLContextProvider"}


def test_every_known_component_is_in_the_checkers_index_once():
    assert len(nc.BY_TYPE) == len(nc.KNOWN)
    assert set(nc.COMPONENTS) <= set(nc.KNOWN)
