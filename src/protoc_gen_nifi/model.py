"""The integration model: what the protos declare, independent of NiFi."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backpressure:
    """How much a connection queues before it stops its source."""

    objects: int
    size: str


@dataclass(frozen=True)
class Retry:
    """How often a failed delivery is retried, and the longest wait between tries."""

    count: int
    max_backoff: str


@dataclass(frozen=True)
class MessageInfo:
    """A port's message: its name, its file and its event_fact options."""

    full_name: str  # without the leading dot
    file: str
    fact_type: str = ""
    schema_subject: str = ""
    stream_ref: str = ""
    partition_key_fields: tuple[str, ...] = ()
    idempotency_key_fields: tuple[str, ...] = ()
    compatibility: str = ""
    fields: tuple[str, ...] = ()  # top-level field names, in declaration order


@dataclass(frozen=True)
class Tuning:
    """How a port's transport processor runs; None / "" keeps NiFi's default."""

    concurrent_tasks: int | None = None
    batch_size: int | None = None
    run_duration: str = ""
    every: str = ""
    cron: str = ""

    def over(self, base: Tuning) -> Tuning:
        """This tuning's settings, falling back to `base` for the unset ones."""
        return Tuning(
            self.concurrent_tasks if self.concurrent_tasks is not None else base.concurrent_tasks,
            self.batch_size if self.batch_size is not None else base.batch_size,
            self.run_duration or base.run_duration,
            # A schedule is one setting: a port's cron replaces the defaults' timer and vice versa.
            self.every if (self.every or self.cron) else base.every,
            self.cron if (self.every or self.cron) else base.cron,
        )


@dataclass(frozen=True)
class Tls:
    """TLS on a transport's connection."""

    client_certificate: bool = False  # mutual TLS; on an HTTP IN port: callers must present one


@dataclass(frozen=True)
class Binding:
    """A port's transport option: its logical refs and settings, as declared."""

    transport: str  # key of the transport table, e.g. "kafka"
    refs: tuple[tuple[str, str], ...] = ()  # (field, logical name), e.g. ("binding_ref", "orders-in")
    settings: tuple[tuple[str, str], ...] = ()  # (field, enum name or text), e.g. ("method", "POST")
    tls: Tls | None = None
    # Name of the NiFi cluster's controller service that provides the connection (none: embed one).
    shared: str = ""

    def ref(self, name: str) -> str:
        return dict(self.refs)[name]

    def setting(self, name: str) -> str:
        return dict(self.settings).get(name, "")


@dataclass(frozen=True)
class Lookup:
    """How a LOOKUP port enriches a record."""

    key_field: str  # field path of the port's message: the key column or cache key
    key_from: str  # field path of the enriched record holding the key's value
    fallback: Binding | None = None  # looked up on a miss


@dataclass(frozen=True)
class Transform:
    """One declarative mapping step, checked against the schema and resolved to what the processors get."""

    kind: str  # key of transforms.TRANSFORMS
    number: int  # 1-based position in the port's mapping
    summary: str  # what the step does, in the processor's name and comments
    # Dynamic properties of each processor the step needs, in data order: (name, value) pairs.
    stages: tuple[tuple[tuple[str, str], ...], ...] = ()
    condition: str = ""  # filter and route: the Expression Language test of the partitioned value
    target: str = ""  # route: slug of the OUT port the matching records go to


@dataclass(frozen=True)
class Port:
    """One rpc of an integration: a message entering or leaving NiFi through a transport."""

    name: str  # rpc method name
    slug: str
    direction: str  # "IN" | "OUT" | "LOOKUP"
    transport: str  # key of the transport table, e.g. "kafka"
    binding: Binding
    message: MessageInfo
    content_type: str
    required_headers: tuple[str, ...]
    envelope: str
    routing_key: str
    description: str
    backpressure: Backpressure
    retry: Retry
    tuning: Tuning
    origin: str  # the .proto file that declares the port, for comments
    lookup: Lookup | None = None  # LOOKUP ports
    position: tuple[int, int] = (0, 0)  # (line, column) of the rpc in `origin`, for located errors
    mapping: tuple[Transform, ...] = ()  # OUT ports: the declarative mapping, checked
    script: bool = True  # OUT ports: the human-owned mapping script runs (after the mapping's steps)
    validate_schema: bool = False  # a JSON IN port checks each payload against its message's JSON Schema
    schema: str = ""  # that schema's text (json_schema.with_schemas), for the flow to embed


@dataclass(frozen=True)
class Integration:
    """One annotated service: its ports and the defaults they share."""

    slug: str
    service: str  # fully-qualified service name
    file: str
    description: str
    ports: tuple[Port, ...]
    backpressure: Backpressure
    retry: Retry
    dead_letter: Binding | None = None
    position: tuple[int, int] = (0, 0)  # (line, column) of the service in `file`, for located errors

    def ports_in(self) -> tuple[Port, ...]:
        return tuple(p for p in self.ports if p.direction == "IN")

    def ports_out(self) -> tuple[Port, ...]:
        return tuple(p for p in self.ports if p.direction == "OUT")

    def ports_lookup(self) -> tuple[Port, ...]:
        return tuple(p for p in self.ports if p.direction == "LOOKUP")

    def messages(self) -> tuple[str, ...]:
        return tuple(sorted({p.message.full_name for p in self.ports}))
