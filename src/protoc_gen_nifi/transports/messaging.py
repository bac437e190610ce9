"""Message transports: Kafka and AMQP (RabbitMQ). CloudEvents and traceparent travel as headers."""
from __future__ import annotations

from .. import nifi_catalog as nc
from ..model import Binding, Integration, Port
from ..naming import ref_slug
from .base import (
    EVENT_HEADERS,
    Boundary,
    Param,
    ServiceUse,
    Step,
    attributes_step,
    cloudevents_context,
    guarded,
    header_pattern,
    ingress_context,
    port_comment,
    ref,
    shared,
    tls_service,
)

# ---- Kafka ------------------------------------------------------------------------------------

BOOTSTRAP = Param("kafka.bootstrap.servers", "Kafka bootstrap servers, host:port[,host:port...]")
PROTOCOL = Param("kafka.security.protocol", "Kafka security protocol: PLAINTEXT or SASL_PLAINTEXT (declare tls on "
                 "the Kafka ports for SSL or SASL_SSL)")


def _sasl(required: bool) -> tuple[Param, Param, Param]:
    when = "" if required else " (when the protocol uses SASL)"
    return (
        Param("kafka.sasl.mechanism", f"Kafka SASL mechanism, e.g. SCRAM-SHA-512{when}", required=required),
        Param("kafka.sasl.username", f"Kafka SASL username{when}", required=required),
        Param("kafka.sasl.password", f"Kafka SASL password{when}", sensitive=True, required=required),
    )


# Every Kafka port of every integration asks for them: made once.
_SASL = {required: _sasl(required) for required in (True, False)}


def kafka_connection(integration: Integration, binding: Binding) -> tuple[tuple[ServiceUse, ...], tuple[Param, ...]]:
    """The integration's Kafka connection service (one per integration: every Kafka port declares the same tls
    and shared service), the SSL context it uses and their parameters.

    Without tls the protocol is a parameter (PLAINTEXT or SASL_PLAINTEXT); with tls it is SASL_SSL, or SSL
    when the client authenticates with its certificate (mutual TLS) instead of SASL."""
    properties = {"bootstrap.servers": ref(BOOTSTRAP)}
    params: list[Param] = [BOOTSTRAP]
    tls, tls_params = tls_service("kafka", "the Kafka brokers", binding.tls)
    if binding.tls is None:
        properties["security.protocol"] = ref(PROTOCOL)
        sasl = _SASL[False]
        params += [PROTOCOL, *sasl]
    elif binding.tls.client_certificate:
        properties["security.protocol"] = "SSL"
        sasl = ()
    else:
        properties["security.protocol"] = "SASL_SSL"
        sasl = _SASL[True]
        params += sasl
    for key, param in zip(("sasl.mechanism", "sasl.username", "sasl.password"), sasl):
        properties[key] = ref(param)
    service = ServiceUse(
        key="kafka",
        name="Kafka connection",
        component=nc.KAFKA3_CONNECTION_SERVICE,
        properties=properties,
        comments=f"protoc-gen-nifi: Kafka cluster of integration {integration.slug}; every value is a parameter.",
        services={"SSL Context Service": tls.key} if tls else {},
    )
    if binding.shared:
        return (shared(service, binding),), ()
    return (service, *([tls] if tls else [])), (*params, *tls_params)


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
        # One message per FlowFile and no Record Reader: `success` is ConsumeKafka's only relationship
        # (ConsumeKafka.getRelationships), nothing can fail to parse.
        forward=("success",),
        tuned=True,
    )
    services, params = kafka_connection(integration, port.binding)
    return Boundary(steps=(consume, ingress_context(integration, port)), services=services,
                    params=(*params, topic, group))


# PublishKafka sends this attribute as the message key when its "Kafka Key" property is unset
# (AttributeKeyFactory, rel/nifi-2.3.0 and later; NiFi 2.0.0 sends no key for FlowFile content).
KAFKA_KEY = "kafka.key"


def kafka_key_fields(port: Port) -> tuple[str, ...]:
    """The message fields whose values key a published message: routing_key, else the fact's partition keys."""
    return (port.routing_key,) if port.routing_key else port.message.partition_key_fields


def kafka_out(integration: Integration, port: Port) -> Boundary:
    binding = port.binding.ref("binding_ref")
    fields = kafka_key_fields(port)
    keys = {KAFKA_KEY: fields[0]} if len(fields) == 1 else {f"{KAFKA_KEY}.{i}": f for i, f in enumerate(fields, 1)}
    key_steps = guarded(port, keys)
    if len(fields) > 1:  # one key from several fields, joined with ':'
        joined = ":".join("${'" + attribute + "'}" for attribute in keys)
        key_steps += (attributes_step("key", "message key", f"protoc-gen-nifi: the message key of {', '.join(fields)}.",
                                      {KAFKA_KEY: joined}),)
    extra = f"The message key is {', '.join(fields)} (attribute {KAFKA_KEY})." if fields else ""
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
    services, params = kafka_connection(integration, port.binding)
    return Boundary(steps=(ce, *key_steps, publish), services=services, params=(*params, _topic(port)))


# ---- AMQP -------------------------------------------------------------------------------------

AMQP_PARAMS = (
    Param("amqp.brokers", "AMQP brokers, host:port[,host:port...]"),
    Param("amqp.virtual.host", "AMQP virtual host (empty: the broker's default)", required=False),
    Param("amqp.username", "AMQP username"),
    Param("amqp.password", "AMQP password", sensitive=True),
)
# ConsumeAMQP's default header attribute prefix ("Header Key Prefix").
AMQP_HEADER_PREFIX = "consume.amqp."
ROUTING_KEY = "routing.key"


def _amqp_connection(port: Port) -> tuple[dict[str, str], dict[str, str], tuple[ServiceUse, ...], tuple[Param, ...]]:
    """Connection properties (on each AMQP processor: there is no AMQP service), service references and the
    services and parameters they need."""
    brokers, vhost, username, password = AMQP_PARAMS
    properties = {"Brokers": ref(brokers), "Virtual Host": ref(vhost), "Username": ref(username),
                  "Password": ref(password)}
    tls, tls_params = tls_service("amqp", "the AMQP brokers", port.binding.tls)
    services = {"SSL Context Service": tls.key} if tls else {}
    return properties, services, ((tls,) if tls else ()), (*AMQP_PARAMS, *tls_params)


def amqp_in(integration: Integration, port: Port) -> Boundary:
    binding = port.binding.ref("binding_ref")
    queue = Param(f"amqp.{ref_slug(binding)}.queue", f"AMQP queue bound to '{binding}'")
    properties, services, uses, params = _amqp_connection(port)
    consume = Step(
        key="consume",
        name=f"consume {binding}",
        component=nc.CONSUME_AMQP,
        comments=port_comment(port, "Message headers become attributes prefixed consume.amqp."),
        properties={**properties, "Queue": ref(queue), "Header Output Format": "FlowFile Attributes"},
        services=services,
        forward=("success",),
        tuned=True,
        batch_key="Batch Size",
    )
    context = ingress_context(integration, port, lambda header: AMQP_HEADER_PREFIX + header)
    return Boundary(steps=(consume, context), services=uses, params=(*params, queue))


def amqp_out(integration: Integration, port: Port) -> Boundary:
    binding = port.binding.ref("binding_ref")
    exchange = Param(f"amqp.{ref_slug(binding)}.exchange", f"AMQP exchange bound to '{binding}' (empty: the default)",
                     required=False)
    params: list[Param] = [exchange]
    if port.routing_key:
        # Per message: PublishAMQP's Routing Key evaluates Expression Language on the FlowFile's attributes.
        routing, keys = "${'" + ROUTING_KEY + "'}", {ROUTING_KEY: port.routing_key}
        extra = f"Each message is routed by its {port.routing_key}."
    else:
        routing_param = Param(f"amqp.{ref_slug(binding)}.routing.key", f"AMQP routing key bound to '{binding}'")
        routing, keys, extra = ref(routing_param), {}, "Every message has the routing key of the binding."
        params.append(routing_param)
    properties, services, uses, connection = _amqp_connection(port)
    publish = Step(
        key="publish",
        name=f"publish {binding}",
        component=nc.PUBLISH_AMQP,
        comments=port_comment(port, "CloudEvents attributes and traceparent are sent as AMQP message headers. " + extra),
        properties={
            **properties,
            "Exchange Name": ref(exchange),
            "Routing Key": routing,
            "Headers Source": "FLOWFILE_ATTRIBUTES",
            "Headers Pattern": header_pattern(port),
        },
        services=services,
        done=("success",),
        failures=("failure",),
        retried=("failure",),
        tuned=True,
    )
    # The payload's MIME type travels as the content-type header.
    ce = cloudevents_context(integration, port, {"content-type": "${mime.type}"})
    return Boundary(steps=(ce, *guarded(port, keys), publish), services=uses, params=(*connection, *params))

