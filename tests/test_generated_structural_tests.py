"""The generated structural tests pass on generated output and fail, saying why, on tampered output."""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GOLDEN_INPUTS, ROOT, SEED_GENERATED, run_protoc

INTEGRATION = "order_to_erp"


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / INTEGRATION
    shutil.copytree(SEED_GENERATED / INTEGRATION, target)
    return target


def _pytest(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                          cwd=folder, capture_output=True, text=True, check=False)


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


def _drain_the_parked_queue(doc):
    root = doc["flowContents"]
    funnels = {f["identifier"] for f in root["funnels"]}
    (parked,) = [c for c in root["connections"] if c["name"] == "parked failures"]
    drain = dict(parked, identifier="drain", name="", source=parked["destination"],
                 destination=next(dict(parked["source"], id=f) for f in funnels if f != parked["destination"]["id"]))
    root["connections"].append(drain)


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
    (_drain_the_parked_queue, "the parked queue drains"),
], ids=["literal-secret", "port-removed", "threshold-changed", "undeclared-parameter", "failure-dropped",
        "secret-value", "parked-queue-drained"])
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


@pytest.mark.parametrize("source", ["ev_coownership", "tls_and_shared"])
def test_generated_tests_pass_on_every_example_and_on_shared_services(tmp_path, source):
    """Every EV integration (lookups, fallbacks, TLS) and the golden input with the cluster's shared services."""
    roots = {"ev_coownership": ROOT / "examples" / "ev_coownership" / "proto",
             "tls_and_shared": GOLDEN_INPUTS / "tls_and_shared"}
    run = run_protoc(tmp_path / "gen", [roots[source]])
    assert run.returncode == 0, run.stderr
    for name, content in run.files.items():
        path = tmp_path / "out" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    for folder in sorted((tmp_path / "out").iterdir()):
        result = _pytest(folder)
        assert result.returncode == 0, (folder.name, result.stdout[-3000:])


@pytest.fixture(scope="module")
def scan():
    """The credential scan of the seed integration's generated structural test, imported once (plain code)."""
    path = SEED_GENERATED / INTEGRATION / "tests" / f"{INTEGRATION}_structural_test.py"
    spec = importlib.util.spec_from_file_location(f"{INTEGRATION}_structural_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._credential


@pytest.mark.parametrize("credential", [
    "Bearer abcdefgh.ijkl", "BASIC dXNlcjpwYXNzd29yZA==", "AKIAABCDEFGHIJKLMNOP",
    "-----BEGIN RSA PRIVATE KEY-----", "Password=hunter22", "PASSWD: hunter22", "db_secret = s3cr3t!",
    "token:abcd1234", "jdbc:postgresql://admin:hunter2@db:5432/x",
])
def test_the_credential_scan_finds_every_shape_anywhere_in_a_flow(scan, credential):
    """Each shape is found in any case, wherever it sits in a flow's text: the scan looks for a shape only where one
    of its words starts, so a word list that missed a spelling (passwd beside password) would miss it here."""
    flow = (SEED_GENERATED / INTEGRATION / "nifi" / "flow-definition.json").read_text(encoding="utf-8")
    assert scan(flow) is None
    middle = flow.index('"flowContents"')
    for text in (credential, flow[:middle] + credential + flow[middle:], flow + credential):
        match = scan(text)
        assert match is not None and credential.lower().find(match.group(0).lower()[:6]) != -1, (credential, match)
