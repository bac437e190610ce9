"""The package's CLI beyond plugin mode: check, harness (dry run), version."""
from __future__ import annotations

import subprocess

from conftest import PLUGIN, SEED_GENERATED

FOLDER = SEED_GENERATED / "order_to_erp"


def _cli(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(PLUGIN), *args], capture_output=True, text=True, env=env, check=False)


def test_check_passes_the_generated_flows():
    result = _cli("check", "--generated", str(FOLDER / "nifi" / "flow.snapshot.json"),
                  str(FOLDER / "nifi" / "flow-definition.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("2 files, 0 problems")


def test_harness_dry_run_plans_without_sending_and_never_prints_a_secret():
    env = {"PATH": "/usr/bin:/bin", "KAFKA_SASL_PASSWORD": "do-not-print-me-42",
           "HTTP_ERP_ORDERS_HEADER_AUTHORIZATION": "Bearer do-not-print-me-43"}
    result = _cli("harness", str(FOLDER), "--dry-run", env=env)
    assert result.returncode == 0, result.stderr
    assert "nothing is sent" in result.stdout
    assert "versions/import" in result.stdout and "/parameter-contexts" in result.stdout
    assert "do-not-print-me" not in result.stdout + result.stderr
    assert "kafka.sasl.password (sensitive) <- env KAFKA_SASL_PASSWORD" in result.stdout


def test_harness_needs_an_integration_folder():
    result = _cli("harness", "--dry-run")
    assert result.returncode == 2 and "usage: protoc-gen-nifi harness" in result.stderr


def test_version():
    assert _cli("--version").stdout.startswith("protoc-gen-nifi ")
