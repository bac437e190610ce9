"""Where the shipped option protos and templates are: the package's own copy, or this project's checkout.

A wheel carries them inside the package (`include/`, `templates/`); a source checkout (editable install,
tests) keeps them at the top of the repository. Only a checkout of this very project counts as one: an
installed package never reads a `proto/` or `templates/` folder that merely happens to sit next to it.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = PACKAGE_DIR.parent.parent
_PROJECT_NAME = re.compile(r'^name\s*=\s*"protoc-gen-nifi"\s*$', re.MULTILINE)


@functools.cache
def _checkout_root() -> Path | None:
    """The repository root when this package runs from its own checkout (`<root>/src/protoc_gen_nifi`,
    `<root>/pyproject.toml` naming this project), else None."""
    if PACKAGE_DIR.parent.name != "src":
        return None
    try:
        pyproject = (_REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return _REPO_ROOT if _PROJECT_NAME.search(pyproject) else None


def _resource(checkout_relative: str, packaged: str) -> Path:
    root = _checkout_root()
    # A checkout wins over the package's copy: an editable install may also hold a stale one.
    candidate = root / checkout_relative if root is not None else PACKAGE_DIR / packaged
    if not candidate.is_dir():
        raise FileNotFoundError(f"{candidate} does not exist; reinstall protoc-gen-nifi")
    return candidate


def include_dir() -> Path:
    """The `-I` root that holds `ameide_core_proto/...` (the option schema)."""
    return _resource("proto", "include")


def templates_dir() -> Path:
    return _resource("templates", "templates")
