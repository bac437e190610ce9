"""The sdist of this checkout and the wheel built from that sdist (as pip builds it), made once per test session
with the build backend itself (hatchling, no network), and installing the wheel into a folder of one's own."""
from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

from conftest import ROOT

_BUILT: dict[str, tuple[Path, Path]] = {}
_HOOK = "import sys, hatchling.build as backend; print(getattr(backend, sys.argv[1])(sys.argv[2]))"


def _build(kind: str, source: Path, out: Path) -> Path:
    result = subprocess.run([sys.executable, "-c", _HOOK, kind, str(out)], cwd=source, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    return out / result.stdout.strip().splitlines()[-1]


def distributions(tmp_path_factory) -> tuple[Path, Path]:
    """(sdist, wheel): the wheel comes from the unpacked sdist, so a file the sdist forgets is missing from both."""
    if "built" not in _BUILT:
        out = tmp_path_factory.mktemp("dist")
        sdist = _build("build_sdist", ROOT, out)
        with tarfile.open(sdist) as archive:
            # The "data" filter where this Python has it (3.10.12+, 3.11.4+): our own archive, but no warning.
            archive.extractall(out / "unpacked", **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        (unpacked,) = (out / "unpacked").iterdir()
        _BUILT["built"] = sdist, _build("build_wheel", unpacked, out)
    return _BUILT["built"]


def install(wheel: Path, target: Path) -> Path:
    """`pip install --target` of the wheel alone (its dependencies are this test environment's); returns target."""
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                             "--no-deps", "--no-index", "--target", str(target), str(wheel)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return target
