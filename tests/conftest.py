"""Shared helpers: run the real compilers (protoc from grpcio-tools, buf from buf-bin) with our plugin."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PLUGIN = BIN / "protoc-gen-nifi"
OPTION_PROTOS = ROOT / "proto"
GOLDEN_INPUTS = ROOT / "tests" / "golden" / "inputs"
SEED_PROTOS = ROOT / "examples" / "order_to_erp" / "proto"
SEED_GENERATED = ROOT / "examples" / "order_to_erp" / "generated"


@dataclass
class Run:
    returncode: int
    stderr: str
    files: dict[str, bytes]

    def write(self, out: Path) -> Path:
        """Lays the generated files out below `out` (as protoc wrote them), for tools that read folders."""
        for name, data in self.files.items():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_bytes(data)
        return out


def proto_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.proto"))


def read_tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts
    }


def run_protoc(tmp: Path, roots: list[Path], files: list[str] | None = None, opt: str = "",
               env: dict[str, str] | None = None, protoc: list[str] | None = None) -> Run:
    out = tmp / "out"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files = files if files is not None else [f for r in roots for f in proto_files(r)]
    command = [*(protoc or [sys.executable, "-m", "grpc_tools.protoc"]),
               f"--plugin=protoc-gen-nifi={PLUGIN}", *(f"-I{r}" for r in [OPTION_PROTOS, *roots]),
               f"--nifi_out={out}", *([f"--nifi_opt={opt}"] if opt else []), *files]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    return Run(result.returncode, result.stderr, read_tree(out))


def run_buf(tmp: Path, module: Path, opt: list[str] | None = None) -> Run:
    """buf generate over a fresh v2 workspace holding the option protos and `module`."""
    work = tmp / "bufwork"
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(OPTION_PROTOS, work / "proto")
    shutil.copytree(module, work / "module")
    (work / "buf.yaml").write_text("version: v2\nmodules:\n  - path: proto\n  - path: module\n")
    opts = "".join(f"\n      - {o}" for o in (opt or []))
    (work / "buf.gen.yaml").write_text(
        "version: v2\nclean: true\nplugins:\n  - local: protoc-gen-nifi\n    out: out\n    strategy: all\n"
        + (f"    opt:{opts}\n" if opts else "") + "inputs:\n  - directory: module\n"
    )
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run([str(BIN / "buf"), "generate"], cwd=work, capture_output=True, text=True, env=env, check=False)
    out = work / "out"
    return Run(result.returncode, result.stderr, read_tree(out) if out.exists() else {})


@pytest.fixture(scope="session")
def seed_protoc(tmp_path_factory) -> Run:
    run = run_protoc(tmp_path_factory.mktemp("seed"), [SEED_PROTOS])
    assert run.returncode == 0, run.stderr
    return run
