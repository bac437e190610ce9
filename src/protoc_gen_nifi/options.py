"""Reads our custom options out of a CodeGeneratorRequest.

The options are SOURCE-retained, so they arrive (as unknown extension bytes)
on `source_file_descriptors`. We build a DescriptorPool from the request's own
files and re-parse each options message with it, which works on every protobuf
backend (upb included) without importing generated `_pb2` modules.
"""
from __future__ import annotations

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.internal import api_implementation

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
    def __init__(self, proto_files, serialized=None) -> None:
        """`serialized`: a file's name -> its bytes without source_code_info (DescriptorSets.without_source_info),
        when every file has a name of its own. upb's pool builds from bytes: its Add serializes the whole file,
        source info included (most of a file sent for generation, and nothing a pool keeps), to parse it again."""
        self._pool = descriptor_pool.DescriptorPool()
        from_bytes = serialized is not None and api_implementation.Type() == "upb"
        for file_proto in proto_files:  # protoc and buf send dependencies first
            try:
                if from_bytes:
                    self._pool.AddSerializedFile(serialized(file_proto.name))
                else:
                    self._pool.Add(file_proto)
            except (TypeError, KeyError, ValueError) as broken:  # what the pool raises for an inconsistent set
                raise GenerationError([Diagnostic(
                    file_proto.name, 0, 0,
                    f"the request's descriptors are inconsistent ({str(broken)[:200]}); run protoc-gen-nifi from "
                    "protoc or buf, which send every file with its imports first",
                )]) from None
        self._classes: dict[str, type] = {}
        self._extensions: dict[str, object] = {}

    def _extension(self, name: str):
        try:
            return self._extensions[name]
        except KeyError:
            pass
        try:
            extension = self._pool.FindExtensionByName(name)
        except KeyError:
            extension = None  # the request does not import our option schema
        self._extensions[name] = extension
        return extension

    def _parsed(self, options, options_type: str):
        """The options message as the pool's class, which knows our extensions; None when it is empty."""
        data = options.SerializeToString()
        if not data:  # most messages and methods carry no option at all
            return None
        cls = self._classes.get(options_type)
        if cls is None:
            cls = message_factory.GetMessageClass(self._pool.FindMessageTypeByName(options_type))
            self._classes[options_type] = cls
        return cls.FromString(data)

    def _read(self, options, options_type: str, extension_name: str):
        extension = self._extension(extension_name)
        if extension is None:
            return None
        return _value(self._parsed(options, options_type), extension)

    def integration(self, service_options):
        return self._read(service_options, "google.protobuf.ServiceOptions", INTEGRATION_EXT)

    def port(self, method_options):
        return self._read(method_options, "google.protobuf.MethodOptions", PORT_EXT)

    def message(self, message_options) -> tuple:
        """A message's (event_fact, schema) options, each None when unset; the options are parsed once for both."""
        fact_extension, schema_extension = self._extension(EVENT_FACT_EXT), self._extension(SCHEMA_EXT)
        if fact_extension is None and schema_extension is None:
            return None, None
        parsed = self._parsed(message_options, "google.protobuf.MessageOptions")
        return _value(parsed, fact_extension), _value(parsed, schema_extension)


def _value(parsed, extension):
    """The extension's value in the parsed options; None where either is missing or the extension is not set."""
    if parsed is None or extension is None or not parsed.HasExtension(extension):
        return None
    return parsed.Extensions[extension]


def enum_name(message, field: str) -> str:
    """The symbolic name of an enum field's value ('' when unset)."""
    if not message.HasField(field):
        return ""
    descriptor = message.DESCRIPTOR.fields_by_name[field].enum_type
    value = descriptor.values_by_number.get(getattr(message, field))
    return value.name if value else str(getattr(message, field))
