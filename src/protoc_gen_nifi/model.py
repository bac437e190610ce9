"""The integration model: what the protos declare, independent of NiFi."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backpressure:
    objects: int
    size: str


@dataclass(frozen=True)
class Retry:
    count: int
    max_backoff: str


@dataclass(frozen=True)
class MessageInfo:
    full_name: str  # without the leading dot
    file: str
    fact_type: str = ""
    schema_subject: str = ""
    stream_ref: str = ""
    partition_key_fields: tuple[str, ...] = ()
    idempotency_key_fields: tuple[str, ...] = ()
    compatibility: str = ""


@dataclass(frozen=True)
class KafkaBinding:
    binding_ref: str


@dataclass(frozen=True)
class HttpBinding:
    method: str
    endpoint_ref: str


@dataclass(frozen=True)
class Port:
    name: str  # rpc method name
    slug: str
    direction: str  # "IN" | "OUT"
    transport: str  # key of the transport table, e.g. "kafka"
    binding: KafkaBinding | HttpBinding
    message: MessageInfo
    content_type: str
    required_headers: tuple[str, ...]
    envelope: str
    routing_key: str
    description: str
    backpressure: Backpressure
    retry: Retry
    origin: str  # the .proto file that declares the port, for comments


@dataclass(frozen=True)
class Integration:
    slug: str
    service: str  # fully-qualified service name
    file: str
    description: str
    ports: tuple[Port, ...]
    backpressure: Backpressure
    retry: Retry

    def ports_in(self) -> tuple[Port, ...]:
        return tuple(p for p in self.ports if p.direction == "IN")

    def ports_out(self) -> tuple[Port, ...]:
        return tuple(p for p in self.ports if p.direction == "OUT")

    def messages(self) -> tuple[str, ...]:
        return tuple(sorted({p.message.full_name for p in self.ports}))
