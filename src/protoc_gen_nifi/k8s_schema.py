"""Offline validation of Kubernetes resources against the CRD schemas they belong to (NiFiKop's, vendored, and the
Integration's), plus Kubernetes' own name rules, with `jsonschema`: in the tests and in `protoc-gen-nifi check`.

A CRD's `openAPIV3Schema` is a JSON Schema; the API server prunes unknown fields silently (as NiFi ignores unknown
JSON keys), so a misspelt field would lose a setting without an error: the schemas are made strict here
(`additionalProperties: false` wherever properties are listed and unknown fields are not preserved).
"""
from __future__ import annotations

import copy
import functools
import sys
from pathlib import Path

from .diagnostics import counted
from .resources import PACKAGE_DIR

CRD_DIR = PACKAGE_DIR / "data" / "kubernetes"
INTEGRATION_CRD = CRD_DIR / "integration.crd.yaml"
_NAME = {"type": "string", "maxLength": 253,
         "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"}
_LABEL_VALUE = {"type": "string", "maxLength": 63, "pattern": r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"}
# k8s.io/apimachinery validation.go: ObjectMeta name (DNS-1123 subdomain), namespace (DNS-1123 label), labels.
METADATA = {"type": "object", "required": ["name"], "properties": {
    "name": _NAME,
    "namespace": {"type": "string", "maxLength": 63, "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
    "labels": {"type": "object", "additionalProperties": _LABEL_VALUE},
    "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
}}
# The core kinds the generator writes, only as far as it writes them.
CORE = {
    ("v1", "Secret"): {"type": "object", "required": ["metadata"], "properties": {
        "type": {"type": "string"},
        "stringData": {"type": "object", "additionalProperties": {"type": "string"},
                       "propertyNames": {"maxLength": 253, "pattern": r"^[-._a-zA-Z0-9]+$"}},
    }},
    ("v1", "Service"): {"type": "object", "required": ["metadata", "spec"], "properties": {
        "metadata": {"type": "object", "properties": {"name": {
            "type": "string", "maxLength": 63, "pattern": r"^[a-z]([-a-z0-9]*[a-z0-9])?$"}}},
        "spec": {"type": "object", "required": ["ports"], "properties": {
            "selector": {"type": "object", "additionalProperties": _LABEL_VALUE},
            "ports": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["port"], "properties": {
                    "name": {"type": "string", "maxLength": 15, "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
                    "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                    "targetPort": {"type": ["integer", "string"]},
                    "protocol": {"enum": ["TCP", "UDP", "SCTP"]}}}}}},
    }},
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"): {"type": "object", "required": ["resources"], "properties": {
        "resources": {"type": "array", "items": {"type": "string", "minLength": 1}},
    }},
}


def _strict(schema):
    """The schema with `additionalProperties: false` beside every `properties` that does not preserve unknown
    fields (the `metadata: {type: object}` of a CRD stays open: ObjectMeta is checked by METADATA)."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out \
                and not out.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


@functools.lru_cache(maxsize=1)
def schemas() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> strict JSON Schema, for every served version of every shipped CRD."""
    import yaml

    out = {}
    for path in sorted([*CRD_DIR.glob("nifikop/*.crd.yaml"), INTEGRATION_CRD]):
        crd = yaml.safe_load(path.read_text(encoding="utf-8"))
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                schema = _strict(copy.deepcopy(version["schema"]["openAPIV3Schema"]))
                schema["properties"]["metadata"] = METADATA
                out[(f"{group}/{version['name']}", kind)] = schema
    for key, schema in CORE.items():
        schema = _strict(copy.deepcopy(schema))
        schema.setdefault("properties", {})
        schema["properties"].update({"apiVersion": {"type": "string"}, "kind": {"type": "string"}})
        if key[1] != "Kustomization":
            meta = copy.deepcopy(METADATA)
            meta["properties"]["name"] = {"allOf": [_NAME, schema["properties"].get("metadata", {})
                                                    .get("properties", {}).get("name", {})]}
            schema["properties"]["metadata"] = meta
        out[key] = schema
    return out


def _cel(document: dict) -> list[str]:
    """The CEL rules (x-kubernetes-validations) jsonschema does not run, for the kinds we generate."""
    if document.get("kind") == "NifiRegistryClient" and str(document.get("apiVersion", "")).endswith("/v2alpha1"):
        spec = document.get("spec") or {}
        block = {"registry": "registryClientConfig", "github": "githubConfig", "gitlab": "gitlabConfig"}
        wanted = block.get(spec.get("type"))
        if wanted and wanted not in spec:
            return [f"spec: {wanted} is required when type is '{spec.get('type')}'"]
    return []


def problems(document) -> list[str]:
    """What is wrong with one resource, as `path: message` lines (empty when valid)."""
    import jsonschema

    if not isinstance(document, dict):
        return ["not a Kubernetes resource (a YAML mapping with apiVersion and kind)"]
    key = (document.get("apiVersion"), document.get("kind"))
    schema = schemas().get(key)
    if schema is None:
        known = ", ".join(sorted(f"{v} {k}" for v, k in schemas()))
        return [f"no schema for apiVersion {key[0]!r} kind {key[1]!r}; known: {known}"]
    validator = jsonschema.Draft7Validator(schema)
    found = [f"{'.'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
             for error in validator.iter_errors(document)]
    return sorted(found + _cel(document))


def check_file(path: str | Path) -> list[str]:
    import yaml

    try:
        documents = [d for d in yaml.safe_load_all(Path(path).read_text(encoding="utf-8")) if d is not None]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [f"cannot read as YAML: {exc}"]
    return [line for document in documents for line in problems(document)]


def main(files: list[str]) -> int:
    """`protoc-gen-nifi check FILE.yaml...`: every resource against its schema; exit 1 on a problem."""
    total = 0
    for name in files:
        for line in check_file(name):
            total += 1
            print(f"{name}: {line}")
    print(f"{counted(len(files), 'file')}, {counted(total, 'problem')}")
    return 1 if total else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
