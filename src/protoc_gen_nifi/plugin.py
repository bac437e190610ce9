"""The plugin pipeline: request bytes -> model -> artifacts -> response bytes."""
from __future__ import annotations

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from google.protobuf.message import DecodeError

from . import limits, option_schema
from . import nifi_catalog as nc
from .descriptors import DescriptorSets
from .descriptors import varint as _varint
from .diagnostics import Diagnostic, GenerationError
from .nifi_definitions import MissingProperty
from .params import PARAMETER_FILE, parse_params
from .reader import read_integrations
from .request import problems as request_problems

FEATURES = (
    plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    | plugin_pb2.CodeGeneratorResponse.FEATURE_SUPPORTS_EDITIONS
)
MINIMUM_EDITION = descriptor_pb2.EDITION_PROTO2
MAXIMUM_EDITION = descriptor_pb2.EDITION_2024
BUG_REPORT = "this is a bug in protoc-gen-nifi; please report it with the .proto files that trigger it"

# CodeGeneratorResponse.file and CodeGeneratorResponse.File.content are both field 15;
# File.name is field 1.
_FILE_FIELD = 15
_CONTENT_FIELD = 15
_NAME_FIELD = 1


def generate(request: plugin_pb2.CodeGeneratorRequest) -> dict[str, bytes]:
    # A request no compiler would send, or option protos of another release, cannot be read at all.
    bad_request = request_problems(request) or option_schema.check(request.proto_file)
    if bad_request:
        raise GenerationError(bad_request)
    params, param_problems = parse_params(request.parameter)  # bad entries fall back to their defaults
    # Built once, shared by the reader and every integration's artifacts (it indexes the files on first use).
    descriptors = DescriptorSets(request.proto_file)
    try:
        integrations = read_integrations(request, params, descriptors)
    except GenerationError as proto_problems:  # report both kinds at once
        raise GenerationError([*param_problems, *proto_problems.diagnostics]) from None
    if param_problems:
        raise GenerationError(param_problems)
    target = nc.Target.of(params.nifi_version)
    files: dict[str, bytes] = {}
    # The generation pipeline (flow, transports, rendering) is imported only by a run
    # that reached it: a request that fails validation is answered without it.
    from .artifacts import integration_files
    from .json_schema import Schemas

    schemas = Schemas(descriptors)  # likewise
    total = 0
    problems: list[Diagnostic] = []
    try:
        for integration in integrations:
            try:
                produced = integration_files(integration, target, descriptors, params, schemas)
            except GenerationError as refused:  # every integration's problems in one answer
                problems += refused.diagnostics
                continue
            # A small request must not become gigabytes (a big shared import copied into every integration's
            # descriptors.pb): refuse past a stated limit instead of exhausting memory and disk.
            total += sum(len(content) for content in produced.values())
            if total > limits.OUTPUT_BYTES:
                raise GenerationError([*problems, Diagnostic(
                    integration.file, 0, 0,
                    f"the output reaches {limits.OUTPUT_BYTES // 2**20} MiB, protoc-gen-nifi's limit, at integration "
                    f"{integration.slug}; generate fewer integrations per run (buf's strategy: directory, or "
                    "separate protoc runs) or make the messages' imports smaller")])
            files.update(produced)
    except MissingProperty as missing:  # a catalog property newer than the target release
        raise GenerationError([Diagnostic(PARAMETER_FILE, 0, 0, str(missing))]) from None
    if problems:
        raise GenerationError(problems)
    return files


def response_parts(files: dict[str, bytes], error: str = "") -> list[bytes]:
    """The serialized response as pieces to write one after the other (joined, they are
    encode_response), so a large response is never copied into one buffer."""
    head = plugin_pb2.CodeGeneratorResponse(
        supported_features=FEATURES, minimum_edition=MINIMUM_EDITION, maximum_edition=MAXIMUM_EDITION,
    )
    if error:
        head.error = error
    parts = [head.SerializeToString(deterministic=True)]
    file_key, name_key, content_key = (
        _varint(_FILE_FIELD << 3 | 2), _varint(_NAME_FIELD << 3 | 2), _varint(_CONTENT_FIELD << 3 | 2)
    )
    for name in sorted(files):
        encoded_name, content = name.encode("utf-8"), files[name]
        name_length, content_length = _varint(len(encoded_name)), _varint(len(content))
        entry_length = (len(name_key) + len(name_length) + len(encoded_name)
                        + len(content_key) + len(content_length) + len(content))
        # File{name, content} inside its `file` field, without copying the content into an entry first.
        parts += (file_key, _varint(entry_length), name_key, name_length, encoded_name,
                  content_key, content_length, content)
    return parts


def encode_response(files: dict[str, bytes], error: str = "") -> bytes:
    """Serializes the response by hand for the file entries: `content` is a proto2
    string, and descriptors.pb is binary, which the Python runtime would refuse.
    (Writing the name by hand too skips a message object per file.)"""
    return b"".join(response_parts(files, error))


def run_parts(request_bytes: bytes) -> list[bytes]:
    """run(), as the pieces of the response (see response_parts)."""
    try:
        request = plugin_pb2.CodeGeneratorRequest.FromString(request_bytes)
    except DecodeError:
        return response_parts({}, "protoc-gen-nifi: standard input is not a CodeGeneratorRequest; "
                                  "run protoc-gen-nifi from protoc (--nifi_out) or buf generate")
    try:
        files = generate(request)
    except GenerationError as problems:
        return response_parts({}, problems.render())
    except Exception as bug:  # noqa: BLE001 -- never a traceback for the user; nothing partial is written
        return response_parts({}, f"protoc-gen-nifi: internal error {type(bug).__name__}: {bug}; {BUG_REPORT}")
    return response_parts(files)


def run(request_bytes: bytes) -> bytes:
    return b"".join(run_parts(request_bytes))
