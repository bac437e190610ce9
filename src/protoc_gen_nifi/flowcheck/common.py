"""What every flowcheck concern shares: a finding, JSONPath-like locations, parameter references, catalogs."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, order=True)
class Problem:
    """One finding. ``path`` is a JSONPath-like location, e.g.
    ``$.flowContents.processGroups[0](ingress orders_in).connections[2]``; list elements that have a
    non-empty ``name`` carry it in parentheses, map entries are written ``["key"]``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


PARAM_NAME_RE = re.compile(r"^[A-Za-z0-9 ._\-]+$")


def label(i: int, item: Any) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    return f"[{i}]({name})" if isinstance(name, str) and name else f"[{i}]"


def key_path(k: Any) -> str:
    return f"[{json.dumps(k, ensure_ascii=False)}]"


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def dicts(value: Any) -> Iterable[tuple[int, dict]]:
    for i, item in enumerate(as_list(value)):
        if isinstance(item, dict):
            yield i, item


def parameter_references(value: str) -> list[str]:
    """Names referenced as ``#{name}`` / ``#{'name'}`` in ``value``; ``##{`` escapes (NiFi's
    ExpressionLanguageAgnosticParameterParser: an even run of ``#`` before ``{`` is literal)."""
    refs = []
    i = 0
    while True:
        j = value.find("#{", i)
        if j < 0:
            return refs
        run = 0
        while j - run >= 0 and value[j - run] == "#":
            run += 1
        end = value.find("}", j + 2)
        if run % 2 == 0 or end < 0:  # escaped, or unterminated: literal text
            i = j + 2
            continue
        name = value[j + 2:end]
        if len(name) >= 2 and name[0] == name[-1] == "'":
            name = name[1:-1]
        refs.append(name)
        i = end + 1


def exact_single_reference(value: str) -> str | None:
    m = re.fullmatch(r"#\{(?:'([^']*)'|([^}']*))\}", value)
    return None if m is None else (m.group(1) if m.group(1) is not None else m.group(2))


class DupDict(dict):
    """A dict produced by check_file's JSON parser that remembers keys given more than once."""

    duplicates: list[str]


def pairs_hook(pairs):
    d = DupDict()
    dups = []
    for k, v in pairs:
        if k in d:
            dups.append(k)
        d[k] = v
    d.duplicates = dups
    return d


def simple_key(k: Any) -> bool:
    return isinstance(k, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k) is not None


def jtype(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__



def load_catalog(source: str | Path | dict | list) -> dict[str, dict[str, dict]]:
    """Normalise a component property catalog to ``{type: {name: {displayName, sensitive,
    controllerService}}}``. ``source`` is a NiFi version with packaged definitions
    (``data/nifi/<version>.json``, see nifi_definitions.py), a path, or already-loaded JSON in either
    the packaged form (``{"components": {type: {"properties": {...}}}}``) or the raw
    ``component-properties-*.json`` list form."""
    if isinstance(source, (str, Path)):
        packaged = Path(__file__).resolve().parent.parent / "data" / "nifi" / f"{source}.json"
        path = packaged if packaged.is_file() else Path(source)
        with open(path, encoding="utf-8") as fh:
            source = json.load(fh)
    out: dict[str, dict[str, dict]] = {}
    if isinstance(source, dict) and "components" in source:
        for typ, comp in source["components"].items():
            # the packaged files leave out a display name equal to the key and false flags
            out[typ] = {n: {"displayName": p.get("displayName", n), "sensitive": bool(p.get("sensitive")),
                            "controllerService": p.get("identifiesControllerService", p.get("controllerService"))}
                        for n, p in comp.get("properties", {}).items()}
    elif isinstance(source, list):
        for comp in source:
            props = out.setdefault(comp["type"], {})
            for p in comp.get("properties", []):
                props[p["name"]] = {"displayName": p.get("displayName") or p["name"],
                                    "sensitive": bool(p.get("sensitive")),
                                    "controllerService": p.get("controllerService")}
    elif isinstance(source, dict):
        out = {t: dict(v) for t, v in source.items()}  # already normalised
    else:
        raise TypeError(f"unsupported catalog: {type(source).__name__}")
    return out
