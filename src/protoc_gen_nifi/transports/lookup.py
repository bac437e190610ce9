"""Enrichment (LOOKUP ports): each record keeps its fields and gains the lookup's result beside them.

ExecuteSQL(Record) and FetchDistributedMapCache replace the FlowFile content with their result (BEHAVIOUR 16),
so a lookup built on them loses the payload it enriches. LookupRecord keeps it: for every record it reads the
key with a RecordPath, asks a lookup service and inserts the answer at "Result RecordPath"
(LookupRecord.onTrigger), here the port's snake_case name. A jdbc lookup service binds the key to a prepared
statement; a redis one reads the keyspace's entry. With a fallback, the first lookup routes its misses
(`unmatched`) to the second and its hits (`matched`) straight on.
"""
from __future__ import annotations

from collections.abc import Callable

from .. import nifi_catalog as nc
from ..model import Binding, Integration, Port
from .base import (
    Boundary,
    Param,
    ServiceUse,
    Step,
    nifi_literal,
    port_comment,
    record_path,
    record_path_literal,
)
from .data import JSON_READER, jdbc_lookup_service, keyspace, redis_lookup_service

LookupService = Callable[[Port, Binding], tuple[ServiceUse, tuple[ServiceUse, ...], tuple[Param, ...]]]
# Transport -> the lookup service that answers for one of its bindings.
LOOKUP_SERVICES: dict[str, LookupService] = {"jdbc": jdbc_lookup_service, "redis": redis_lookup_service}

# What the mapping receives: one JSON object per line (a single message stays one object).
ENRICHED_WRITER = ServiceUse(
    key="json-lines-writer",
    name="JSON records, one per line",
    component=nc.JSON_RECORD_SET_WRITER,
    properties={"Output Grouping": "output-oneline", "Allow Scientific Notation": "false"},
    comments="protoc-gen-nifi: writes enriched records, one JSON object per line, for the mapping.",
)
# LookupRecord hands its lookup service the coordinates under this name; both services require it
# (AbstractDatabaseLookupService.KEY, DistributedMapCacheLookupService.KEY).
COORDINATE = "key"


def key_expression(binding: Binding, key_from: str) -> str:
    """The RecordPath of a record's key: the field itself, or for a cache the entry's name in its keyspace."""
    path = record_path(key_from)
    if binding.transport == "redis":
        return f"concat({record_path_literal(keyspace(binding))}, {path})"
    return path


def enrich(integration: Integration, port: Port) -> Boundary:
    assert port.lookup is not None  # the reader requires it of every LOOKUP port
    lookup = port.lookup
    bindings = [port.binding, *([lookup.fallback] if lookup.fallback is not None else [])]
    steps: list[Step] = []
    services: list[ServiceUse] = [JSON_READER, ENRICHED_WRITER]
    params: list[Param] = []
    for i, binding in enumerate(bindings):
        service, uses, needs = LOOKUP_SERVICES[binding.transport](port, binding)
        services += [service, *uses]
        params += needs
        then_fallback = i == 0 and len(bindings) == 2
        where = ", ".join(value for _, value in binding.refs)
        steps.append(Step(
            key="lookup" if i == 0 else "fallback",
            name=f"look up {where}" if i == 0 else f"on a miss, look up {where}",
            component=nc.LOOKUP_RECORD,
            comments=port_comment(port, f"Each record's {lookup.key_from} is the key; the result goes to its field "
                                  f"{port.slug}, beside the record's own fields."),
            properties={
                "Routing Strategy": "route-to-matched-unmatched" if then_fallback else "route-to-success",
                "Result RecordPath": "/" + port.slug,
            },
            services={"Record Reader": JSON_READER.key, "Record Writer": ENRICHED_WRITER.key,
                      "Lookup Service": service.key},
            dynamic={COORDINATE: (nifi_literal(key_expression(binding, lookup.key_from)), False)},
            forward=("unmatched",) if then_fallback else ("success",),
            exits=("matched",) if then_fallback else (),
            failures=("failure",),
            retried=("failure",),
            tuned=True,
        ))
    return Boundary(steps=tuple(steps), services=tuple(services), params=tuple(params))
