"""The transport table: per transport, its option fields, the directions it supports and what each builds.

Each entry names the fields of its `Transport` option message (logical refs and
settings), the builder of each supported direction (which processors, services
and parameters it produces; see the modules of this package) and any extra
checks. Adding a transport is one option message, one builder module and one
entry here; reader.py and flow.py stay untouched.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..model import Binding, Integration, MessageInfo, Port, Tuning
from ..naming import snake_slug
from ..units import is_cron, is_time_period
from .base import Boundary, Param, ServiceUse, Step, ref
from .data import (
    UPSERT_DIALECTS,
    jdbc_in,
    jdbc_lookup,
    jdbc_out,
    mongodb_in,
    mongodb_out,
    redis_lookup,
    redis_out,
)
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


@dataclass(frozen=True)
class Transport:
    summary: str
    builders: dict[str, Builder]  # direction -> builder
    refs: tuple[RefField, ...] = ()
    settings: tuple[str, ...] = ()  # enum or text fields read as they are
    batch_directions: frozenset[str] = frozenset()  # directions whose processor takes tuning.batch_size
    header_directions: frozenset[str] = frozenset()  # directions that send required_headers as headers
    check: Callable[[Declared], list[str]] = field(default=lambda declared: [])


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
    if mode == "HASH" and not d.routing_key:
        return ["redis mode HASH has no routing_key; set routing_key to the record field whose value is the hash key"]
    if mode == "HASH":
        return _json_records("redis HASH")(d)
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
    ),
    "http": Transport(
        "HTTP (IN: HandleHttpRequest replying 202; OUT: InvokeHTTP)",
        {"IN": http_in, "OUT": http_out},
        refs=(RefField("endpoint_ref", "erp-orders", "the URL"),),
        settings=("method",),
        header_directions=frozenset({"IN", "OUT"}),  # IN: requests without them are refused (400)
        check=_check_http,
    ),
    "s3": Transport(
        "Amazon S3 or compatible (IN: ListS3 + FetchS3Object; OUT: PutS3Object)",
        {"IN": s3_in, "OUT": s3_out},
        refs=(RefField("bucket_ref", "booking-exports", "the bucket and region"),),
        batch_directions=frozenset({"IN"}),
        header_directions=frozenset({"OUT"}),  # as object metadata
    ),
    "amqp": Transport(
        "AMQP 0.9.1 / RabbitMQ (ConsumeAMQP / PublishAMQP)",
        {"IN": amqp_in, "OUT": amqp_out},
        refs=(RefField("binding_ref", "booking-created", "queues, exchanges and brokers"),),
        batch_directions=frozenset({"IN"}),
        header_directions=frozenset({"OUT"}),
    ),
    "jdbc": Transport(
        "Relational databases (IN: QueryDatabaseTableRecord; OUT: PutDatabaseRecord upsert; LOOKUP: "
        "ExecuteSQLRecord) with a DBCPConnectionPool",
        {"IN": jdbc_in, "OUT": jdbc_out, "LOOKUP": jdbc_lookup},
        refs=(RefField("database_ref", "booking-db", "the JDBC URL and credentials"),
              RefField("table_ref", "bookings", "the table")),
        settings=("dialect",),
        batch_directions=frozenset({"IN", "OUT"}),
        check=_check_jdbc,
    ),
    "mongodb": Transport(
        "MongoDB (IN: GetMongo; OUT: PutMongo insert or upsert) with a MongoDBControllerService",
        {"IN": mongodb_in, "OUT": mongodb_out},
        refs=(RefField("database_ref", "analytics", "the URI and database"),
              RefField("collection_ref", "booking-events", "the collection")),
        batch_directions=frozenset({"IN"}),
        check=_json_records("mongodb"),
    ),
    "redis": Transport(
        "Redis (OUT: PutDistributedMapCache or PutRedisHashRecord; LOOKUP: FetchDistributedMapCache)",
        {"OUT": redis_out, "LOOKUP": redis_lookup},
        refs=(RefField("binding_ref", "vehicle-profiles", "the keyspace"),),
        settings=("mode",),
        check=_check_redis,
    ),
    "schedule": Transport(
        "A cron or timer trigger (GenerateFlowFile, primary node)",
        {"IN": schedule_in},
        settings=("cron", "every"),
        check=_check_schedule,
    ),
}


def boundary(integration: Integration, port: Port) -> Boundary:
    return TRANSPORTS[port.transport].builders[port.direction](integration, port)


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
