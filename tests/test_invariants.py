"""Invariants tested directly: determinism, no secrets, safe text, descriptors.pb content."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import (
    GOLDEN_INPUTS,
    OPTION_PROTOS,
    PLUGIN,
    ROOT,
    SEED_PROTOS,
    proto_files,
    read_tree,
    run_protoc,
)
from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2

EV_PROTOS = ROOT / "examples" / "ev_coownership" / "proto"
CASES = [[SEED_PROTOS], [GOLDEN_INPUTS / "editions"], [GOLDEN_INPUTS / "proto2_overrides"], [EV_PROTOS],
         [GOLDEN_INPUTS / "all_transports"], [GOLDEN_INPUTS / "tls_and_shared"]]
PARAM_REF = re.compile(r"#\{([^}]*)\}")


@pytest.fixture(scope="module", params=range(len(CASES)), ids=["seed", "editions", "proto2_overrides", "ev_coownership", "all_transports",
                                                           "tls_and_shared"])
def generated(request, tmp_path_factory):
    run = run_protoc(tmp_path_factory.mktemp("inv"), CASES[request.param])
    assert run.returncode == 0, run.stderr
    return run.files


# ---- determinism --------------------------------------------------------------------------------

@pytest.mark.parametrize("variant", [
    {"PYTHONHASHSEED": "0"},
    {"PYTHONHASHSEED": "4242", "TZ": "Pacific/Kiritimati", "LC_ALL": "C", "LANG": "C"},
    {"PYTHONHASHSEED": "random", "TZ": "America/St_Johns", "LC_ALL": "tr_TR.UTF-8", "LANG": "tr_TR.UTF-8"},
])
def test_same_bytes_whatever_hash_seed_zone_locale_and_file_order(tmp_path, seed_protoc, variant):
    files = list(reversed(proto_files(SEED_PROTOS)))
    run = run_protoc(tmp_path, [SEED_PROTOS], files=files, env={**os.environ, **variant})
    assert run.returncode == 0, run.stderr
    assert run.files == seed_protoc.files


def test_ev_example_same_bytes_in_reverse_file_order_and_another_hash_seed(tmp_path):
    env = {**os.environ, "PYTHONHASHSEED": "977", "TZ": "Asia/Kathmandu"}
    run = run_protoc(tmp_path, [EV_PROTOS], files=list(reversed(proto_files(EV_PROTOS))), env=env)
    assert run.returncode == 0, run.stderr
    committed = read_tree(ROOT / "examples" / "ev_coownership" / "generated")
    texts = {name: content for name, content in run.files.items() if not name.endswith(".pb")}
    assert texts == {name: committed[name] for name in texts}
    # + kubernetes/: 6 files each, one Service; + README.md, nifi/flow.svg each; + schemas/*.schema.json: 20 messages
    assert len(texts) == 32 + 25 + 8 + 20


def test_same_bytes_whatever_the_clock(monkeypatch, seed_protoc, tmp_path):
    """Runs the plugin in-process on a request captured from protoc, under two different clocks."""
    capture = tmp_path / "capture.sh"
    request_file = tmp_path / "request.bin"
    capture.write_text(f"#!/bin/sh\ncat > '{request_file}'\nexec '{PLUGIN}' < '{request_file}'\n")
    capture.chmod(0o755)
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"--plugin=protoc-gen-nifi={capture}",
                    f"-I{OPTION_PROTOS}", f"-I{SEED_PROTOS}", f"--nifi_out={out}",
                    *proto_files(SEED_PROTOS)], check=True)
    from protoc_gen_nifi.plugin import run

    request = request_file.read_bytes()
    outputs = []
    for fake_now in (0.0, 4102444800.0):  # 1970 and 2100
        monkeypatch.setattr(time, "time", lambda now=fake_now: now)
        monkeypatch.setattr(time, "time_ns", lambda now=fake_now: int(now * 1e9))
        outputs.append(run(request))
    assert outputs[0] == outputs[1]
    response = plugin_pb2.CodeGeneratorResponse.FromString(outputs[0])
    assert not response.error
    assert {f.name for f in response.file} == set(seed_protoc.files)


def test_every_text_file_is_lf_terminated_utf8(generated):
    for name, content in generated.items():
        if name.endswith(".pb"):
            continue
        text = content.decode("utf-8")
        assert "\r" not in text and text.endswith("\n") and not text.endswith("\n\n"), name


# ---- no secrets -----------------------------------------------------------------------------------

def _flows(files):
    return {n: json.loads(c) for n, c in files.items() if n.endswith(("flow.snapshot.json", "flow-definition.json"))}


def _components(group):
    for kind in ("processors", "controllerServices"):
        yield from group[kind]
    for child in group["processGroups"]:
        yield from _components(child)


def test_sensitive_properties_are_exactly_one_sensitive_parameter_reference(generated):
    sensitive_props = 0
    for name, flow in _flows(generated).items():
        (context,) = flow["parameterContexts"].values()
        params = {p["name"]: p for p in context["parameters"]}
        for component in _components(flow["flowContents"]):
            for key, descriptor in component["propertyDescriptors"].items():
                if descriptor["sensitive"]:
                    sensitive_props += 1
                    value = component["properties"][key]
                    (ref,) = PARAM_REF.findall(value)
                    assert value == "#{" + ref + "}" and params[ref]["sensitive"], (name, key, value)
    assert sensitive_props > 0, "every case declares at least one credential"


def test_no_parameter_has_a_value_anywhere(generated):
    for name, flow in _flows(generated).items():
        for context in flow["parameterContexts"].values():
            for param in context["parameters"]:
                assert "value" not in param, (name, param["name"])
    for name, content in generated.items():
        if name.endswith("nifi/parameter-context.yaml"):
            for param in yaml.safe_load(content)["parameters"]:
                assert param["placeholder"] == "", (name, param)
    # The Kubernetes resources: sensitive values only ever come from a Secret the user creates; the template has
    # every key and no value, and a NifiParameterContext lists no sensitive parameter (its secretRefs bring them).
    kubernetes = {n: yaml.safe_load(c) for n, c in generated.items() if "/kubernetes/" in n}
    assert kubernetes, "every case writes a kubernetes/ folder"
    for name, doc in kubernetes.items():
        if doc["kind"] == "Secret":
            assert set(doc.get("stringData", {}).values()) <= {""} and "data" not in doc, name
        if doc["kind"] == "NifiParameterContext":
            assert not [p for p in doc["spec"]["parameters"] if p.get("sensitive")], name


def test_environment_specific_values_are_parameters(generated):
    """Endpoints, topics, groups and credentials never appear literally."""
    env_keys = {"bootstrap.servers", "sasl.mechanism", "sasl.username", "sasl.password",
                "Topics", "Group ID", "Topic Name", "HTTP URL", "Script File",
                "Brokers", "Virtual Host", "Username", "Password", "Queue", "Exchange Name", "Routing Key",
                "Database Connection URL", "Database Driver Class Name", "Database Driver Locations", "Database User",
                "Table Name", "Maximum-value Columns", "SQL Query", "Mongo URI", "Mongo Database Name",
                "Mongo Collection Name", "Query", "Bucket", "Region", "Prefix", "Endpoint Override URL",
                "Access Key ID", "Secret Access Key", "Connection String", "TTL", "Listening Port", "Allowed Paths",
                "Keystore Filename", "Keystore Password", "Keystore Type", "Key Password", "Truststore Filename",
                "Truststore Password", "Truststore Type"}
    # Per message, not per environment: a routing key read from the message itself (routing_key).
    from_message = {("Routing Key", "${'routing.key'}")}
    seen = set()
    for flow in _flows(generated).values():
        for component in _components(flow["flowContents"]):
            for key in env_keys & set(component["properties"]):
                value = component["properties"][key]
                assert PARAM_REF.fullmatch(value) or (key, value) in from_message, (component["name"], key)
                seen.add(key)
    assert seen, "the case binds no environment-specific value at all"


def test_a_literal_credential_in_a_binding_is_refused(tmp_path):
    module = tmp_path / "in" / "acme" / "leak" / "v1"
    module.mkdir(parents=True)
    (module / "leak.proto").write_text('''syntax = "proto3";
package acme.leak.v1;
import "ameide_core_proto/integration/v1/options.proto";
import "google/protobuf/empty.proto";
message M { string id = 1; }
service Leak {
  rpc Out(M) returns (google.protobuf.Empty) {
    option (ameide_core_proto.integration.v1.port) = {
      direction: OUT transport: { kafka: { binding_ref: "admin:hunter2@broker:9092" } } };
  }
}
''')
    run = run_protoc(tmp_path, [tmp_path / "in"])
    assert run.returncode != 0 and run.files == {}
    assert run.stderr.strip().endswith(
        "acme/leak/v1/leak.proto:8:5: port Out: binding_ref 'admin:hunter2@broker:9092' looks like a literal "
        "address; use a logical name such as \"orders-in\" and bind topics and brokers per environment"
    )


# ---- safe text --------------------------------------------------------------------------------------

HOSTILE = "Quotes \" and \\ and \"\"\" and {{ jinja }} and #{param} and ${el} and\nnewlines: - [yaml] & *anchors"


def test_hostile_text_stays_inert_in_every_artifact(tmp_path):
    run = run_protoc(tmp_path, [GOLDEN_INPUTS / "proto2_overrides"])
    assert run.returncode == 0, run.stderr
    assert all(name.startswith("billing_invoices_etc/") for name in run.files), "the name ../../etc left the folder"
    flow = json.loads(run.files["billing_invoices_etc/nifi/flow.snapshot.json"])
    (context,) = flow["parameterContexts"].values()
    assert context["description"] == HOSTILE
    context_yaml = yaml.safe_load(run.files["billing_invoices_etc/nifi/parameter-context.yaml"])
    assert context_yaml["description"] == HOSTILE
    for name, content in run.files.items():
        if name.endswith(".py"):
            compile(content, name, "exec")  # raises on a broken-out string
        if name.endswith((".yaml", ".yml")):
            yaml.safe_load(content)


def test_generated_python_passes_ruff(generated, tmp_path):
    for name, content in generated.items():
        if name.endswith(".py"):
            target = tmp_path / Path(name).name
            target.write_bytes(content)
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "E,F,W,B",
                             "--line-length", "120", str(tmp_path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# ---- descriptors.pb --------------------------------------------------------------------------------

def test_descriptor_set_holds_port_messages_with_imports_in_dependency_order(generated):
    for name, content in generated.items():
        if not name.endswith("descriptors.pb"):
            continue
        fds = descriptor_pb2.FileDescriptorSet.FromString(content)
        seen = set()
        for file in fds.file:
            assert set(file.dependency) <= seen, f"{file.name} comes before its imports"
            assert not file.HasField("source_code_info")
            seen.add(file.name)
        flow = json.loads(generated[name.replace("schemas/descriptors.pb", "nifi/flow.snapshot.json")])
        messages = set(re.findall(r"message ((?:\w+\.)+\w+)\.", json.dumps(flow)))
        defined = {f"{f.package}.{m.name}" for f in fds.file for m in f.message_type}
        assert messages and messages <= defined


def test_descriptor_set_carries_no_source_retained_option(generated):
    for name, content in generated.items():
        if name.endswith("descriptors.pb"):
            fds = descriptor_pb2.FileDescriptorSet.FromString(content)
            for file in fds.file:
                for service in file.service:
                    assert not service.options.SerializeToString(), service.name
                    for method in service.method:
                        assert not method.options.SerializeToString(), method.name
                for message in file.message_type:
                    assert not message.options.SerializeToString(), message.name
