"""Request validation, before anything is read: what protoc and buf always send (bufbuild/protoplugin refuses
the same), so a request that breaks it is refused as a bad request rather than generated from or crashed on."""
from __future__ import annotations

import posixpath

from .diagnostics import Diagnostic

REQUEST = "protoc-gen-nifi request"
_FROM_A_COMPILER = "run protoc-gen-nifi from protoc (--nifi_out) or buf generate"


def _name_problem(name) -> str | None:
    """Why a file name cannot be a proto path (relative, normalised, forward slashes), or None."""
    if isinstance(name, bytes):  # protobuf hands over a string that is not UTF-8 as bytes
        return "is not UTF-8"
    if not name:
        return "is empty"
    if "\\" in name or "\0" in name:
        return "holds a backslash or NUL"
    if name.startswith("/"):
        return "is absolute"
    if posixpath.normpath(name) != name or name.split("/")[0] == "..":
        return "is not a normalised relative path (no ., .. or //)"
    return None


def _shown(name) -> str:
    return repr(name if isinstance(name, str) else name.decode("utf-8", "backslashreplace"))[:200]


def problems(request) -> list[Diagnostic]:
    """Every way the request departs from what a compiler sends; empty when it can be read."""
    found: list[Diagnostic] = []

    def bad(message: str) -> None:
        found.append(Diagnostic(REQUEST, 0, 0, message))

    if isinstance(request.parameter, bytes):
        found.append(Diagnostic("protoc-gen-nifi parameter", 0, 0,
                                "the plugin parameter is not UTF-8 text; write --nifi_opt / opt: values in UTF-8"))
    if not request.file_to_generate:
        bad(f"the request names no file to generate; {_FROM_A_COMPILER} with at least one .proto file")
    for field in ("file_to_generate", "proto_file", "source_file_descriptors"):
        items = getattr(request, field)
        names = list(items) if field == "file_to_generate" else [f.name for f in items]
        seen: set = set()
        for name in names:
            problem = _name_problem(name)
            if problem is not None:
                bad(f"{field} names {_shown(name)}, which {problem}; {_FROM_A_COMPILER}, which send proto paths "
                    "relative to an include directory")
            elif name in seen:
                bad(f"{field} holds {_shown(name)} twice; {_FROM_A_COMPILER}, which send each file once")
            seen.add(name)
    carried = {f.name for f in request.proto_file}
    for source in request.source_file_descriptors:
        if source.name not in carried and _name_problem(source.name) is None:
            bad(f"source_file_descriptors holds {_shown(source.name)}, which proto_file does not; "
                f"{_FROM_A_COMPILER}")
    if request.HasField("compiler_version"):
        version = request.compiler_version
        if min(version.major, version.minor, version.patch) < 0:
            bad(f"compiler_version has a negative number; {_FROM_A_COMPILER}")
    return found
