"""The live group: one real NiFi per test session, assembled from Maven by `live/` and started here.

Where Maven is missing the group is skipped with one line saying so; with `CI=true` it must
run, so a missing tool fails it instead. `LIVE_NIFI_INSTANCE=<name>` reuses an instance
started by `python3 dev.py nifi start --name <name>` (fast edit-run loops).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from conftest import GOLDEN_INPUTS, run_protoc

from live import backends as live_backends
from live import distribution, instance, java, maven, tls

from .deploy import Backends
from .rest import Nifi
from .sinks import HttpSink

IN_CI = os.environ.get("CI", "").lower() == "true"


def _missing() -> str | None:
    if maven.find_maven() is None:
        return "Maven (mvn) is not installed; it fetches NiFi's artifacts from Maven Central"
    return None


def pytest_report_header(config):
    why = _missing()
    return f"live NiFi group: {'skipped: ' + why if why else 'runs (real NiFi ' + distribution.DEFAULT_VERSION + ')'}"


def pytest_collection_modifyitems(config, items):
    live_dir = Path(__file__).parent
    live = [item for item in items if live_dir in Path(item.fspath).parents]
    for item in live:
        item.add_marker(pytest.mark.live)
    why = _missing()
    if why and not IN_CI and live:
        # One line for the whole group (pytest_terminal_summary), not one skip per test.
        config._live_skipped = f"live NiFi group skipped ({len(live)} tests): {why}"
        items[:] = [item for item in items if item not in live]
        config.hook.pytest_deselected(items=live)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    line = getattr(config, "_live_skipped", None)
    if line:
        terminalreporter.write_line(line, yellow=True)


@pytest.fixture(scope="session")
def assembly() -> distribution.Assembly:
    why = _missing()
    if why:
        pytest.fail(f"live NiFi group cannot run with CI=true: {why}")
    return distribution.Assembler(distribution.DEFAULT_VERSION).assemble()


@pytest.fixture(scope="session")
def connection(assembly) -> instance.Connection:
    reuse = os.environ.get("LIVE_NIFI_INSTANCE")
    if reuse:
        existing = instance.Connection.load(instance.instance_dir(reuse))
        assert existing is not None, f"LIVE_NIFI_INSTANCE={reuse}: no such instance (start it with dev.py nifi start)"
        yield existing
        return
    runtime, how = java.find_java()
    if runtime is None:
        pytest.fail(f"live NiFi: {how}")
    started = instance.start(runtime, assembly, name=f"pytest-{os.getpid()}")
    try:
        yield started
    finally:
        instance.stop(started)


@pytest.fixture(scope="session")
def nifi(connection) -> Nifi:
    with Nifi(connection) as client:
        yield client


@pytest.fixture
def scratch(nifi, request):
    """A process group of its own for one test, emptied and deleted afterwards."""
    group = nifi.create_group(nifi.root_id, f"test {request.node.name}"[:200])
    yield group
    if group["id"] is not None:  # a test that must delete it earlier (e.g. before its parameter context) sets None
        nifi.delete_group_tree(group)


@pytest.fixture(scope="module")
def sink():
    """A loopback HTTP server for the flows' HTTP OUT ports, one per test module (tests set its answers)."""
    server = HttpSink()
    yield server
    server.close()


@pytest.fixture(scope="session")
def recording(connection):
    from .recording import Recording

    kept = Recording(connection.version)
    yield kept
    kept.save()


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
        out = run.write(tmp_path_factory.getbasetemp() / f"{label}-out")
        for definition in sorted(out.glob("*/nifi/flow-definition.json")):
            found[f"{label}/{definition.parent.parent.name}"] = definition.parent.parent
    return found


@pytest.fixture(scope="session")
def backends(assembly, connection, tmp_path_factory):
    scripts = tmp_path_factory.mktemp("scripts")
    runtime, how = java.find_java()
    assert runtime is not None, how
    tls_dir = Path(connection.instance) / "conf" / "tls"
    files = tls.TlsFiles(tls_dir / "ca.pem", tls_dir / "server.pem", tls_dir / "server-key.pem",
                         tls_dir / "client.pem", tls_dir / "client-key.pem")
    return Backends(postgres=(live_backends.load() or {}).get("postgres"),
                    driver_dir=str(Path(assembly.home) / "drivers"), scripts_dir=str(scripts),
                    tls=tls.java_stores(files, runtime, "live-store-password"))
