"""Clear errors, never a traceback, nothing written: plugin parameters and malformed input."""
from __future__ import annotations

import subprocess

import pytest
from conftest import PLUGIN, SEED_PROTOS, run_protoc
from google.protobuf.compiler import plugin_pb2


@pytest.mark.parametrize("opt, message", [
    ("nifi_version=1.28.1", "protoc-gen-nifi parameter: nifi_version=1.28.1 is not supported; use one of 2.0.0, 2.1.0, 2.2.0, 2.3.0, 2.4.0, 2.5.0, 2.6.0, 2.7.0, 2.7.1, 2.7.2, 2.8.0, 2.9.0, 2.10.0, 2.11.0"),
    ("colour=blue", ("protoc-gen-nifi parameter: unknown parameter 'colour'; known parameters: backpressure_objects, "
                    "backpressure_size, bucket, flow_registry, flow_version, git_branch, git_path, git_repository, k8s_cluster, "
                    "k8s_namespace, k8s_registry_client, kubernetes, max_backoff, nifi_version, registry_uri, "
                    "retry_count, sync_mode")),
    ("backpressure_objects=0", ("protoc-gen-nifi parameter: backpressure_objects=0 must be a whole number from 1 to "
                               "9223372036854775807 in ASCII digits; write e.g. backpressure_objects=10000")),
    ("backpressure_size=0 B", ("protoc-gen-nifi parameter: backpressure_size=0 B disables back pressure; write a "
                              "size > 0, e.g. backpressure_size=1 GB")),
    ("backpressure_size=huge", ("protoc-gen-nifi parameter: backpressure_size=huge is not a NiFi data size (ASCII "
                               "digits and B, KB, MB, GB or TB, at most 2^63-1 bytes); write e.g. backpressure_size=1 GB")),
    ("max_backoff=soon", ("protoc-gen-nifi parameter: max_backoff=soon is not a NiFi time period (ASCII "
                         "digits and a unit, at most about 292 years); write e.g. max_backoff=10 mins")),
    ("nifi_version", "protoc-gen-nifi parameter: 'nifi_version' is not key=value; write e.g. nifi_version=2.11.0"),
    ("retry_count=1,retry_count=2", "protoc-gen-nifi parameter: 'retry_count' is given twice; keep one"),
])
def test_bad_plugin_parameters_are_clear_errors(tmp_path, opt, message):
    run = run_protoc(tmp_path, [SEED_PROTOS], opt=opt)
    assert run.returncode != 0 and run.files == {}
    assert run.stderr.strip() == f"--nifi_out: {message}"


@pytest.mark.parametrize("garbage", [b"\xff\xff\xff", b"\x0a\x05ab", b"not a request at all"])
def test_malformed_request_bytes_get_an_error_response_not_a_traceback(garbage):
    result = subprocess.run([str(PLUGIN)], input=garbage, capture_output=True, check=False)
    assert result.returncode == 0 and result.stderr == b""
    response = plugin_pb2.CodeGeneratorResponse.FromString(result.stdout)
    assert response.error.startswith("protoc-gen-nifi: standard input is not a CodeGeneratorRequest")
    assert not response.file


def test_empty_request_is_refused_and_writes_nothing():
    # No compiler sends a request without a file to generate (bufbuild/protoplugin refuses one too).
    result = subprocess.run([str(PLUGIN)], input=b"", capture_output=True, check=True)
    response = plugin_pb2.CodeGeneratorResponse.FromString(result.stdout)
    assert response.error.startswith("protoc-gen-nifi request: the request names no file to generate; ")
    assert not response.file
    assert response.supported_features == 3  # proto3 optional and editions


def test_a_models_position_is_where_a_located_error_would_point():
    """Port and Integration positions are found on demand (diagnostics.Position) by their own pass over the
    file; they agree with the table the reader's errors use: the last location recorded for a path, and the
    nearest enclosing element when a path's own span is missing or empty."""
    from google.protobuf import descriptor_pb2

    from protoc_gen_nifi.diagnostics import SourceLocator

    file_proto = descriptor_pb2.FileDescriptorProto(name="x.proto")
    for path, span in [([], [0, 0, 30]), ([6, 0], [3, 0, 9, 1]), ([6, 0, 2, 1], [4, 2, 40]),
                       ([6, 0, 2, 1], [5, 2, 40]), ([6, 0, 2, 2], []), ([4, 0, 7], [12, 4, 20])]:
        file_proto.source_code_info.location.add(path=path, span=span)
    locator = SourceLocator(file_proto)
    for path in [(), (6, 0), (6, 0, 2, 0), (6, 0, 2, 1), (6, 0, 2, 2), (6, 0, 2, 1, 4, 51101), (4, 0), (4, 0, 7),
                 (5, 3)]:
        position = locator.position_later(path)
        assert tuple(position) == locator.position(path) and position == locator.position(path)
        assert hash(position) == hash(locator.position(path))
    assert locator.position((6, 0, 2, 1)) == (6, 3) and locator.position((6, 0, 2, 2)) == (4, 1)
