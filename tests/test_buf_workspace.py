"""A new buf user's path, exactly as the README's "Use it from a buf workspace" says: in a fresh folder outside
the repository, with the wheel built from this checkout installed and the real buf (buf-bin), write the README's
files, run its commands, and get zero lint findings and the generated integration. Then the module's own checks:
in step, out of step, refreshed, standalone (`buf lint`/`buf build` inside it, as for a push), never clobbering."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from distributions import distributions, install

from protoc_gen_nifi import __version__
from protoc_gen_nifi.bufmodule import MODULE_NAME, STAMP

SECTION = "### Use it from a buf workspace"
MODULE_DIR = "third_party/protoc-gen-nifi"


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = re.compile(r"^#{2,3} ", re.MULTILINE).search(text, start + len(SECTION)).start()  # the next heading
    return text[start:end]


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```$", _section(), re.MULTILINE | re.DOTALL)


def readme_files() -> dict[str, str]:
    """The files the section shows: each block whose first line names its path (`# buf.yaml`, `// proto/...`)."""
    files = {}
    for block in _blocks("yaml") + _blocks("proto"):
        first = block.splitlines()[0]
        match = re.fullmatch(r"(?:#|//) (\S+)", first)
        assert match, f"a README block without its path on the first line: {first!r}"
        files[match.group(1)] = block
    return files


def readme_commands() -> list[list[str]]:
    (block,) = _blocks("sh")
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel installed into a folder of its own, its script first on PATH, buf (from buf-bin) after it."""
    _, wheel = distributions(tmp_path_factory)
    site = install(wheel, tmp_path_factory.mktemp("site"))
    env = {**os.environ, "PATH": os.pathsep.join([str(site / "bin"), str(Path(sys.executable).parent),
                                                  os.environ.get("PATH", "")]),
           "PYTHONPATH": str(site)}
    return site, env


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def _workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "workspace"
    assert ROOT not in ws.resolve().parents, "the workspace must be outside the repository"
    for name, text in readme_files().items():
        (ws / name).parent.mkdir(parents=True, exist_ok=True)
        (ws / name).write_text(text, encoding="utf-8")
    return ws


def test_the_readme_takes_a_fresh_workspace_from_install_to_a_linted_buf_generate(installed, tmp_path):
    site, env = installed
    ws = _workspace(tmp_path)
    assert set(readme_files()) == {"buf.yaml", "buf.gen.yaml", "proto/acme/shop/v1/shop.proto"}
    commands = readme_commands()
    assert [c[:2] for c in commands] == [["pip", "install"], ["protoc-gen-nifi", "buf-module"], ["buf", "lint"],
                                         ["buf", "generate"]]
    assert commands[0] == ["pip", "install", "protoc-gen-nifi"]  # done by the fixture: the wheel of this checkout
    for command in commands[1:]:
        result = _run(command, ws, env)
        assert result.returncode == 0, f"{shlex.join(command)}:\n{result.stdout}{result.stderr}"
        if command[:2] == ["buf", "lint"]:
            assert result.stdout + result.stderr == "", "buf lint findings"
    # The protos buf used are the installed package's, written into the workspace.
    assert (ws / MODULE_DIR / "ameide_core_proto/integration/v1/options.proto").read_bytes() == (
        site / "protoc_gen_nifi/include/ameide_core_proto/integration/v1/options.proto").read_bytes()
    out = ws / "build" / "generated" / "integration" / "shop_to_erp"
    assert {p.relative_to(out).parts[0] for p in out.rglob("*") if p.is_file()} >= {"nifi", "harness", "schemas"}
    snapshot = (out / "nifi" / "flow.snapshot.json").read_text()
    assert "shop-orders" in snapshot or "shop_orders" in snapshot
    check = _run(["protoc-gen-nifi", "check", "--generated", str(out / "nifi" / "flow.snapshot.json")], ws, env)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_readme_lint_exceptions_are_this_repositorys(installed, tmp_path):
    """The README's workspace buf.yaml and the module's buf.yaml together carry this repository's exceptions."""
    _, env = installed
    ours = yaml.safe_load((ROOT / "buf.yaml").read_text())["lint"]
    readme = yaml.safe_load(readme_files()["buf.yaml"])
    assert readme["lint"]["use"] == ours["use"] and readme["lint"]["except"] == ours["except"]
    assert _run(["protoc-gen-nifi", "buf-module", "m"], tmp_path, env).returncode == 0
    module = yaml.safe_load((tmp_path / "m" / "buf.yaml").read_text())
    assert module["modules"] == [{"path": ".", "name": MODULE_NAME}]
    repo_modules = yaml.safe_load((ROOT / "buf.yaml").read_text())["modules"]
    assert {"path": "proto", "name": MODULE_NAME} in repo_modules  # one name, wherever the module is built from
    assert module["lint"]["ignore_only"] == {
        rule: [path.removeprefix("proto/") for path in paths] for rule, paths in ours["ignore_only"].items()}
    assert [m["path"] for m in readme["modules"]] == ["proto", MODULE_DIR] and readme["lint"]["ignore"] == [MODULE_DIR]


def test_the_module_stands_alone_for_a_push(installed, tmp_path):
    _, env = installed
    assert _run(["protoc-gen-nifi", "buf-module", "options"], tmp_path, env).returncode == 0
    for command in (["buf", "lint"], ["buf", "build", "-o", os.devnull]):
        result = _run(command, tmp_path / "options", env)
        assert (result.returncode, result.stdout + result.stderr) == (0, ""), command


def test_check_says_whether_the_copy_is_in_step_and_a_rerun_refreshes_it(installed, tmp_path):
    _, env = installed
    folder = tmp_path / "opts"
    wrote = _run(["protoc-gen-nifi", "buf-module", "opts"], tmp_path, env)
    assert wrote.returncode == 0 and wrote.stdout.startswith(f"wrote opts: the option protos of protoc-gen-nifi "
                                                             f"{__version__} as buf module {MODULE_NAME}")
    assert _run(["protoc-gen-nifi", "buf-module", "--check", "opts"], tmp_path, env).stdout == (
        f"opts is in step with protoc-gen-nifi {__version__}\n")
    # An older release wrote it: another version in the stamp, an edited proto, a file no longer shipped.
    stamp = (folder / STAMP).read_text().replace(f"protoc-gen-nifi {__version__}\n", "protoc-gen-nifi 0.0.1\n", 1)
    (folder / STAMP).write_text(stamp + f"{'0' * 64}  ameide_core_proto/old/v1/old.proto\n")
    (folder / "ameide_core_proto/old/v1").mkdir(parents=True)
    (folder / "ameide_core_proto/old/v1/old.proto").write_text("// old\n")
    options = folder / "ameide_core_proto/integration/v1/options.proto"
    options.write_text(options.read_text() + "// edited\n")
    (folder / "README.md").write_text("the user's own note, not ours\n")
    result = _run(["protoc-gen-nifi", "buf-module", "--check", "opts"], tmp_path, env)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"opts: written by protoc-gen-nifi 0.0.1, installed is {__version__}",
        f"opts/ameide_core_proto/integration/v1/options.proto: differs from the copy protoc-gen-nifi {__version__} ships",
        "opts/ameide_core_proto/old/v1/old.proto: no longer shipped",
        f"opts is out of step with protoc-gen-nifi {__version__}; run `protoc-gen-nifi buf-module opts` to refresh it"]
    assert _run(["protoc-gen-nifi", "buf-module", "opts"], tmp_path, env).returncode == 0
    assert _run(["protoc-gen-nifi", "buf-module", "--check", "opts"], tmp_path, env).returncode == 0
    assert not (folder / "ameide_core_proto/old/v1/old.proto").exists()
    assert (folder / "README.md").read_text() == "the user's own note, not ours\n"


def test_a_folder_it_did_not_write_is_refused(installed, tmp_path):
    _, env = installed
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.proto").write_text("// mine\n")
    result = _run(["protoc-gen-nifi", "buf-module", "mine"], tmp_path, env)
    assert result.returncode == 2
    assert result.stderr == (f"buf-module: mine exists and was not written by protoc-gen-nifi buf-module (no {STAMP}); "
                             "choose a new or empty folder\n")
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["keep.proto"]
    result = _run(["protoc-gen-nifi", "buf-module", "--check", "mine"], tmp_path, env)
    assert result.returncode == 2 and "was not written by protoc-gen-nifi buf-module" in result.stderr
