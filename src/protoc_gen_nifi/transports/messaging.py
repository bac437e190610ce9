"""Message transports: Kafka and AMQP (RabbitMQ). CloudEvents and traceparent travel as headers."""
from __future__ import annotations

from .. import nifi_catalog as nc
from ..model import Integration, Port
from ..naming import ref_slug
from .base import (
    EVENT_HEADERS,
    Boundary,
    Param,
    ServiceUse,
    Step,
    cloudevents_context,
    header_pattern,
    ingress_context,
    port_comment,
    ref,
)

# ---- Kafka ------------------------------------------------------------------------------------

KAFKA_PARAMS = (
    Param("kafka.bootstrap.servers", "Kafka bootstrap servers, host:port[,host:port...]"),
    Param("kafka.security.protocol", "Kafka security protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"),
    Param("kafka.sasl.mechanism", "Kafka SASL mechanism, e.g. SCRAM-SHA-512 (when the protocol uses SASL)",
          required=False),
    Param("kafka.sasl.username", "Kafka SASL username (when the protocol uses SASL)", required=False),
    Param("kafka.sasl.password", "Kafka SASL password (when the protocol uses SASL)", sensitive=True,
          required=False),
)


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


def _topic(port: Port) -> Param:
    binding = port.binding.ref("binding_ref")
    return Param(f"kafka.{ref_slug(binding)}.topic", f"Kafka topic bound to '{binding}'")


def kafka_in(integration: Integration, port: Port) -> Boundary:
    binding = port.binding.ref("binding_ref")
    topic = _topic(port)
    group = Param(f"kafka.{ref_slug(binding)}.group.id", f"Kafka consumer group of binding '{binding}'")
    consume = Step(
        key="consume",
        name=f"consume {binding}",
        component=nc.CONSUME_KAFKA,
        comments=port_comment(port),
        properties={
            "Group ID": ref(group),
            "Topics": ref(topic),
            "Processing Strategy": "FLOW_FILE",
            # CloudEvents ce_* headers and the W3C trace context become attributes.
            "Header Name Pattern": EVENT_HEADERS,
        },
        services={"Kafka Connection Service": "kafka"},
        forward=("success",),
        failures=("parse failure",),
        tuned=True,
    )
    return Boundary(
        steps=(consume, ingress_context(integration, port)),
        services=(kafka_service(integration),),
        params=(*KAFKA_PARAMS, topic, group),
    )


def kafka_out(integration: Integration, port: Port) -> Boundary:
    binding = port.binding.ref("binding_ref")
    extra = ""
    if port.message.partition_key_fields or port.routing_key:
        key = port.routing_key or ", ".join(port.message.partition_key_fields)
        extra = f"The mapping sets the attribute kafka.key from {key}; PublishKafka uses it as the message key."
    publish = Step(
        key="publish",
        name=f"publish {binding}",
        component=nc.PUBLISH_KAFKA,
        comments=port_comment(port, extra),
        properties={
            "Topic Name": ref(_topic(port)),
            # CloudEvents binary mode: ce_* attributes, trace context and required headers travel as Kafka headers.
            "FlowFile Attribute Header Pattern": header_pattern(port),
        },
        services={"Kafka Connection Service": "kafka"},
        done=("success",),
        failures=("failure",),
        retried=("failure",),
        tuned=True,
    )
    # The payload's MIME type travels as the content-type header.
    ce = cloudevents_context(integration, port, {"content-type": "${mime.type}"})
    return Boundary(
        steps=(ce, publish),
        services=(kafka_service(integration),),
        params=(*KAFKA_PARAMS, _topic(port)),
    )


# ---- AMQP -------------------------------------------------------------------------------------

AMQP_PARAMS = (
    Param("amqp.brokers", "AMQP brokers, host:port[,host:port...]"),
    Param("amqp.virtual.host", "AMQP virtual host (empty: the broker's default)", required=False),
    Param("amqp.username", "AMQP username"),
    Param("amqp.password", "AMQP password", sensitive=True),
)
# ConsumeAMQP's default header attribute prefix ("Header Key Prefix").
AMQP_HEADER_PREFIX = "consume.amqp."


def _amqp_connection() -> dict[str, str]:
    brokers, vhost, username, password = AMQP_PARAMS
    return {"Brokers": ref(brokers), "Virtual Host": ref(vhost), "Username": ref(username),
            "Password": ref(password)}


def amqp_in(integration: Integration, port: Port) -> Boundary:
    binding = port.binding.ref("binding_ref")
    queue = Param(f"amqp.{ref_slug(binding)}.queue", f"AMQP queue bound to '{binding}'")
    consume = Step(
        key="consume",
        name=f"consume {binding}",
        component=nc.CONSUME_AMQP,
        comments=port_comment(port, "Message headers become attributes prefixed consume.amqp."),
        properties={**_amqp_connection(), "Queue": ref(queue), "Header Output Format": "FlowFile Attributes"},
        forward=("success",),
        tuned=True,
        batch_key="Batch Size",
    )
    context = ingress_context(integration, port, lambda header: AMQP_HEADER_PREFIX + header)
    return Boundary(steps=(consume, context), params=(*AMQP_PARAMS, queue))


def amqp_out(integration: Integration, port: Port) -> Boundary:
    binding = port.binding.ref("binding_ref")
    exchange = Param(f"amqp.{ref_slug(binding)}.exchange", f"AMQP exchange bound to '{binding}' (empty: the default)",
                     required=False)
    routing = Param(f"amqp.{ref_slug(binding)}.routing.key", f"AMQP routing key bound to '{binding}'")
    publish = Step(
        key="publish",
        name=f"publish {binding}",
        component=nc.PUBLISH_AMQP,
        comments=port_comment(port, "CloudEvents attributes and traceparent are sent as AMQP message headers."),
        properties={
            **_amqp_connection(),
            "Exchange Name": ref(exchange),
            "Routing Key": ref(routing),
            "Headers Source": "FLOWFILE_ATTRIBUTES",
            "Headers Pattern": header_pattern(port),
        },
        done=("success",),
        failures=("failure",),
        retried=("failure",),
        tuned=True,
    )
    # The payload's MIME type travels as the content-type header.
    ce = cloudevents_context(integration, port, {"content-type": "${mime.type}"})
    return Boundary(steps=(ce, publish), params=(*AMQP_PARAMS, exchange, routing))
