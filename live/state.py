"""The kit's state files (assembly.json, connection.json): a dataclass as sorted JSON, and back."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def save(record, path: Path) -> None:
    path.write_text(json.dumps(asdict(record), indent=2, sort_keys=True) + "\n")


def load(cls: type[T], path: Path) -> T | None:
    return cls(**json.loads(path.read_text())) if path.exists() else None
