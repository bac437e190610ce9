"""Packaging: the built sdist and wheel carry the licence, the typing marker, the option protos and the templates,
their metadata says what the project is, every declared dependency is used, and an installed package reads only
its own files (never a `proto/` or `templates/` folder that sits next to the install)."""
from __future__ import annotations

import email
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT
from distributions import distributions, install

SHIPPED = sorted(p.relative_to(ROOT).as_posix() for root in (ROOT / "proto" / "ameide_core_proto", ROOT / "templates")
                 for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return distributions(tmp_path_factory)


def _wheel_files(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _sdist_files(sdist: Path) -> dict[str, bytes]:
    with tarfile.open(sdist) as archive:
        return {m.name.split("/", 1)[1]: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


def _metadata(text: bytes) -> email.message.Message:
    return email.message_from_bytes(text)


def _check_metadata(meta: email.message.Message) -> None:
    assert meta["Name"] == "protoc-gen-nifi"
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta.get_all("License-File") == ["LICENSE"]
    classifiers = meta.get_all("Classifier")
    assert "Typing :: Typed" in classifiers and "Topic :: Software Development :: Code Generators" in classifiers
    assert "Programming Language :: Python :: 3.10" in classifiers
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Documentation", "Source", "Issues", "Changelog"}
    assert all(u.startswith("https://") for u in urls.values())
    required = [r for r in meta.get_all("Requires-Dist") if "extra ==" not in r]
    protobuf = next(r for r in required if r.startswith("protobuf"))
    assert re.fullmatch(r"protobuf<8,>=5\.27|protobuf>=5\.27,<8", protobuf), protobuf
    assert meta["Requires-Python"] == ">=3.10"


def test_the_wheel_carries_licence_typing_marker_protos_and_templates(built):
    _, wheel = built
    files = _wheel_files(wheel)
    dist_info = next(n.split("/")[0] for n in files if n.endswith(".dist-info/METADATA"))
    assert files[f"{dist_info}/licenses/LICENSE"] == (ROOT / "LICENSE").read_bytes()
    assert b"Apache License" in files[f"{dist_info}/licenses/LICENSE"]
    assert files["protoc_gen_nifi/py.typed"] == b""
    assert "protoc_gen_nifi/__main__.py" in files
    for path in SHIPPED:  # proto/ameide_core_proto/... -> include/ameide_core_proto/..., templates/... as is
        packaged = "protoc_gen_nifi/" + re.sub(r"^proto/", "include/", path)
        assert files.get(packaged) == (ROOT / path).read_bytes(), packaged
    assert "[console_scripts]\nprotoc-gen-nifi = protoc_gen_nifi.cli:script" in files[f"{dist_info}/entry_points.txt"].decode()
    _check_metadata(_metadata(files[f"{dist_info}/METADATA"]))


def test_the_sdist_carries_licence_changelog_protos_and_templates(built):
    sdist, _ = built
    files = _sdist_files(sdist)
    for name in ("LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml", "src/protoc_gen_nifi/py.typed",
                 "src/protoc_gen_nifi/__main__.py", *SHIPPED):
        assert files.get(name) == (ROOT / name).read_bytes(), name
    _check_metadata(_metadata(files["PKG-INFO"]))


def test_every_declared_dependency_is_imported(built):
    """A dependency nobody imports is weight every user installs for nothing."""
    _, wheel = built
    files = _wheel_files(wheel)
    meta = _metadata(next(v for n, v in files.items() if n.endswith(".dist-info/METADATA")))
    names = {re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0].lower() for r in meta.get_all("Requires-Dist")
             if "extra ==" not in r}
    modules = {"protobuf": "google.protobuf", "jinja2": "jinja2", "pyyaml": "yaml", "jsonschema": "jsonschema",
               "orjson": "orjson"}
    assert names == set(modules), "a new dependency: add its import name here"
    source = "\n".join(v.decode() for n, v in files.items() if n.endswith(".py"))
    for name, module in modules.items():
        assert re.search(rf"^\s*(import {re.escape(module)}\b|from {re.escape(module)}\b)", source, re.MULTILINE), name


def test_an_installed_package_ignores_proto_and_templates_next_to_it(built, tmp_path):
    """A user's project with its own proto/ and templates/, and the package installed into its src/: before, the
    lookup took them for a checkout of this project (--include-path answered the user's proto/, and generating
    failed with "internal error TemplateNotFound")."""
    _, wheel = built
    project = tmp_path / "my-integrations"
    (project / "templates" / "harness").mkdir(parents=True)
    (project / "templates" / "harness" / "notes.md").write_text("the user's own template folder\n")
    (project / "proto").mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "my-integrations"\nversion = "1.0"\n')
    site = install(wheel, project / "src")
    env = {"PATH": f"{site / 'bin'}:/usr/bin:/bin", "PYTHONPATH": str(site)}
    include = subprocess.run([sys.executable, "-m", "protoc_gen_nifi", "--include-path"], capture_output=True,
                             text=True, env=env, cwd=project, check=False)
    assert include.stdout == f"{site / 'protoc_gen_nifi' / 'include'}\n", include.stderr
    shutil.copytree(ROOT / "tests" / "golden" / "inputs" / "all_transports", project / "proto", dirs_exist_ok=True)
    proto = next(p for p in (project / "proto").rglob("*.proto"))
    (tmp_path / "out").mkdir()
    result = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"--plugin=protoc-gen-nifi={site / 'bin' / 'protoc-gen-nifi'}",
                             f"-I{project / 'proto'}", f"-I{include.stdout.strip()}", f"--nifi_out={tmp_path / 'out'}",
                             str(proto.relative_to(project / "proto"))],
                            capture_output=True, text=True, env=env, cwd=project / "proto", check=False)
    assert result.returncode == 0, result.stderr
    assert any((tmp_path / "out").rglob("deploy_and_assert.py"))
