"""`protoc-gen-nifi buf-module DIR`: the option protos as a buf module inside the user's workspace.

buf accepts neither an absolute include path nor one outside the workspace, so the protos shipped in the
package are copied into a folder of the workspace, with a buf.yaml naming the module (so the same folder can
be pushed to a schema registry) and a checksum file recording which version wrote which bytes: a later run
says whether the copy is in step with the installed protoc-gen-nifi, and refreshes it.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

#: The module's stable name for a schema registry (a name only: nothing here contacts it).
MODULE_NAME = "buf.build/ameide/protoc-gen-nifi-options"
STAMP = "protoc-gen-nifi.sha256"
_STAMP_HEAD = "# written by protoc-gen-nifi "

USAGE = """usage: protoc-gen-nifi buf-module [--check] DIR

Write the option protos (ameide_core_proto/...) and their buf.yaml into DIR, a folder of your buf workspace,
so that `buf lint` and `buf generate` resolve `import "ameide_core_proto/..."`. Then list DIR under `modules:`
of the workspace's buf.yaml (README: "Use it from a buf workspace"). Running it again refreshes DIR to the
installed version; files it wrote that are no longer shipped are removed, other files are left alone.

  --check     write nothing; exit 0 when DIR is in step with the installed protoc-gen-nifi, 1 when it is not
  -h, --help  show this help
"""


def module_files() -> dict[str, bytes]:
    """path (relative to DIR) -> bytes: the option protos, the module's buf.yaml and the checksum file."""
    from . import __version__
    from .rendering import render
    from .resources import include_dir

    root = include_dir()
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.glob("ameide_core_proto/**/*.proto"))}
    files["buf.yaml"] = render("buf/buf.yaml.j2", version=__version__, module_name=MODULE_NAME)
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))
    files[STAMP] = f"{_STAMP_HEAD}{__version__}\n{sums}".encode()
    return files


def _stamped(folder: Path) -> tuple[str, list[str]] | None:
    """(version, files) from DIR's checksum file, or None when DIR has none."""
    try:
        lines = (folder / STAMP).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if not lines or not lines[0].startswith(_STAMP_HEAD):
        return None
    return lines[0][len(_STAMP_HEAD):].strip(), [line.split("  ", 1)[1] for line in lines[1:] if "  " in line]


def check(folder: Path, out=print) -> int:
    from . import __version__

    stamp = _stamped(folder)
    if stamp is None:
        print(f"buf-module: {folder} was not written by protoc-gen-nifi buf-module (no {STAMP}); run "
              f"`protoc-gen-nifi buf-module {folder}`", file=sys.stderr)
        return 2
    written, listed = stamp
    want = module_files()
    problems = []
    for name, data in sorted(want.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif name != STAMP and path.read_bytes() != data:
            problems.append(f"{path}: differs from the copy protoc-gen-nifi {__version__} ships")
    problems += [f"{folder / name}: no longer shipped" for name in listed if name not in want and (folder / name).exists()]
    if written != __version__:
        problems.insert(0, f"{folder}: written by protoc-gen-nifi {written}, installed is {__version__}")
    for line in problems:
        out(line)
    if problems:
        out(f"{folder} is out of step with protoc-gen-nifi {__version__}; run `protoc-gen-nifi buf-module {folder}` "
            "to refresh it")
        return 1
    out(f"{folder} is in step with protoc-gen-nifi {__version__}")
    return 0


def write(folder: Path, out=print) -> int:
    from . import __version__

    stamp = _stamped(folder)
    if stamp is None and folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        print(f"buf-module: {folder} exists and was not written by protoc-gen-nifi buf-module (no {STAMP}); choose a "
              "new or empty folder", file=sys.stderr)
        return 2
    files = module_files()
    try:
        for name in (stamp[1] if stamp else []):
            # Only protos this command could have written: the checksum file is text anyone can edit.
            ours = name.startswith("ameide_core_proto/") and name.endswith(".proto") and ".." not in Path(name).parts
            if ours and name not in files and (folder / name).is_file():
                (folder / name).unlink()
        for name, data in files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.is_file() or path.read_bytes() != data:
                path.write_bytes(data)
    except OSError as failed:
        print(f"buf-module: cannot write {failed.filename or folder}: {failed.strerror or failed}", file=sys.stderr)
        return 2
    out(f"wrote {folder}: the option protos of protoc-gen-nifi {__version__} as buf module {MODULE_NAME} "
        f"({len(files)} files); list {folder.as_posix()} under `modules:` of your workspace buf.yaml")
    return 0


class _Parser(argparse.ArgumentParser):
    def format_help(self) -> str:
        return USAGE

    def error(self, message: str):  # usage errors: exit 2 with the usage, as argparse does, but our text
        sys.stderr.write(f"buf-module: {message}\n{USAGE}")
        raise SystemExit(2)


def main(argv: list[str]) -> int:
    p = _Parser(prog="protoc-gen-nifi buf-module", add_help=True)
    p.add_argument("--check", action="store_true")
    p.add_argument("dir", type=Path)
    args = p.parse_args(argv)
    return check(args.dir) if args.check else write(args.dir)
