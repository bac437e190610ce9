"""Where the shipped option protos and templates are.

A wheel carries them inside the package (`include/`, `templates/`); a source
checkout (editable install, tests) keeps them at the top of the repository.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = PACKAGE_DIR.parent.parent


def _first_dir(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"none of {', '.join(map(str, candidates))} exists; reinstall protoc-gen-nifi")


def include_dir() -> Path:
    """The `-I` root that holds `ameide_core_proto/...` (the option schema)."""
    # A source checkout wins: an editable install may also hold a stale copy.
    return _first_dir(_REPO_ROOT / "proto", PACKAGE_DIR / "include")


def templates_dir() -> Path:
    return _first_dir(_REPO_ROOT / "templates", PACKAGE_DIR / "templates")
