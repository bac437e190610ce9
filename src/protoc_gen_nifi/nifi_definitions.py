"""NiFi's own component definitions per release (data/nifi/<version>.json, written by tools/nifi_definitions.py
from NiFi's source at each release tag), loaded lazily, one release at a time.

The catalog (nifi_catalog.py) names properties by their newest key; `canonical_key` finds the key the same
property has at an older release through the Java field that declares it (`Class.FIELD`), then through the
renames NiFi's `migrateProperties` applies on load.
"""
from __future__ import annotations

import json
import os
import re
from functools import cache, lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "nifi"
PROPERTY_DEFAULTS = {"required": False, "sensitive": False, "dynamic": False, "defaultValue": None,
                     "allowableValues": None, "identifiesControllerService": None, "expressionLanguageScope": "NONE"}


def _order(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@lru_cache(maxsize=1)
def versions() -> tuple[str, ...]:
    """Every release with data, oldest first."""
    # os.listdir, not Path.glob: every plugin process asks at import, and glob's pattern machinery costs 3x.
    stems = [name.removesuffix(".json") for name in os.listdir(DATA) if name.endswith(".json")]
    found = [stem for stem in stems if re.fullmatch(r"\d+\.\d+\.\d+", stem)]
    return tuple(sorted(found, key=_order))


@cache
def release(version: str) -> dict:
    """The whole release file (`components`, `missing`, `_source`, ...)."""
    with open(DATA / f"{version}.json", encoding="utf-8") as handle:
        return json.load(handle)


def component(version: str, type_: str) -> dict | None:
    return release(version)["components"].get(type_)


def prop(version: str, type_: str, name: str) -> dict | None:
    """One property of a component at a release, with the stored defaults filled in; None if it has none."""
    definition = component(version, type_)
    if definition is None or name not in definition["properties"]:
        return None
    stored = definition["properties"][name]
    return {**PROPERTY_DEFAULTS, "displayName": name, **stored}


class MissingProperty(LookupError):
    """A catalog property that the target release does not have."""

    def __init__(self, type_: str, key: str, version: str, since: str | None):
        self.type, self.key, self.version, self.since = type_, key, version, since
        fix = f"it first appears in NiFi {since}; use nifi_version={since} or later" if since else \
            "no supported release has it"
        super().__init__(f"NiFi {version} has no property {key!r} on {type_.rpartition('.')[2]}; {fix}")


def canonical_key(type_: str, key: str, version: str) -> str | None:
    """The key NiFi `version` stores for the property the newest release calls `key`; None if it has none."""
    return _canonical(type_, key, version)


@cache
def _canonical(type_: str, key: str, version: str) -> str | None:
    target = component(version, type_)
    if target is None:
        return None
    names = target["properties"]
    newest = versions()[-1]
    field = (prop(newest, type_, key) or {}).get("field")
    if field:
        by_field = [name for name, p in names.items() if p.get("field") == field]
        if len(by_field) == 1:
            return by_field[0]
    if key in names:
        return key
    # NiFi renamed it after `version`: follow migrateProperties' renames back, newest release first.
    wanted = key
    for later in reversed([v for v in versions() if _order(v) > _order(version)]):
        renamed = (component(later, type_) or {}).get("renamedProperties", {})
        for old, new in renamed.items():
            if new == wanted:
                wanted = old
                if wanted in names:
                    return wanted
    if field:  # the same field name in another class (a descriptor moved to a shared class)
        simple = field.rpartition(".")[2]
        by_simple = [name for name, p in names.items() if p.get("field", "").rpartition(".")[2] == simple]
        if len(by_simple) == 1:
            return by_simple[0]
    return None


def first_release_with(type_: str, key: str) -> str | None:
    for version in versions():
        if canonical_key(type_, key, version) is not None:
            return version
    return None
