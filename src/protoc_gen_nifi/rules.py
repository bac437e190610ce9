"""Rules that need every port of an integration at once: one TLS setting and one shared service per
connection (resolved into every binding that uses it), and what enrichment asks of the IN ports."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from .diagnostics import Diagnostics, Where
from .fields import Messages, key_path_problem
from .model import Binding, Port, Tls


@dataclass(frozen=True)
class Declared:
    """A binding of a connection, where it is declared and how a problem names it."""

    binding: Binding
    where: Where | tuple
    what: str  # e.g. "port OrdersIn", "integration Billing shared_services"


def _tls_text(tls: Tls | None) -> str:
    if tls is None:
        return "no tls"
    return "tls with a client certificate" if tls.client_certificate else "tls"


def resolve_connections(declared: list[Declared], problems: Diagnostics) -> Callable[[Binding], Binding]:
    """One connection service per connection key (a Kafka cluster, a database, Redis, the S3 credentials):
    whatever tls and shared service any of its bindings declares holds for all of them. Two different
    declarations are an error. Returns what turns a binding into the one its connection resolved to."""
    from .transports import TRANSPORTS

    shared: dict[str, tuple[str, Declared]] = {}
    tls: dict[str, tuple[Tls | None, Declared]] = {}
    for item in declared:
        transport = TRANSPORTS[item.binding.transport]
        if transport.connection is None:
            continue
        key = transport.connection(item.binding)
        if item.binding.shared:
            name, first = shared.setdefault(key, (item.binding.shared, item))
            if name != item.binding.shared:
                problems.add(*item.where, f"{item.what}: shared_service {item.binding.shared!r} and {name!r} "
                             f"({first.what}) name two services for one {item.binding.transport} connection; "
                             "name the same one")
        if transport.tls_on_connection and item.binding.tls is not None:
            setting, first = tls.setdefault(key, (item.binding.tls, item))
            if setting != item.binding.tls:
                problems.add(*item.where, f"{item.what}: {_tls_text(item.binding.tls)} and {_tls_text(setting)} "
                             f"({first.what}) on one {item.binding.transport} connection, which every port shares; "
                             "declare the same tls")
    for key, (name, first) in shared.items():
        if key in tls:
            setting, where_tls = tls[key]
            problems.add(*where_tls.where, f"{where_tls.what}: tls on a connection that {first.what} binds to the "
                         f"shared service {name!r}, which brings its own TLS settings; remove tls")

    def resolve(binding: Binding) -> Binding:
        transport = TRANSPORTS[binding.transport]
        if transport.connection is None:
            return binding
        key = transport.connection(binding)
        setting = tls[key][0] if key in tls else None
        return replace(binding, shared=shared[key][0] if key in shared else "",
                       tls=setting if transport.tls_on_connection else binding.tls)

    return resolve


def check_lookups(ports: list[tuple[Port, Where | tuple]], messages: Messages, problems: Diagnostics) -> None:
    """LOOKUP ports enrich the JSON records that IN ports bring, in declaration order: every IN port carries
    JSON records, each lookup's key is a field of every such record (or of an earlier lookup's result), and
    no result overwrites a field the records already have."""
    from .transports import JSON_TYPES

    lookups = [(port, where) for port, where in ports if port.direction == "LOOKUP"]
    ins = [(port, where) for port, where in ports if port.direction == "IN"]
    if not lookups:
        return
    if not ins:
        port, where = lookups[0]
        problems.add(*where, f"port {port.name}: LOOKUP ports enrich what IN ports bring, and this integration has "
                     "no IN port; add one or remove the LOOKUP ports")
        return
    records = []
    for port, where in ins:
        if port.transport == "schedule":
            problems.add(*where, f"port {port.name}: a schedule port brings no payload, but LOOKUP ports enrich "
                         "JSON records; move the LOOKUP ports to an integration whose IN ports carry JSON")
        elif port.content_type not in JSON_TYPES:
            problems.add(*where, f"port {port.name}: LOOKUP ports enrich JSON records, but this port carries "
                         f"{port.content_type!r}; set content_type: \"application/json\"")
        else:
            records.append(port)
    earlier: dict[str, Port] = {}
    for port, where in lookups:
        assert port.lookup is not None  # the reader requires it of every LOOKUP port
        key_from = port.lookup.key_from
        head, _, rest = key_from.partition(".")
        if head in earlier and rest:
            problem = key_path_problem(messages, earlier[head].message.full_name, rest)
            if problem is not None:
                problems.add(*where, f"port {port.name}: lookup.key_from reads the result of port "
                             f"{earlier[head].name}, but {problem}")
        else:
            for record in records:
                problem = key_path_problem(messages, record.message.full_name, key_from)
                if problem is not None:
                    problems.add(*where, f"port {port.name}: lookup.key_from must be a field of what IN port "
                                 f"{record.name} brings, but {problem}")
        for record in records:
            if port.slug in record.message.fields:
                problems.add(*where, f"port {port.name}: its result goes to the field {port.slug!r}, which IN port "
                             f"{record.name}'s {record.message.full_name} already has; rename the rpc")
        earlier[port.slug] = port
