"""A JSON Schema (draft 2020-12) of each port message's protobuf JSON, so callers and the flow can check a payload.

Written to `<integration>/schemas/<message>.schema.json`, and embedded in the flow for a port with
validate_schema. The mapping follows bufbuild/protoschema-plugins (internal/protoschema/jsonschema/jsonschema.go): properties under
the proto JSON names with the original field names accepted as aliases, 64-bit integers as an integer or a decimal
string, floats with their "NaN"/"Infinity" strings, bytes as base64, enums by name or number, well-known types in
their JSON forms and messages through `$defs`/`$ref` (so recursion is a reference). It goes further where its users
asked: members of a oneof are exclusive, a field may not be given under both of its names, `additionalProperties`
is false, proto2 `required` fields are required, closed enums accept only their declared numbers, and Duration is
"1.5s" (protoschema's `format: duration` is ISO 8601, which protobuf JSON is not). What protobuf's JSON parser
accepts (google.protobuf.json_format, protobuf's JSON spec) is what a schema accepts, and no more where decidable.
"""
from __future__ import annotations

from dataclasses import replace

from google.protobuf import descriptor_pb2

from .descriptors import DescriptorSets
from .model import Integration
from .rendering import canonical_json

DIR = "schemas"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
DEFS = "#/$defs/"

_F = descriptor_pb2.FieldDescriptorProto
_REPEATED, _REQUIRED = _F.LABEL_REPEATED, _F.LABEL_REQUIRED
INT = "^-?[0-9]+$"
UINT = "^[0-9]+$"


def _integer(low: int, high: int, pattern: str) -> dict:
    # protobuf JSON writes 64-bit integers as strings and reads 32-bit ones from strings too.
    return {"anyOf": [{"type": "integer", "minimum": low, "maximum": high}, {"type": "string", "pattern": pattern}]}


_FLOAT = {"anyOf": [
    {"type": "number"},
    {"type": "string", "enum": ["Infinity", "-Infinity", "NaN"]},
    {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?$"},
]}
# Standard or URL-safe alphabet, padding optional: json_format writes the first and reads both.
_BYTES = {"type": "string", "pattern": "^[A-Za-z0-9+/_-]*={0,2}$"}

SCALARS = {
    _F.TYPE_DOUBLE: _FLOAT,
    _F.TYPE_FLOAT: _FLOAT,
    _F.TYPE_INT32: _integer(-2**31, 2**31 - 1, INT),
    _F.TYPE_SINT32: _integer(-2**31, 2**31 - 1, INT),
    _F.TYPE_SFIXED32: _integer(-2**31, 2**31 - 1, INT),
    _F.TYPE_UINT32: _integer(0, 2**32 - 1, UINT),
    _F.TYPE_FIXED32: _integer(0, 2**32 - 1, UINT),
    _F.TYPE_INT64: _integer(-2**63, 2**63 - 1, INT),
    _F.TYPE_SINT64: _integer(-2**63, 2**63 - 1, INT),
    _F.TYPE_SFIXED64: _integer(-2**63, 2**63 - 1, INT),
    _F.TYPE_UINT64: _integer(0, 2**64 - 1, UINT),
    _F.TYPE_FIXED64: _integer(0, 2**64 - 1, UINT),
    _F.TYPE_BOOL: {"type": "boolean"},
    _F.TYPE_STRING: {"type": "string"},
    _F.TYPE_BYTES: _BYTES,
}

# A map key is always a JSON object key (a string): what each key type looks like as one.
MAP_KEYS = {
    **{kind: {"pattern": INT} for kind in (_F.TYPE_INT32, _F.TYPE_SINT32, _F.TYPE_SFIXED32, _F.TYPE_INT64,
                                           _F.TYPE_SINT64, _F.TYPE_SFIXED64)},
    **{kind: {"pattern": UINT} for kind in (_F.TYPE_UINT32, _F.TYPE_FIXED32, _F.TYPE_UINT64, _F.TYPE_FIXED64)},
    _F.TYPE_BOOL: {"enum": ["true", "false"]},
    _F.TYPE_STRING: {},
}

# RFC 3339 with protobuf's range of fraction digits; "Z" or an offset (protobuf's JSON spec, Timestamp).
_RFC3339 = ("^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?"
            "([Zz]|[+-][0-9]{2}:[0-9]{2})$")
_WRAPPERS = {
    "DoubleValue": _F.TYPE_DOUBLE, "FloatValue": _F.TYPE_FLOAT, "Int64Value": _F.TYPE_INT64,
    "UInt64Value": _F.TYPE_UINT64, "Int32Value": _F.TYPE_INT32, "UInt32Value": _F.TYPE_UINT32,
    "BoolValue": _F.TYPE_BOOL, "StringValue": _F.TYPE_STRING, "BytesValue": _F.TYPE_BYTES,
}
# Well-known types with a JSON form of their own (protobuf's JSON spec); Empty is an ordinary message.
WELL_KNOWN = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time", "pattern": _RFC3339},
    "google.protobuf.Duration": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]{1,9})?s$"},
    "google.protobuf.FieldMask": {"type": "string"},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.ListValue": {"type": "array"},
    # An Any holds "@type" and the packed message's fields (or "value" for a well-known type); empty when unset.
    "google.protobuf.Any": {"type": "object", "properties": {"@type": {"type": "string"}},
                            "anyOf": [{"maxProperties": 0}, {"required": ["@type"]}]},
    **{f"google.protobuf.{name}": SCALARS[kind] for name, kind in _WRAPPERS.items()},
}
NULL_VALUE = "google.protobuf.NullValue"


def json_name(field) -> str:
    """protoc's json_name (always sent to plugins); computed the way protoc does for a descriptor without one."""
    if field.HasField("json_name"):
        return field.json_name
    return _default_json_name(field.name)


def _default_json_name(name: str) -> str:
    parts = name.split("_")
    return parts[0] + "".join(part[:1].upper() + part[1:] for part in parts[1:])


def _closed(enum, file_proto) -> bool:
    """Closed enums (proto2, or editions' enum_type CLOSED) take only their declared numbers."""
    closed = descriptor_pb2.FeatureSet.CLOSED
    if file_proto.syntax == "editions":
        if enum.options.features.HasField("enum_type"):
            return enum.options.features.enum_type == closed
        return file_proto.options.features.enum_type == closed
    return file_proto.syntax in ("", "proto2")


class Schemas:
    """JSON Schemas of the messages of one request's files."""

    def __init__(self, proto_files) -> None:
        self._sets = proto_files if isinstance(proto_files, DescriptorSets) else DescriptorSets(proto_files)
        # message -> canonical_json of its document (bytes: nothing for the garbage collector to walk; caching
        # the documents themselves would keep thousands of dicts alive for the whole run, which costs more in
        # collections than describing a shared message again saves).
        self._texts: dict[str, bytes] = {}
        # The messages described once, and (definition, messages it refers to) of those a second document
        # reached: a shared import's messages (Money, Audit) are kept, a message of one port's is not.
        self._described: set[str] = set()
        self._shared: dict[str, tuple[dict, tuple[str, ...]]] = {}
        self._enums: dict[str, dict] = {}  # enum -> its schema (a few small dicts, however many fields use them)

    def text(self, message: str) -> bytes:
        """canonical_json(document(message)), written once per message."""
        text = self._texts.get(message)
        if text is None:
            text = self._texts[message] = canonical_json(self.document(message))
        return text

    def document(self, message: str) -> dict:
        """The schema of one message: the message as `$ref`, every message it reaches in `$defs`."""
        if message in WELL_KNOWN:
            return {"$schema": DRAFT, "title": message, **WELL_KNOWN[message]}
        defs: dict[str, dict] = {}
        pending = [message]
        while pending:  # a work list, not recursion: a message chain may be deep, and may loop
            name = pending.pop()
            if name not in defs:
                defs[name] = self._definition(name, pending)
        return {"$schema": DRAFT, "title": message, "$ref": DEFS + message, "$defs": defs}

    def _definition(self, name: str, pending: list[str]) -> dict:
        """_message(name, pending), described once for a message several documents reach. (Documents share
        the definition: nothing changes a document once made.)"""
        shared = self._shared.get(name)
        if shared is not None:
            definition, reached = shared
            pending += reached
            return definition
        if name not in self._described:
            self._described.add(name)
            return self._message(name, pending)
        start = len(pending)
        definition = self._message(name, pending)  # it only appends to pending
        self._shared[name] = (definition, tuple(pending[start:]))
        return definition

    def _message(self, name: str, pending: list[str]) -> dict:
        message = self._sets.message(name)[1]
        properties: dict[str, dict] = {}
        aliases: dict[str, dict] = {}
        constraints: list[dict] = []
        oneofs: dict[int, list[str]] = {}
        required: list[list[str]] = []
        for field in message.field:
            # Each read of a descriptor attribute builds a Python object: read each once.
            label, kind = field.label, field.type
            schema = SCALARS.get(kind)
            if schema is None:
                schema = self._field(field, label, kind, pending)
            elif label == _REPEATED:
                schema = {"type": "array", "items": schema}
            field_name = field.name
            camel = field.json_name  # protoc always sets it; a set json_name is never empty but by hand
            if not camel and not field.HasField("json_name"):
                camel = _default_json_name(field_name)
            properties[camel] = schema
            names = [camel]
            if field_name != camel:
                # protoschema's alias: the original name is accepted too, but not both at once (json_format
                # refuses a field given twice).
                names.append(field_name)
                aliases[f"^({field_name})$"] = schema
                constraints.append({"not": {"required": names}})
            if field.HasField("oneof_index") and not field.proto3_optional:
                oneofs.setdefault(field.oneof_index, []).extend(names)
            if label == _REQUIRED:
                required.append(names)
        for index in sorted(oneofs):
            # At most one member of a oneof: exactly one branch holds, "none present" or one member's name.
            names = oneofs[index]
            constraints.append({"oneOf": [{"not": {"anyOf": [{"required": [n]} for n in names]}},
                                          *({"required": [n]} for n in names)]})
        schema: dict = {"type": "object", "title": name, "properties": properties, "additionalProperties": False}
        if aliases:
            schema["patternProperties"] = aliases
        plain = [names[0] for names in required if len(names) == 1]
        if plain:
            schema["required"] = plain
        constraints += [{"anyOf": [{"required": [n]} for n in names]} for names in required if len(names) > 1]
        if constraints:
            schema["allOf"] = constraints
        return schema

    def _field(self, field, label: int, kind: int, pending: list[str]) -> dict:
        """The schema of a field that is no scalar: a message, an enum or a map."""
        name = field.type_name.lstrip(".")
        if label == _F.LABEL_REPEATED:
            if kind == _F.TYPE_MESSAGE:
                entry = self._sets.message(name)[1]
                if entry.options.map_entry:
                    key, value = entry.field[0], entry.field[1]
                    return {"type": "object", "propertyNames": MAP_KEYS[key.type],
                            "additionalProperties": self._single(value.type, value.type_name.lstrip("."), pending)}
            return {"type": "array", "items": self._single(kind, name, pending)}
        return self._single(kind, name, pending)

    def _single(self, kind: int, name: str, pending: list[str]) -> dict:
        """One value of a field, given its type and type name (without the leading dot)."""
        if kind in SCALARS:
            return SCALARS[kind]
        if kind == _F.TYPE_ENUM:
            return self._enum(name)
        if name in WELL_KNOWN:
            return WELL_KNOWN[name]
        pending.append(name)
        return {"$ref": DEFS + name}

    def _enum(self, name: str) -> dict:
        schema = self._enums.get(name)
        if schema is None:
            schema = self._enums[name] = self._enum_schema(name)
        return schema

    def _enum_schema(self, name: str) -> dict:
        if name == NULL_VALUE:
            return {"type": "null"}
        file_proto, enum = self._sets.enum(name)
        names = {"type": "string", "enum": [value.name for value in enum.value]}
        if _closed(enum, file_proto):
            numbers = sorted({value.number for value in enum.value})
            return {"anyOf": [names, {"type": "integer", "enum": numbers}]}
        return {"anyOf": [names, {"type": "integer", "minimum": -2**31, "maximum": 2**31 - 1}]}


def schema_name(message: str) -> str:
    return f"{DIR}/{message}.schema.json"


def schema_files(integration: Integration, schemas: Schemas) -> dict[str, bytes]:
    """One schema per message a port carries (the dead letter carries none)."""
    return {f"{integration.slug}/{schema_name(message)}": schemas.text(message)
            for message in integration.messages() if message}


def with_schemas(integration: Integration, schemas: Schemas) -> Integration:
    """The integration with the schema text on each port that validates its payload, for the flow to embed."""
    if not any(port.validate_schema for port in integration.ports):
        return integration
    ports = tuple(
        replace(port, schema=schemas.text(port.message.full_name).decode("utf-8"))
        if port.validate_schema else port
        for port in integration.ports
    )
    return replace(integration, ports=ports)
