"""Every generated integration, imported into the real NiFi: all of it VALID that this NiFi can load.

The flows are generated here by the real protoc for the live NiFi's release, from every example
and every golden input that generates. NiFi's own validation is the judge; components of NARs
this NiFi lacks (Maven serves no 2.x Kafka, AMQP, Redis, MongoDB, AWS or scripting NAR) are
ghosts and listed as not judged, and nothing else may be invalid.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from conftest import GOLDEN_INPUTS, ROOT, run_protoc

from live.instance import free_port

from .deploy import Backends, Deployment, values_for

INPUTS = {
    "order_to_erp": ROOT / "examples" / "order_to_erp" / "proto",
    "ev_coownership": ROOT / "examples" / "ev_coownership" / "proto",
    "all_transports": GOLDEN_INPUTS / "all_transports",
    "editions": GOLDEN_INPUTS / "editions",
    "proto2_overrides": GOLDEN_INPUTS / "proto2_overrides",
}


@pytest.fixture(scope="session")
def generated(tmp_path_factory, connection) -> dict[str, Path]:
    """integration name -> its generated folder, for the live NiFi's release."""
    found: dict[str, Path] = {}
    # LIVE_TARGET=<release> generates for another release, e.g. an older one NiFi migrates on import.
    target = os.environ.get("LIVE_TARGET", connection.version)
    for label, root in INPUTS.items():
        run = run_protoc(tmp_path_factory.mktemp(label), [root], opt=f"nifi_version={target}")
        assert run.returncode == 0, run.stderr
        out = tmp_path_factory.getbasetemp() / f"{label}-out"
        for name, data in run.files.items():
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for definition in sorted(out.glob("*/nifi/flow-definition.json")):
            found[f"{label}/{definition.parent.parent.name}"] = definition.parent.parent
    return found


@pytest.fixture(scope="session")
def backends(assembly, tmp_path_factory):
    sys.path.insert(0, str(ROOT))
    from live import backends as live_backends  # noqa: PLC0415

    scripts = tmp_path_factory.mktemp("scripts")
    return Backends(postgres=(live_backends.load() or {}).get("postgres"),
                    driver_dir=str(Path(assembly.home) / "drivers"), scripts_dir=str(scripts))


def test_every_generated_integration_is_valid_on_nifi(nifi, generated, backends, assembly):
    """One test over all integrations, so a failure lists every invalid component at once."""
    failures, report = [], []
    for name, folder in sorted(generated.items()):
        deployment = Deployment(nifi, folder, name=f"live {name}")
        try:
            deployment.upload()
            backends.ports = {m: free_port() for m in _listen_refs(deployment.parameters())}
            unset = deployment.set_parameters(values_for(deployment.parameters(), backends))
            deployment.enable_services()
            deployment.settle()
            verdict = deployment.verdict()
        finally:
            deployment.remove()
        report.append(f"{name}: {len(verdict.valid)} VALID, {len(verdict.not_judged)} not judged "
                      f"(NAR not served), {len(unset)} parameters only such components use")
        failures += [f"{name}: {problem}" for problem in verdict.invalid]
        failures += [f"{name}: {artifact} is missing from NiFi although the assembly has it"
                     for artifact in verdict.ghost_nars - set(assembly.missing)]
    print("\n".join(report))
    assert not failures, "NiFi finds these generated components invalid:\n" + "\n".join(failures)
    assert generated, "nothing was generated"


def _listen_refs(parameters: list[dict]) -> list[str]:
    return [m.group(1) for p in parameters if (m := re.match(r"^http\.(.+)\.listen\.port$", p["name"]))]
