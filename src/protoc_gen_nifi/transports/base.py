"""What a transport entry produces: parameters, controller services and processor steps.

A builder turns one port into a `Boundary`: the processors of its ingress,
egress or lookup group in data order, the controller services they use and
the parameters they reference. flow.py lays the steps out and wires them;
nothing in it knows a particular transport.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import nifi_catalog as nc
from ..model import Binding, Integration, Port, Tls


@dataclass(frozen=True)
class Param:
    """A NiFi parameter the generated parameter context declares."""

    name: str
    description: str
    sensitive: bool = False
    # False: the flow works with the parameter left empty (e.g. an optional endpoint override).
    required: bool = True


def ref(param: Param) -> str:
    """A property value that is exactly one parameter reference."""
    return "#{" + param.name + "}"


# eq=False: a service is equal only to itself (its dicts never allowed a hash); the generated __eq__ and __hash__
# were never called, yet compiling them cost every plugin process about 0.3 ms.
@dataclass(frozen=True, eq=False)
class ServiceUse:
    """A controller service a port's processors use."""

    key: str  # one service per key and integration, shared by every port that needs it
    name: str
    component: nc.Component
    properties: dict[str, str]
    comments: str
    services: dict[str, str] = field(default_factory=dict)  # property key -> ServiceUse.key it uses
    # The NiFi cluster's own service of this name provides it: referenced, not embedded (see shared()).
    external: str = ""


# Not frozen: a frozen dataclass sets each of its 20 fields through object.__setattr__, about 5x the cost of
# this one, and a flow makes thousands of steps. Nothing changes a step once built (nor could hash one: its
# dict fields never allowed that). eq=False: nothing compares steps, and an __eq__ over 19 fields costs every
# plugin process its compilation.
@dataclass(slots=True, eq=False)
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
    primary_only: bool = False  # stateful sources run on the primary node only
    # The transport processor itself: the port's tuning (tasks, batch, schedule) applies to it.
    tuned: bool = False
    batch_key: str | None = None  # the property that takes tuning.batch_size
    schedule: tuple[str, str] | None = None  # (strategy, period) the transport itself fixes
    # Relationships that leave the group at once, past the following steps (e.g. a lookup's `matched`
    # skipping its fallback).
    exits: tuple[str, ...] = ()
    # Steps that also receive FlowFiles of this step (NiFi clones them), e.g. an HTTP reply: by default on
    # the `forward` relationships, or on a branch's own `on` relationships (e.g. a rejection).
    branches: tuple[Step, ...] = ()
    on: tuple[str, ...] = ()  # as a branch: the parent's relationships that feed it
    then: tuple[Step, ...] = ()  # as a branch: the steps that follow it, each fed by the previous one's forward


@dataclass(frozen=True)
class Boundary:
    steps: tuple[Step, ...]
    services: tuple[ServiceUse, ...] = ()
    params: tuple[Param, ...] = ()


_DOLLAR_RUN = re.compile(r"(\$+)(?=\{)")
_HASH_RUN = re.compile(r"(#+)(?=\{)")


def _doubled(run: re.Match) -> str:
    return run.group(1) * 2


def nifi_literal(text: str) -> str:
    """Proto text copied into a NiFi property value. NiFi reads `#{` as a parameter reference and `${` as
    Expression Language; doubling the `#` or `$` run before `{` makes NiFi take the text as written."""
    if "{" not in text:  # nearly all proto text: nothing to escape
        return text
    return _HASH_RUN.sub(_doubled, _DOLLAR_RUN.sub(_doubled, text))


def parameter_literal(text: str) -> str:
    """Proto text in a property that takes no Expression Language: only `#{` (a parameter reference, read in
    every property) needs its escape."""
    return _HASH_RUN.sub(_doubled, text) if "{" in text else text


def port_comment(port: Port, extra: str = "") -> str:
    if not port.message.full_name:  # the dead letter carries whatever failed
        return f"protoc-gen-nifi: dead-letter output ({port.origin}). {extra}".strip()
    text = f"protoc-gen-nifi: port {port.name} ({port.origin}); message {port.message.full_name}."
    return f"{text} {extra}".strip()


# ---- CloudEvents and W3C trace context ---------------------------------------------------------

# Headers whose value is a credential: filled from a sensitive parameter (HTTP only), never from an attribute.
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token"}
)


def attribute_headers(port: Port) -> tuple[str, ...]:
    """The required headers whose values the mapping sets as attributes of the same name."""
    return tuple(h for h in port.required_headers if h.lower() not in CREDENTIAL_HEADERS)


# Headers that carry CloudEvents (binary mode) and the trace context on message transports.
EVENT_HEADERS = "ce_.*|content-type|traceparent|tracestate"
_HEX32 = "${UUID():replace('-','')}"
NEW_TRACEPARENT = (
    "${literal('00-'):append(" + _HEX32 + "):append('-')"
    ":append(${UUID():replace('-',''):substring(0,16)}):append('-01')}"
)
# Keep an incoming W3C traceparent; start a new trace when there is none.
TRACEPARENT = "${traceparent:replaceEmpty(" + NEW_TRACEPARENT + ")}"
CE_TIME = "${ce_time:replaceEmpty(${now():format(\"yyyy-MM-dd'T'HH:mm:ss.SSS'Z'\", 'GMT')})}"
DEAD_LETTER_TYPE = "${ce_type:replaceEmpty('protoc-gen-nifi.dead_letter')}"
CE_ATTRIBUTES = ("ce_id", "ce_source", "ce_specversion", "ce_type", "ce_time")


def header_pattern(port: Port) -> str:
    """Attributes a message transport sends as headers: CloudEvents, trace context and the required headers
    (which the mapping sets as attributes of the same name)."""
    return "|".join((EVENT_HEADERS, *(re.escape(header) for header in port.required_headers)))


def attributes_step(key: str, name: str, comments: str, attributes: dict[str, str]) -> Step:
    return Step(
        key=key,
        name=name,
        component=nc.UPDATE_ATTRIBUTE,
        comments=comments,
        dynamic={attr: (value, False) for attr, value in attributes.items()},
        forward=("success",),
    )


def _attribute(name: str) -> str:
    """An EL reference to an attribute; quoted, since header names may hold '-'."""
    return "${'" + name + "'"


def optional_attribute(name: str) -> str:
    """The value of an attribute that may be absent (a message header the sender may leave out): empty then.
    The explicit replaceNull says so to a reader of the flow and to flowcheck's def-use check."""
    return _attribute(name) + ":replaceNull('')}"


def ingress_context(integration: Integration, port: Port,
                    header_attribute: Callable[[str], str] | None = None) -> Step:
    """Tags an inbound FlowFile. `header_attribute` names the attribute a transport put a
    message header in, when that is not the header's own name."""
    attributes = {
        "integration.name": integration.slug,
        "integration.port": port.slug,
        "traceparent": TRACEPARENT,
    }
    if header_attribute is not None:
        # Lift CloudEvents attributes and the trace context to their standard names.
        for name in (*CE_ATTRIBUTES, "ce_datacontenttype", "tracestate"):
            attributes[name] = optional_attribute(header_attribute(name))
        attributes["traceparent"] = (
            _attribute(header_attribute("traceparent")) + ":replaceEmpty(" + NEW_TRACEPARENT + ")}"
        )
    if port.content_type:
        attributes["mime.type"] = nifi_literal(port.content_type)
    return attributes_step(
        "context", "trace context",
        "Tags the FlowFile with its integration and port and keeps (or starts) the W3C trace.",
        attributes,
    )


def cloudevents_context(integration: Integration, port: Port, extra: dict[str, str] | None = None) -> Step:
    attributes = {
        "ce_id": "${ce_id:replaceEmpty(${UUID()})}",
        "ce_source": f"/integrations/{integration.slug}",
        "ce_specversion": "1.0",
        "ce_time": CE_TIME,
        # A dead letter keeps the type of the FlowFile that failed.
        "ce_type": nifi_literal(port.message.fact_type or port.message.full_name) or DEAD_LETTER_TYPE,
        "integration.name": integration.slug,
        "integration.port": port.slug,
        "traceparent": TRACEPARENT,
    }
    if port.content_type:
        attributes["ce_datacontenttype"] = nifi_literal(port.content_type)
        attributes["mime.type"] = nifi_literal(port.content_type)
    if port.message.schema_subject:
        attributes["ce_dataschema"] = nifi_literal(port.message.schema_subject)
    if not port.message.full_name:
        del attributes["integration.port"]  # a dead letter keeps the port it failed in
    attributes.update(extra or {})
    return attributes_step(
        "cloudevents", "cloudevents context",
        "Sets the CloudEvents attributes (binary mode) and the W3C traceparent of the outgoing message.",
        attributes,
    )



# ---- the payload checked against its message's JSON Schema ---------------------------------------------------


def validate_step(port: Port, branches: tuple[Step, ...] = ()) -> Step:
    """ValidateJson over the port's message schema (json_schema.py), embedded as the property's text so the flow
    needs no file, URL or schema registry (ValidateJson reads "JSON Schema" as FILE, URL or TEXT). A payload that
    does not conform (`invalid`, with json.validation.errors) or is not JSON (`failure`) is parked, never dropped."""
    return Step(
        key="validate",
        name=f"validate {port.message.full_name.rsplit('.', 1)[-1]}",
        component=nc.VALIDATE_JSON,
        comments=f"protoc-gen-nifi: checks each payload against schemas/{port.message.full_name}.schema.json "
                 "(JSON Schema 2020-12 of the message's protobuf JSON); one that does not conform fails here with "
                 "the reason in json.validation.errors.",
        # The property takes no Expression Language; only a `#{` would be read (as a parameter reference).
        properties={"Schema Access Strategy": "SCHEMA_CONTENT_PROPERTY", "JSON Schema": parameter_literal(port.schema),
                    "JSON Schema Version": "DRAFT_2020_12"},
        forward=("valid",),
        failures=("failure", "invalid"),
        branches=branches,
    )


# ---- keys the flow reads from the message itself (never left to a human script) ----------------------------


def json_path(field_path: str) -> str:
    """A field path of a JSON record ("customer.id") as a JsonPath; proto field names need no quoting."""
    return "$." + field_path


def record_path(field_path: str) -> str:
    """A field path as a NiFi RecordPath ("/customer/id")."""
    return "/" + field_path.replace(".", "/")


def record_path_literal(text: str) -> str:
    """Text as a RecordPath string literal (RecordPath escapes \\ and ' with a backslash)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def extract_step(port: Port, fields: dict[str, str]) -> Step:
    """Reads each field of the port's JSON message into an attribute: {attribute: field path}. A missing field
    becomes an empty attribute, which the guard that follows sends to failure."""
    return Step(
        key="extract",
        name="read " + ", ".join(fields.values()),
        component=nc.EVALUATE_JSON_PATH,
        comments=f"protoc-gen-nifi: reads {', '.join(fields.values())} of each {port.message.full_name} into "
                 f"{', '.join(fields)}.",
        properties={"Destination": "flowfile-attribute", "Return Type": "scalar", "Path Not Found Behavior": "ignore"},
        dynamic={attribute: (json_path(path), False) for attribute, path in fields.items()},
        forward=("matched",),
        failures=("failure", "unmatched"),  # not JSON, or a field holding an object (unmatched never happens here)
    )


# The relationship a guard passes FlowFiles on. RouteOnAttribute names it after its routing property.
GUARD_PASS = "success"


def present(attributes: tuple[str, ...]) -> str:
    """EL that holds when every attribute is set and not empty."""
    checks = [_attribute(name) + ":isEmpty():not()" for name in attributes]
    return checks[0] + "".join(f":and({check}}})" for check in checks[1:]) + "}"


def guard_step(attributes: tuple[str, ...], why: str) -> Step:
    """Sends a FlowFile on only when every attribute is set: a transport never reads an unset attribute (it
    would silently be empty: a message without its key, a request without its header)."""
    return Step(
        key="guard",
        name="require " + ", ".join(attributes),
        component=nc.ROUTE_ON_ATTRIBUTE,
        comments=f"protoc-gen-nifi: {why} A FlowFile without one of them fails here instead.",
        properties={"Routing Strategy": "Route to Property name"},
        dynamic={GUARD_PASS: (present(attributes), False)},
        forward=(GUARD_PASS,),
        failures=("unmatched",),
    )


# ---- connections: TLS and the cluster's shared services ---------------------------------------------------


def shared(use: ServiceUse, binding: Binding) -> ServiceUse:
    """The service as the binding wants it: embedded, or the cluster's service of the binding's shared name."""
    if not binding.shared:
        return use
    return ServiceUse(key=use.key, name=binding.shared, component=use.component, properties={}, comments="",
                      external=binding.shared)


def connection_params(binding: Binding, params: tuple[Param, ...]) -> tuple[Param, ...]:
    """A shared service carries its own connection settings: the integration declares none for it."""
    return () if binding.shared else params


def tls_service(scope: str, what: str, tls: Tls | None, server: bool = False) -> tuple[ServiceUse | None,
                                                                                        tuple[Param, ...]]:
    """The SSL context (and its parameters) of a connection declared TLS. A client trusts the server through a
    truststore and, with a client certificate, presents a keystore; a server presents a keystore and, when it
    requires client certificates, trusts them through a truststore."""
    if tls is None:
        return None, ()
    keystore = server or tls.client_certificate
    truststore = not server or tls.client_certificate
    properties: dict[str, str] = {}
    params: list[Param] = []
    for store, wanted in (("keystore", keystore), ("truststore", truststore)):
        if not wanted:
            continue
        path = Param(f"{scope}.tls.{store}.path", f"Path on the NiFi nodes of the {store} for {what}")
        password = Param(f"{scope}.tls.{store}.password", f"Password of the {store} for {what}", sensitive=True)
        kind = Param(f"{scope}.tls.{store}.type", f"Type of the {store} for {what}: PKCS12, JKS or BCFKS")
        title = store.capitalize()
        properties.update({f"{title} Filename": ref(path), f"{title} Password": ref(password),
                           f"{title} Type": ref(kind)})
        params += [path, password, kind]
    if keystore:
        key_password = Param(f"{scope}.tls.key.password", f"Password of the private key for {what} (empty: the "
                             "keystore password)", sensitive=True, required=False)
        properties["Key Password"] = ref(key_password)
        params.append(key_password)
    role = ("server-" if server else "") + ("mutual-" if tls.client_certificate else "")
    use = ServiceUse(
        key=f"tls-{role}{scope}",
        name=f"TLS for {what}",
        component=nc.STANDARD_RESTRICTED_SSL_CONTEXT_SERVICE,
        properties=properties,
        comments=f"protoc-gen-nifi: TLS (1.2 or newer) for {what}; stores and passwords are parameters.",
    )
    return use, tuple(params)


def guarded(port: Port, keys: dict[str, str] | None = None) -> tuple[Step, ...]:
    """The steps that make sure a transport reads only attributes that are set: the key fields read from the
    message ({attribute: field path}), then a guard over those and the headers the mapping must set."""
    keys = keys or {}
    steps: list[Step] = [extract_step(port, keys)] if keys else []
    required = (*keys, *attribute_headers(port))
    if required:
        why = []
        if keys:
            why.append(f"the message's {', '.join(keys.values())} route it")
        if attribute_headers(port):
            why.append(f"the mapping sets {', '.join(attribute_headers(port))}")
        steps.append(guard_step(required, "; ".join(why).capitalize() + "."))
    return tuple(steps)
