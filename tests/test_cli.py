"""The package's CLI beyond plugin mode (check, harness dry run, version), and the conventions every command keeps:
help on stdout with exit 0, -V/--version, `python -m protoc_gen_nifi`, exit 2 for usage errors and 1 for findings,
plurals, and a message naming the extra to install when an optional dependency is missing."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import PLUGIN, SEED_GENERATED

from protoc_gen_nifi import __version__

FOLDER = SEED_GENERATED / "order_to_erp"
GENERATED_HARNESS = FOLDER / "harness" / "deploy_and_assert.py"
#: A value for every parameter of the seed example that has an environment variable (the dry run needs the
#: required ones, as the run does).
FULL_ENV = {p["env"]: "value-of-" + p["env"].lower()
            for p in yaml.safe_load((FOLDER / "nifi" / "parameter-context.yaml").read_text())["parameters"]
            if p.get("env")}


def _cli(*args: str, env=None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(PLUGIN), *args], capture_output=True, text=True, env=env, cwd=cwd, check=False)


def _module(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "protoc_gen_nifi", *args], capture_output=True, text=True, env=env,
                          check=False)


def test_check_passes_the_generated_flows():
    result = _cli("check", "--generated", str(FOLDER / "nifi" / "flow.snapshot.json"),
                  str(FOLDER / "nifi" / "flow-definition.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("2 files, 0 problems")


def test_harness_dry_run_plans_without_sending_and_never_prints_a_secret():
    env = {"PATH": "/usr/bin:/bin", **FULL_ENV, "KAFKA_SASL_PASSWORD": "do-not-print-me-42",
           "HTTP_ERP_ORDERS_HEADER_AUTHORIZATION": "Bearer do-not-print-me-43"}
    result = _cli("harness", str(FOLDER), "--dry-run", env=env)
    assert result.returncode == 0, result.stderr
    assert "nothing is sent" in result.stdout
    assert "versions/import" in result.stdout and "/parameter-contexts" in result.stdout
    assert "do-not-print-me" not in result.stdout + result.stderr
    assert "kafka.sasl.password (sensitive) <- env KAFKA_SASL_PASSWORD" in result.stdout


def test_harness_dry_run_fails_when_a_required_parameter_has_no_value():
    env = {"PATH": "/usr/bin:/bin", **FULL_ENV}
    del env["KAFKA_BOOTSTRAP_SERVERS"]
    result = _cli("harness", str(FOLDER), "--dry-run", env=env)
    assert result.returncode == 2
    assert "kafka.bootstrap.servers (plain) <- MISSING (set KAFKA_BOOTSTRAP_SERVERS" in result.stdout
    assert result.stderr.splitlines() == [
        ("error: [parameters] parameter context: no value for 'kafka.bootstrap.servers' (environment variable "
         "KAFKA_BOOTSTRAP_SERVERS (no --secrets-dir given)). Fix: export the environment variable(s), or mount the "
         "Secret and pass --secrets-dir DIR")]


def test_harness_needs_an_integration_folder():
    result = _cli("harness", "--dry-run")
    assert result.returncode == 2 and "usage: protoc-gen-nifi harness DIR" in result.stderr


def test_version():
    for flag in ("--version", "-V"):
        result = _cli(flag)
        assert (result.returncode, result.stdout, result.stderr) == (0, f"protoc-gen-nifi {__version__}\n", "")


# -- help: stdout, exit 0, on every command ---------------------------------------------------------------------

@pytest.mark.parametrize(("args", "says"), [
    (("-h",), "protoc-gen-nifi buf-module DIR"),
    (("--help",), "protoc-gen-nifi check FILE..."),
    (("--include-path", "--help"), "usage: protoc-gen-nifi --include-path"),
    (("buf-module", "-h"), "usage: protoc-gen-nifi buf-module [--check] DIR"),
    (("buf-module", "--help"), "usage: protoc-gen-nifi buf-module [--check] DIR"),
    (("check", "-h"), "usage: protoc-gen-nifi check"),
    (("check", "--help"), "usage: protoc-gen-nifi check"),
    (("crd", "--help"), "usage: protoc-gen-nifi crd"),
    (("harness", "--help"), "usage: protoc-gen-nifi harness DIR"),
    (("harness", "-h"), "--dry-run"),
    (("harness", str(FOLDER), "--help"), f"usage: protoc-gen-nifi harness {FOLDER}"),
])
def test_help_is_on_stdout_with_exit_0(args, says):
    result = _cli(*args)
    assert (result.returncode, result.stderr) == (0, "")
    assert says in result.stdout


def test_python_dash_m_is_the_same_command():
    assert _module("-V").stdout == f"protoc-gen-nifi {__version__}\n"
    result = _module("--help")
    assert result.returncode == 0 and result.stdout == _cli("--help").stdout
    assert _module("--include-path").stdout == _cli("--include-path").stdout


def test_the_generated_harness_has_help():
    result = subprocess.run([sys.executable, str(GENERATED_HARNESS), "--help"], capture_output=True, text=True,
                            check=False)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("usage: deploy_and_assert ") and "--dry-run" in result.stdout


# -- exit 2 for usage errors, 1 for findings --------------------------------------------------------------------

@pytest.mark.parametrize(("args", "says"), [
    (("--bogus",), "protoc-gen-nifi: unknown command or option '--bogus'"),
    (("generate",), "protoc-gen-nifi: unknown command or option 'generate'"),
    (("crd", "extra"), "protoc-gen-nifi: crd takes no arguments (got extra)"),
    (("--version", "x"), "protoc-gen-nifi: --version takes no arguments (got x)"),
    (("check",), "usage: protoc-gen-nifi check"),
    (("check", "--bogus", str(FOLDER / "nifi" / "flow.snapshot.json")), "check: unknown option --bogus"),
    (("check", "missing.json"), "check: cannot read missing.json: no such file"),
    (("check", "missing.yaml"), "check: cannot read missing.yaml: no such file"),
    (("check", str(FOLDER)), f"check: cannot read {FOLDER}: is a directory"),
    (("harness",), "usage: protoc-gen-nifi harness DIR"),
    (("harness", str(FOLDER), "--bogus"), "error: unrecognized arguments: --bogus"),
    (("buf-module",), "buf-module: the following arguments are required: dir"),
])
def test_usage_errors_exit_2_with_a_message_on_stderr(args, says, tmp_path):
    result = _cli(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr


def test_findings_exit_1_and_the_summary_reads_as_english(tmp_path):
    bad = tmp_path / "integration.yaml"
    bad.write_text("apiVersion: integration.ameide.io/v1alpha1\nkind: Integration\nmetadata: {name: x}\nspec: 3\n")
    result = _cli("check", str(bad))
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "1 file, 1 problem"
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    result = _cli("check", str(broken), str(FOLDER / "nifi" / "flow.snapshot.json"))
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "2 files, 1 problem"


# -- a missing optional dependency names the extra that installs it ---------------------------------------------

def _without(tmp_path: Path, *modules: str) -> dict[str, str]:
    """An environment where importing `modules` fails as it does when they are not installed."""
    import os

    hidden = tmp_path / "hidden"
    for name in modules:
        (hidden / name).mkdir(parents=True)
        (hidden / name / "__init__.py").write_text(
            f"raise ModuleNotFoundError({f'No module named {name!r}'!r}, name={name!r})\n")
    return {**os.environ, **FULL_ENV, "PYTHONPATH": str(hidden)}


def test_the_generated_harness_without_httpx_has_help_and_names_the_extra(tmp_path):
    env = _without(tmp_path, "httpx")
    run = [sys.executable, str(GENERATED_HARNESS)]
    helped = subprocess.run([*run, "--help"], capture_output=True, text=True, env=env, check=False)
    assert (helped.returncode, helped.stderr) == (0, "") and "--dry-run" in helped.stdout
    for args in (["--dry-run"], []):
        result = subprocess.run([*run, *args], capture_output=True, text=True, env=env, check=False)
        assert result.returncode == 2
        assert result.stderr == ("error: the harness needs httpx, which is not installed; install the harness extra: "
                                 "pip install 'protoc-gen-nifi[harness]'\n")
    result = _cli("harness", str(FOLDER), "--dry-run", env=env)
    assert result.returncode == 2 and "pip install 'protoc-gen-nifi[harness]'" in result.stderr
    assert _cli("harness", "--help", env=env).returncode == 0


def test_check_without_nipyapi_names_the_extra(tmp_path):
    result = _cli("check", str(FOLDER / "nifi" / "flow.snapshot.json"), env=_without(tmp_path, "nipyapi"))
    assert result.returncode == 2
    assert result.stderr == ("check: checking NiFi flows needs nipyapi (NiFi's API model): "
                             "pip install 'protoc-gen-nifi[check]'\n")


def test_no_arguments_at_a_terminal_is_a_usage_error():
    """Run by hand without a request (standard input is a terminal): the usage, not a wait for stdin."""
    import os
    import pty

    controller, terminal = pty.openpty()
    try:
        result = subprocess.run([str(PLUGIN)], stdin=terminal, capture_output=True, text=True, check=False, timeout=60)
    finally:
        os.close(controller)
        os.close(terminal)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("protoc-gen-nifi: no request on standard input: protoc or buf runs this plugin")
    assert "protoc-gen-nifi buf-module DIR" in result.stderr
