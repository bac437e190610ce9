"""The handshake between the option protos in a request and this plugin: the options carry their schema
version, and a copy from another release (vendored, or an old `-I`) is one clear error naming both versions,
never options read with the wrong shape (a `Port` without `tuning` used to be an internal error).

`data/option_schema.json` holds the version and the shape (messages, fields, enums, extensions) of the option
protos this plugin reads; `tests/test_option_schema.py` keeps it equal to `proto/` as protoc compiles it, and
`python -m protoc_gen_nifi.option_schema DESCRIPTOR_SET` rewrites it after a schema change.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .diagnostics import Diagnostic

SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "option_schema.json"
# Each option file and the message whose `version` default says which schema it is.
VERSION_MARKERS = {
    "ameide_core_proto/integration/v1/options.proto": "OptionSchema",
    "ameide_core_proto/common/v1/eventing.proto": "EventingSchema",
}
_UPDATE = ("compile against the option protos shipped with this plugin (protoc -I \"$(protoc-gen-nifi "
           "--include-path)\", or copy that folder over your vendored ameide_core_proto), or install the "
           "protoc-gen-nifi release that matches your copy")


def _field_text(field) -> str:
    return f"{field.number} {field.label} {field.type} {field.type_name.lstrip('.')}".rstrip()


def shape(file_proto) -> dict[str, dict[str, str]]:
    """What the plugin relies on in one option file: every message's fields, every enum's values and every
    extension, by full name. Independent of the compiler (no source info, json names or option order)."""
    out: dict[str, dict[str, str]] = {}
    prefix = f"{file_proto.package}." if file_proto.package else ""

    def enums(scope: str, items) -> None:
        for enum in items:
            out[f"enum {scope}{enum.name}"] = {value.name: str(value.number) for value in enum.value}

    def messages(scope: str, items) -> None:
        for message in items:
            name = scope + message.name
            out[f"message {name}"] = {field.name: _field_text(field) for field in message.field}
            oneofs = {f"oneof {i}": o.name for i, o in enumerate(message.oneof_decl)}
            out[f"message {name}"].update(oneofs)
            enums(name + ".", message.enum_type)
            messages(name + ".", message.nested_type)

    enums(prefix, file_proto.enum_type)
    messages(prefix, file_proto.message_type)
    out["extensions"] = {ext.name: f"{_field_text(ext)} on {ext.extendee.lstrip('.')}" for ext in file_proto.extension}
    return out


def version_of(file_proto) -> int | None:
    """The schema version a file declares (its marker message's `version` default), or None."""
    marker = VERSION_MARKERS[file_proto.name]
    for message in file_proto.message_type:
        if message.name == marker:
            for field in message.field:
                if field.name == "version" and field.default_value.isascii() and field.default_value.isdigit():
                    return int(field.default_value[:9])
    return None


def _expected() -> dict:
    with open(SCHEMA_FILE, encoding="utf-8") as fh:
        return json.load(fh)


def _first_difference(found: dict[str, dict[str, str]], expected: dict[str, dict[str, str]]) -> str:
    for element in sorted(set(found) | set(expected)):
        if element not in found:
            return f"it lacks {element}"
        if element not in expected:
            return f"it has {element}, which this plugin does not know"
        mine, theirs = found[element], expected[element]
        for member in sorted(set(mine) | set(theirs)):
            if member not in mine:
                return f"{element} lacks {member}"
            if member not in theirs:
                return f"{element} has {member}, which this plugin does not know"
            if mine[member] != theirs[member]:
                return f"{element}.{member} is declared differently"
    return "they differ"  # unreachable when called on different shapes


def check(proto_files) -> list[Diagnostic]:
    """One problem per option file of the request whose version or shape is not the one this plugin reads."""
    expected = _expected()
    problems = []
    for file_proto in proto_files:
        if file_proto.name not in VERSION_MARKERS:
            continue
        want = expected[file_proto.name]
        version = version_of(file_proto)
        if version != want["version"]:
            found = (f"is option schema version {version}" if version is not None
                     else "carries no option schema version (it predates version 1)")
            problems.append(Diagnostic(file_proto.name, 0, 0,
                                       f"this copy of {file_proto.name} {found}, but this protoc-gen-nifi reads "
                                       f"version {want['version']}; {_UPDATE}"))
            continue
        found_shape = shape(file_proto)
        if found_shape != want["shape"]:
            problems.append(Diagnostic(file_proto.name, 0, 0,
                                       f"this copy of {file_proto.name} says option schema version {version} but "
                                       f"is not the version {want['version']} this protoc-gen-nifi reads "
                                       f"({_first_difference(found_shape, want['shape'])}); {_UPDATE}"))
    return problems


def write(descriptor_set_path: str) -> None:
    """Rewrites data/option_schema.json from a FileDescriptorSet of proto/ (after a schema change)."""
    from google.protobuf import descriptor_pb2

    files = descriptor_pb2.FileDescriptorSet.FromString(Path(descriptor_set_path).read_bytes()).file
    data = {f.name: {"version": version_of(f), "shape": shape(f)} for f in files if f.name in VERSION_MARKERS}
    SCHEMA_FILE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    write(sys.argv[1])
