"""Issue 5, part 4: real-world protos nobody here wrote, through the real protoc and the real plugin.

The corpus is what ships in installed packages: the well-known types in grpcio-tools (google/protobuf/*.proto)
and, when installed, googleapis-common-protos (google/api, google/rpc, google/type, google/longrunning, ...:
services with google.api.http and other foreign options, extensions of every *Options message, proto2 and
proto3). Files without ports must give no error and no output. Each corpus is compiled twice in one protoc call
per run: on its own, and with our option schema among the files to generate, so that the plugin parses every
foreign service's and method's options with our extensions in scope. The elapsed time is printed, not asserted.
"""
from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import time
from pathlib import Path

import grpc_tools
import pytest
from conftest import OPTION_PROTOS, PLUGIN, proto_files
from google.protobuf.compiler import plugin_pb2

WKT_ROOT = Path(grpc_tools.__file__).resolve().parent / "_proto"
TIMEOUT = 600


def _googleapis() -> tuple[Path, list[str]]:
    try:
        dist = importlib.metadata.distribution("googleapis-common-protos")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("googleapis-common-protos is not installed: add it to the [test] extra in pyproject.toml "
                    "so that this corpus (about 60 real-world .proto files) runs in CI")
    files = sorted(str(f) for f in dist.files or () if str(f).endswith(".proto"))
    if not files:
        pytest.skip(f"googleapis-common-protos {dist.version} ships no .proto files")
    return Path(dist.locate_file("")).resolve(), files


def _run(tmp: Path, roots: list[Path], files: list[str]) -> tuple[subprocess.CompletedProcess, Path, float]:
    """protoc over `files` with the plugin behind a wrapper that keeps its raw response and stderr."""
    out = tmp / "out"
    out.mkdir()
    wrapper = tmp / "capture.sh"
    wrapper.write_text(f"#!/bin/sh\n'{PLUGIN}' > '{tmp}/response.bin' 2> '{tmp}/plugin.stderr'\n"
                       f"echo $? > '{tmp}/plugin.rc'\ncat '{tmp}/response.bin'\n")
    wrapper.chmod(0o755)
    command = [sys.executable, "-m", "grpc_tools.protoc", f"--plugin=protoc-gen-nifi={wrapper}",
               *(f"-I{root}" for root in roots), f"--nifi_out={out}", *files]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    return result, out, time.perf_counter() - start


def _check_corpus(tmp: Path, roots: list[Path], corpus: list[str], label: str, capsys) -> None:
    for variant, files in (("alone", corpus), ("with our options", [*corpus, *proto_files(OPTION_PROTOS)])):
        work = tmp / variant.replace(" ", "_")
        work.mkdir()
        result, out, elapsed = _run(work, [OPTION_PROTOS, *roots], files)
        assert result.returncode == 0, result.stderr
        assert (work / "plugin.rc").read_text().strip() == "0"
        assert (work / "plugin.stderr").read_bytes() == b""
        response = plugin_pb2.CodeGeneratorResponse.FromString((work / "response.bin").read_bytes())
        assert response.error == "" and not response.file
        assert not any(out.iterdir()), "files without ports produced output"
        with capsys.disabled():
            print(f"\n[corpus] {label} ({variant}): {len(files)} files, one protoc run, {elapsed:.2f} s")


def test_protobuf_well_known_types(tmp_path, capsys):
    corpus = proto_files(WKT_ROOT)
    assert len(corpus) >= 10 and "google/protobuf/descriptor.proto" in corpus
    _check_corpus(tmp_path, [WKT_ROOT], corpus, "grpcio-tools google/protobuf", capsys)


def test_googleapis_common_protos(tmp_path, capsys):
    root, corpus = _googleapis()
    assert any(name.startswith("google/api/") for name in corpus)
    _check_corpus(tmp_path, [root, WKT_ROOT], corpus, "googleapis-common-protos", capsys)


def test_googleapis_and_well_known_types_in_one_request(tmp_path, capsys):
    root, corpus = _googleapis()
    _check_corpus(tmp_path, [root, WKT_ROOT], sorted({*corpus, *proto_files(WKT_ROOT)}), "both corpora", capsys)
