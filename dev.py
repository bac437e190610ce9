#!/usr/bin/env python3
"""Project set-up and tasks, needing only Python 3.10+.

    python3 dev.py examples   # generate every example with `buf generate` (the main job)
    python3 dev.py test       # run the whole test suite (the live NiFi group joins where Java and Maven are)
    python3 dev.py nifi ...   # assemble, start, stop a real NiFi from Maven (`dev.py nifi --help`)

Both create `.venv/` on first use and install the project with its test
extras into it (protoc comes from grpcio-tools, buf from buf-bin), so nothing
but Python has to be on the machine.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-from"
EXAMPLES = ROOT / "examples"


def _install_fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> dict[str, str]:
    """Create the venv and (re)install the project when pyproject.toml changed."""
    if not (BIN / "python").exists():
        print("dev.py: creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    if not STAMP.exists() or STAMP.read_text() != _install_fingerprint():
        print("dev.py: installing protoc-gen-nifi[test] into .venv", flush=True)
        pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
        subprocess.run([*pip, "install", "-e", f"{ROOT}[test]"], check=True)
        STAMP.write_text(_install_fingerprint())
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    return env


def example_templates() -> list[Path]:
    """The root template (the seed example) and one per further example; all run from the root."""
    return [ROOT / "buf.gen.yaml", *sorted(EXAMPLES.glob("*/buf.gen.yaml"))]


def cmd_examples(env: dict[str, str]) -> int:
    for template in example_templates():
        print(f"dev.py: buf generate --template {template.relative_to(ROOT)}", flush=True)
        result = subprocess.run(["buf", "generate", "--template", str(template.relative_to(ROOT))], cwd=ROOT, check=False,
                                env=env)
        if result.returncode:
            return result.returncode
    return 0


def cmd_test(env: dict[str, str], extra: list[str]) -> int:
    return subprocess.run([str(BIN / "python"), "-m", "pytest", *extra], cwd=ROOT, env=env, check=False).returncode


def cmd_nifi(env: dict[str, str], extra: list[str]) -> int:
    return subprocess.run([str(BIN / "python"), "-m", "live", *extra], cwd=ROOT, env=env, check=False).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"examples", "test", "nifi"}:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    env = ensure_venv()
    if argv[0] == "examples":
        return cmd_examples(env)
    if argv[0] == "nifi":
        return cmd_nifi(env, argv[1:])
    return cmd_test(env, argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
