"""Golden cases: the human-owned `--cases DIR` folder, validated before anything touches NiFi.

    DIR/<case-name>/case.yaml      one folder per case (folders starting with '.' are skipped)
    DIR/<case-name>/<payloads>     files the case names, relative to its folder

case.yaml:
    description: "order placed -> ERP upsert"     # optional
    input:
      port: orders_in                  # slug of a port: `ingress <slug>` (after its transport) or
                                       #   `egress <slug>` (at its input port `in`, bypassing the mapping)
      body: order.bin                  # the FlowFile content, byte for byte
      attributes: {kafka.topic: orders.v1}   # optional FlowFile attributes (strings, literal)
    expect:
      events:                          # each must be seen in the FlowFile's provenance (its lineage)
        - port: erp_http_out           # the OUT port's transport processor ... or
          # processor: "mapping/map erp_http_out"   # <group>/<processor name>
          type: SEND                   # provenance event type (default SEND)
          body: erp_request.json       # optional: expected output content of that event
          compare: json                # bytes (default, byte-exact) | json (equal as JSON values)
          attributes:                  # optional: attribute values on that event
            ce_type: acme.integration.order_to_erp.v1.ErpOrderUpsertRequest
            traceparent: {matches: "00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]"}
      failure: false                   # default: no FlowFile of the case may reach a `failure` port;
                                       #   true: the case passes only once one does
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import topology
from .errors import HarnessError

EVENT_TYPES = ("ADDINFO", "ATTRIBUTES_MODIFIED", "CLONE", "CONTENT_MODIFIED", "CREATE", "DOWNLOAD", "DROP",
               "EXPIRE", "FETCH", "FORK", "JOIN", "RECEIVE", "REMOTE_INVOCATION", "REPLAY", "ROUTE", "SEND",
               "UNKNOWN", "UPLOAD")
# GenerateFlowFile's own property names (2.0 and current): an attribute of the same name would set them.
RESERVED_ATTRIBUTES = {"File Size", "Batch Size", "Data Format", "Unique FlowFiles", "Custom Text", "Character Set",
                       "Mime Type", "generate-ff-custom-text", "character-set", "mime-type", "uuid"}
# NiFi evaluates `${...}` (Expression Language) and `#{...}` (parameters) in property values.
_EVALUATED = re.compile(rb"[$#]\{")


@dataclass
class Expectation:
    label: str  # e.g. "SEND at 'POST erp-orders' (egress erp_http_out)"
    processor: str  # versioned id
    type: str
    body: bytes | None = None
    body_file: str | None = None
    compare: str = "bytes"
    attributes: dict[str, str | re.Pattern] = field(default_factory=dict)

    def check(self, content: bytes | None, attributes: dict[str, str]) -> list[str]:
        """What differs between this expectation and one observed event (empty: it matches)."""
        problems = []
        if self.body is not None:
            if content is None:
                problems.append("its output content is not available in provenance (content archived or "
                                "removed? check nifi.content.repository.archive.* settings)")
            elif self.compare == "json":
                problems.extend(_json_diff(self.body_file, self.body, content))
            elif content != self.body:
                problems.append(_bytes_diff(self.body_file, self.body, content))
        for name, want in self.attributes.items():
            got = attributes.get(name)
            if got is None:
                problems.append(f"attribute {name!r} is missing")
            elif isinstance(want, re.Pattern) and not want.fullmatch(got):
                problems.append(f"attribute {name!r}: {got!r} does not match {want.pattern!r}")
            elif isinstance(want, str) and got != want:
                problems.append(f"attribute {name!r}: expected {want!r}, got {got!r}")
        return problems


@dataclass
class Case:
    name: str
    path: str  # case.yaml as the user names it, for messages
    entry: topology.Entry
    port: str
    body: bytes
    body_file: str
    attributes: dict[str, str]
    events: list[Expectation]
    failure: bool
    description: str = ""


def _excerpt(data: bytes, at: int) -> str:
    return repr(data[max(0, at - 10):at + 30])[1:]  # b'...' without the b


def _bytes_diff(name: str | None, want: bytes, got: bytes) -> str:
    at = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
    return (f"body differs from {name} at byte {at}: expected {len(want)} bytes ({_excerpt(want, at)}), "
            f"got {len(got)} bytes ({_excerpt(got, at)})")


def _json_diff(name: str | None, want: bytes, got: bytes) -> list[str]:
    try:
        actual = json.loads(got)
    except ValueError as exc:
        return [f"body is not JSON ({exc}): {_excerpt(got, 0)}"]
    diffs: list[str] = []

    def walk(a, b, path: str) -> None:
        if len(diffs) >= 3:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                if k not in b:
                    diffs.append(f"{path}.{k}: missing (expected {json.dumps(a[k])[:60]})")
                elif k not in a:
                    diffs.append(f"{path}.{k}: unexpected {json.dumps(b[k])[:60]}")
                else:
                    walk(a[k], b[k], f"{path}.{k}")
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{path}[{i}]")
        elif a != b or isinstance(a, bool) != isinstance(b, bool):  # JSON true is not 1
            diffs.append(f"{path}: expected {json.dumps(a)[:60]}, got {json.dumps(b)[:60]}")

    walk(json.loads(want), actual, "$")
    return [f"body differs from {name} as JSON: " + "; ".join(diffs)] if diffs else []


class CaseFolderError(HarnessError):
    """Every problem of a cases folder at once, one line each."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__("cases", problems[0][0], problems[0][1], problems[0][2])

    def lines(self) -> list[str]:
        return [HarnessError("cases", where, what, fix).line() for where, what, fix in self.problems]


class _Checker:
    """Reads one case.yaml, collecting (where, what, fix) problems instead of stopping at the first."""

    def __init__(self, path: str, folder: Path, snapshot: dict, problems: list):
        self.path, self.folder, self.snapshot, self.problems = path, folder, snapshot, problems

    def bad(self, what: str, fix: str) -> None:
        self.problems.append((self.path, what, fix))

    def mapping(self, value, where: str, keys: set[str] | None = None) -> dict:
        """A YAML mapping; with `keys`, any other key is a problem (a misspelt key must not be ignored)."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.bad(f"{where} must be a mapping, got {type(value).__name__}", "see harness/README.md for the format")
            return {}
        for k in sorted(set(value) - keys if keys is not None else (), key=str):
            self.bad(f"{where}: unknown key {k!r}", f"use one of: {', '.join(sorted(keys))} (misspelt keys would "
                     "otherwise be ignored silently)")
        return value

    def text(self, value, where: str, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                self.bad(f"{where} is required", "add it")
            return None
        if not isinstance(value, str) or not value:
            self.bad(f"{where} must be a non-empty string, got {value!r}", "quote it in YAML")
            return None
        return value

    def file(self, value, where: str, *, required: bool = False) -> tuple[str | None, bytes | None]:
        name = self.text(value, where, required=required)
        if name is None:
            return None, None
        try:
            return name, (self.folder / name).read_bytes()
        except OSError as exc:
            self.bad(f"{where}: cannot read {name!r} ({exc.strerror})", f"put the file beside case.yaml in {self.folder}")
            return name, None

    def literal(self, data: bytes, where: str) -> None:
        if _EVALUATED.search(data):
            self.bad(f"{where} contains '${{' or '#{{', which NiFi would evaluate (Expression Language / parameter "
                     "reference) in the temporary GenerateFlowFile", "drive this input through the real transport "
                     "instead; cases inject literal content only")

    def attributes(self, value, where: str) -> dict[str, str]:
        out = {}
        for k, v in self.mapping(value, where).items():
            if not isinstance(k, str) or not k.strip() or k != k.strip():
                self.bad(f"{where}: attribute name {k!r} is not usable", "use a non-empty name without surrounding spaces")
            elif k in RESERVED_ATTRIBUTES:
                self.bad(f"{where}: attribute {k!r} cannot be set by a case", "remove it (NiFi assigns uuid; the "
                         "other names are GenerateFlowFile properties)")
            elif not isinstance(v, str):
                self.bad(f"{where}.{k} must be a string, got {v!r}", "quote the value in YAML")
            else:
                self.literal(v.encode(), f"{where}.{k}")
                out[k] = v
        return out

    def expectation(self, raw, where: str) -> Expectation | None:
        if not raw:
            self.bad(f"{where} is empty", "give `port:` (an OUT port) or `processor:` (<group>/<name>)")
            return None
        e = self.mapping(raw, where, {"port", "processor", "type", "body", "compare", "attributes"})
        if not e:
            return None
        if ("port" in e) == ("processor" in e):
            self.bad(f"{where} needs exactly one of `port` and `processor`", "name the OUT port whose transport "
                     "sends, or `<group>/<processor name>`")
            return None
        try:
            if "port" in e:
                slug = self.text(e["port"], f"{where}.port") or ""
                observed = topology.transport(self.snapshot, slug)
            else:
                observed = topology.processor(self.snapshot, self.text(e["processor"], f"{where}.processor") or "")
        except ValueError as exc:
            choices = (topology.port_slugs(self.snapshot, "OUT") if "port" in e
                       else topology.processor_paths(self.snapshot))
            self.bad(f"{where}: {exc}", "use one of: " + (", ".join(choices) or "(none)"))
            return None
        kind = e.get("type", "SEND")
        if kind not in EVENT_TYPES:
            self.bad(f"{where}.type: {kind!r} is not a provenance event type", f"use one of: {', '.join(EVENT_TYPES)}")
        compare = e.get("compare", "bytes")
        if compare not in ("bytes", "json"):
            self.bad(f"{where}.compare: {compare!r}", "use bytes or json")
        body_file, body = self.file(e.get("body"), f"{where}.body")
        if body is not None and compare == "json":
            try:
                json.loads(body)
            except ValueError as exc:
                self.bad(f"{where}.body: {body_file} is not JSON ({exc})", "fix the file or use compare: bytes")
        attrs: dict[str, str | re.Pattern] = {}
        for k, v in self.mapping(e.get("attributes"), f"{where}.attributes").items():
            if isinstance(v, dict) and set(v) == {"matches"} and isinstance(v["matches"], str):
                try:
                    attrs[k] = re.compile(v["matches"])
                except re.error as exc:
                    self.bad(f"{where}.attributes.{k}.matches: bad regular expression ({exc})", "fix the pattern")
            elif isinstance(v, str):
                attrs[k] = v
            else:
                self.bad(f"{where}.attributes.{k} must be a string or {{matches: REGEX}}, got {v!r}", "quote it")
        label = f"{kind} at {observed.name!r} ({observed.group_name})"
        return Expectation(label, observed.processor, kind, body, body_file, compare, attrs)

    def case(self, name: str, doc) -> Case | None:
        before = len(self.problems)
        if not doc:
            self.bad("is empty", "give `input:` and `expect:` (see harness/README.md)")
            return None
        doc = self.mapping(doc, "the document", {"description", "input", "expect"})
        if not doc:
            return None
        inp = self.mapping(doc.get("input"), "input", {"port", "body", "attributes"})
        slug = self.text(inp.get("port"), "input.port", required=True)
        entry = None
        if slug:
            try:
                entry = topology.entry(self.snapshot, slug)
            except ValueError as exc:
                ports = topology.port_slugs(self.snapshot, "IN") + topology.port_slugs(self.snapshot, "OUT")
                self.bad(f"input.port: {exc}", "use one of: " + (", ".join(sorted(ports)) or "(none)"))
        body_file, body = self.file(inp.get("body"), "input.body", required=True)
        if body is not None:
            self.literal(body, f"input.body ({body_file})")
        attributes = self.attributes(inp.get("attributes"), "input.attributes")
        exp = self.mapping(doc.get("expect"), "expect", {"events", "failure"})
        raw_events = exp.get("events") or []
        if not isinstance(raw_events, list):
            self.bad("expect.events must be a list", "write each expected event as `- port: ...`")
            raw_events = []
        events = [self.expectation(e, f"expect.events[{i}]") for i, e in enumerate(raw_events)]
        failure = exp.get("failure", False)
        if not isinstance(failure, bool):
            self.bad(f"expect.failure must be true or false, got {failure!r}", "write true or false")
        if not raw_events and failure is not True:
            self.bad("expects nothing", "add expect.events, or `expect: {failure: true}` for input that must fail")
        description = doc.get("description") or ""
        if len(self.problems) > before or entry is None or body is None:
            return None
        return Case(name, self.path, entry, slug or "", body, body_file or "", attributes,
                    [e for e in events if e is not None], failure, str(description))


def load_cases(folder: Path, snapshot: dict) -> list[Case]:
    """All cases under `folder`, sorted by name; raises CaseFolderError listing every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        fix = "pass --cases DIR, a folder with one sub-folder per case (see harness/README.md)"
        raise CaseFolderError([(str(folder), "is not a directory", fix)])
    problems: list[tuple[str, str, str]] = []
    cases = []
    dirs = sorted(d for d in folder.iterdir() if d.is_dir() and not d.name.startswith("."))
    for d in dirs:
        path = d / "case.yaml"
        if not path.is_file():
            problems.append((str(d), "has no case.yaml", "add one, or move the folder out of the cases directory"))
            continue
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            problems.append((str(path), f"is not valid YAML ({' '.join(str(exc).split())})", "fix the syntax"))
            continue
        case = _Checker(str(path), d, snapshot, problems).case(d.name, doc)
        if case is not None:
            cases.append(case)
    if not dirs:
        problems.append((str(folder), "holds no case folders", "add <case-name>/case.yaml (see harness/README.md)"))
    if problems:
        raise CaseFolderError(problems)
    return cases
