"""Reads our custom options out of a CodeGeneratorRequest.

The options are SOURCE-retained, so they arrive (as unknown extension bytes)
on `source_file_descriptors`. We build a DescriptorPool from the request's own
files and re-parse each options message with it, which works on every protobuf
backend (upb included) without importing generated `_pb2` modules.
"""
from __future__ import annotations

from google.protobuf import descriptor_pool, message_factory

from .diagnostics import Diagnostic, GenerationError

INTEGRATION_EXT = "ameide_core_proto.integration.v1.integration"
PORT_EXT = "ameide_core_proto.integration.v1.port"
SCHEMA_EXT = "ameide_core_proto.integration.v1.schema"
EVENT_FACT_EXT = "ameide_core_proto.common.v1.event_fact"
OPTION_FILES = (
    "ameide_core_proto/integration/v1/options.proto",
    "ameide_core_proto/common/v1/eventing.proto",
)

# Field numbers of the extensions (FileDescriptorProto paths use them).
PORT_FIELD = 51101
INTEGRATION_FIELD = 51100


class OptionReader:
    def __init__(self, proto_files) -> None:
        self._pool = descriptor_pool.DescriptorPool()
        for file_proto in proto_files:  # protoc and buf send dependencies first
            try:
                self._pool.Add(file_proto)
            except (TypeError, KeyError, ValueError) as broken:  # what the pool raises for an inconsistent set
                raise GenerationError([Diagnostic(
                    file_proto.name, 0, 0,
                    f"the request's descriptors are inconsistent ({str(broken)[:200]}); run protoc-gen-nifi from "
                    "protoc or buf, which send every file with its imports first",
                )]) from None
        self._classes: dict[str, type] = {}

    def _extension(self, name: str):
        try:
            return self._pool.FindExtensionByName(name)
        except KeyError:
            return None  # the request does not import our option schema

    def _read(self, options, options_type: str, extension_name: str):
        extension = self._extension(extension_name)
        if extension is None:
            return None
        cls = self._classes.get(options_type)
        if cls is None:
            cls = message_factory.GetMessageClass(self._pool.FindMessageTypeByName(options_type))
            self._classes[options_type] = cls
        parsed = cls.FromString(options.SerializeToString())
        if not parsed.HasExtension(extension):
            return None
        return parsed.Extensions[extension]

    def integration(self, service_options):
        return self._read(service_options, "google.protobuf.ServiceOptions", INTEGRATION_EXT)

    def port(self, method_options):
        return self._read(method_options, "google.protobuf.MethodOptions", PORT_EXT)

    def schema(self, message_options):
        return self._read(message_options, "google.protobuf.MessageOptions", SCHEMA_EXT)

    def event_fact(self, message_options):
        return self._read(message_options, "google.protobuf.MessageOptions", EVENT_FACT_EXT)


def enum_name(message, field: str) -> str:
    """The symbolic name of an enum field's value ('' when unset)."""
    if not message.HasField(field):
        return ""
    descriptor = message.DESCRIPTOR.fields_by_name[field].enum_type
    value = descriptor.values_by_number.get(getattr(message, field))
    return value.name if value else str(getattr(message, field))
