"""The transport table: what each (transport, direction) puts at an integration's boundary.

One entry per supported pair. An entry turns a port into a `Boundary`: the
processors of its ingress or egress group in data order, the controller
services they use and the parameters they reference. Adding a transport is
one builder function plus one line in TRANSPORTS; flow.py stays untouched.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from . import nifi_catalog as nc
from .model import HttpBinding, Integration, KafkaBinding, Port
from .naming import ref_slug, snake_slug


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    sensitive: bool = False


def ref(param: Param) -> str:
    """A property value that is exactly one parameter reference."""
    return "#{" + param.name + "}"


@dataclass(frozen=True)
class ServiceUse:
    key: str  # one service per key and integration, shared by every port that needs it
    name: str
    component: nc.Component
    properties: dict[str, str]
    comments: str


@dataclass(frozen=True)
class Step:
    """One processor at the boundary."""

    key: str  # stable within the boundary group; part of the processor's id
    name: str
    component: nc.Component
    comments: str
    properties: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)  # property key -> ServiceUse.key
    # Dynamic properties: name -> (value, sensitive).
    dynamic: dict[str, tuple[str, bool]] = field(default_factory=dict)
    forward: tuple[str, ...] = ()  # carry the data on (next step, or the group's "out" port)
    done: tuple[str, ...] = ()  # delivered: auto-terminated (never a failure relationship)
    failures: tuple[str, ...] = ()  # routed to the group's "failure" port
    retried: tuple[str, ...] = ()  # failures retried first (bounded, with back-off)
    primary_only: bool = False


@dataclass(frozen=True)
class Boundary:
    steps: tuple[Step, ...]
    services: tuple[ServiceUse, ...] = ()
    params: tuple[Param, ...] = ()


# ---- CloudEvents and W3C trace context ---------------------------------------------------------

_HEX32 = "${UUID():replace('-','')}"
# Keep an incoming W3C traceparent; start a new trace when there is none.
TRACEPARENT = (
    "${traceparent:replaceEmpty(${literal('00-'):append(" + _HEX32 + "):append('-')"
    ":append(${UUID():replace('-',''):substring(0,16)}):append('-01')})}"
)
CE_TIME = "${ce_time:replaceEmpty(${now():format(\"yyyy-MM-dd'T'HH:mm:ss.SSS'Z'\", 'GMT')})}"
_CE_ATTRIBUTES = ("ce_id", "ce_source", "ce_specversion", "ce_type", "ce_time")


def _attributes_step(key: str, name: str, comments: str, attributes: dict[str, str]) -> Step:
    return Step(
        key=key,
        name=name,
        component=nc.UPDATE_ATTRIBUTE,
        comments=comments,
        dynamic={attr: (value, False) for attr, value in attributes.items()},
        forward=("success",),
    )


def ingress_context(integration: Integration, port: Port) -> Step:
    attributes = {
        "integration.name": integration.slug,
        "integration.port": port.slug,
        "traceparent": TRACEPARENT,
    }
    if port.content_type:
        attributes["mime.type"] = port.content_type
    return _attributes_step(
        "context", "trace context",
        "Tags the FlowFile with its integration and port and keeps (or starts) the W3C trace.",
        attributes,
    )


def cloudevents_context(integration: Integration, port: Port) -> Step:
    attributes = {
        "ce_id": "${ce_id:replaceEmpty(${UUID()})}",
        "ce_source": f"/integrations/{integration.slug}",
        "ce_specversion": "1.0",
        "ce_time": CE_TIME,
        "ce_type": port.message.fact_type or port.message.full_name,
        "integration.name": integration.slug,
        "integration.port": port.slug,
        "traceparent": TRACEPARENT,
    }
    if port.content_type:
        attributes["ce_datacontenttype"] = port.content_type
        attributes["mime.type"] = port.content_type
    if port.message.schema_subject:
        attributes["ce_dataschema"] = port.message.schema_subject
    return _attributes_step(
        "cloudevents", "cloudevents context",
        "Sets the CloudEvents attributes (binary mode) and the W3C traceparent of the outgoing message.",
        attributes,
    )


# ---- Kafka ------------------------------------------------------------------------------------

KAFKA_PARAMS = (
    Param("kafka.bootstrap.servers", "Kafka bootstrap servers, host:port[,host:port...]"),
    Param("kafka.security.protocol", "Kafka security protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"),
    Param("kafka.sasl.mechanism", "Kafka SASL mechanism, e.g. SCRAM-SHA-512 (when the protocol uses SASL)"),
    Param("kafka.sasl.username", "Kafka SASL username (when the protocol uses SASL)"),
    Param("kafka.sasl.password", "Kafka SASL password (when the protocol uses SASL)", sensitive=True),
)
_KAFKA_HEADERS = "ce_.*|content-type|traceparent|tracestate"


def kafka_service(integration: Integration) -> ServiceUse:
    bootstrap, protocol, mechanism, username, password = KAFKA_PARAMS
    return ServiceUse(
        key="kafka",
        name="Kafka connection",
        component=nc.KAFKA3_CONNECTION_SERVICE,
        properties={
            "bootstrap.servers": ref(bootstrap),
            "security.protocol": ref(protocol),
            "sasl.mechanism": ref(mechanism),
            "sasl.username": ref(username),
            "sasl.password": ref(password),
        },
        comments=f"protoc-gen-nifi: Kafka cluster of integration {integration.slug}; every value is a parameter.",
    )


def kafka_topic_param(binding: KafkaBinding) -> Param:
    return Param(f"kafka.{ref_slug(binding.binding_ref)}.topic", f"Kafka topic bound to '{binding.binding_ref}'")


def kafka_in(integration: Integration, port: Port) -> Boundary:
    assert isinstance(port.binding, KafkaBinding)
    topic = kafka_topic_param(port.binding)
    group = Param(
        f"kafka.{ref_slug(port.binding.binding_ref)}.group.id",
        f"Kafka consumer group of binding '{port.binding.binding_ref}'",
    )
    consume = Step(
        key="consume",
        name=f"consume {port.binding.binding_ref}",
        component=nc.CONSUME_KAFKA,
        comments=f"protoc-gen-nifi: port {port.name} ({port.origin}); message {port.message.full_name}.",
        properties={
            "Group ID": ref(group),
            "Topics": ref(topic),
            "Processing Strategy": "FLOW_FILE",
            # CloudEvents ce_* headers and the W3C trace context become attributes.
            "Header Name Pattern": _KAFKA_HEADERS,
        },
        services={"Kafka Connection Service": "kafka"},
        forward=("success",),
        failures=("parse failure",),
    )
    return Boundary(
        steps=(consume, ingress_context(integration, port)),
        services=(kafka_service(integration),),
        params=(*KAFKA_PARAMS, topic, group),
    )


def kafka_out(integration: Integration, port: Port) -> Boundary:
    assert isinstance(port.binding, KafkaBinding)
    topic = kafka_topic_param(port.binding)
    comments = f"protoc-gen-nifi: port {port.name} ({port.origin}); message {port.message.full_name}."
    if port.message.partition_key_fields or port.routing_key:
        key = port.routing_key or ", ".join(port.message.partition_key_fields)
        comments += f" The mapping sets the attribute kafka.key from {key}; PublishKafka uses it as the message key."
    publish = Step(
        key="publish",
        name=f"publish {port.binding.binding_ref}",
        component=nc.PUBLISH_KAFKA,
        comments=comments,
        properties={
            "Topic Name": ref(topic),
            # CloudEvents binary mode: ce_* attributes and trace context travel as Kafka headers.
            "FlowFile Attribute Header Pattern": _KAFKA_HEADERS,
        },
        services={"Kafka Connection Service": "kafka"},
        done=("success",),
        failures=("failure",),
        retried=("failure",),
    )
    ce = cloudevents_context(integration, port)
    ce = replace(ce, dynamic={**ce.dynamic, "content-type": ("${mime.type}", False)})
    return Boundary(
        steps=(ce, publish),
        services=(kafka_service(integration),),
        params=(*KAFKA_PARAMS, topic),
    )


# ---- HTTP -------------------------------------------------------------------------------------

# Headers whose value is a credential: filled from a sensitive parameter.
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token"}
)


def http_out(integration: Integration, port: Port) -> Boundary:
    assert isinstance(port.binding, HttpBinding)
    endpoint = ref_slug(port.binding.endpoint_ref)
    url = Param(f"http.{endpoint}.url", f"URL of HTTP endpoint '{port.binding.endpoint_ref}'")
    params = [url]
    headers: dict[str, tuple[str, bool]] = {
        "ce-id": ("${ce_id}", False),
        "ce-source": ("${ce_source}", False),
        "ce-specversion": ("${ce_specversion}", False),
        "ce-time": ("${ce_time}", False),
        "ce-type": ("${ce_type}", False),
        "traceparent": ("${traceparent}", False),
    }
    for header in port.required_headers:
        if header.lower() in CREDENTIAL_HEADERS:
            secret = Param(
                f"http.{endpoint}.header.{header.lower()}",
                f"Value of the {header} header sent to '{port.binding.endpoint_ref}' (a credential)",
                sensitive=True,
            )
            params.append(secret)
            headers[header] = (ref(secret), True)
        else:
            # The mapping sets an attribute of the same name; quoted because header names may hold '-'.
            headers[header] = ("${'" + header + "'}", False)
    properties = {"HTTP Method": port.binding.method, "HTTP URL": ref(url)}
    if port.content_type:
        properties["Request Content-Type"] = port.content_type
    invoke = Step(
        key="invoke",
        name=f"{port.binding.method} {port.binding.endpoint_ref}",
        component=nc.INVOKE_HTTP,
        comments=f"protoc-gen-nifi: port {port.name} ({port.origin}); message {port.message.full_name}. "
        "Dynamic properties are request headers (CloudEvents binary mode, traceparent, required headers).",
        properties=properties,
        dynamic=headers,
        done=("Original", "Response"),
        failures=("Failure", "No Retry", "Retry"),
        retried=("Failure", "Retry"),
    )
    return Boundary(steps=(cloudevents_context(integration, port), invoke), params=tuple(params))


# ---- the table --------------------------------------------------------------------------------

Builder = Callable[[Integration, Port], Boundary]

TRANSPORTS: dict[tuple[str, str], Builder] = {
    ("kafka", "IN"): kafka_in,
    ("kafka", "OUT"): kafka_out,
    ("http", "OUT"): http_out,
}


def boundary(integration: Integration, port: Port) -> Boundary:
    return TRANSPORTS[(port.transport, port.direction)](integration, port)


def mapping_params(port: Port) -> Param:
    return Param(
        f"mapping.{snake_slug(port.name)}.script.path",
        f"Path on the NiFi nodes of the human-owned Groovy script that produces port {port.name}'s "
        f"{port.message.full_name}",
    )


MAPPING_MODULES = Param("mapping.module.path", "Comma-separated paths of modules the mapping scripts use (may be empty)")
