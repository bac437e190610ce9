"""The NiFi components the generator emits, per target NiFi version.

Property keys here are NiFi's canonical descriptor *names* (what a flow JSON stores) at the newest
supported release, never display names. `Target` finds each one's key, display name and bundle at the
target release from NiFi's own definitions (nifi_definitions.py, data read from NiFi's source at every
release tag); tests/test_nifi_definitions.py checks every key, relationship and sensitive flag here
against them at every release.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import nifi_definitions

SUPPORTED_NIFI_VERSIONS = nifi_definitions.versions()
DEFAULT_NIFI_VERSION = "2.11.0"
BUNDLE_GROUP = "org.apache.nifi"


@dataclass(frozen=True)
class Prop:
    key: str
    display: str | None = None  # NiFi's display name when it differs from the key
    sensitive: bool = False
    service_api: str | None = None  # set when the property identifies a controller service


@dataclass(frozen=True)
class Component:
    type: str
    artifact: str
    props: tuple[Prop, ...] = ()
    relationships: tuple[str, ...] = ()
    # Interfaces a controller service implements, with the NAR that holds each API.
    apis: tuple[tuple[str, str], ...] = ()
    # Dynamic properties may be sensitive (@SupportsSensitiveDynamicProperties).
    sensitive_dynamic: bool = False

    def prop(self, key: str) -> Prop:
        for candidate in self.props:
            if candidate.key == key:
                return candidate
        raise KeyError(f"{self.type} has no property {key!r} in the catalog")


KAFKA_CONNECTION_API = "org.apache.nifi.kafka.service.api.KafkaConnectionService"

KAFKA3_CONNECTION_SERVICE = Component(
    type="org.apache.nifi.kafka.service.Kafka3ConnectionService",
    artifact="nifi-kafka-3-service-nar",
    props=(
        Prop("bootstrap.servers", "Bootstrap Servers"),
        Prop("security.protocol", "Security Protocol"),
        Prop("sasl.mechanism", "SASL Mechanism"),
        Prop("sasl.username", "SASL Username"),
        Prop("sasl.password", "SASL Password", sensitive=True),
    ),
    apis=((KAFKA_CONNECTION_API, "nifi-kafka-service-api-nar"),),
)

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
)

INVOKE_HTTP = Component(
    type="org.apache.nifi.processors.standard.InvokeHTTP",
    artifact="nifi-standard-nar",
    props=(
        Prop("HTTP Method"),
        Prop("HTTP URL"),
        Prop("Request Content-Type"),
    ),
    relationships=("Original", "Response", "Retry", "No Retry", "Failure"),
    sensitive_dynamic=True,
)

UPDATE_ATTRIBUTE = Component(
    type="org.apache.nifi.processors.attributes.UpdateAttribute",
    artifact="nifi-update-attribute-nar",
    relationships=("success",),
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

STANDARD_API_NAR = "nifi-standard-services-api-nar"
RECORD_READER_API = "org.apache.nifi.serialization.RecordReaderFactory"
RECORD_WRITER_API = "org.apache.nifi.serialization.RecordSetWriterFactory"

JSON_TREE_READER = Component(
    type="org.apache.nifi.json.JsonTreeReader",
    artifact="nifi-record-serialization-services-nar",
    apis=((RECORD_READER_API, STANDARD_API_NAR),),
)

JSON_RECORD_SET_WRITER = Component(
    type="org.apache.nifi.json.JsonRecordSetWriter",
    artifact="nifi-record-serialization-services-nar",
    apis=((RECORD_WRITER_API, STANDARD_API_NAR),),
)

# ---- schedule ---------------------------------------------------------------------------------

GENERATE_FLOW_FILE = Component(
    type="org.apache.nifi.processors.standard.GenerateFlowFile",
    artifact="nifi-standard-nar",
    relationships=("success",),
)

# ---- HTTP IN ----------------------------------------------------------------------------------

HTTP_CONTEXT_MAP_API = "org.apache.nifi.http.HttpContextMap"

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
    ),
    relationships=("success",),
)

# Routes on dynamic properties: each property adds a relationship of its name.
ROUTE_ON_ATTRIBUTE = Component(
    type="org.apache.nifi.processors.standard.RouteOnAttribute",
    artifact="nifi-standard-nar",
    props=(Prop("Routing Strategy"),),
    relationships=("unmatched",),
)

HANDLE_HTTP_RESPONSE = Component(
    type="org.apache.nifi.processors.standard.HandleHttpResponse",
    artifact="nifi-standard-nar",
    props=(
        Prop("HTTP Status Code"),
        Prop("HTTP Context Map", service_api=HTTP_CONTEXT_MAP_API),
    ),
    relationships=("success", "failure"),
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
)

LIST_S3 = Component(
    type="org.apache.nifi.processors.aws.s3.ListS3",
    artifact="nifi-aws-nar",
    props=(*_S3_COMMON, Prop("Prefix"), Prop("Listing Batch Size")),
    relationships=("success",),
)

FETCH_S3_OBJECT = Component(
    type="org.apache.nifi.processors.aws.s3.FetchS3Object",
    artifact="nifi-aws-nar",
    props=(*_S3_COMMON, Prop("Object Key")),
    relationships=("success", "failure"),
)

PUT_S3_OBJECT = Component(
    type="org.apache.nifi.processors.aws.s3.PutS3Object",
    artifact="nifi-aws-nar",
    props=(*_S3_COMMON, Prop("Object Key"), Prop("Content Type")),
    relationships=("success", "failure"),
)

# ---- AMQP (connection properties live on each processor; there is no service) -----------------

_AMQP_CONNECTION = (
    Prop("Brokers"),
    Prop("Virtual Host"),
    Prop("Username"),
    Prop("Password", sensitive=True),
)

CONSUME_AMQP = Component(
    type="org.apache.nifi.amqp.processors.ConsumeAMQP",
    artifact="nifi-amqp-nar",
    props=(*_AMQP_CONNECTION, Prop("Queue"), Prop("Header Output Format"), Prop("Batch Size")),
    relationships=("success",),
)

PUBLISH_AMQP = Component(
    type="org.apache.nifi.amqp.processors.PublishAMQP",
    artifact="nifi-amqp-nar",
    props=(*_AMQP_CONNECTION, Prop("Exchange Name"), Prop("Routing Key"), Prop("Headers Source"),
           Prop("Headers Pattern")),
    relationships=("success", "failure"),
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
)

EXECUTE_SQL_RECORD = Component(
    type="org.apache.nifi.processors.standard.ExecuteSQLRecord",
    artifact="nifi-standard-nar",
    props=(
        Prop("Database Connection Pooling Service", service_api=DBCP_API),
        Prop("SQL Query"),
        Prop("Record Writer", service_api=RECORD_WRITER_API),
    ),
    relationships=("success", "failure"),
)

# ---- MongoDB ----------------------------------------------------------------------------------

MONGO_CLIENT_API = "org.apache.nifi.mongodb.MongoDBClientService"

MONGODB_CLIENT_SERVICE = Component(
    type="org.apache.nifi.mongodb.MongoDBControllerService",
    artifact="nifi-mongodb-services-nar",
    props=(Prop("Mongo URI"), Prop("Database User"), Prop("Password", sensitive=True)),
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
)

PUT_MONGO = Component(
    type="org.apache.nifi.processors.mongodb.PutMongo",
    artifact="nifi-mongodb-nar",
    props=(*_MONGO_COMMON, Prop("Mode"), Prop("Upsert"), Prop("Update Query Key")),
    relationships=("success", "failure"),
)

# ---- Redis ------------------------------------------------------------------------------------

REDIS_POOL_API = "org.apache.nifi.redis.RedisConnectionPool"
MAP_CACHE_API = "org.apache.nifi.distributed.cache.client.DistributedMapCacheClient"

REDIS_CONNECTION_POOL = Component(
    type="org.apache.nifi.redis.service.RedisConnectionPoolService",
    artifact="nifi-redis-nar",
    props=(Prop("Connection String"), Prop("Password", sensitive=True)),
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
)

FETCH_DISTRIBUTED_MAP_CACHE = Component(
    type="org.apache.nifi.processors.standard.FetchDistributedMapCache",
    artifact="nifi-standard-nar",
    props=(
        Prop("Cache Entry Identifier"),
        Prop("Distributed Cache Service", service_api=MAP_CACHE_API),
        Prop("Put Cache Value In Attribute"),
    ),
    relationships=("success", "failure", "not-found"),
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
)

COMPONENTS = (
    KAFKA3_CONNECTION_SERVICE, CONSUME_KAFKA, PUBLISH_KAFKA, INVOKE_HTTP, UPDATE_ATTRIBUTE, EXECUTE_SCRIPT,
    JSON_TREE_READER, JSON_RECORD_SET_WRITER, GENERATE_FLOW_FILE, ROUTE_ON_ATTRIBUTE, STANDARD_HTTP_CONTEXT_MAP, HANDLE_HTTP_REQUEST,
    HANDLE_HTTP_RESPONSE, AWS_CREDENTIALS_SERVICE, LIST_S3, FETCH_S3_OBJECT, PUT_S3_OBJECT, CONSUME_AMQP,
    PUBLISH_AMQP, DBCP_CONNECTION_POOL, QUERY_DATABASE_TABLE_RECORD, PUT_DATABASE_RECORD, EXECUTE_SQL_RECORD,
    MONGODB_CLIENT_SERVICE, GET_MONGO, PUT_MONGO, REDIS_CONNECTION_POOL, REDIS_MAP_CACHE_CLIENT,
    PUT_DISTRIBUTED_MAP_CACHE, FETCH_DISTRIBUTED_MAP_CACHE, PUT_REDIS_HASH_RECORD,
)

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

    def display(self, component: Component, key: str) -> str:
        """NiFi's display name of a catalog property at this version."""
        found = nifi_definitions.prop(self.version, component.type, self.key(component, key))
        return found["displayName"] if found else component.prop(key).display or key
