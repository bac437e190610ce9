"""Regenerates fixtures/nifi-dto-fields.json: the JSON property names of NiFi's REST DTOs and entities at each NiFi
version the harness targets, read from NiFi's source (the OpenAPI spec of each release is generated from these
classes: nifi-client-dto, and nifi-registry-data-model for the Registry). nipyapi's models hold one version of
the spec; this table lets the tests check every request body and every answer of the fake against 2.0.0 (the
oldest target), 2.3.0 (the live test's NiFi) and 2.11.0 (the newest).

A property is a public no-argument getter `getX()`/`isX()` (JavaBean naming, as Jackson maps these DTOs: the
module uses no Jackson annotations), inherited ones included. Only the classes reachable from the models the
fake's routes use are kept.

Run: python tests/harness/make_dto_fields.py [/path/to/apache-nifi-git-dir]
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

VERSIONS = ("2.0.0", "2.3.0", "2.11.0")
ROOTS = {"nifi": "nifi-framework-bundle/nifi-framework/nifi-client-dto/src/main/java/",
         "registry": "nifi-registry/nifi-registry-core/nifi-registry-data-model/src/main/java/"}
# The Registry's own envelopes; a snapshot's flow contents are nifi-api classes (another repository), and the
# data model's `Bundle` is an extension bundle, not the flow's bundle of the same name in nipyapi.
REGISTRY_CLASSES = {"Bucket", "VersionedFlow", "VersionedFlowSnapshot", "VersionedFlowSnapshotMetadata"}
OUT = Path(__file__).parent / "fixtures" / "nifi-dto-fields.json"
_CLASS = re.compile(r"\bpublic\s+(?:abstract\s+)?class\s+(\w+)(?:<[^>{]*>)?(?:\s+extends\s+(\w+))?")
_GETTER = re.compile(r"^\s*public\s+(?!static)[\w<>,.?\[\]\s]+?\s+(get|is)([A-Z]\w*)\s*\(\s*\)", re.MULTILINE)


def _bean(name: str) -> str:
    """java.beans.Introspector.decapitalize."""
    return name if len(name) > 1 and name[:2].isupper() else name[0].lower() + name[1:]


def read_classes(git_dir: str, tag: str, root: str) -> dict[str, tuple[str | None, set[str]]]:
    files = subprocess.run(["git", "-C", git_dir, "ls-tree", "-r", "--name-only", tag, root], check=True,
                           capture_output=True, text=True).stdout.split()
    out = {}
    for f in files:
        if not f.endswith(".java"):
            continue
        text = subprocess.run(["git", "-C", git_dir, "show", f"{tag}:{f}"], check=True, capture_output=True,
                              text=True).stdout
        m = _CLASS.search(text)
        if m and m.group(1) == Path(f).stem:
            out[m.group(1)] = (m.group(2), {_bean(g[1]) for g in _GETTER.findall(text)} - {"class"})
    return out


def fields(classes: dict[str, tuple[str | None, set[str]]], name: str) -> set[str]:
    parent, own = classes[name]
    return own | (fields(classes, parent) if parent in classes else set())


def reachable(api: str) -> set[str]:
    """Model names reachable (through nipyapi's swagger_types) from the models the fake's routes name."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.harness.fakenifi import Fake
    from tests.harness.fakenifi.registry import FakeRegistry
    from tests.harness.nifi_model import MODULES

    routes = Fake.ROUTES if api == "nifi" else FakeRegistry.ROUTES
    todo = [m for r in routes for m in r[3:5] if m]
    seen: set[str] = set()
    while todo:
        name = re.sub(r"^(list\[|dict\(str, )|[\])]$", "", todo.pop())
        cls = getattr(MODULES[api], name, None)
        if name in seen or cls is None:
            continue
        seen.add(name)
        todo.extend(cls.swagger_types.values())
    return seen


def main(git_dir: str) -> None:
    table: dict[str, dict[str, dict[str, list[str]]]] = {}
    for api, root in ROOTS.items():
        wanted = reachable(api)
        if api == "registry":
            wanted &= REGISTRY_CLASSES
        for version in VERSIONS:
            classes = read_classes(git_dir, f"rel/nifi-{version}", root)
            table.setdefault(api, {})[version] = {n: sorted(fields(classes, n)) for n in sorted(wanted & set(classes))}
    OUT.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror/apache+nifi/repo")
