"""Field paths of messages ("customer.id"): key options name fields, and a typo must be an error, not a key
that is null on every record (every upsert replacing the last document)."""
from __future__ import annotations

from collections.abc import Callable

from google.protobuf import descriptor_pb2

_T = descriptor_pb2.FieldDescriptorProto
# Well-known messages that the JSON mapping writes as one value (a string or a number), so they can be keys.
JSON_SCALAR_MESSAGES = frozenset({
    "google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask",
    "google.protobuf.StringValue", "google.protobuf.BytesValue", "google.protobuf.BoolValue",
    "google.protobuf.Int32Value", "google.protobuf.Int64Value", "google.protobuf.UInt32Value",
    "google.protobuf.UInt64Value", "google.protobuf.FloatValue", "google.protobuf.DoubleValue",
})

Messages = Callable[[str], "descriptor_pb2.DescriptorProto | None"]


def _is_map(message_proto) -> bool:
    return message_proto is not None and message_proto.options.map_entry


def key_path_problem(messages: Messages, message_name: str, path: str, top_level: bool = False) -> str | None:
    """Why `path` cannot name one value of a `message_name` record, or None when it can. `top_level`: the value
    must be a column, i.e. a field of the message itself."""
    if not path or any(not part for part in path.split(".")):
        return f"{path!r} is not a field path; write field names joined by '.', e.g. \"id\" or \"customer.id\""
    if top_level and "." in path:
        return f"{path!r} is a nested field, but a table key is a column; name a top-level field of {message_name}"
    current = message_name
    parts = path.split(".")
    for i, part in enumerate(parts):
        message_proto = messages(current)
        if message_proto is None:  # pragma: no cover - the request always carries its messages
            return f"message {current} is not in the request"
        field = next((f for f in message_proto.field if f.name == part), None)
        walked = ".".join(parts[: i + 1])
        if field is None:
            known = ", ".join(f.name for f in message_proto.field[:6]) or "none"
            return f"{walked!r} is not a field of {current} (its fields: {known}); name one of them"
        last = i == len(parts) - 1
        type_name = field.type_name.lstrip(".")
        if field.label == _T.LABEL_REPEATED:
            what = "a map" if field.type == _T.TYPE_MESSAGE and _is_map(messages(type_name)) else "repeated"
            return f"{walked!r} is {what}, so it holds many values; a key is one value: name a singular field"
        if field.type == _T.TYPE_MESSAGE and type_name not in JSON_SCALAR_MESSAGES:
            if last:
                sub = messages(type_name)
                example = f"{walked}.{sub.field[0].name}" if sub is not None and sub.field else f"{walked}.<field>"
                return f"{walked!r} is a message ({type_name}), not one value; name one of its fields, e.g. {example!r}"
            current = type_name
            continue
        if not last:
            return f"{walked!r} is not a message, so {path!r} names nothing inside it; end the path at {walked!r}"
    return None


def top_level_fields(message_proto) -> tuple[str, ...]:
    return tuple(f.name for f in message_proto.field)
