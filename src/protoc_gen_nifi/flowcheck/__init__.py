"""Check NiFi flow JSON (registry snapshot or flow definition): its shape, its graph and its data flow.

Used by the test suite on every generated ``flow.snapshot.json`` / ``flow-definition.json``, by the plugin
at generate time (graph and data flow) and by
``protoc-gen-nifi check [--generated] [--catalog=VERSION|FILE] FILE...``. One concern per module:

* ``shape``: NiFi's own API model (nipyapi's models, from NiFi's OpenAPI spec) and NiFi's import rules.
* ``graph``: connections, ports and relationships as a running NiFi validates them (every relationship the
  configuration has is connected or auto-terminated, none that it lacks is named, every port connected both
  ways, input as the processor requires, load balancing after primary-node sources).
* ``dataflow``: what reaches each processor (every attribute it reads set on every path, content kept
  through enrichment, no SQL built from attributes).

``generated=True`` adds the rules protoc-gen-nifi demands of its own output (explicit backpressure, no
secrets, no ``instanceIdentifier``, failure relationships never auto-terminated, descriptors for every
property set, a complete envelope) and the graph and data-flow checks, which the behaviour of a live NiFi
sets for any flow but an export of a stopped or unfinished flow may legitimately break.

nipyapi is an optional dependency (``pip install 'protoc-gen-nifi[check]'``); only the shape check needs it,
and it is imported lazily.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..diagnostics import counted
from . import dataflow
from . import graph as flowgraph
from .common import Problem, load_catalog, pairs_hook, parameter_references
from .index import Graph
from .shape import ShapeChecker

__all__ = ["Problem", "behaviour_problems", "check_document", "check_file", "load_catalog", "main",
           "parameter_references"]


def check_document(doc: dict, *, kind: str | None = None, generated: bool = False,
                   catalog: dict | list | str | None = None) -> list[Problem]:
    """Check one parsed flow document; returns the problems sorted (empty when clean).

    ``kind``: ``"snapshot"`` (NiFi Registry ``VersionedFlowSnapshot``), ``"definition"`` (NiFi
    ``RegisteredFlowSnapshot``), or None to detect (``snapshotMetadata`` present means snapshot).
    ``generated``: also apply protoc-gen-nifi's rules for its own output.
    ``catalog``: optional component property catalog (see :func:`load_catalog`): flags display names
    used as keys, and supplies sensitivity / controller-service flags missing from descriptors.
    """
    if kind is None:
        kind = "snapshot" if isinstance(doc, dict) and "snapshotMetadata" in doc else "definition"
    if kind not in ("snapshot", "definition"):
        raise ValueError(f"kind must be 'snapshot', 'definition' or None, not {kind!r}")
    checker = ShapeChecker(kind, generated, catalog)
    checker.run(doc)
    problems = set(checker.problems)
    if generated and isinstance(doc, dict):
        problems.update(behaviour_problems(doc))
    return sorted(problems)


def behaviour_problems(doc: dict, graph: Graph | None = None) -> list[Problem]:
    """What a running NiFi would make of the flow (graph and data flow); needs no nipyapi, so the plugin runs
    it on every flow it generates (passing the graph it has already built of the definition's flowContents)."""
    graph = graph if graph is not None else Graph.of(doc.get("flowContents"))
    return sorted(set(flowgraph.check(graph)) | set(dataflow.check(graph)))


def check_file(path: str | Path, *, kind: str | None = None, generated: bool = False,
               catalog: dict | list | str | None = None) -> list[Problem]:
    """Read a JSON file and check it. Unreadable files and JSON syntax errors are returned as a
    Problem whose path is ``file`` or ``file:line:col``."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as e:
        return [Problem(str(path), f"cannot read: {e}")]
    try:
        doc = json.loads(text, object_pairs_hook=pairs_hook)
    except json.JSONDecodeError as e:
        return [Problem(f"{path}:{e.lineno}:{e.colno}", f"invalid JSON: {e.msg}")]
    return check_document(doc, kind=kind, generated=generated, catalog=catalog)


_USAGE = """usage: protoc-gen-nifi check [--generated] [--snapshot|--definition] [--catalog=VERSION|FILE] FILE...

Check NiFi flow JSON (registry snapshots and flow definitions) against NiFi's API model and import rules.
  --generated         also apply the rules protoc-gen-nifi demands of its own output
  --snapshot          treat every FILE as a NiFi Registry snapshot (default: detect by snapshotMetadata)
  --definition        treat every FILE as a NiFi flow definition
  --catalog=V|FILE    component property catalog: a NiFi version with a packaged catalog, or a JSON file
Prints "FILE: path: message" per problem, then "N files, M problems" ("1 file, 1 problem"); exit status 1 when there are problems.
"""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "check":
        argv = argv[1:]
    generated, kind, catalog, files = False, None, None, []
    for a in argv:
        if a in ("-h", "--help"):
            sys.stdout.write(_USAGE)
            return 0
        if a == "--generated":
            generated = True
        elif a in ("--snapshot", "--definition"):
            kind = a[2:]
        elif a.startswith("--catalog="):
            catalog = a.split("=", 1)[1]
        elif a.startswith("-") and a != "-":
            sys.stderr.write(f"check: unknown option {a}\n{_USAGE}")
            return 2
        else:
            files.append(a)
    if not files:
        sys.stderr.write(_USAGE)
        return 2
    try:
        cat = load_catalog(catalog) if catalog is not None else None
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.stderr.write(f"check: cannot load catalog {catalog}: {e}\n")
        return 2
    try:
        lines, total = [], 0
        for f in files:
            problems = check_file(f, kind=kind, generated=generated, catalog=cat)
            total += len(problems)
            for pr in problems:
                if pr.path == f or pr.path.startswith(f"{f}:"):
                    lines.append(f"{pr.path}: {pr.message}")
                else:
                    lines.append(f"{f}: {pr.path}: {pr.message}")
    except RuntimeError as e:
        sys.stderr.write(f"check: {e}\n")
        return 2
    for line in sorted(lines):
        print(line)
    print(f"{counted(len(files), 'file')}, {counted(total, 'problem')}")
    return 1 if total else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
