"""`protoc-gen-nifi`: the protoc/buf plugin, plus a few helper commands.

    protoc-gen-nifi                  plugin mode: CodeGeneratorRequest on stdin, response on stdout
    protoc-gen-nifi --include-path   print the -I directory holding ameide_core_proto/*.proto
    protoc-gen-nifi --version
    protoc-gen-nifi check FILE...    check NiFi flow JSON against NiFi's model and our rules, and Kubernetes
                                     YAML (kubernetes/*.yaml) against NiFiKop's and the Integration's CRDs
    protoc-gen-nifi crd              print the Integration CustomResourceDefinition (kubectl apply -f -)
    protoc-gen-nifi harness DIR ...  deploy and assert the integration folder DIR against a NiFi
"""
from __future__ import annotations

import sys


def _silence_stdout() -> None:
    """Points a broken stdout at /dev/null, so that Python's flush at exit adds no second traceback."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    except OSError:
        pass


def _plugin() -> int:
    from .plugin import run_parts

    if sys.stdin is None or sys.stdout is None:  # started with fd 0 or 1 closed
        print("protoc-gen-nifi: standard input or output is closed; run it from protoc or buf", file=sys.stderr)
        return 1
    try:
        request = sys.stdin.buffer.read()
    except OSError as unreadable:
        print(f"protoc-gen-nifi: cannot read the request from standard input ({unreadable.strerror}); run it "
              "from protoc or buf", file=sys.stderr)
        return 1
    try:
        # The response is written piece by piece: at hundreds of integrations it is hundreds
        # of MB, and joining it first would double the peak memory.
        sys.stdout.buffer.writelines(run_parts(request))
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        # protoc or buf went away before reading the answer (it was killed, or failed on
        # another plugin): nobody is left to read an error either. Exit quietly.
        _silence_stdout()
        return 1
    except OSError as failed:
        # Standard output is closed, or a full disk (ENOSPC) behind a redirect: the response cannot be
        # delivered; say so in one line, not a traceback.
        _silence_stdout()
        print(f"protoc-gen-nifi: cannot write the response to standard output ({failed.strerror or failed}); "
              "free space or check where the output goes, then run again", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        if sys.stdin.isatty():
            print(__doc__.strip(), file=sys.stderr)
            return 2
        return _plugin()
    command, rest = argv[0], argv[1:]
    if command == "--include-path":
        from .resources import include_dir

        print(include_dir())
        return 0
    if command == "--version":
        from . import __version__

        print(f"protoc-gen-nifi {__version__}")
        return 0
    if command == "check":
        # YAML files are Kubernetes resources, checked against their CRD schemas; the rest is NiFi flow JSON.
        manifests = [a for a in rest if a.endswith((".yaml", ".yml")) and not a.startswith("-")]
        flows = [a for a in rest if a not in manifests]
        status = 0
        if manifests:
            from .k8s_schema import main as manifests_main

            status = manifests_main(manifests)
        if flows or not manifests:
            from .flowcheck import main as check_main

            status = max(status, check_main(flows))
        return status
    if command == "crd":
        from .k8s_schema import INTEGRATION_CRD

        sys.stdout.write(INTEGRATION_CRD.read_text(encoding="utf-8"))
        return 0
    if command == "harness":
        if not rest or rest[0].startswith("-"):
            print("usage: protoc-gen-nifi harness <out>/<integration> [options]; --help for the options",
                  file=sys.stderr)
            return 2
        from pathlib import Path

        from .harness.cli import main as harness_main

        return harness_main(rest[1:], artifacts_dir=Path(rest[0]))
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
