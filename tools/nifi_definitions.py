#!/usr/bin/env python3
"""Writes the project's NiFi catalog data, one JSON file per NiFi 2.x release, from NiFi's own source.

NiFi publishes each component's definition in the extension manifest of its NAR (and as
`nifi-assembly:<version>:zip:manifests`); the manifest is generated from the component's class.
This project's machines reach no server that serves those manifests for every release, so this tool
reads the same facts from the class itself at each release tag of an apache/nifi git mirror:
PropertyDescriptor and Relationship constants (with `fromPropertyDescriptor` copies, inherited and
shared descriptors), `getSupportedPropertyDescriptors()`/`getRelationships()`, the
@DynamicProperty/@SupportsSensitiveDynamicProperties/@DynamicRelationship/@WritesAttribute(s)/
@ReadsAttribute(s) annotations and the renames of `migrateProperties`. Where a real manifest is at
hand (`--manifest`: a NAR, its extension-manifest.xml, or the assembly's manifests zip), its facts
are used for that release instead, and the source reading is checked against it.

    python3 tools/nifi_definitions.py --repo /work/.mirror/apache+nifi/repo           # every 2.x release
    python3 tools/nifi_definitions.py --repo REPO --tag rel/nifi-2.3.0 --check        # compare, write nothing

Component types: tools/nifi-component-types.txt (one per line) and every type of nifi_catalog.COMPONENTS.
Whatever cannot be read is printed and stored under `unresolved`; the tool never guesses.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

sys.path.insert(0, str(Path(__file__).resolve().parent))
from java_source import Annotation, JType, split_top
from nifi_source import (
    Allowable,
    ClassRef,
    ConfigRecorder,
    Ctx,
    Descriptor,
    Interpreter,
    Obj,
    Rel,
    Release,
    Unresolved,
    _qualified_name,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "protoc_gen_nifi" / "data" / "nifi"
TYPES_FILE = Path(__file__).resolve().parent / "nifi-component-types.txt"
RELEASE_TAG = re.compile(r"^rel/nifi-(2\.\d+\.\d+)$")
SOURCE_NOTE = (
    "Read from apache/nifi (Apache-2.0) source at git tag {tag} (commit {commit}) by tools/nifi_definitions.py: "
    "the facts NiFi's extension manifests are generated from (property descriptors, relationships, dynamic "
    "properties, attributes), plus the renames migrateProperties applies on load and each descriptor's Java "
    "field. NiFi's extension manifests themselves are not served to this project's machines for every release; "
    "where one was used instead, the component says so in 'source'. Items the reader could not read are listed "
    "under 'unresolved'.")


def component_types() -> list[str]:
    types = set()
    for line in TYPES_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            types.add(line)
    sys.path.insert(0, str(ROOT / "src"))
    from protoc_gen_nifi import nifi_catalog

    types.update(c.type for c in nifi_catalog.COMPONENTS)
    return sorted(types)


def release_tags(repo: str) -> list[str]:
    import subprocess

    tags = subprocess.run(["git", "-C", repo, "tag", "--list", "rel/nifi-2.*"], check=True, capture_output=True,
                          text=True).stdout.split()
    return sorted((t for t in tags if RELEASE_TAG.match(t)),
                  key=lambda t: tuple(int(x) for x in RELEASE_TAG.match(t).group(1).split(".")))


# ---- one component -----------------------------------------------------------------------------

class Extractor:
    def __init__(self, release: Release):
        self.release = release
        self.interp = Interpreter(release)

    def extract(self, fqn: str) -> dict | None:
        jtype = self.release.find_type(fqn)
        if jtype is None:
            return None
        interp = self.interp
        interp.notes = []
        interp.root = Ctx(jtype, jtype, explore=True)
        unresolved: list[str] = []
        supertypes = interp.supertype_names(jtype)
        simple_supers = {s.rpartition(".")[2] for s in supertypes}
        if "Processor" in simple_supers or "AbstractProcessor" in simple_supers or \
                "AbstractSessionFactoryProcessor" in simple_supers:
            kind = "processor"
        elif "ControllerService" in simple_supers or "AbstractControllerService" in simple_supers:
            kind = "controller-service"
        else:
            kind = "unknown"
            unresolved.append(f"{fqn}: neither a processor nor a controller service by its supertypes")
        path = jtype.unit.path
        module = self.release.registered_in(fqn)
        artifact = self.release.nar_of(f"{module}/src/main/java/" if module else path)
        out: dict = {"kind": kind, "artifact": artifact, "source": path}
        if out["artifact"] is None:
            unresolved.append(f"{fqn}: no NAR bundles the module of {path}")

        properties = self._properties(jtype, unresolved)
        out["properties"] = properties
        if kind == "processor":
            out["relationships"] = self._relationships(jtype, unresolved)
        if kind == "controller-service":
            out["providedApis"] = self._apis(jtype, unresolved)
        annotations = self._annotations(jtype)
        dynamic = annotations.get("DynamicProperty") or annotations.get("DynamicProperties")
        out["dynamicProperties"] = bool(dynamic)
        out["sensitiveDynamicProperties"] = "SupportsSensitiveDynamicProperties" in annotations
        out["dynamicRelationships"] = "DynamicRelationship" in annotations
        out["writesAttributes"] = self._attributes(jtype, annotations, "WritesAttribute", unresolved)
        out["readsAttributes"] = self._attributes(jtype, annotations, "ReadsAttribute", unresolved)
        renamed, removed = self._migrations(jtype, unresolved)
        out["renamedProperties"] = renamed
        out["removedProperties"] = removed
        unresolved.extend(dict.fromkeys(interp.notes))
        out["unresolved"] = sorted(set(unresolved))
        return out

    def _properties(self, jtype: JType, unresolved: list[str]) -> dict:
        interp = self.interp
        method = interp.find_method("getSupportedPropertyDescriptors", jtype, 0)
        if method is None:
            return {}
        value = interp.invoke(method, [], Ctx(jtype, jtype, explore=True))
        if not isinstance(value, list):
            unresolved.append(f"{jtype.name}.getSupportedPropertyDescriptors(): {_why(value)}")
            return {}
        properties: dict = {}
        for position, item in enumerate(value):
            if not isinstance(item, Descriptor):
                unresolved.append(f"{jtype.name}: property #{position}: {_why(item)}")
                continue
            entry = self._descriptor(item, jtype, unresolved)
            if entry is None:
                continue
            name = entry.pop("name")
            properties[name] = entry
        return properties

    def _descriptor(self, descriptor: Descriptor, jtype: JType, unresolved: list[str]) -> dict | None:
        attrs = descriptor.attrs
        ident = descriptor.field or f"{_qualified_name(jtype)}.<inline>"
        entry: dict = {}
        for key, default in (("name", None), ("displayName", None), ("required", False), ("sensitive", False),
                             ("defaultValue", None), ("allowableValues", None),
                             ("identifiesControllerService", None), ("expressionLanguageScope", "NONE"),
                             ("dynamic", False)):
            value = attrs.get(key, default)
            if isinstance(value, Unresolved):
                unresolved.append(f"{ident}.{key}: {value.reason}")
                if key == "name":
                    return None
                value = None
            entry[key] = value
        if not isinstance(entry["name"], str):
            unresolved.append(f"{ident}: name is {entry['name']!r}")
            return None
        for flag in ("required", "sensitive", "dynamic"):
            if not isinstance(entry[flag], bool):
                unresolved.append(f"{ident}.{flag}: {entry[flag]!r}")
                entry[flag] = None
        for key in ("defaultValue", "displayName"):
            if entry[key] is not None and not isinstance(entry[key], str):
                unresolved.append(f"{ident}.{key}: {_why(entry[key])}")
                entry[key] = None
        entry["field"] = ident
        if attrs.get("copiedFrom"):
            entry["copiedFrom"] = attrs["copiedFrom"]
        return entry

    def _relationships(self, jtype: JType, unresolved: list[str]) -> list[str]:
        interp = self.interp
        method = interp.find_method("getRelationships", jtype, 0)
        if method is None:
            return []
        value = interp.invoke(method, [], Ctx(jtype, jtype))
        if not isinstance(value, list):
            unresolved.append(f"{jtype.name}.getRelationships(): {_why(value)}")
            return []
        names = []
        for item in value:
            if isinstance(item, Rel) and isinstance(item.name, str):
                names.append(item.name)
            else:
                unresolved.append(f"{jtype.name}: relationship {_why(item)}")
        return sorted(set(names))

    def _apis(self, jtype: JType, unresolved: list[str]) -> list[dict]:
        interp = self.interp
        apis = {}
        for fqn in sorted(interp.supertype_names(jtype)):
            api = self.release.find_type(fqn)
            if api is None or api.kind != "interface":
                continue
            if "org.apache.nifi.controller.ControllerService" not in interp.supertype_names(api) | {fqn}:
                continue
            artifact = self.release.nar_of(api.unit.path)
            if artifact is None:
                unresolved.append(f"{jtype.name}: no NAR bundles the API {fqn}")
            apis[fqn] = artifact
        return [{"type": t, "artifact": a} for t, a in sorted(apis.items())]

    def _annotations(self, jtype: JType) -> dict[str, tuple[JType, Annotation]]:
        """Class annotations as Class.getAnnotation sees them: NiFi's are @Inherited."""
        found: dict[str, tuple[JType, Annotation]] = {}
        current: JType | None = jtype
        while current is not None:
            for ann in current.annotations:
                found.setdefault(ann.name, (current, ann))
            current = self.interp.superclass(current)
        return found

    def _attributes(self, jtype: JType, annotations: dict, single: str, unresolved: list[str]) -> list[str]:
        names = []
        for key in (single, single + "s"):
            if key not in annotations:
                continue
            owner, ann = annotations[key]
            for toks in _annotation_instances(ann, single):
                args = _annotation_args(toks)
                value = self.interp.evaluate(args.get("attribute"), Ctx(owner))
                if isinstance(value, str):
                    names.append(value)
                else:
                    unresolved.append(f"{jtype.name}: @{single} attribute {_why(value)}")
        return sorted(set(names))

    def _migrations(self, jtype: JType, unresolved: list[str]) -> tuple[dict, list]:
        interp = self.interp
        method = interp.find_method("migrateProperties", jtype, 1)
        config = ConfigRecorder()
        if method is not None:
            ctx = Ctx(jtype, jtype, explore=True)
            result = interp.invoke(method, [config], ctx)
            if isinstance(result, Unresolved):
                unresolved.append(f"{jtype.name}.migrateProperties: {result.reason}")
        return dict(sorted(config.renamed.items())), sorted(set(config.removed))


def _annotation_instances(ann: Annotation, single: str):
    """The @X(...) argument lists inside @Xs({@X(..), ..}) or a lone @X(..)."""
    if ann.name == single:
        yield ann.args
        return
    toks = ann.args
    for i, t in enumerate(toks):
        if t.text == "@" and i + 1 < len(toks) and toks[i + 1].text.endswith(single) and toks[i + 2].text == "(":
            from java_source import match_close

            close = match_close(toks, i + 2)
            yield toks[i + 3:close]


def _annotation_args(toks) -> dict:
    out = {}
    for part in split_top(toks):
        if len(part) > 2 and part[1].text == "=":
            out[part[0].text] = part[2:]
        else:
            out["value"] = part
    return out


def _why(value) -> str:
    if isinstance(value, Unresolved):
        return value.reason
    if isinstance(value, (Obj, ClassRef, Allowable)):
        return f"a {type(value).__name__} where a value was expected"
    return f"unexpected {type(value).__name__}: {str(value)[:60]}"


# ---- real manifests ----------------------------------------------------------------------------

def read_manifests(paths: list[str]) -> dict[str, dict[str, dict]]:
    """{version: {type: definition}} from NARs, extension-manifest.xml files or the assembly's manifests zip."""
    out: dict[str, dict[str, dict]] = {}
    for path in paths:
        texts = []
        if path.endswith((".nar", ".zip")):
            with zipfile.ZipFile(path) as archive:
                texts = [archive.read(n).decode() for n in archive.namelist() if n.endswith("extension-manifest.xml")]
        else:
            texts = [Path(path).read_text(encoding="utf-8")]
        for text in texts:
            root = ElementTree.fromstring(text)
            version, artifact = root.findtext("version"), root.findtext("artifactId")
            for ext in root.iter("extension"):
                out.setdefault(version, {})[ext.findtext("name")] = manifest_definition(ext, artifact)
    return out


def manifest_definition(ext: ElementTree.Element, artifact: str) -> dict:
    """The facts of one <extension> element, in this project's shape."""
    def flag(element, name):
        return (element.findtext(name) or "false") == "true"
    properties = {}
    for prop in ext.findall("properties/property"):
        allowable = [v.findtext("value") for v in prop.findall("allowableValues/allowableValue")]
        service = prop.find("controllerServiceDefinition")
        properties[prop.findtext("name")] = {
            "displayName": prop.findtext("displayName"), "required": flag(prop, "required"),
            "sensitive": flag(prop, "sensitive"), "defaultValue": prop.findtext("defaultValue"),
            "allowableValues": allowable or None,
            "identifiesControllerService": service.findtext("className") if service is not None else None,
            "expressionLanguageScope": prop.findtext("expressionLanguageScope") or "NONE",
            "dynamic": flag(prop, "dynamic"),
        }
    kind = {"PROCESSOR": "processor", "CONTROLLER_SERVICE": "controller-service"}.get(ext.findtext("type"), "other")
    out = {"kind": kind, "artifact": artifact, "properties": properties,
           "dynamicProperties": bool(ext.findall("dynamicProperties/dynamicProperty")),
           "sensitiveDynamicProperties": flag(ext, "supportsSensitiveDynamicProperties"),
           "dynamicRelationships": ext.find("dynamicRelationship") is not None,
           "writesAttributes": sorted({a.findtext("name") for a in ext.findall("writesAttributes/writesAttribute")}),
           "readsAttributes": sorted({a.findtext("name") for a in ext.findall("readsAttributes/readsAttribute")})}
    if kind == "processor":
        out["relationships"] = sorted(r.findtext("name") for r in ext.findall("relationships/relationship"))
    if kind == "controller-service":
        out["providedApis"] = [{"type": a.findtext("className"), "artifact": a.findtext("artifactId")}
                               for a in sorted(ext.findall("providedServiceAPIs/providedServiceAPI"),
                                               key=lambda a: a.findtext("className"))]
    return out


COMPARED = ("displayName", "required", "sensitive", "defaultValue", "allowableValues", "identifiesControllerService",
            "expressionLanguageScope")


def differences(ours: dict, theirs: dict) -> list[str]:
    """How a source reading differs from a manifest (or a live NiFi's answer) for one component."""
    out = []
    for name in sorted(set(ours["properties"]) | set(theirs["properties"])):
        mine, real = ours["properties"].get(name), theirs["properties"].get(name)
        if mine is None or real is None:
            out.append(f"property {name!r}: {'missing' if mine is None else 'extra'}")
            continue
        for key in COMPARED:
            if key in real and mine.get(key) != real.get(key):
                out.append(f"property {name!r} {key}: {mine.get(key)!r} != {real.get(key)!r}")
    for key in ("relationships", "dynamicProperties", "sensitiveDynamicProperties", "writesAttributes",
                "providedApis", "artifact", "kind"):
        if key in theirs and ours.get(key) != theirs[key]:
            out.append(f"{key}: {ours.get(key)!r} != {theirs[key]!r}")
    return out


# ---- a release file ----------------------------------------------------------------------------

def extract_release(repo: str, tag: str, types: list[str], manifests: dict[str, dict] | None = None,
                    report=print) -> dict:
    version = RELEASE_TAG.match(tag).group(1)
    release = Release(repo, tag)
    try:
        extractor = Extractor(release)
        components, missing = {}, []
        for fqn in types:
            definition = extractor.extract(fqn)
            if definition is None:
                missing.append(fqn)
                continue
            real = (manifests or {}).get(fqn)
            if real is not None:
                for problem in differences(definition, real):
                    report(f"{version} {fqn}: source reading differs from the manifest: {problem}")
                merged = {**definition, **{k: v for k, v in real.items() if k != "properties"}}
                merged["properties"] = {
                    name: {**definition["properties"].get(name, {"field": None}), **prop}
                    for name, prop in real["properties"].items()}
                merged["source"] = f"extension manifest of {real['artifact']} {version}; fields from " \
                                   f"{definition['source']}"
                definition = merged
            for item in definition["unresolved"]:
                report(f"{version} {fqn}: unresolved: {item}")
            components[fqn] = definition
    finally:
        release.close()
    return {"_source": SOURCE_NOTE.format(tag=tag, commit=release.commit), "nifiVersion": version,
            "gitTag": tag, "gitCommit": release.commit, "components": components, "missing": missing}


# What a property or component holds when the file leaves a key out (the loader applies the same).
PROPERTY_DEFAULTS = {"required": False, "sensitive": False, "dynamic": False, "defaultValue": None,
                     "allowableValues": None, "identifiesControllerService": None, "expressionLanguageScope": "NONE"}
COMPONENT_DEFAULTS = {"dynamicProperties": False, "sensitiveDynamicProperties": False, "dynamicRelationships": False,
                      "writesAttributes": [], "readsAttributes": [], "renamedProperties": {}, "removedProperties": [],
                      "unresolved": [], "providedApis": []}


def compact(data: dict) -> dict:
    """The release file as stored: keys equal to their default are left out (see PROPERTY_DEFAULTS)."""
    components = {}
    for fqn, component in data["components"].items():
        out = {k: v for k, v in component.items() if k != "properties" and COMPONENT_DEFAULTS.get(k, ...) != v}
        out["properties"] = {
            name: {k: v for k, v in prop.items()
                   if k != "copiedFrom" and PROPERTY_DEFAULTS.get(k, ...) != v and not (k == "displayName" and v == name)}
            for name, prop in component["properties"].items()}
        components[fqn] = out
    return {**data, "components": components}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", required=True, help="a git mirror of apache/nifi with its rel/nifi-2.* tags")
    parser.add_argument("--tag", action="append", help="a release tag (default: every rel/nifi-2.x.y)")
    parser.add_argument("--type", action="append", help="a component type (default: the configured list)")
    parser.add_argument("--manifest", action="append", default=[],
                        help="a NAR, extension-manifest.xml or manifests zip whose facts win for its release")
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--check", action="store_true", help="print what differs from the files in --out")
    args = parser.parse_args(argv)
    types = args.type or component_types()
    manifests = read_manifests(args.manifest)
    status = 0
    for tag in args.tag or release_tags(args.repo):
        data = extract_release(args.repo, tag, types, manifests.get(RELEASE_TAG.match(tag).group(1)),
                               report=lambda line: print(line, file=sys.stderr))
        path = Path(args.out) / f"{data['nifiVersion']}.json"
        text = json.dumps(compact(data), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        unresolved = sum(len(c["unresolved"]) for c in data["components"].values())
        print(f"{tag}: {len(data['components'])} components, {len(data['missing'])} missing, "
              f"{unresolved} unresolved items -> {path}")
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"{path}: differs from what the source says", file=sys.stderr)
                status = 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
