"""The transport table: per transport, its option fields, the directions it supports and what each builds.

Each entry names the fields of its `Transport` option message (logical refs and
settings), the builder of each supported direction (which processors, services
and parameters it produces; see the modules of this package) and any extra
checks. Adding a transport is one option message, one builder module and one
entry here; reader.py and flow.py stay untouched.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..model import Binding, Integration, MessageInfo, Port, Tuning
from ..naming import ref_slug, snake_slug
from ..units import is_cron, is_time_period
from .base import Boundary, Param, ServiceUse, Step, ref, validate_step
from .data import (
    UPSERT_DIALECTS,
    jdbc_in,
    jdbc_out,
    mongodb_in,
    mongodb_out,
    redis_out,
)
from .lookup import enrich
from .messaging import amqp_in, amqp_out, kafka_in, kafka_out
from .schedule import schedule_in
from .web import http_in, http_out, s3_in, s3_out

__all__ = [
    "MAPPING_MODULES",
    "TRANSPORTS",
    "Boundary",
    "Param",
    "ServiceUse",
    "Step",
    "Transport",
    "boundary",
    "dead_letter_port",
    "mapping_params",
    "ref",
]

Builder = Callable[[Integration, Port], Boundary]
JSON_TYPES = ("", "application/json")


@dataclass(frozen=True)
class RefField:
    """A logical reference a transport's option message declares."""

    name: str  # field of the transport's option message
    example: str  # a good logical name, for error messages
    binds: str  # what each environment binds to it, for error messages


@dataclass(frozen=True)
class Declared:
    """What the reader hands a transport's check: the port as declared."""

    binding: Binding
    direction: str
    content_type: str
    routing_key: str
    has_schedule: bool  # the port's tuning sets every or cron
    partition_keys: tuple[str, ...] = ()  # the message's event_fact partition_key_fields


# eq=False: an entry of a table is equal only to itself. Its generated __eq__ and __hash__ (fields that hold
# callables and dicts) were never called, yet compiling them cost every plugin process about 0.3 ms.
@dataclass(frozen=True, eq=False)
class Transport:
    """What the generator knows of one transport: its builders, fields and checks."""

    summary: str
    builders: dict[str, Builder]  # direction -> builder
    refs: tuple[RefField, ...] = ()
    settings: tuple[str, ...] = ()  # enum or text fields read as they are
    batch_directions: frozenset[str] = frozenset()  # directions whose processor takes tuning.batch_size
    header_directions: frozenset[str] = frozenset()  # directions that send required_headers as headers
    routing_directions: frozenset[str] = frozenset()  # directions whose messages routing_key routes
    check: Callable[[Declared], list[str]] = field(default=lambda declared: [])
    # The controller service a port's connection is (one per key and integration), which a cluster's shared
    # service can stand in for; None: the connection is configured on each processor.
    connection: Callable[[Binding], str] | None = None
    # TLS is a setting of that connection service (every port of the connection has the same).
    tls_on_connection: bool = False
    no_tls: str = ""  # why the transport cannot be declared tls ("": it can)
    column_keys: bool = False  # key fields name table columns: top-level fields only
    # Directions whose FlowFiles are one message each, which validate_schema can check against its JSON Schema.
    schema_directions: frozenset[str] = frozenset()


def _check_http(d: Declared) -> list[str]:
    if not d.binding.setting("method") or d.binding.setting("method") == "METHOD_UNSPECIFIED":
        return ["http transport has no method; set e.g. method: POST"]
    if d.direction == "IN" and d.binding.setting("method") == "PATCH":
        return ["an http IN port cannot accept PATCH; use method: POST, PUT, GET or DELETE"]
    return []


def _json_records(transport: str) -> Callable[[Declared], list[str]]:
    def check(d: Declared) -> list[str]:
        if d.content_type not in JSON_TYPES:
            return [(f"{transport} transport exchanges JSON records; set content_type: \"application/json\" "
                    "or leave it unset")]
        return []
    return check


def _keyed_json(d: Declared, what: str, fields: tuple[str, ...]) -> list[str]:
    """The flow reads keys from the JSON message (EvaluateJsonPath): a binary payload has none to read."""
    if fields and d.content_type not in JSON_TYPES:
        return [(f"the flow reads {what} ({', '.join(fields)}) from the JSON message, but content_type is "
                f"{d.content_type!r}; publish application/json or drop the key fields")]
    return []


def _check_kafka(d: Declared) -> list[str]:
    if d.direction != "OUT":
        return []
    return _keyed_json(d, "the message key", (d.routing_key,) if d.routing_key else d.partition_keys)


def _check_amqp(d: Declared) -> list[str]:
    if d.direction != "OUT":
        return []
    return _keyed_json(d, "the routing key", (d.routing_key,) if d.routing_key else ())


def _check_jdbc(d: Declared) -> list[str]:
    problems = _json_records("jdbc")(d)
    if d.direction == "OUT" and d.binding.setting("dialect") not in UPSERT_DIALECTS:
        problems.append("jdbc OUT upserts records, which NiFi supports for dialect POSTGRESQL or MYSQL; "
                        "set dialect: POSTGRESQL")
    return problems


def _check_redis(d: Declared) -> list[str]:
    mode = d.binding.setting("mode")
    if mode not in ("CACHE", "HASH"):
        return ["redis transport has no mode; set mode: CACHE (key/value) or mode: HASH (records as hashes)"]
    if mode == "HASH" and d.direction != "OUT":
        return ["redis mode HASH writes records (OUT only); use mode: CACHE for a LOOKUP port"]
    if d.direction == "OUT" and not d.routing_key:
        return [(f"redis mode {mode} has no routing_key; set routing_key to the message field whose value is the "
                f"{'hash' if mode == 'HASH' else 'entry'}'s key (in the keyspace of binding_ref)")]
    if d.direction == "OUT":
        return _json_records(f"redis {mode}")(d)
    return []


def _check_schedule(d: Declared) -> list[str]:
    cron, every = d.binding.setting("cron"), d.binding.setting("every")
    if bool(cron) == bool(every):
        return ["schedule transport needs exactly one of cron or every; set e.g. cron: \"0 0 2 * * ?\" or every: \"15 mins\""]
    if cron and not is_cron(cron):
        return [(f"schedule cron {cron!r} is not a Quartz cron expression (6 or 7 fields: sec min hour day month "
                "weekday [year]); write e.g. \"0 0 2 * * ?\"")]
    if every and not is_time_period(every):
        return [f"schedule every {every!r} is not a NiFi time period; write e.g. \"15 mins\""]
    if d.has_schedule:
        return ["a schedule port fires on its own cron or every; remove tuning.every / tuning.cron"]
    return []


TRANSPORTS: dict[str, Transport] = {
    "kafka": Transport(
        "Apache Kafka topics (ConsumeKafka / PublishKafka with a Kafka3ConnectionService)",
        {"IN": kafka_in, "OUT": kafka_out},
        refs=(RefField("binding_ref", "orders-in", "topics and brokers"),),
        header_directions=frozenset({"OUT"}),
        routing_directions=frozenset({"OUT"}),
        check=_check_kafka,
        connection=lambda binding: "kafka",
        tls_on_connection=True,
        schema_directions=frozenset({"IN"}),
    ),
    "http": Transport(
        "HTTP (IN: HandleHttpRequest replying 202; OUT: InvokeHTTP)",
        {"IN": http_in, "OUT": http_out},
        refs=(RefField("endpoint_ref", "erp-orders", "the URL"),),
        settings=("method",),
        header_directions=frozenset({"IN", "OUT"}),  # IN: requests without them are refused (400)
        check=_check_http,
        schema_directions=frozenset({"IN"}),
    ),
    "s3": Transport(
        "Amazon S3 or compatible (IN: ListS3 + FetchS3Object; OUT: PutS3Object)",
        {"IN": s3_in, "OUT": s3_out},
        refs=(RefField("bucket_ref", "booking-exports", "the bucket and region"),),
        batch_directions=frozenset({"IN"}),
        header_directions=frozenset({"OUT"}),  # as object metadata
        connection=lambda binding: "aws",
        schema_directions=frozenset({"IN"}),
    ),
    "amqp": Transport(
        "AMQP 0.9.1 / RabbitMQ (ConsumeAMQP / PublishAMQP)",
        {"IN": amqp_in, "OUT": amqp_out},
        refs=(RefField("binding_ref", "booking-created", "queues, exchanges and brokers"),),
        batch_directions=frozenset({"IN"}),
        header_directions=frozenset({"OUT"}),
        routing_directions=frozenset({"OUT"}),
        check=_check_amqp,
        schema_directions=frozenset({"IN"}),
    ),
    "jdbc": Transport(
        "Relational databases (IN: QueryDatabaseTableRecord; OUT: PutDatabaseRecord upsert; LOOKUP: "
        "LookupRecord with a DatabaseRecordLookupService) with a DBCPConnectionPool",
        {"IN": jdbc_in, "OUT": jdbc_out, "LOOKUP": enrich},
        refs=(RefField("database_ref", "booking-db", "the JDBC URL and credentials"),
              RefField("table_ref", "bookings", "the table")),
        settings=("dialect",),
        batch_directions=frozenset({"IN", "OUT"}),
        check=_check_jdbc,
        connection=lambda binding: f"jdbc-{ref_slug(binding.ref('database_ref'))}",
        no_tls="a JDBC connection takes its TLS settings in the JDBC URL (e.g. ?sslmode=verify-full), a parameter; "
               "remove tls",
        column_keys=True,
    ),
    "mongodb": Transport(
        "MongoDB (IN: GetMongo; OUT: PutMongoRecord insert or upsert) with a MongoDBControllerService",
        {"IN": mongodb_in, "OUT": mongodb_out},
        refs=(RefField("database_ref", "analytics", "the URI and database"),
              RefField("collection_ref", "booking-events", "the collection")),
        batch_directions=frozenset({"IN"}),
        check=_json_records("mongodb"),
        connection=lambda binding: f"mongodb-{ref_slug(binding.ref('database_ref'))}",
        tls_on_connection=True,
    ),
    "redis": Transport(
        "Redis (OUT: PutDistributedMapCache or PutRedisHashRecord; LOOKUP: LookupRecord with a "
        "DistributedMapCacheLookupService)",
        {"OUT": redis_out, "LOOKUP": enrich},
        refs=(RefField("binding_ref", "vehicle-profiles", "the keyspace"),),
        settings=("mode",),
        routing_directions=frozenset({"OUT"}),
        check=_check_redis,
        connection=lambda binding: "redis",
        tls_on_connection=True,
    ),
    "schedule": Transport(
        "A cron or timer trigger (GenerateFlowFile, primary node)",
        {"IN": schedule_in},
        settings=("cron", "every"),
        check=_check_schedule,
        no_tls="a schedule has no connection to secure; remove tls",
    ),
}


def boundary(integration: Integration, port: Port) -> Boundary:
    spec = TRANSPORTS[port.transport].builders[port.direction](integration, port)
    if port.validate_schema and not any(step.key == "validate" for step in spec.steps):
        # Last, so that a parked payload carries the port's context (integration, port, trace) too.
        spec = replace(spec, steps=(*spec.steps, validate_step(port)))
    return spec


def dead_letter_port(integration: Integration) -> Port:
    """The integration's dead-letter output seen as one more OUT port, so any OUT builder can serve it."""
    assert integration.dead_letter is not None
    return Port(
        name="dead_letter", slug="dead_letter", direction="OUT", transport=integration.dead_letter.transport,
        binding=integration.dead_letter,
        message=MessageInfo(full_name="", file=integration.file),  # any failed FlowFile, whatever its schema
        content_type="", required_headers=(), envelope="", routing_key="", description="",
        backpressure=integration.backpressure, retry=integration.retry, tuning=Tuning(), origin=integration.file,
    )


def mapping_params(port: Port) -> Param:
    return Param(
        f"mapping.{snake_slug(port.name)}.script.path",
        f"Path on the NiFi nodes of the human-owned Groovy script that produces port {port.name}'s "
        f"{port.message.full_name}",
    )


MAPPING_MODULES = Param("mapping.module.path", "Comma-separated paths of modules the mapping scripts use (may be empty)",
                        required=False)
