"""CodeGeneratorRequest -> integration model, with every problem located."""
from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from typing import NamedTuple

from google.protobuf.compiler import plugin_pb2
from google.protobuf.descriptor import FieldDescriptor

from . import limits
from .descriptors import DescriptorSets
from .diagnostics import Diagnostics, SourceLocator, Where
from .fields import key_path_problem, top_level_fields
from .model import (
    Backpressure,
    Binding,
    Integration,
    Lookup,
    MessageInfo,
    Port,
    Retry,
    Tls,
    Tuning,
)
from .naming import (
    HEADER_NAME,
    HTTP_TOKEN,
    MEDIA_TYPE,
    integration_slug,
    ref_slug,
    ref_slug_is_meaningful,
    snake_slug,
)
from .options import (
    INTEGRATION_FIELD,
    OPTION_FILES,
    PORT_FIELD,
    OptionReader,
    enum_name,
)
from .params import PluginParams
from .rules import Declared, check_lookups, resolve_connections
from .units import data_size_bytes, is_cron, is_data_size, is_time_period

# FileDescriptorProto / ServiceDescriptorProto / MethodDescriptorProto / DescriptorProto field numbers.
_SERVICE, _METHOD, _SERVICE_OPTIONS, _METHOD_OPTIONS = 6, 2, 3, 4
_MESSAGE, _NESTED, _MESSAGE_OPTIONS = 4, 3, 7
_TYPE_STRING, _TYPE_MESSAGE = FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_MESSAGE

MINIMUM_COMPILERS = "protoc 24 or newer, or buf 1.32 or newer"
# What a literal address holds and a logical name does not ("://" included: it holds ":").
_LITERAL_MARKER = re.compile(r"[/:@ \\]")


@cache
def _transports():
    """The transports package (its table knows each transport's fields and directions), imported on first use:
    a request refused before its ports never needs it. Once per process, not one import statement per port."""
    from . import transports

    return transports


def _comments(locator: SourceLocator, file_proto, path: tuple[int, ...], problems: Diagnostics) -> str:
    text = locator.leading_comment(path)
    if text is None:
        return ""
    if isinstance(text, bytes):  # protobuf hands over text that is not UTF-8 as bytes
        problems.add(file_proto.name, *locator.position(path),
                     "the comment above this element is not valid UTF-8; save the file as UTF-8")
        return ""
    return " ".join(line.strip() for line in text.strip().splitlines())


def _text_problems(message, fields: dict) -> tuple[list[str], list[tuple[str, int, int]]]:
    """The string fields of an option message (None: no option) that are not UTF-8 (proto2 lets "\\xe9" through),
    as paths, and those longer than their stated limit (limits.py), as (path, length, limit); one walk for both.
    `fields`: _field_facts of the option fields met so far in this request (reading a descriptor's attributes
    builds new objects each time, and a request's options have few fields)."""
    not_utf8: list[str] = []
    too_long: list[tuple[str, int, int]] = []
    if message is not None:
        _collect_text_problems(message, fields, "", not_utf8, too_long)
    return not_utf8, too_long


def _collect_text_problems(message, fields: dict, prefix: str, not_utf8: list, too_long: list) -> None:
    for field, value in message.ListFields():
        facts = fields.get(field)
        if facts is None:
            facts = fields[field] = _field_facts(field)
        name, repeated, kind, limit = facts
        path = prefix + name
        for item in value if repeated else (value,):
            if kind == _TYPE_MESSAGE:
                _collect_text_problems(item, fields, path + ".", not_utf8, too_long)
            elif isinstance(item, bytes) and kind == _TYPE_STRING:
                not_utf8.append(path)
            elif isinstance(item, str) and len(item) > limit:
                too_long.append((path, len(item), limit))


def _field_facts(field) -> tuple[str, bool, int, int]:
    """(name, repeated, type, length limit) of an option field."""
    # protobuf 7 has `is_repeated`; older releases only `label`.
    repeated = field.is_repeated if hasattr(field, "is_repeated") else field.label == field.LABEL_REPEATED
    return field.name, repeated, field.type, _text_limit(field.name)


def _text_limit(field_name: str) -> int:
    if field_name == "description":
        return limits.DESCRIPTION
    if field_name.endswith("_ref"):
        return limits.REF
    return limits.HEADER_NAME if field_name == "required_headers" else limits.TEXT


def _utf8_ok(not_utf8: list[str], where, problems: Diagnostics, what: str) -> bool:
    """No string of the option is not UTF-8 (_text_problems); else each one is reported."""
    for path in not_utf8:
        problems.add(*where, f"{what} {path} is not valid UTF-8 text; write it as UTF-8 (no single-byte \\x escapes)")
    return not not_utf8


def _length_ok(too_long: list[tuple[str, int, int]], where, problems: Diagnostics, what: str) -> bool:
    """Every string of the option is within its stated limit (_text_problems); else each one is reported."""
    for path, length, limit in too_long:
        problems.add(*where, f"{what} {path} is {length} characters long, over protoc-gen-nifi's limit of {limit}; "
                     "shorten it")
    return not too_long


def quoted(value: str) -> str:
    """A value inside a diagnostic: quoted, with line breaks and control characters escaped (one line, always)."""
    return repr(value)


def _uses_our_options(file_proto) -> bool:
    return any(dep in OPTION_FILES for dep in file_proto.dependency)


def _has_any_option_bytes(reader: OptionReader, file_proto) -> bool:
    return any(
        reader.port(method.options) is not None or reader.integration(service.options) is not None
        for service in file_proto.service
        for method in service.method
    )


class _OwnOptions(NamedTuple):
    """A message's own options and their _text_problems, read once however many ports carry the message."""

    fact: object | None  # event_fact
    schema: object | None
    fact_text: tuple[list, list]
    schema_text: tuple[list, list]


class _MessageIndex:
    """Every message of the request by full name, preferring source descriptors (they keep options), with
    where each is declared (for problems located at the message).

    Only the source files are walked here: every other message is found in the request's DescriptorSets, whose
    one walk of proto_file the artifacts share (a name is declared once in proto_file: the option pool refuses
    a duplicate symbol)."""

    def __init__(self, descriptors: DescriptorSets, source_files, options: OptionReader) -> None:
        self.options = options
        self._descriptors = descriptors
        self._source: dict[str, tuple[object, object]] = {}  # full name -> (FileDescriptorProto, DescriptorProto)
        self.locators: dict[str, SourceLocator] = {f.name: SourceLocator(f) for f in source_files}
        self._enums: dict[str, object] = {}  # full name -> EnumDescriptorProto, of the source files
        self._own_options: dict[str, _OwnOptions] = {}
        self.option_fields: dict = {}  # for _text_problems
        self._infos: dict[str, MessageInfo] = {}
        for file_proto in source_files:
            prefix = f"{file_proto.package}." if file_proto.package else ""
            self._add(file_proto, prefix, file_proto.message_type, file_proto.enum_type)

    def _add(self, file_proto, prefix: str, messages, enums) -> None:
        for enum in enums:
            self._enums[prefix + enum.name] = enum
        for message in messages:
            name = prefix + message.name
            self._source[name] = (file_proto, message)
            self._add(file_proto, name + ".", message.nested_type, message.enum_type)

    def found(self, name: str) -> tuple | None:
        """(FileDescriptorProto, DescriptorProto) of a message of the request, the source one if there is one;
        None for a name that is no message of the request."""
        found = self._source.get(name)
        return found if found is not None else self._descriptors.find_message(name)

    def message(self, name: str):
        found = self.found(name)
        return found[1] if found is not None else None

    def enum_values(self, name: str) -> tuple[str, ...]:
        """The value names of an enum, by full name; () for a name that is not an enum of the request."""
        enum = self._enums.get(name)
        if enum is None:
            found = self._descriptors.find_enum(name)
            enum = found[1] if found is not None else None
        return tuple(value.name for value in enum.value) if enum is not None else ()

    def own_options(self, name: str) -> _OwnOptions:
        found = self._own_options.get(name)
        if found is None:
            fact, schema = self.options.message(self.found(name)[1].options)
            found = self._own_options[name] = _OwnOptions(fact, schema, _text_problems(fact, self.option_fields),
                                                          _text_problems(schema, self.option_fields))
        return found

    def info(self, name: str) -> MessageInfo:
        """What the artifacts need of a message (its options' text checked first: see _read_port)."""
        found = self._infos.get(name)
        if found is None:
            own = self.own_options(name)
            file_proto, message = self.found(name)
            found = self._infos[name] = _message_info(name, file_proto.name, message, own.fact, own.schema)
        return found

    def option_where(self, name: str, fallback: Where) -> Where | tuple:
        """Where a message's options are declared, when its file came with source info; else `fallback`."""
        file_proto = self.found(name)[0]
        locator = self.locators.get(file_proto.name)
        if locator is None:
            return fallback
        return locator.where((*_message_path(file_proto, name), _MESSAGE_OPTIONS))


def _message_path(file_proto, name: str) -> tuple[int, ...]:
    """The path of a message in its file, by full name (only a problem at the message asks for it); the last
    one declared under that name, as the index keeps the last."""
    found: tuple[int, ...] = ()

    def walk(prefix: str, messages, path: tuple[int, ...]) -> None:
        nonlocal found
        for i, message in enumerate(messages):
            full = prefix + message.name
            if full == name:
                found = (*path, i)
            walk(full + ".", message.nested_type, (*path, i, _NESTED))

    walk(f"{file_proto.package}." if file_proto.package else "", file_proto.message_type, (_MESSAGE,))
    return found


def read_integrations(request: plugin_pb2.CodeGeneratorRequest, params: PluginParams,
                      descriptors: DescriptorSets | None = None) -> list[Integration]:
    """`descriptors`: the request's DescriptorSets, when the caller shares one with the artifacts."""
    problems = Diagnostics()
    if descriptors is None:
        descriptors = DescriptorSets(request.proto_file)
    # The option pool is built from the bytes the descriptors.pb entries are cut from (one serialization of
    # each file), when a file's name tells it apart.
    options = OptionReader(request.proto_file,
                           descriptors.without_source_info if descriptors.unique_names else None)
    by_name = {f.name: f for f in request.proto_file}
    source = {f.name: f for f in request.source_file_descriptors}
    targets = [name for name in request.file_to_generate]

    for name in targets:
        if name not in by_name and name not in source:
            problems.add(name, 0, 0, "the request names this file to generate but does not carry it; run "
                         "protoc-gen-nifi from protoc or buf, which send every file they name")
    problems.raise_if_any()
    if not source:
        # Old compilers keep source-retained options in proto_file; newer ones
        # strip them there and send source_file_descriptors instead.
        legacy = [by_name[n] for n in targets if n in by_name and _has_any_option_bytes(options, by_name[n])]
        if legacy:
            source = {f.name: f for f in legacy}
        else:
            for name in targets:
                if name in by_name and _uses_our_options(by_name[name]):
                    problems.add(
                        name, 0, 0,
                        "the compiler sent no source_file_descriptors, so the SOURCE-retained integration "
                        f"options cannot be read; use {MINIMUM_COMPILERS}",
                    )
            problems.raise_if_any()
            return []

    index = _MessageIndex(descriptors, list(source.values()), options)
    integrations: list[Integration] = []
    for name in targets:
        file_proto = source.get(name)
        if file_proto is None or not _uses_our_options(file_proto) and not _has_any_option_bytes(options, file_proto):
            continue
        locator = index.locators[name]  # one per file: its location tables are built once, if at all
        for s_index, service in enumerate(file_proto.service):
            integration = _read_service(file_proto, s_index, service, options, index, locator, params, problems)
            if integration is not None:
                integrations.append(integration)

    seen: dict[str, Integration] = {}
    for integration in sorted(integrations, key=lambda i: (i.slug, i.service)):
        if integration.slug in seen:
            first = seen[integration.slug]
            problems.add(
                integration.file, *_service_position(source[integration.file], integration.service, index),
                f"integration name '{integration.slug}' is already used by {first.service} ({first.file}); "
                "set a distinct (ameide_core_proto.integration.v1.integration).name",
            )
        else:
            seen[integration.slug] = integration
    problems.raise_if_any()
    return sorted(seen.values(), key=lambda i: i.slug)


def _service_position(file_proto, service_full_name: str, index: _MessageIndex) -> tuple[int, int]:
    locator = index.locators[file_proto.name]
    for s_index, service in enumerate(file_proto.service):
        if _full(file_proto, service.name) == service_full_name:
            return locator.position((_SERVICE, s_index))
    return 0, 0


def _full(file_proto, name: str) -> str:
    return f"{file_proto.package}.{name}" if file_proto.package else name


def _backpressure(option, fallback: Backpressure, where, problems: Diagnostics, what: str) -> Backpressure:
    if option is None:
        return fallback
    objects, size = fallback.objects, fallback.size
    if option.HasField("object_threshold"):
        if option.object_threshold <= 0:
            problems.add(*where, f"{what} backpressure.object_threshold must be > 0; set a positive count (NiFi's default is 10000)")
        objects = option.object_threshold
    if option.HasField("data_size_threshold"):
        if not is_data_size(option.data_size_threshold):
            problems.add(
                *where,
                f"{what} backpressure.data_size_threshold {quoted(option.data_size_threshold)} is not a NiFi data "
                "size (ASCII digits and B, KB, MB, GB or TB, at most 2^63-1 bytes); write e.g. \"1 GB\" or \"512 MB\"",
            )
        elif data_size_bytes(option.data_size_threshold) == 0:
            problems.add(*where, f"{what} backpressure.data_size_threshold {quoted(option.data_size_threshold)} "
                         "disables back pressure; set a size > 0, e.g. \"1 GB\"")
        size = option.data_size_threshold
    return Backpressure(objects, size)


def _retry(option, fallback: Retry, where, problems: Diagnostics, what: str) -> Retry:
    if option is None:
        return fallback
    count, backoff = fallback.count, fallback.max_backoff
    if option.HasField("count"):
        if option.count < 0:
            problems.add(*where, f"{what} retry.count must be >= 0; set 0 for no retries")
        count = option.count
    if option.HasField("max_backoff"):
        if not is_time_period(option.max_backoff):
            problems.add(
                *where, f"{what} retry.max_backoff {quoted(option.max_backoff)} is not a NiFi time period "
                "(ASCII digits and a unit, at most about 292 years); write e.g. \"10 mins\""
            )
        backoff = option.max_backoff
    return Retry(count, backoff)


def _tuning(option, fallback: Tuning, where, problems: Diagnostics, what: str) -> Tuning:
    if option is None:
        return fallback
    tasks = batch = None
    if option.HasField("concurrent_tasks"):
        if option.concurrent_tasks <= 0:
            problems.add(*where, f"{what} tuning.concurrent_tasks must be > 0; set a positive count (NiFi's default is 1)")
        tasks = option.concurrent_tasks
    if option.HasField("batch_size"):
        if option.batch_size <= 0:
            problems.add(*where, f"{what} tuning.batch_size must be > 0; set a positive count or remove it")
        batch = option.batch_size
    for name, example in (("run_duration", "25 millis"), ("every", "15 mins")):
        value = getattr(option, name)
        if value and not is_time_period(value):
            problems.add(*where, f"{what} tuning.{name} {quoted(value)} is not a NiFi time period (ASCII digits "
                         f"and a unit, at most about 292 years); write e.g. \"{example}\"")
    if option.cron and not is_cron(option.cron):
        problems.add(*where, f"{what} tuning.cron {quoted(option.cron)} is not a Quartz cron expression (6 or 7 fields: "
                     "sec min hour day month weekday [year]); write e.g. \"0 0 2 * * ?\"")
    if option.cron and option.every:
        problems.add(*where, f"{what} tuning sets both every and cron; keep one")
    return Tuning(tasks, batch, option.run_duration, option.every, option.cron).over(fallback)


# The ref that names a shared connection, per transport (kafka, redis and s3 have one per integration).
CONNECTION_REFS = {"jdbc": "database_ref", "mongodb": "database_ref"}


def _read_transport(option, direction: str, where, problems: Diagnostics, what: str,
                    content_type: str = "", routing_key: str = "", has_schedule: bool = False,
                    partition_keys: tuple[str, ...] = (), connection_only: bool = False) -> Binding | None:
    """A Transport option as a Binding, or None (with the problems added) when it is unusable.
    `connection_only`: the option names a connection (an integration's shared_services entry), so only the
    ref that tells connections apart is read."""
    transports = _transports()
    kind = option.WhichOneof("kind")
    if kind is None:
        problems.add(*where, f"{what} has no transport; set e.g. transport: {{ kafka: {{ binding_ref: \"orders-in\" }} }}")
        return None
    transport = transports.TRANSPORTS[kind]
    message = getattr(option, kind)
    ok = True
    refs = []
    for field in transport.refs:
        value = getattr(message, field.name)
        if connection_only and field.name != CONNECTION_REFS.get(kind):
            if value:
                problems.add(*where, f"{what}: a shared service stands for a whole {kind} connection, which "
                             f"{field.name} does not name; remove {field.name}")
                ok = False
            continue
        if not value:
            problems.add(*where, f"{what}: {kind} transport has no {field.name}; set e.g. "
                         f"{field.name}: \"{field.example}\"")
            ok = False
        elif _looks_literal(value):
            problems.add(
                *where,
                f"{what}: {field.name} {quoted(value)} looks like a literal address; use a logical name such as "
                f"\"{field.example}\" and bind {field.binds} per environment",
            )
            ok = False
        elif not ref_slug_is_meaningful(value):
            problems.add(*where, f"{what}: {field.name} {quoted(value)} has no ASCII letter or digit, so it cannot "
                         f"name a parameter; use a logical name such as \"{field.example}\"")
            ok = False
        refs.append((field.name, value))
    settings = tuple(
        (name, enum_name(message, name) if message.DESCRIPTOR.fields_by_name[name].enum_type else getattr(message, name))
        for name in transport.settings
    )
    tls = None
    if option.HasField("tls"):
        if transport.no_tls:
            problems.add(*where, f"{what}: {transport.no_tls}")
            ok = False
        else:
            tls = Tls(option.tls.client_certificate)
    shared = ""
    if option.HasField("shared_service"):
        if not option.shared_service.strip():
            problems.add(*where, f"{what}: shared_service is empty; name the NiFi controller service to use, e.g. "
                         "\"kafka-prod\", or remove it")
            ok = False
        elif transport.connection is None:
            problems.add(*where, f"{what}: {kind} has no connection service to share (its connection settings are "
                         "on each processor); remove shared_service")
            ok = False
        elif tls is not None and transport.tls_on_connection:
            problems.add(*where, f"{what}: the shared service brings its own TLS settings; remove tls or "
                         "shared_service")
            ok = False
        else:
            shared = option.shared_service
    elif connection_only:
        problems.add(*where, f"{what}: a shared_services entry names the cluster's service to use; set "
                     "shared_service, e.g. shared_service: \"kafka-prod\"")
        ok = False
    binding = Binding(kind, tuple(refs), settings, tls, shared)
    if direction and direction not in transport.builders:
        problems.add(*where, f"{what}: transport {kind} does not support direction {direction}; "
                     f"supported: {', '.join(sorted(transport.builders))}")
        return None
    if direction:
        declared = transports.Declared(binding, direction, content_type, routing_key, has_schedule, partition_keys)
        for problem in transport.check(declared):
            problems.add(*where, f"{what}: {problem}")
            ok = False
    return binding if ok else None


def _read_service(file_proto, s_index, service, options, index, locator, params, problems) -> Integration | None:
    service_path = (_SERVICE, s_index)
    integration_option = options.integration(service.options)
    port_options = [options.port(method.options) for method in service.method]
    if integration_option is None and not any(p is not None for p in port_options):
        return None  # an ordinary service, not an integration

    where = locator.where(service_path + (_SERVICE_OPTIONS, INTEGRATION_FIELD))
    not_utf8, too_long = _text_problems(integration_option, index.option_fields)
    if not _utf8_ok(not_utf8, where, problems, f"integration {service.name}:"):
        return None
    _length_ok(too_long, where, problems, f"integration {service.name}:")
    service_full = _full(file_proto, service.name)
    explicit_name = integration_option.name if integration_option is not None else ""
    slug = integration_slug(service.name, explicit_name)
    if len(slug) > limits.INTEGRATION_NAME:
        # Past it the folder name alone would make protoc fail with an unlocated "File name too long".
        problems.add(*locator.where(service_path), f"integration name '{slug[:40]}...' is {len(slug)} characters "
                     f"long once made snake_case, over the limit of {limits.INTEGRATION_NAME} (a folder, a NiFi "
                     "group and a Kubernetes name); set a shorter (ameide_core_proto.integration.v1.integration).name")
    if len(service.method) > limits.PORTS_PER_INTEGRATION:
        problems.add(*locator.where(service_path), f"integration {service.name} has {len(service.method)} rpcs, "
                     f"over the limit of {limits.PORTS_PER_INTEGRATION} ports per integration; split it into "
                     "several services")
    defaults = integration_option.defaults if integration_option is not None and integration_option.HasField("defaults") else None
    backpressure = _backpressure(
        defaults.backpressure if defaults is not None and defaults.HasField("backpressure") else None,
        Backpressure(params.backpressure_objects, params.backpressure_size), where, problems, "integration defaults",
    )
    retry = _retry(
        defaults.retry if defaults is not None and defaults.HasField("retry") else None,
        Retry(params.retry_count, params.max_backoff), where, problems, "integration defaults",
    )
    tuning = _tuning(
        defaults.tuning if defaults is not None and defaults.HasField("tuning") else None,
        Tuning(), where, problems, "integration defaults",
    )
    description = (integration_option.description if integration_option is not None else "") or _comments(
        locator, file_proto, service_path, problems
    )
    dead_letter = None
    if integration_option is not None and integration_option.HasField("dead_letter"):
        dead_letter = _read_transport(
            integration_option.dead_letter, "OUT", where, problems, f"integration {service.name} dead_letter",
        )

    connections: list[Declared] = []
    if dead_letter is not None:
        connections.append(Declared(dead_letter, where, f"integration {service.name} dead_letter"))
    for entry in integration_option.shared_services if integration_option is not None else ():
        shared = _read_transport(entry, "", where, problems, f"integration {service.name} shared_services",
                                 connection_only=True)
        if shared is not None:
            connections.append(Declared(shared, where, f"integration {service.name} shared_services"))

    ports: list[Port] = []
    port_wheres: list[tuple[Port, Where]] = []
    slugs: dict[str, str] = {}
    spellings: dict[tuple[str, str, str], tuple[str, str]] = {}
    for m_index, (method, port_option) in enumerate(zip(service.method, port_options)):
        method_path = service_path + (_METHOD, m_index)
        if port_option is None:
            problems.add(
                file_proto.name, *locator.position(method_path),
                f"rpc {method.name} in integration {service.name} has no (ameide_core_proto.integration.v1.port) "
                "option; annotate it as a port or move it to another service",
            )
            continue
        port = _read_port(file_proto, method, method_path, port_option, index, locator,
                          (backpressure, retry, tuning), problems)
        if port is None:
            continue
        if port.slug in slugs:
            problems.add(
                file_proto.name, *locator.position(method_path),
                f"port {method.name} has the same name '{port.slug}' as port {slugs[port.slug]} once made "
                "snake_case; rename one of the rpcs",
            )
            continue
        slugs[port.slug] = method.name
        ports.append(port)
        port_where = locator.where(method_path + (_METHOD_OPTIONS, PORT_FIELD))
        port_wheres.append((port, port_where))
        connections.append(Declared(port.binding, port_where, f"port {port.name}"))
        if port.lookup is not None and port.lookup.fallback is not None:
            connections.append(Declared(port.lookup.fallback, port_where, f"port {port.name} lookup.fallback"))
        _check_ref_spelling(port, locator.where(method_path), spellings, problems)

    if not service.method:
        problems.add(
            file_proto.name, *locator.position(service_path),
            f"integration {service.name} declares no ports; add an rpc with a (ameide_core_proto.integration.v1.port) option",
        )
        return None
    _check_message_keys(port_wheres, index, problems)
    check_lookups(port_wheres, index.message, problems)
    mappings = _check_mappings(port_wheres, {m.name: o for m, o in zip(service.method, port_options)}, index,
                               problems)
    resolve = resolve_connections(connections, problems)
    resolved = []
    for port in ports:
        changes = {}
        binding = resolve(port.binding)
        if binding != port.binding:
            changes["binding"] = binding
        if port.name in mappings:
            changes["mapping"], changes["script"] = mappings[port.name]
        if port.lookup is not None and port.lookup.fallback is not None:
            changes["lookup"] = replace(port.lookup, fallback=resolve(port.lookup.fallback))
        # One copy of the port, not one per change; none when nothing changes (most ports: a port is a
        # dataclass of twenty fields, and copying one is not cheap).
        resolved.append(replace(port, **changes) if changes else port)
    return Integration(
        slug=slug, service=service_full, file=file_proto.name, description=description,
        ports=tuple(resolved), backpressure=backpressure, retry=retry,
        dead_letter=resolve(dead_letter) if dead_letter is not None else None,
        position=locator.position_later(service_path),
    )


def _check_mappings(ports: list[tuple[Port, Where]], options: dict, index: _MessageIndex,
                    problems: Diagnostics) -> dict[str, tuple[tuple, bool]]:
    """Every OUT port's declarative mapping, checked step by step against the records the mapping receives (the
    IN ports' message, enriched by the LOOKUP ports): port name -> (transforms, whether its script runs)."""
    from .transforms import Schema, State, check_mapping, input_record, route_problems

    declared = [(port, where, options[port.name]) for port, where in ports
                if options[port.name].mapping or options[port.name].HasField("mapping_script")]
    if not declared:
        return {}
    schema = Schema(index.message, index.enum_values)
    ins = [port for port, _ in ports if port.direction == "IN"]
    messages = sorted({port.message.full_name for port in ins})
    lookups = tuple((port.slug, port.message.full_name, port.transport == "jdbc")
                    for port, _ in ports if port.direction == "LOOKUP")
    out_ports = {port.name: port.slug for port, _ in ports if port.direction == "OUT"}
    out_messages = {port.name: port.message.full_name for port, _ in ports if port.direction == "OUT"}
    results: dict[str, tuple[tuple, bool]] = {}
    for port, where, option in declared:
        what = f"port {port.name}:"
        if port.direction != "OUT":
            problems.add(*where, f"{what} mapping steps run in the mapping, on the records on their way to an OUT "
                         "port; move mapping (and mapping_script) to the OUT port that sends the result")
            continue
        if not option.mapping:
            problems.add(*where, f"{what} mapping_script is for a port with mapping steps (a port without them "
                         "always runs its script); remove mapping_script, or add mapping steps")
            continue
        bad_types = [p for p in (*ins, port) if p.content_type not in ("", "application/json")]
        if bad_types:
            problems.add(*where, f"{what} mapping steps work on JSON records, but port {bad_types[0].name} carries "
                         f"{quoted(bad_types[0].content_type)}; use content_type \"application/json\" on the IN "
                         "and OUT ports, or map in the script instead")
            continue
        if len(messages) != 1:
            found = ", ".join(messages) or "no IN port"
            problems.add(*where, f"{what} mapping steps are checked against the one message the IN ports carry, "
                         f"but this integration has {found}; give every IN port the same message, or map in the "
                         "script instead")
            continue
        state = State(schema, input_record(schema, messages[0], lookups), messages[0], out_ports, port.name)
        transforms, found_problems = check_mapping(state, port, option.mapping,
                                                   None if option.mapping_script else port.message.full_name)
        if not found_problems:
            found_problems = route_problems(state, out_messages)
        for problem in found_problems:
            problems.add(*where, f"{what} {problem}")
        results[port.name] = (transforms, bool(option.mapping_script))
    # An OUT port that only route steps feed (no steps of its own) runs no script: it sends what is routed to it.
    for transforms, _ in list(results.values()):
        for transform in transforms:
            target = next(port for port, _ in ports if port.slug == transform.target) if transform.target else None
            if target is not None and target.name not in results:
                results[target.name] = ((), False)
    return results


def _check_message_keys(ports: list[tuple[Port, Where]], index: _MessageIndex, problems: Diagnostics) -> None:
    """Every key field a port's message declares (event_fact partition and idempotency keys) is one value of
    the message, reported once per message, at the message's options when its file came with its source."""
    seen: set[str] = set()
    for port, where in ports:
        message = port.message
        if message.full_name in seen:
            continue
        seen.add(message.full_name)
        for option, fields in (("partition_key_fields", message.partition_key_fields),
                               ("idempotency_key_fields", message.idempotency_key_fields)):
            for field in fields:
                problem = key_path_problem(index.message, message.full_name, field)
                if problem is not None:
                    problems.add(*index.option_where(message.full_name, where),
                                 f"message {message.full_name}: event_fact {option} {problem}")


def _check_ref_spelling(port: Port, where: Where, spellings: dict[tuple[str, str, str], tuple[str, str]],
                        problems: Diagnostics) -> None:
    """Two spellings of a ref that name one parameter (orders-in, Orders_In) would silently share it."""
    for field, value in port.binding.refs:
        key = (port.transport, field, ref_slug(value))
        first_value, first_port = spellings.setdefault(key, (value, port.name))
        if first_value != value:
            problems.add(*where,
                         f"port {port.name}: {field} {quoted(value)} and {quoted(first_value)} (port {first_port}) "
                         f"name the same parameters ({ref_slug(value)}); spell them the same or use distinct names")


def _looks_literal(ref: str) -> bool:
    return _LITERAL_MARKER.search(ref) is not None


def _read_port(file_proto, method, method_path, option, index, locator, defaults, problems) -> Port | None:
    option_path = method_path + (_METHOD_OPTIONS, PORT_FIELD)
    where = locator.where(option_path)
    # Each read of an option's field builds a new object: the ones read more than once are read here, once.
    port_name, content_type, routing_key = method.name, option.content_type, option.routing_key
    what = f"port {port_name}"
    not_utf8, too_long = _text_problems(option, index.option_fields)
    if not _utf8_ok(not_utf8, where, problems, f"{what}:"):
        return None  # its text cannot be trusted any further
    required_headers, validate_schema = tuple(option.required_headers), option.validate_schema

    ok = _length_ok(too_long, where, problems, f"{what}:")
    if method.client_streaming or method.server_streaming:
        # NiFi moves one FlowFile per message; a stream has no port to become.
        problems.add(*where, f"port {port_name} is a streaming rpc; a port takes one message at a time, so "
                     "declare it as a unary rpc (no stream keyword)")
        ok = False
    slug = snake_slug(port_name)
    if len(slug) > limits.PORT_NAME:
        problems.add(*where, f"port {port_name[:40]}... is {len(slug)} characters long once "
                     f"made snake_case, over the limit of {limits.PORT_NAME} (it is part of group and parameter "
                     "names); rename the rpc")
        ok = False
    if content_type and not MEDIA_TYPE.match(content_type):
        problems.add(*where, f"port {port_name}: content_type {quoted(content_type)} is not a media type "
                     "NiFi can carry as an attribute (type/subtype, optional ;name=value parameters, RFC 9110 "
                     "tokens: no quotes, spaces or line breaks); write e.g. \"application/json\"")
        ok = False

    backpressure, retry, tuning = defaults
    port_tuning = option.tuning if option.HasField("tuning") else None
    # Read every setting before any early return, so that all problems of the port are reported at once.
    port_backpressure = _backpressure(option.backpressure if option.HasField("backpressure") else None, backpressure,
                                      where, problems, what)
    port_retry = _retry(option.retry if option.HasField("retry") else None, retry, where, problems, what)
    port_tuning_resolved = _tuning(port_tuning, tuning, where, problems, what)

    direction = enum_name(option, "direction")
    if direction not in ("IN", "OUT", "LOOKUP"):
        problems.add(*where, f"port {port_name} has no direction; set direction: IN, OUT or LOOKUP")
        ok = False
        direction = ""

    message_name = method.input_type.lstrip(".")
    declared = index.found(message_name) is not None
    own = index.own_options(message_name) if declared else None
    fact = own.fact if own is not None else None
    partition_keys = tuple(fact.partition_key_fields) if fact is not None and not own.fact_text[0] else ()

    binding = None
    transport_option = option.transport if option.HasField("transport") else None
    if transport_option is None:
        problems.add(
            *where,
            f"port {port_name} has no transport; set e.g. transport: {{ kafka: {{ binding_ref: \"orders-in\" }} }}",
        )
        ok = False
    else:
        binding = _read_transport(
            transport_option, direction, where, problems, what, content_type,
            routing_key, bool(port_tuning is not None and (port_tuning.every or port_tuning.cron)),
            partition_keys,
        )
        ok = ok and binding is not None
    lookup_option = option.lookup if option.HasField("lookup") else None
    fallback = None
    if direction == "LOOKUP" and lookup_option is None:
        problems.add(*where, f"port {port_name}: a LOOKUP port needs to know its key; set lookup {{ key_field: "
                     f"\"...\" }} to the field of {message_name} that is the key of what it fetches")
        ok = False
    elif direction in ("IN", "OUT") and lookup_option is not None:
        problems.add(*where, f"port {port_name}: lookup settings are for LOOKUP ports; remove lookup")
        ok = False
    elif lookup_option is not None:
        if not lookup_option.key_field:
            problems.add(*where, f"port {port_name}: lookup has no key_field; name the field of {message_name} "
                         "that is the key, e.g. key_field: \"id\"")
            ok = False
        if lookup_option.HasField("fallback"):
            fallback = _read_transport(lookup_option.fallback, "LOOKUP", where, problems,
                                       f"port {port_name} lookup.fallback")
            ok = ok and fallback is not None
    # The transport's kind is known even when its binding is unusable (e.g. no method yet): check what depends
    # only on the kind now, so these problems come in the same round as the binding's own.
    kind = transport_option.WhichOneof("kind") if transport_option is not None else None
    if kind is not None and direction:
        transports = _transports()
        transport = transports.TRANSPORTS[kind]
        if required_headers and direction not in transport.header_directions:
            problems.add(*where, f"port {port_name}: {kind} {direction} has no headers; remove "
                         "required_headers (Kafka, AMQP, HTTP and S3 OUT ports send them, HTTP IN ports require them)")
            ok = False
        credentials = [h for h in required_headers if h.lower() in transports.base.CREDENTIAL_HEADERS]
        if credentials and kind != "http" and direction in transport.header_directions:
            problems.add(*where, f"port {port_name}: the credential header {credentials[0]} can only be sent by "
                         f"an http port (from a sensitive parameter); authenticate the {kind} "
                         "connection through its parameters instead")
            ok = False
        elif credentials and direction == "IN":
            problems.add(*where, f"port {port_name}: an http IN port checks that required headers are present, "
                         f"not their values, so {credentials[0]} would let anyone in; authenticate callers with "
                         "mTLS instead and remove it from required_headers")
            ok = False
        batch = port_tuning.HasField("batch_size") if port_tuning is not None else False
        if batch and direction not in transport.batch_directions:
            problems.add(*where, f"port {port_name}: {kind} {direction} has no batch size; "
                         "remove tuning.batch_size")
            ok = False
        if validate_schema and direction not in transport.schema_directions:
            kinds = ", ".join(k for k, t in transports.TRANSPORTS.items() if t.schema_directions)
            problems.add(*where, f"port {port_name}: validate_schema checks each JSON message entering the flow "
                         f"(IN ports of {kinds}: one message per FlowFile); a {kind} {direction} port has no such "
                         "message, so remove validate_schema")
            ok = False
        elif validate_schema and not _json(content_type):
            problems.add(*where, f"port {port_name}: validate_schema checks JSON against the message's JSON "
                         f"Schema, but content_type is {quoted(content_type)}; set content_type: "
                         "\"application/json\" or remove validate_schema")
            ok = False
        if routing_key and direction not in transport.routing_directions:
            problems.add(*where, f"port {port_name}: {kind} {direction} routes nothing by a key; remove "
                         "routing_key (it routes AMQP, Kafka and Redis OUT messages)")
            ok = False

    for header in required_headers:
        if HTTP_TOKEN.match(header) and not HEADER_NAME.match(header):
            # A legal RFC 9110 token, but the flow reads the header's attribute as ${'name'}, which NiFi
            # Expression Language cannot quote when the name itself holds a quote.
            problems.add(*where, f"port {port_name}: required header {quoted(header)} is a valid HTTP header name, "
                         "but NiFi Expression Language cannot quote a name holding ' (the flow reads the header as "
                         "${'name'}); rename the header without '")
            ok = False
        elif not HEADER_NAME.match(header):
            problems.add(*where, f"port {port_name}: required header {quoted(header)} is not a valid HTTP header "
                         "name (an RFC 9110 token); use letters, digits and !#$%&'*+-.^_`|~ only")
            ok = False

    if not declared:
        problems.add(*where, f"port {port_name}: input type {message_name} is not a message of this request; "
                     "run protoc-gen-nifi from protoc or buf, which send every imported file")
        return None
    for not_utf8, too_long in (own.fact_text, own.schema_text):
        if not _utf8_ok(not_utf8, where, problems, f"port {port_name}: message {message_name}'s option"):
            return None
        ok = _length_ok(too_long, where, problems, f"port {port_name}: message {message_name}'s option") and ok
    # Key options name fields of the message: a typo would be a key that is empty on every record.
    column_keys = binding is not None and _column_keys(binding)
    key_options = []
    if routing_key:
        key_options.append(("routing_key", routing_key, False))
    if lookup_option is not None and lookup_option.key_field:
        top_level = column_keys or (fallback is not None and _column_keys(fallback))
        key_options.append(("lookup.key_field", lookup_option.key_field, top_level))
    for name, path, top_level in key_options:
        problem = key_path_problem(index.message, message_name, path, top_level)
        if problem is not None:
            problems.add(*where, f"port {port_name}: {name} {problem}")
            ok = False
    if lookup_option is not None and lookup_option.key_from and any(
            not part for part in lookup_option.key_from.split(".")):
        problems.add(*where, f"port {port_name}: lookup.key_from {quoted(lookup_option.key_from)} is not a field "
                     "path; write field names joined by '.', e.g. \"customer.id\"")
        ok = False
    # The message's own options are checked whatever else is wrong with the port: every problem in one round.
    message = index.info(message_name)
    if message.stream_ref and _looks_literal(message.stream_ref):
        problems.add(*where, f"port {port_name}: message {message_name}'s event_fact stream_ref "
                     f"{quoted(message.stream_ref)} looks like a literal address; use a logical stream name such as "
                     "\"acme.orders.facts\" and bind topics per environment")
        ok = False
    if direction == "OUT" and column_keys:
        for key in message.idempotency_key_fields:
            if "." in key:
                problems.add(*where, f"port {port_name} upserts rows on {message_name}'s idempotency_key_fields, "
                             f"but {quoted(key)} is a nested field and a key column is a top-level field; name "
                             "top-level fields")
                ok = False
                break
    if not ok:
        return None
    lookup = None
    if lookup_option is not None:
        lookup = Lookup(lookup_option.key_field, lookup_option.key_from or lookup_option.key_field, fallback)

    return Port(
        name=port_name,
        slug=slug,
        direction=direction,
        transport=binding.transport,
        binding=binding,
        message=message,
        content_type=content_type,
        required_headers=required_headers,
        envelope=enum_name(option, "envelope"),
        routing_key=routing_key,
        description=option.description or _comments(locator, file_proto, method_path, problems),
        backpressure=port_backpressure,
        retry=port_retry,
        tuning=port_tuning_resolved,
        # No line/column: buf and protoc record option spans differently, and the
        # artifacts must be identical whichever compiler ran.
        origin=file_proto.name,
        lookup=lookup,
        position=locator.position_later(method_path),  # only for error messages, never written to an artifact
        validate_schema=validate_schema,
    )


def _json(content_type: str) -> bool:
    """application/json or a +json type (RFC 6839); unset counts as JSON, as for the transports' JSON checks."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media in ("", "application/json") or media.endswith("+json")


def _column_keys(binding: Binding) -> bool:
    return _transports().TRANSPORTS[binding.transport].column_keys


def _message_info(name: str, file: str, message_proto, fact, schema) -> MessageInfo:
    return MessageInfo(
        full_name=name,
        file=file,
        fact_type=fact.type if fact is not None else "",
        schema_subject=(schema.subject if schema is not None and schema.subject else "")
        or (fact.schema_subject if fact is not None else "")
        or name,
        stream_ref=fact.stream_ref if fact is not None else "",
        partition_key_fields=tuple(fact.partition_key_fields) if fact is not None else (),
        idempotency_key_fields=tuple(fact.idempotency_key_fields) if fact is not None else (),
        compatibility=enum_name(schema, "compatibility") if schema is not None else "",
        fields=top_level_fields(message_proto),
    )
