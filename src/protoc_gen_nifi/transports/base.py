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
from ..model import Integration, Port


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    sensitive: bool = False
    # False: the flow works with the parameter left empty (e.g. an optional endpoint override).
    required: bool = True


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
    services: dict[str, str] = field(default_factory=dict)  # property key -> ServiceUse.key it uses


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
    primary_only: bool = False  # stateful sources run on the primary node only
    # The transport processor itself: the port's tuning (tasks, batch, schedule) applies to it.
    tuned: bool = False
    batch_key: str | None = None  # the property that takes tuning.batch_size
    schedule: tuple[str, str] | None = None  # (strategy, period) the transport itself fixes
    # Steps that also receive FlowFiles of this step (NiFi clones them), e.g. an HTTP reply: by default on
    # the `forward` relationships, or on a branch's own `on` relationships (e.g. a rejection).
    branches: tuple[Step, ...] = ()
    on: tuple[str, ...] = ()  # as a branch: the parent's relationships that feed it


@dataclass(frozen=True)
class Boundary:
    steps: tuple[Step, ...]
    services: tuple[ServiceUse, ...] = ()
    params: tuple[Param, ...] = ()


def nifi_literal(text: str) -> str:
    """Proto text copied into a NiFi property value. NiFi reads `#{` as a parameter reference and `${` as
    Expression Language; doubling the `#` or `$` run before `{` makes NiFi take the text as written."""
    text = re.sub(r"(\$+)(?=\{)", lambda run: run.group(1) * 2, text)
    return re.sub(r"(#+)(?=\{)", lambda run: run.group(1) * 2, text)


def port_comment(port: Port, extra: str = "") -> str:
    if not port.message.full_name:  # the dead letter carries whatever failed
        return f"protoc-gen-nifi: dead-letter output ({port.origin}). {extra}".strip()
    text = f"protoc-gen-nifi: port {port.name} ({port.origin}); message {port.message.full_name}."
    return f"{text} {extra}".strip()


# ---- CloudEvents and W3C trace context ---------------------------------------------------------

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
            attributes[name] = _attribute(header_attribute(name)) + "}"
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

