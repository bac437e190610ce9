"""data/option_schema.json is what protoc makes of proto/: the handshake compares requests with the real schema."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import OPTION_PROTOS
from google.protobuf import descriptor_pb2

from protoc_gen_nifi import option_schema


def _compiled(tmp_path) -> list:
    out = tmp_path / "options.pb"
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{OPTION_PROTOS}", f"--descriptor_set_out={out}",
                    *option_schema.VERSION_MARKERS], check=True)
    return list(descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file)


def test_the_recorded_schema_is_the_one_in_proto(tmp_path):
    recorded = json.loads(option_schema.SCHEMA_FILE.read_text(encoding="utf-8"))
    files = _compiled(tmp_path)
    assert {f.name: {"version": option_schema.version_of(f), "shape": option_schema.shape(f)} for f in files} \
        == recorded, "proto/ changed: raise the version and run python -m protoc_gen_nifi.option_schema"
    assert option_schema.check(files) == []


def test_a_changed_field_is_named_in_the_error(tmp_path):
    files = _compiled(tmp_path)
    options = next(f for f in files if f.name.endswith("options.proto"))
    port = next(m for m in options.message_type if m.name == "Port")
    next(f for f in port.field if f.name == "tuning").number = 99
    (problem,) = option_schema.check(files)
    assert "Port.tuning is declared differently" in problem.message and "--include-path" in problem.message
