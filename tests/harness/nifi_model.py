"""Strict check of JSON bodies against NiFi's own API model, at every NiFi version the harness targets.

nipyapi's models are generated from NiFi's (and NiFi Registry's) OpenAPI spec: each
class has `swagger_types` (attribute -> type) and `attribute_map` (attribute -> JSON key).
NiFi silently ignores unknown keys, so the fake server rejects them: a misspelt key
would otherwise lose a setting without any error. Enum values are checked by running
the model's own property setter (which validates allowed values).

nipyapi holds one version of the spec; fixtures/nifi-dto-fields.json holds each DTO's properties at NiFi 2.0.0,
2.3.0 and 2.11.0, read from the classes the spec is generated from (make_dto_fields.py). A key that one of those
versions does not have is an error too: a body NiFi 2.0.0 would ignore part of, or an answer field the harness
could not rely on at every version.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nipyapi.nifi.models as nifi_models
import nipyapi.registry.models as registry_models

MODULES = {"nifi": nifi_models, "registry": registry_models}
VERSIONED = json.loads((Path(__file__).parent / "fixtures" / "nifi-dto-fields.json").read_text())
_LIST = re.compile(r"^list\[(.+)\]$")
_DICT = re.compile(r"^dict\(str, (.+)\)$")


def check(obj, type_name: str, module: str = "nifi", path: str = "$") -> list[str]:
    mod = MODULES[module]
    if obj is None:
        return []
    if m := _LIST.match(type_name):
        if not isinstance(obj, list):
            return [f"{path}: expected a list for {type_name}, got {type(obj).__name__}"]
        return [e for i, x in enumerate(obj) for e in check(x, m.group(1), module, f"{path}[{i}]")]
    if m := _DICT.match(type_name):
        if not isinstance(obj, dict):
            return [f"{path}: expected an object for {type_name}"]
        return [e for k, v in obj.items() for e in check(v, m.group(1), module, f"{path}.{k}")]
    prim = {"str": str, "datetime": str, "date": str, "bool": bool, "object": object}
    if type_name in prim:
        return [] if isinstance(obj, prim[type_name]) else [f"{path}: expected {type_name}, got {obj!r}"]
    if type_name in ("int", "float"):
        ok = isinstance(obj, (int, float)) and not isinstance(obj, bool)
        if type_name == "int":
            ok = ok and float(obj).is_integer()
        return [] if ok else [f"{path}: expected {type_name}, got {obj!r}"]
    cls = getattr(mod, type_name, None)
    if cls is None:
        return [f"{path}: unknown model type {type_name}"]
    if not isinstance(obj, dict):
        return [f"{path}: expected {type_name} object, got {type(obj).__name__}"]
    by_json = {v: k for k, v in cls.attribute_map.items()}
    errors = [f"{path}: NiFi {version}'s {type_name} has no property {key!r}"
              for version, classes in sorted(VERSIONED[module].items()) if type_name in classes
              for key in sorted(set(obj) - set(classes[type_name]))]
    inst = cls.__new__(cls)
    for key, value in obj.items():
        attr = by_json.get(key)
        if attr is None:
            errors.append(f"{path}: {type_name} has no attribute {key!r}")
            continue
        sub = cls.swagger_types[attr]
        errors.extend(check(value, sub, module, f"{path}.{key}"))
        if sub == "str" and isinstance(value, str):
            try:
                getattr(cls, attr).fset(inst, value)
            except ValueError as exc:
                errors.append(f"{path}.{key}: {exc}")
    return errors
