"""The generated structural tests pass on generated output and fail, saying why, on tampered output."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEED_GENERATED

INTEGRATION = "order_to_erp"


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / INTEGRATION
    shutil.copytree(SEED_GENERATED / INTEGRATION, target)
    return target


def _pytest(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                          cwd=folder, capture_output=True, text=True)


def _edit_snapshot(folder: Path, change) -> None:
    path = folder / "nifi" / "flow.snapshot.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, indent=2))


def test_generated_tests_pass_on_generated_output(tmp_path):
    result = _pytest(_copy(tmp_path))
    assert result.returncode == 0, result.stdout
    assert " passed" in result.stdout


def _kafka_service(doc):
    return doc["flowContents"]["controllerServices"][0]


def _literal_secret(doc):
    _kafka_service(doc)["properties"]["sasl.password"] = "hunter2-literal"


def _remove_port(doc):
    groups = doc["flowContents"]["processGroups"]
    doc["flowContents"]["processGroups"] = [g for g in groups if g["name"] != "egress erp_http_out"]


def _change_threshold(doc):
    doc["flowContents"]["processGroups"][0]["connections"][0]["backPressureObjectThreshold"] = 99


def _undeclared_parameter(doc):
    _kafka_service(doc)["properties"]["sasl.username"] = "#{kafka.user.typo}"


def _auto_terminate_failure(doc):
    for group in doc["flowContents"]["processGroups"]:
        for processor in group["processors"]:
            if processor["type"].endswith("PublishKafka"):
                processor["autoTerminatedRelationships"].append("failure")


def _secret_value(doc):
    (context,) = doc["parameterContexts"].values()
    for param in context["parameters"]:
        if param["sensitive"]:
            param["value"] = "s3cr3t"


@pytest.mark.parametrize("tamper, expected", [
    (_literal_secret, "sasl.password is sensitive but holds 'hunter2-literal'"),
    (_remove_port, "port ErpHttpOut: process group 'egress erp_http_out' is missing"),
    (_change_threshold, "back pressure [99, '1 GB'], want [10000, '1 GB']"),
    (_undeclared_parameter, "references undeclared #{kafka.user.typo}"),
    (_auto_terminate_failure, "auto-terminates 'failure'; failures must reach the failure port"),
    (_secret_value, "carries a value in a flow artifact"),
], ids=["literal-secret", "port-removed", "threshold-changed", "undeclared-parameter", "failure-dropped",
        "secret-value"])
def test_generated_tests_catch_tampering(tmp_path, tamper, expected):
    folder = _copy(tmp_path)
    _edit_snapshot(folder, tamper)
    result = _pytest(folder)
    assert result.returncode == 1, result.stdout
    assert expected in result.stdout, result.stdout[-3000:]


def test_generated_tests_catch_a_credential_pasted_into_the_parameter_file(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "nifi" / "parameter-context.yaml"
    path.write_text(path.read_text().replace('placeholder: ""', 'placeholder: "Bearer abcdefghijklmnop"', 1))
    result = _pytest(folder)
    assert result.returncode == 1
    assert "looks like a literal credential" in result.stdout and "carries a value in parameter-context.yaml" in result.stdout
