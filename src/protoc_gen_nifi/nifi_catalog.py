"""The NiFi components the generator emits, per target NiFi version.

Property keys here are NiFi's canonical descriptor *names* (what a flow JSON stores) at the newest
supported release, never display names. `Target` finds each one's key, display name and bundle at the
target release from NiFi's own definitions (nifi_definitions.py, data read from NiFi's source at every
release tag); tests/test_nifi_definitions.py checks every key, relationship and sensitive flag here
against them at every release.

Besides what a flow stores (keys, bundles, relationships), each entry says what
NiFi does with the component at run time, from its source at the release tags:
which relationships exist for a configuration, what it requires as input, which
attributes it writes or reads, whether it replaces the FlowFile content and which
properties hold SQL. flowcheck's graph and data-flow checks read those facts.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from . import nifi_definitions

SUPPORTED_NIFI_VERSIONS = nifi_definitions.versions()
DEFAULT_NIFI_VERSION = "2.11.0"
BUNDLE_GROUP = "org.apache.nifi"


@dataclass(frozen=True)
class Prop:
    """A property of a catalog component, by its newest key."""

    key: str
    display: str | None = None  # NiFi's display name when it differs from the key
    sensitive: bool = False
    service_api: str | None = None  # set when the property identifies a controller service


@dataclass(frozen=True)
class Config:
    """A component's configuration as a flow stores it: property values under the keys of whatever release
    wrote the flow, and the names of its dynamic properties."""

    properties: Mapping[str, str | None]
    dynamic: tuple[str, ...] = ()

    def value(self, *keys: str) -> str | None:
        """The value under the first of `keys` (one per release that named the property differently) set."""
        for key in keys:
            if self.properties.get(key) is not None:
                return self.properties[key]
        return None


# eq=False: an entry of a table is equal only to itself. Its generated __eq__ and __hash__ (fields that hold
# callables and dicts) were never called, yet compiling them cost every plugin process about 0.3 ms.
@dataclass(frozen=True, eq=False)
class Component:
    """A NiFi processor or controller service the generator emits, and what it does at run time."""

    type: str
    artifact: str
    props: tuple[Prop, ...] = ()
    # Relationships that exist whatever the configuration (see `routes` for the others).
    relationships: tuple[str, ...] = ()
    # Interfaces a controller service implements, with the NAR that holds each API.
    apis: tuple[tuple[str, str], ...] = ()
    # Dynamic properties may be sensitive (@SupportsSensitiveDynamicProperties).
    sensitive_dynamic: bool = False
    # APIs a later release added: (api, NAR, first release that has it).
    newer_apis: tuple[tuple[str, str, str], ...] = ()
    # ---- run-time behaviour, for flowcheck ----------------------------------------------------------------
    input: str = "ALLOWED"  # @InputRequirement: REQUIRED, FORBIDDEN or ALLOWED
    # Relationships that depend on the configuration; None: `relationships` is all there is.
    routes: Callable[[Config], tuple[str, ...]] | None = None
    # Relationships that are auto-terminated unless connected (Relationship.Builder.autoTerminateDefault).
    auto_terminated: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()  # attributes on every FlowFile it transfers (from its @WritesAttributes)
    # Whether its dynamic properties name attributes it writes (UpdateAttribute, EvaluateJsonPath to attributes).
    dynamic_writes: Callable[[Config], bool] | None = None
    reads: tuple[str, ...] = ()  # attributes it needs although no property names them
    # Whether the FlowFile it transfers carries its own result instead of the incoming content (BEHAVIOUR 16).
    replaces_content: Callable[[Config], bool] | None = None
    sql: tuple[str, ...] = ()  # property keys (of any release) whose value is SQL text or a table/column name
    # RouteOnAttribute: the expression of each routing property holds on the relationship of its name.
    guards: bool = False
    # @TriggerSerially: one task at a time, whatever the flow says (StandardProcessorNode.setMaxConcurrentTasks
    # ignores a larger count, so a flow asking for more would differ from what NiFi holds after the import).
    serial: bool = False

    def relationships_for(self, config: Config) -> tuple[str, ...]:
        return self.routes(config) if self.routes is not None else self.relationships

    def writes_for(self, config: Config) -> tuple[str, ...]:
        dynamic = config.dynamic if self.dynamic_writes is not None and self.dynamic_writes(config) else ()
        return (*self.writes, *dynamic)

    def prop(self, key: str) -> Prop:
        for candidate in self.props:
            if candidate.key == key:
                return candidate
        raise KeyError(f"{self.type} has no property {key!r} in the catalog")


KAFKA_CONNECTION_API = "org.apache.nifi.kafka.service.api.KafkaConnectionService"
STANDARD_API_NAR = "nifi-standard-services-api-nar"
RECORD_READER_API = "org.apache.nifi.serialization.RecordReaderFactory"
RECORD_WRITER_API = "org.apache.nifi.serialization.RecordSetWriterFactory"
# Every SSL Context Service property accepts a StandardRestrictedSSLContextService: the strictest API asked
# for is RestrictedSSLContextService (HandleHttpRequest, RedisConnectionPoolService at 2.0.0); from 2.1.0 most
# ask for SSLContextProvider, which both SSLContextService APIs extend (nifi-ssl-context-service-api).
SSL_CONTEXT_API = "org.apache.nifi.ssl.SSLContextService"
# The catalog names the API the newest release asks for (every SSL Context Service property at 2.11.0).
SSL_CONTEXT = Prop("SSL Context Service", service_api="org.apache.nifi.ssl.SSLContextProvider")

# FlowFile attributes every FlowFile has or that NiFi itself maintains (nifi-api CoreAttributes; uuid, filename
# and path are set on every FlowFile a session creates: StandardProcessSession.java).
CORE_ATTRIBUTES = ("filename", "path", "absolute.path", "uuid", "priority", "mime.type", "discard.reason",
                   "alternate.identifier")


def _dynamic(config: Config) -> tuple[str, ...]:
    return config.dynamic


def _always(config: Config) -> bool:
    return True


KAFKA3_CONNECTION_SERVICE = Component(
    type="org.apache.nifi.kafka.service.Kafka3ConnectionService",
    artifact="nifi-kafka-3-service-nar",
    props=(
        Prop("bootstrap.servers", "Bootstrap Servers"),
        Prop("security.protocol", "Security Protocol"),
        Prop("sasl.mechanism", "SASL Mechanism"),
        Prop("sasl.username", "SASL Username"),
        Prop("sasl.password", "SASL Password", sensitive=True),
        SSL_CONTEXT,
    ),
    apis=((KAFKA_CONNECTION_API, "nifi-kafka-service-api-nar"),),
)


def _consume_kafka_routes(config: Config) -> tuple[str, ...]:
    # ConsumeKafka.getRelationships: `parse failure` exists only with a Record Reader (rel/nifi-2.0.0..2.11.0).
    return ("success", "parse failure") if config.value("Record Reader") else ("success",)


CONSUME_KAFKA = Component(
    type="org.apache.nifi.kafka.processors.ConsumeKafka",
    artifact="nifi-kafka-nar",
    props=(
        Prop("Kafka Connection Service", service_api=KAFKA_CONNECTION_API),
        Prop("Group ID"),
        Prop("Topics"),
        Prop("Processing Strategy"),
        Prop("Header Name Pattern"),
    ),
    relationships=("success", "parse failure"),
    input="FORBIDDEN",
    routes=_consume_kafka_routes,
    writes=("kafka.topic", "kafka.partition", "kafka.offset"),
)

PUBLISH_KAFKA = Component(
    type="org.apache.nifi.kafka.processors.PublishKafka",
    artifact="nifi-kafka-nar",
    props=(
        Prop("Kafka Connection Service", service_api=KAFKA_CONNECTION_API),
        Prop("Topic Name"),
        Prop("FlowFile Attribute Header Pattern"),
    ),
    relationships=("success", "failure"),
    input="REQUIRED",
)

INVOKE_HTTP = Component(
    type="org.apache.nifi.processors.standard.InvokeHTTP",
    artifact="nifi-standard-nar",
    props=(
        Prop("HTTP Method"),
        Prop("HTTP URL"),
        Prop("Request Content-Type"),
        SSL_CONTEXT,
    ),
    relationships=("Original", "Response", "Retry", "No Retry", "Failure"),
    sensitive_dynamic=True,
)

UPDATE_ATTRIBUTE = Component(
    type="org.apache.nifi.processors.attributes.UpdateAttribute",
    artifact="nifi-update-attribute-nar",
    relationships=("success",),
    input="REQUIRED",
    dynamic_writes=_always,
)

EXECUTE_SCRIPT = Component(
    type="org.apache.nifi.processors.script.ExecuteScript",
    artifact="nifi-scripting-nar",
    props=(
        Prop("Script Engine"),
        Prop("Script File"),
        Prop("Module Directory"),
    ),
    relationships=("success", "failure"),
)

JSON_TREE_READER = Component(
    type="org.apache.nifi.json.JsonTreeReader",
    artifact="nifi-record-serialization-services-nar",
    apis=((RECORD_READER_API, STANDARD_API_NAR),),
)

JSON_RECORD_SET_WRITER = Component(
    type="org.apache.nifi.json.JsonRecordSetWriter",
    artifact="nifi-record-serialization-services-nar",
    # "Output Grouping": "output-array" (default) or "output-oneline". "Allow Scientific Notation" is always
    # written: NiFi sets it to "true" on import when a flow leaves it out (JsonRecordSetWriter.migrateProperties,
    # keeping older flows' behaviour), not to its default "false".
    props=(Prop("Output Grouping"), Prop("Allow Scientific Notation")),
    apis=((RECORD_WRITER_API, STANDARD_API_NAR),),
)

# ---- schedule ---------------------------------------------------------------------------------

GENERATE_FLOW_FILE = Component(
    type="org.apache.nifi.processors.standard.GenerateFlowFile",
    artifact="nifi-standard-nar",
    relationships=("success",),
    input="FORBIDDEN",
    dynamic_writes=_always,  # each dynamic property becomes an attribute
)

# ---- HTTP IN ----------------------------------------------------------------------------------

HTTP_CONTEXT_MAP_API = "org.apache.nifi.http.HttpContextMap"
HTTP_CONTEXT_ID = "http.context.identifier"  # HTTPUtils.HTTP_CONTEXT_ID

STANDARD_HTTP_CONTEXT_MAP = Component(
    type="org.apache.nifi.http.StandardHttpContextMap",
    artifact="nifi-http-context-map-nar",
    apis=((HTTP_CONTEXT_MAP_API, STANDARD_API_NAR),),
)

HANDLE_HTTP_REQUEST = Component(
    type="org.apache.nifi.processors.standard.HandleHttpRequest",
    artifact="nifi-standard-nar",
    props=(
        Prop("Listening Port"),
        Prop("Allowed Paths"),
        Prop("HTTP Context Map", service_api=HTTP_CONTEXT_MAP_API),
        Prop("Allow GET"),
        Prop("Allow POST"),
        Prop("Allow PUT"),
        Prop("Allow DELETE"),
        SSL_CONTEXT,
        Prop("Client Authentication"),  # "No Authentication" (default), "Want Authentication", "Need Authentication"
    ),
    relationships=("success",),
    input="FORBIDDEN",
    writes=(HTTP_CONTEXT_ID, "http.method", "http.request.uri", "http.servlet.path", "http.context.path",
            "http.remote.addr", "http.protocol"),
)


def _route_on_attribute_routes(config: Config) -> tuple[str, ...]:
    # RouteOnAttribute: with "Route to Property name" (the default) each dynamic property is a relationship;
    # otherwise `matched` (rel/nifi-2.0.0..2.11.0 RouteOnAttribute.onPropertyModified).
    strategy = config.value("Routing Strategy") or "Route to Property name"
    return ("unmatched", *config.dynamic) if strategy == "Route to Property name" else ("matched", "unmatched")


ROUTE_ON_ATTRIBUTE = Component(
    type="org.apache.nifi.processors.standard.RouteOnAttribute",
    artifact="nifi-standard-nar",
    props=(Prop("Routing Strategy"),),
    relationships=("unmatched",),
    input="REQUIRED",
    routes=_route_on_attribute_routes,
    writes=("RouteOnAttribute.Route",),
    guards=True,
)

HANDLE_HTTP_RESPONSE = Component(
    type="org.apache.nifi.processors.standard.HandleHttpResponse",
    artifact="nifi-standard-nar",
    props=(
        Prop("HTTP Status Code"),
        Prop("HTTP Context Map", service_api=HTTP_CONTEXT_MAP_API),
    ),
    relationships=("success", "failure"),
    input="REQUIRED",
    reads=(HTTP_CONTEXT_ID,),  # the request it answers; without it the FlowFile goes to failure
)

# Empties a FlowFile's content (an HTTP reply must not echo the request back).
MODIFY_BYTES = Component(
    type="org.apache.nifi.processors.standard.ModifyBytes",
    artifact="nifi-standard-nar",
    props=(Prop("Remove All Content"),),
    relationships=("success",),
    input="REQUIRED",
)

# Checks a JSON payload against a JSON Schema held in "JSON Schema" (the text itself: the property is an external
# resource of type FILE, URL or TEXT, and text that is neither a path nor a URL is the schema). `invalid` carries
# the validator's messages in json.validation.errors; `failure` is content that is not JSON at all
# (ValidateJson.java, rel/nifi-2.0.0..2.11.0). "Max String Length" (2.2.0) and "Input Format" (2.4.0) keep their
# defaults, so the same flow imports into every release. @Restricted: the user who imports needs the
# "access restricted components" permission (the schema may name a file or URL).
VALIDATE_JSON = Component(
    type="org.apache.nifi.processors.standard.ValidateJson",
    artifact="nifi-standard-nar",
    props=(Prop("Schema Access Strategy"), Prop("JSON Schema"), Prop("JSON Schema Version")),
    relationships=("valid", "invalid", "failure"),
    input="REQUIRED",
    # json.validation.errors is written on `invalid` only: not an attribute of every FlowFile it transfers.
)

# ---- S3 ---------------------------------------------------------------------------------------

AWS_CREDENTIALS_API = "org.apache.nifi.processors.aws.credentials.provider.AwsCredentialsProviderService"

AWS_CREDENTIALS_SERVICE = Component(
    type="org.apache.nifi.processors.aws.credentials.provider.service.AWSCredentialsProviderControllerService",
    artifact="nifi-aws-nar",
    props=(
        Prop("Access Key ID", sensitive=True),
        Prop("Secret Access Key", sensitive=True),
    ),
    apis=(
        (AWS_CREDENTIALS_API, "nifi-aws-service-api-nar"),
        ("org.apache.nifi.processors.aws.credentials.provider.service.AWSCredentialsProviderService",
         "nifi-aws-service-api-nar"),
    ),
)

_S3_COMMON = (
    Prop("Bucket"),
    Prop("Region"),
    Prop("AWS Credentials Provider Service", service_api=AWS_CREDENTIALS_API),
    Prop("Endpoint Override URL"),
    SSL_CONTEXT,
)

LIST_S3 = Component(
    type="org.apache.nifi.processors.aws.s3.ListS3",
    artifact="nifi-aws-nar",
    props=(*_S3_COMMON, Prop("Prefix"), Prop("Listing Batch Size")),
    relationships=("success",),
    input="FORBIDDEN",
    serial=True,
    writes=("s3.bucket", "s3.region", "filename"),
)

FETCH_S3_OBJECT = Component(
    type="org.apache.nifi.processors.aws.s3.FetchS3Object",
    artifact="nifi-aws-nar",
    props=(*_S3_COMMON, Prop("Object Key")),
    relationships=("success", "failure"),
    input="REQUIRED",
)

PUT_S3_OBJECT = Component(
    type="org.apache.nifi.processors.aws.s3.PutS3Object",
    artifact="nifi-aws-nar",
    props=(*_S3_COMMON, Prop("Object Key"), Prop("Content Type")),
    relationships=("success", "failure"),
    input="REQUIRED",
)

# ---- AMQP (connection properties live on each processor; there is no service) -----------------

_AMQP_CONNECTION = (
    Prop("Brokers"),
    Prop("Virtual Host"),
    Prop("Username"),
    Prop("Password", sensitive=True),
    SSL_CONTEXT,
)

CONSUME_AMQP = Component(
    type="org.apache.nifi.amqp.processors.ConsumeAMQP",
    artifact="nifi-amqp-nar",
    props=(*_AMQP_CONNECTION, Prop("Queue"), Prop("Header Output Format"), Prop("Batch Size")),
    relationships=("success",),
    input="FORBIDDEN",
    writes=("amqp$routingKey", "amqp$exchange"),
)

PUBLISH_AMQP = Component(
    type="org.apache.nifi.amqp.processors.PublishAMQP",
    artifact="nifi-amqp-nar",
    props=(*_AMQP_CONNECTION, Prop("Exchange Name"), Prop("Routing Key"), Prop("Headers Source"),
           Prop("Headers Pattern")),
    relationships=("success", "failure"),
    input="REQUIRED",
)

# ---- JDBC -------------------------------------------------------------------------------------

DBCP_API = "org.apache.nifi.dbcp.DBCPService"

DBCP_CONNECTION_POOL = Component(
    type="org.apache.nifi.dbcp.DBCPConnectionPool",
    artifact="nifi-dbcp-service-nar",
    props=(
        Prop("Database Connection URL"),
        Prop("Database Driver Class Name"),
        Prop("Database Driver Locations"),
        Prop("Database User"),
        Prop("Password", sensitive=True),
    ),
    apis=((DBCP_API, STANDARD_API_NAR),),
)

QUERY_DATABASE_TABLE_RECORD = Component(
    type="org.apache.nifi.processors.standard.QueryDatabaseTableRecord",
    artifact="nifi-standard-nar",
    props=(
        Prop("Database Connection Pooling Service", service_api=DBCP_API),
        Prop("Database Type"),
        Prop("Table Name"),
        Prop("Maximum-value Columns"),
        Prop("Record Writer", service_api=RECORD_WRITER_API),
        Prop("Max Rows Per FlowFile"),
    ),
    relationships=("success",),
    input="FORBIDDEN",
    writes=("tablename", "querydbtable.row.count", "record.count", "mime.type"),
    sql=("Table Name", "Columns to Return", "Maximum-value Columns", "db-fetch-where-clause",
         "Additional WHERE Clause", "db-fetch-sql-query", "Custom Query"),
    serial=True,
)

PUT_DATABASE_RECORD = Component(
    type="org.apache.nifi.processors.standard.PutDatabaseRecord",
    artifact="nifi-standard-nar",
    props=(
        Prop("Record Reader", service_api=RECORD_READER_API),
        Prop("Database Type"),
        Prop("Statement Type"),
        Prop("Database Connection Pooling Service", service_api=DBCP_API),
        Prop("Table Name"),
        Prop("Update Keys"),
        Prop("Maximum Batch Size"),
    ),
    relationships=("success", "failure", "retry"),
    input="REQUIRED",
    sql=("Table Name", "put-db-record-table-name", "Update Keys", "put-db-record-update-keys", "Catalog Name",
         "put-db-record-catalog-name", "Schema Name", "put-db-record-schema-name"),
)

# ---- enrichment (LOOKUP ports): LookupRecord with a lookup service keeps the payload --------------------

LOOKUP_API = "org.apache.nifi.lookup.LookupService"


def _lookup_record_routes(config: Config) -> tuple[str, ...]:
    # LookupRecord.onPropertyModified: "route-to-matched-unmatched" gives matched/unmatched/failure, the
    # default "route-to-success" success/failure (rel/nifi-2.0.0..2.11.0).
    strategy = config.value("Routing Strategy", "routing-strategy") or "route-to-success"
    return ("matched", "unmatched", "failure") if strategy == "route-to-matched-unmatched" else ("success", "failure")


# Inserts what its lookup service returns for each record at "Result RecordPath": the record is kept.
LOOKUP_RECORD = Component(
    type="org.apache.nifi.processors.standard.LookupRecord",
    artifact="nifi-standard-nar",
    props=(
        Prop("Record Reader", service_api=RECORD_READER_API),
        Prop("Record Writer", service_api=RECORD_WRITER_API),
        Prop("Lookup Service", service_api=LOOKUP_API),
        Prop("Routing Strategy"),  # "route-to-success" (default) or "route-to-matched-unmatched"
        Prop("Result RecordPath"),
    ),
    relationships=("success", "failure"),
    input="REQUIRED",
    routes=_lookup_record_routes,
    writes=("mime.type", "record.count"),
)

# One row per key, as a record: "SELECT <value columns> FROM <table> WHERE <key column> = ?", a
# PreparedStatement with the key bound as its parameter (DatabaseRecordLookupService.lookup).
DATABASE_RECORD_LOOKUP_SERVICE = Component(
    type="org.apache.nifi.lookup.db.DatabaseRecordLookupService",
    artifact="nifi-lookup-services-nar",
    props=(
        Prop("Database Connection Pooling Service", service_api=DBCP_API),
        Prop("Table Name"),
        Prop("Lookup Key Column"),
        Prop("Lookup Value Columns"),
    ),
    apis=(("org.apache.nifi.lookup.RecordLookupService", STANDARD_API_NAR), (LOOKUP_API, STANDARD_API_NAR)),
    sql=("Table Name", "dbrecord-lookup-table-name", "Lookup Key Column", "dbrecord-lookup-key-column",
         "Lookup Value Columns", "dbrecord-lookup-value-columns"),
)

MAP_CACHE_API = "org.apache.nifi.distributed.cache.client.DistributedMapCacheClient"

# The cached value under a key, as text.
DISTRIBUTED_MAP_CACHE_LOOKUP_SERVICE = Component(
    type="org.apache.nifi.lookup.DistributedMapCacheLookupService",
    artifact="nifi-lookup-services-nar",
    props=(Prop("Distributed Cache Service", service_api=MAP_CACHE_API),),
    apis=(("org.apache.nifi.lookup.StringLookupService", STANDARD_API_NAR), (LOOKUP_API, STANDARD_API_NAR)),
)

# Reads a message field into attributes (record keys, routing keys) so that the flow itself sets what a
# transport reads, never a human script.
EVALUATE_JSON_PATH = Component(
    type="org.apache.nifi.processors.standard.EvaluateJsonPath",
    artifact="nifi-standard-nar",
    props=(
        Prop("Destination"),  # "flowfile-content" (default) or "flowfile-attribute"
        Prop("Return Type"),  # "auto-detect", "json" or "scalar"
        Prop("Path Not Found Behavior"),  # "ignore" (attribute set to ""), "warn" or "skip"
    ),
    relationships=("matched", "unmatched", "failure"),
    input="REQUIRED",
    dynamic_writes=lambda config: config.value("Destination") == "flowfile-attribute",
)

# ---- MongoDB ----------------------------------------------------------------------------------

MONGO_CLIENT_API = "org.apache.nifi.mongodb.MongoDBClientService"

MONGODB_CLIENT_SERVICE = Component(
    type="org.apache.nifi.mongodb.MongoDBControllerService",
    artifact="nifi-mongodb-services-nar",
    props=(Prop("Mongo URI"), Prop("Database User"), Prop("Password", sensitive=True), SSL_CONTEXT),
    apis=((MONGO_CLIENT_API, "nifi-mongodb-client-service-api-nar"),),
)

_MONGO_COMMON = (
    Prop("Client Service", service_api=MONGO_CLIENT_API),
    Prop("Mongo Database Name"),
    Prop("Mongo Collection Name"),
)

GET_MONGO = Component(
    type="org.apache.nifi.processors.mongodb.GetMongo",
    artifact="nifi-mongodb-nar",
    props=(*_MONGO_COMMON, Prop("Query"), Prop("Batch Size")),
    relationships=("success", "failure", "original"),
    writes=("mongo.database.name", "mongo.collection.name"),
)

# Every record of a FlowFile is a document (PutMongo would store the whole content as one).
PUT_MONGO_RECORD = Component(
    type="org.apache.nifi.processors.mongodb.PutMongoRecord",
    artifact="nifi-mongodb-nar",
    props=(*_MONGO_COMMON, Prop("Record Reader", service_api=RECORD_READER_API), Prop("Update Key Fields")),
    relationships=("success", "failure"),
    input="REQUIRED",
)

# ---- Redis ------------------------------------------------------------------------------------

REDIS_POOL_API = "org.apache.nifi.redis.RedisConnectionPool"

REDIS_CONNECTION_POOL = Component(
    type="org.apache.nifi.redis.service.RedisConnectionPoolService",
    artifact="nifi-redis-nar",
    props=(Prop("Connection String"), Prop("Password", sensitive=True), SSL_CONTEXT),
    apis=((REDIS_POOL_API, "nifi-redis-service-api-nar"),),
)

REDIS_MAP_CACHE_CLIENT = Component(
    type="org.apache.nifi.redis.service.RedisDistributedMapCacheClientService",
    artifact="nifi-redis-nar",
    props=(Prop("Redis Connection Pool", service_api=REDIS_POOL_API), Prop("TTL")),
    apis=((MAP_CACHE_API, STANDARD_API_NAR),),
)

PUT_DISTRIBUTED_MAP_CACHE = Component(
    type="org.apache.nifi.processors.standard.PutDistributedMapCache",
    artifact="nifi-standard-nar",
    props=(Prop("Cache Entry Identifier"), Prop("Distributed Cache Service", service_api=MAP_CACHE_API)),
    relationships=("success", "failure"),
    input="REQUIRED",
)

PUT_REDIS_HASH_RECORD = Component(
    type="org.apache.nifi.redis.processor.PutRedisHashRecord",
    artifact="nifi-redis-nar",
    props=(
        Prop("Record Reader", service_api=RECORD_READER_API),
        Prop("Redis Connection Pool", service_api=REDIS_POOL_API),
        Prop("Hash Value Record Path"),
    ),
    relationships=("success", "failure"),
    input="REQUIRED",
)

# ---- TLS ----------------------------------------------------------------------------------------

# Restricted to TLS 1.2 and newer; every SSL Context Service property of the catalog accepts it (see
# SSL_CONTEXT_API).
STANDARD_RESTRICTED_SSL_CONTEXT_SERVICE = Component(
    type="org.apache.nifi.ssl.StandardRestrictedSSLContextService",
    artifact="nifi-ssl-context-service-nar",
    props=(
        Prop("Keystore Filename"),
        Prop("Keystore Password", sensitive=True),
        Prop("Keystore Type"),  # JKS, PKCS12 or BCFKS
        Prop("Key Password", sensitive=True),
        Prop("Truststore Filename"),
        Prop("Truststore Password", sensitive=True),
        Prop("Truststore Type"),
    ),
    apis=((SSL_CONTEXT_API, STANDARD_API_NAR), ("org.apache.nifi.ssl.RestrictedSSLContextService", STANDARD_API_NAR)),
    # SSLContextService extends SSLContextProvider from 2.1.0 (nifi-ssl-context-service-api).
    newer_apis=(("org.apache.nifi.ssl.SSLContextProvider", STANDARD_API_NAR, "2.1.0"),),
)

# ---- declarative mapping (record processors of nifi-standard-nar; no scripting) ----------------------------
# Record Reader / Record Writer keep these keys at every 2.x release for the AbstractRecordProcessor family
# (AbstractRecordProcessor.java); PartitionRecord and ForkRecord renamed theirs from record-reader etc.

_RECORD_IO = (Prop("Record Reader", service_api=RECORD_READER_API), Prop("Record Writer", service_api=RECORD_WRITER_API))

# Each dynamic property is "RecordPath of the field(s) to update" -> replacement: a literal (Expression Language,
# e.g. ${now()}) or, with "Replacement Value Strategy" record-path-value, a RecordPath evaluated against the record
# (UpdateRecord.java); a field that does not exist yet is added (record.incorporateInactiveFields()).
UPDATE_RECORD = Component(
    type="org.apache.nifi.processors.standard.UpdateRecord",
    artifact="nifi-standard-nar",
    props=(*_RECORD_IO, Prop("Replacement Value Strategy")),  # "literal-value" (default) or "record-path-value"
    relationships=("success", "failure"),
    input="REQUIRED",
    writes=("mime.type", "record.count"),
)

# Each dynamic property's value is a RecordPath of fields to remove (RemoveRecordField.java).
REMOVE_RECORD_FIELD = Component(
    type="org.apache.nifi.processors.standard.RemoveRecordField",
    artifact="nifi-standard-nar",
    props=_RECORD_IO,
    relationships=("success", "failure"),
    input="REQUIRED",
    writes=("mime.type", "record.count"),
)

# Each dynamic property's name is a RecordPath of fields to rename, its value the new name (RenameRecordField.java).
RENAME_RECORD_FIELD = Component(
    type="org.apache.nifi.processors.standard.RenameRecordField",
    artifact="nifi-standard-nar",
    props=_RECORD_IO,
    relationships=("success", "failure"),
    input="REQUIRED",
    writes=("mime.type", "record.count"),
)

# Mode "split": one record per element of the array at each dynamic property's RecordPath, with the parent's
# schema and that one element in the array (ForkRecord.java; "extract" writes elements with the parent's schema,
# which drops their own fields unless the writer's schema names them).
FORK_RECORD = Component(
    type="org.apache.nifi.processors.standard.ForkRecord",
    artifact="nifi-standard-nar",
    props=(*_RECORD_IO, Prop("Mode"), Prop("Include Parent Fields")),
    relationships=("fork", "original", "failure"),
    input="REQUIRED",
    writes=("mime.type", "record.count"),
)

# One FlowFile per "Records Per Split" records (SplitRecord.java).
SPLIT_RECORD = Component(
    type="org.apache.nifi.processors.standard.SplitRecord",
    artifact="nifi-standard-nar",
    props=(*_RECORD_IO, Prop("Records Per Split")),
    relationships=("splits", "original", "failure"),
    input="REQUIRED",
    writes=("mime.type", "record.count", "fragment.identifier", "fragment.index", "fragment.count"),
)

# Groups records by the values of each dynamic property's RecordPath; every FlowFile gets an attribute per
# dynamic property holding its group's value (PartitionRecord.java).
PARTITION_RECORD = Component(
    type="org.apache.nifi.processors.standard.PartitionRecord",
    artifact="nifi-standard-nar",
    props=_RECORD_IO,
    relationships=("success", "original", "failure"),
    input="REQUIRED",
    writes=("mime.type", "record.count", "fragment.identifier", "fragment.index", "fragment.count"),
    dynamic_writes=_always,
)

COMPONENTS = (
    KAFKA3_CONNECTION_SERVICE, CONSUME_KAFKA, PUBLISH_KAFKA, INVOKE_HTTP, UPDATE_ATTRIBUTE, EXECUTE_SCRIPT,
    JSON_TREE_READER, JSON_RECORD_SET_WRITER, GENERATE_FLOW_FILE, ROUTE_ON_ATTRIBUTE, STANDARD_HTTP_CONTEXT_MAP,
    HANDLE_HTTP_REQUEST, HANDLE_HTTP_RESPONSE, MODIFY_BYTES, AWS_CREDENTIALS_SERVICE, LIST_S3, FETCH_S3_OBJECT,
    PUT_S3_OBJECT, CONSUME_AMQP, PUBLISH_AMQP, DBCP_CONNECTION_POOL, QUERY_DATABASE_TABLE_RECORD,
    PUT_DATABASE_RECORD, LOOKUP_RECORD, DATABASE_RECORD_LOOKUP_SERVICE, DISTRIBUTED_MAP_CACHE_LOOKUP_SERVICE,
    EVALUATE_JSON_PATH, MONGODB_CLIENT_SERVICE, GET_MONGO, PUT_MONGO_RECORD, REDIS_CONNECTION_POOL,
    REDIS_MAP_CACHE_CLIENT, PUT_DISTRIBUTED_MAP_CACHE, PUT_REDIS_HASH_RECORD, STANDARD_RESTRICTED_SSL_CONTEXT_SERVICE,
    UPDATE_RECORD, REMOVE_RECORD_FIELD, RENAME_RECORD_FIELD, FORK_RECORD, SPLIT_RECORD, PARTITION_RECORD,
    VALIDATE_JSON,
)

# ---- components the generator does not emit, known to flowcheck for what they do to a flow ----------------


def _sql_replaces_content(config: Config) -> bool:
    # ExecuteSQL(Record) writes the result set as the FlowFile content (2.3.0 added "Content Output Strategy",
    # whose default, EMPTY, still replaces the content with the result: AbstractExecuteSQL).
    return True


EXECUTE_SQL = Component(
    type="org.apache.nifi.processors.standard.ExecuteSQL",
    artifact="nifi-standard-nar",
    relationships=("success", "failure"),
    replaces_content=_sql_replaces_content,
    sql=("SQL select query", "SQL Query", "sql-pre-query", "SQL Pre-Query", "sql-post-query", "SQL Post-Query"),
)

EXECUTE_SQL_RECORD = Component(
    type="org.apache.nifi.processors.standard.ExecuteSQLRecord",
    artifact="nifi-standard-nar",
    relationships=("success", "failure"),
    writes=("mime.type", "record.count"),
    replaces_content=_sql_replaces_content,
    sql=EXECUTE_SQL.sql,
)

FETCH_DISTRIBUTED_MAP_CACHE = Component(
    type="org.apache.nifi.processors.standard.FetchDistributedMapCache",
    artifact="nifi-standard-nar",
    relationships=("success", "failure", "not-found"),
    input="REQUIRED",
    # The cached value replaces the content unless "Put Cache Value In Attribute" names an attribute.
    replaces_content=lambda config: not config.value("Put Cache Value In Attribute"),
)

FORK_ENRICHMENT = Component(
    type="org.apache.nifi.processors.standard.ForkEnrichment",
    artifact="nifi-standard-nar",
    relationships=("original", "enrichment"),
    input="REQUIRED",
    writes=("enrichment.group.id", "enrichment.role"),
)

JOIN_ENRICHMENT = Component(
    type="org.apache.nifi.processors.standard.JoinEnrichment",
    artifact="nifi-standard-nar",
    relationships=("joined", "original", "timeout", "failure"),
    input="REQUIRED",
    auto_terminated=("original",),  # JoinEnrichment.REL_ORIGINAL.autoTerminateDefault(true)
    writes=("mime.type", "record.count"),
)

KNOWN = (*COMPONENTS, EXECUTE_SQL, EXECUTE_SQL_RECORD, FETCH_DISTRIBUTED_MAP_CACHE, FORK_ENRICHMENT,
         JOIN_ENRICHMENT)
BY_TYPE = {component.type: component for component in KNOWN}

def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@dataclass(frozen=True)
class Target:
    """A NiFi release the output is built for."""

    version: str

    @classmethod
    def of(cls, version: str) -> Target:
        return cls(version)

    def bundle(self, artifact: str) -> dict[str, str]:
        return {"artifact": artifact, "group": BUNDLE_GROUP, "version": self.version}

    def key(self, component: Component, key: str) -> str:
        """The key this release stores for a catalog property (raises MissingProperty if it has none)."""
        found = nifi_definitions.canonical_key(component.type, key, self.version)
        if found is not None:
            return found
        if nifi_definitions.prop(SUPPORTED_NIFI_VERSIONS[-1], component.type, key) is None:
            return key  # a property NiFi builds at run time (ExecuteScript's Script Engine): the data cannot say
        raise nifi_definitions.MissingProperty(component.type, key, self.version,
                                               nifi_definitions.first_release_with(component.type, key))

    def apis(self, component: Component) -> list[tuple[str, str]]:
        """The APIs a controller service implements at this version."""
        newer = [(api, nar) for api, nar, since in component.newer_apis if _release(self.version) >= _release(since)]
        return [*component.apis, *newer]

    def display(self, component: Component, key: str) -> str:
        """NiFi's display name of a catalog property at this version."""
        found = nifi_definitions.prop(self.version, component.type, self.key(component, key))
        return found["displayName"] if found else component.prop(key).display or key
