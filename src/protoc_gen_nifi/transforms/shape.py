"""The shape of a JSON record as it flows through mapping steps, built from the protobuf schema, so that each
step's field paths and types are checked at generate time instead of showing up as wrong data in production."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from google.protobuf import descriptor_pb2

_T = descriptor_pb2.FieldDescriptorProto
_NUMBERS = {_T.TYPE_DOUBLE, _T.TYPE_FLOAT, _T.TYPE_INT32, _T.TYPE_SINT32, _T.TYPE_SFIXED32, _T.TYPE_UINT32,
            _T.TYPE_FIXED32, _T.TYPE_INT64, _T.TYPE_SINT64, _T.TYPE_SFIXED64, _T.TYPE_UINT64, _T.TYPE_FIXED64}
# Well-known types the JSON mapping writes as one scalar value (protobuf's JSON mapping, json_format).
_WKT_SCALARS = {
    "google.protobuf.Timestamp": "timestamp", "google.protobuf.Duration": "string",
    "google.protobuf.FieldMask": "string", "google.protobuf.StringValue": "string",
    "google.protobuf.BytesValue": "string", "google.protobuf.BoolValue": "bool",
    "google.protobuf.Int32Value": "number", "google.protobuf.Int64Value": "number",
    "google.protobuf.UInt32Value": "number", "google.protobuf.UInt64Value": "number",
    "google.protobuf.FloatValue": "number", "google.protobuf.DoubleValue": "number",
}
# Well-known types whose JSON form is free-form: nothing inside them can be checked.
_WKT_ANY = {"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.Any"}

Messages = Callable[[str], "descriptor_pb2.DescriptorProto | None"]


@dataclass(frozen=True)
class Field:
    """One field of a record. kind: string, number, bool, enum, bytes, timestamp, message, map or any."""

    name: str
    kind: str
    repeated: bool = False
    type_name: str = ""  # message or enum full name
    # The fields of a message value as the steps left them; None: the message's declared fields.
    children: tuple[Field, ...] | None = None
    oneof: str = ""  # the oneof the field is a member of
    json_name: str = ""  # the lowerCamelCase name protobuf's JSON parsers also accept

    def describe(self) -> str:
        what = {"message": f"message ({self.type_name})", "enum": f"enum ({self.type_name})",
                "any": f"free-form JSON ({self.type_name})"}.get(self.kind, self.kind)
        if self.repeated:
            return f"a repeated {what} field"
        return f"an {what}" if what[0] in "aeiou" else f"a {what}"


class Schema:
    """Reads message fields from the request's descriptors."""

    def __init__(self, messages: Messages, enum_values: Callable[[str], tuple[str, ...]]) -> None:
        self._messages = messages
        self.enum_values = enum_values

    def fields(self, message_name: str) -> tuple[Field, ...]:
        message = self._messages(message_name)
        if message is None:
            return ()
        out = []
        for f in message.field:
            type_name = f.type_name.lstrip(".")
            repeated = f.label == _T.LABEL_REPEATED
            oneof = ""
            if f.HasField("oneof_index") and not f.proto3_optional:
                oneof = message.oneof_decl[f.oneof_index].name
            if f.type in (_T.TYPE_MESSAGE, _T.TYPE_GROUP):
                entry = self._messages(type_name)
                if entry is not None and entry.options.map_entry:
                    kind, repeated = "map", False
                elif type_name in _WKT_SCALARS:
                    kind = _WKT_SCALARS[type_name]
                elif type_name in _WKT_ANY:
                    kind = "any"
                else:
                    kind = "message"
            elif f.type == _T.TYPE_ENUM:
                kind = "enum"
            elif f.type in _NUMBERS:
                kind = "number"
            elif f.type == _T.TYPE_BOOL:
                kind = "bool"
            elif f.type == _T.TYPE_BYTES:
                kind = "bytes"
            else:
                kind = "string"
            out.append(Field(f.name, kind, repeated, type_name, None, oneof, f.json_name))
        return tuple(out)

    def children(self, field: Field) -> tuple[Field, ...]:
        if field.children is not None:
            return field.children
        return self.fields(field.type_name) if field.kind == "message" else ()


@dataclass(frozen=True)
class Found:
    """A field path resolved in a record: the field and the names of the fields on the way."""

    field: Field
    names: tuple[str, ...]


def resolve(schema: Schema, record: tuple[Field, ...], path: str, what: str) -> Found | str:
    """The field at `path` (names joined by '.') of a record, or why there is none (with how to fix it)."""
    if not path or any(not part for part in path.split(".")):
        return f"{path!r} is not a field path; write field names joined by '.', e.g. \"id\" or \"customer.id\""
    parts = path.split(".")
    fields, scope = record, what
    for i, part in enumerate(parts):
        walked = ".".join(parts[: i + 1])
        field = next((f for f in fields if f.name == part), None)
        if field is None:
            close = [f.name for f in fields if f.name.lower() == part.lower() or f.name.replace("_", "") ==
                     part.replace("_", "").lower()]
            known = ", ".join(f.name for f in fields[:8]) or "none"
            hint = f"did you mean {close[0]!r}? " if close else ""
            return f"{walked!r} is not a field of {scope} (its fields: {known}); {hint}name one of them"
        if i == len(parts) - 1:
            return Found(field, tuple(parts))
        if field.kind != "message":
            return (f"{walked!r} is {field.describe()}, so {path!r} names nothing inside it; end the path at "
                    f"{walked!r}")
        if field.repeated:
            return (f"{walked!r} is {field.describe()}, so {path!r} names one field of many records; flatten "
                    f"{walked!r} first (a flatten step), then name the field")
        fields, scope = schema.children(field), f"{walked} ({field.type_name})"
    raise AssertionError("unreachable")  # pragma: no cover


def record_path(names: tuple[str, ...]) -> str:
    """A NiFi RecordPath to a field (proto field names need no quoting)."""
    return "/" + "/".join(names)


def update(schema: Schema, record: tuple[Field, ...], names: tuple[str, ...],
           change: Callable[[Field], Field | None]) -> tuple[Field, ...]:
    """The record with the field at `names` replaced by change(field) (None removes it)."""
    out = []
    for field in record:
        if field.name != names[0]:
            out.append(field)
        elif len(names) == 1:
            changed = change(field)
            if changed is not None:
                out.append(changed)
        else:
            out.append(replace(field, children=update(schema, schema.children(field), names[1:], change)))
    return tuple(out)
