"""`protoc-gen-nifi`: the protoc/buf plugin, plus a few helper commands.

usage:
    protoc-gen-nifi                   plugin mode: CodeGeneratorRequest on stdin, response on stdout
    protoc-gen-nifi --include-path    print the -I directory holding ameide_core_proto/*.proto (for protoc)
    protoc-gen-nifi buf-module DIR    write the option protos as a buf module into DIR of your buf workspace
    protoc-gen-nifi check FILE...     check NiFi flow JSON against NiFi's model and our rules, and Kubernetes
                                      YAML (kubernetes/*.yaml) against NiFiKop's and the Integration's CRDs
    protoc-gen-nifi crd               print the Integration CustomResourceDefinition (kubectl apply -f -)
    protoc-gen-nifi harness DIR ...   deploy and assert the integration folder DIR against a NiFi
    protoc-gen-nifi -V, --version     print the version
    protoc-gen-nifi -h, --help        show this help; `protoc-gen-nifi COMMAND --help` for a command's

Exit status: 0 success, 1 findings (check) or a failed condition (harness), 2 a usage error or a failed step.
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


# A plugin run is short and builds millions of small dicts and lists, nearly all freed by reference counting: at
# Python's default threshold (700) the cycle collector ran about 1,000 times in a 200-integration run and took
# 0.76 s of it; at 10,000 it runs 44 times for 0.4 s, with the same peak memory (bench/bench.py's requests).
# Since the flowcheck graph holds no reference cycle, an integration's objects are freed as it ends and the
# collector finds next to nothing: 13 runs and 0.05 s on bench's 200 integrations.
GC_THRESHOLD = (10_000, 10, 10)


def _plugin() -> int:
    import gc

    gc.set_threshold(*GC_THRESHOLD)
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


def _usage_error(message: str) -> int:
    print(f"protoc-gen-nifi: {message}\n\n{__doc__.strip()}", file=sys.stderr)
    return 2


def _help(rest: list[str]) -> bool:
    return bool(rest) and rest[0] in ("-h", "--help")


def _no_arguments(name: str, rest: list[str]) -> int | None:
    """None when the option takes no arguments as given, else the usage error's exit status."""
    return _usage_error(f"{name} takes no arguments (got {' '.join(rest)})") if rest else None


def _include_path(rest: list[str]) -> int:
    from .resources import include_dir

    if _help(rest):
        print("usage: protoc-gen-nifi --include-path\n\nPrint the directory to pass to protoc as -I: it holds "
              "ameide_core_proto/... (the option protos). buf users: see `protoc-gen-nifi buf-module --help`.")
        return 0
    refused = _no_arguments("--include-path", rest)
    if refused is not None:
        return refused
    print(include_dir())
    return 0


def _version(rest: list[str]) -> int:
    from . import __version__

    refused = _no_arguments("--version", rest)
    if refused is not None:
        return refused
    print(f"protoc-gen-nifi {__version__}")
    return 0


def _check(rest: list[str]) -> int:
    import os

    # A file that cannot be read is a usage error (exit 2), not a finding about its contents (exit 1).
    unreadable = [a for a in rest if not a.startswith("-") and not os.path.isfile(a)]
    if unreadable and not {"-h", "--help"} & set(rest):
        for name in unreadable:
            reason = "is a directory" if os.path.isdir(name) else "no such file"
            print(f"check: cannot read {name}: {reason}; pass NiFi flow JSON or Kubernetes YAML files", file=sys.stderr)
        return 2
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


def _crd(rest: list[str]) -> int:
    if _help(rest):
        print("usage: protoc-gen-nifi crd\n\nPrint the Integration CustomResourceDefinition (YAML), for "
              "`protoc-gen-nifi crd | kubectl apply -f -`.")
        return 0
    refused = _no_arguments("crd", rest)
    if refused is not None:
        return refused
    from .k8s_schema import INTEGRATION_CRD

    sys.stdout.write(INTEGRATION_CRD.read_text(encoding="utf-8"))
    return 0


def _harness(rest: list[str]) -> int:
    from pathlib import Path

    from .harness.cli import main as harness_main

    if _help(rest):  # the options are the generated harness's: print them without an integration folder
        return harness_main(["--help"], artifacts_dir=Path("."), prog="protoc-gen-nifi harness DIR")
    if not rest or rest[0].startswith("-"):
        print("usage: protoc-gen-nifi harness DIR [options]: DIR is a generated integration folder "
              "(<out>/<integration>); `protoc-gen-nifi harness --help` lists the options", file=sys.stderr)
        return 2
    return harness_main(rest[1:], artifacts_dir=Path(rest[0]), prog=f"protoc-gen-nifi harness {rest[0]}")


def _buf_module(rest: list[str]) -> int:
    from .bufmodule import main as buf_module_main

    return buf_module_main(rest)


#: command -> handler of the arguments after it; each handles its own -h/--help.
COMMANDS = {
    "--include-path": _include_path,
    "--version": _version,
    "-V": _version,
    "buf-module": _buf_module,
    "check": _check,
    "crd": _crd,
    "harness": _harness,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        if sys.stdin is not None and sys.stdin.isatty():
            return _usage_error("no request on standard input: protoc or buf runs this plugin with one")
        return _plugin()
    command, rest = argv[0], argv[1:]
    if command in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    handler = COMMANDS.get(command)
    if handler is None:
        return _usage_error(f"unknown command or option {command!r}")
    try:
        return handler(rest)
    except SystemExit as exited:  # argparse's --help (0) and usage errors (2)
        return exited.code if isinstance(exited.code, int) else 2


def script() -> None:
    """The `protoc-gen-nifi` command and `python -m protoc_gen_nifi`: main(), then exit with its status.

    A plugin run exits without tearing the interpreter down: freeing every module and object one by one was 5% of
    a one-port run's instructions (callgrind), paid by every process `strategy: directory` starts, and the
    operating system takes the memory back anyway. Standard output and error are flushed first, and no module a
    plugin run imports registers anything to run at exit. Other commands exit as usual."""
    status = main()
    if not sys.argv[1:]:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):  # closed or gone: _plugin has said what it could
            pass
        import os

        os._exit(status)
    sys.exit(status)


if __name__ == "__main__":
    sys.exit(main())  # exits as usual, so that a profiler (`-m pyinstrument -m protoc_gen_nifi.cli`) can report
