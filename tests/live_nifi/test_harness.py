"""The deploy-and-assert harness against the real NiFi, without a Registry (`--no-registry`).

NiFi Registry 2.x and NiFi's registry-client NAR are not served by Maven here, so the harness
deploys the flow definition: upload, compare NiFi's export with the definition, replace requests.
One integration goes through what an operator lives through, in order: a first run that ends
Ready, an identical rerun that changes nothing, golden cases that drive FlowFiles, a hand edit
plus a new version, a drain under load, and an undeploy.

The integration (tests/live_nifi/proto) uses only transports whose NARs this NiFi has: HTTP in
and out, JDBC out to the PostgreSQL of `.ci/run`. Its mapping scripts are ExecuteScript
processors, and no 2.x scripting NAR is served here: on this NiFi they would be ghosts, which the
harness never starts (harness/ghosts.py), so nothing would run. The test stands a pass-through
AttributesToJSON (standard NAR; `success` and `failure` like ExecuteScript; Destination
`flowfile-attribute` leaves the content as it is) in for each script, the one place where what is
deployed differs from what is generated. The first test shows the generated flow as it is: the
harness names the ghosts and starts nothing.
"""
from __future__ import annotations

import copy
import json
import logging
import os
from pathlib import Path

import httpx
import pytest
import yaml
from conftest import run_protoc

from protoc_gen_nifi.harness import cli

from .deploy import psql, values_for

PROTO = Path(__file__).parent / "proto"
NAME = "orders_live"
TABLE = "orders_audit_live"
SCRIPT = "org.apache.nifi.processors.script.ExecuteScript"
STAND_IN = "org.apache.nifi.processors.standard.AttributesToJSON"
MUTATING = ("POST", "PUT", "DELETE")


class Records(logging.Handler):
    """The harness's request log (method and path of every call, never bodies)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def mutations(self, since: int = 0) -> list[str]:
        return [line for line in self.lines[since:] if line.split(" ")[1:2] and line.split(" ")[1] in MUTATING]


class Harness:
    """Runs the harness in-process against the live NiFi, with mTLS, as an operator would from a shell."""

    def __init__(self, connection, folder: Path, secrets: Path, env: dict[str, str]):
        self.connection, self.folder, self.secrets, self.env = connection, folder, secrets, env
        self.out: list[str] = []
        self.err: list[str] = []
        self.log = Records()

    def __call__(self, *args: str) -> int:
        self.out, self.err = [], []
        c = self.connection
        logger = logging.getLogger("protoc_gen_nifi")
        level = logger.level
        logger.addHandler(self.log)
        logger.setLevel(logging.DEBUG)
        try:
            return cli.main(["--no-registry", "--nifi-url", f"{c.url}/nifi-api", "--ca-cert", c.ca,
                             "--client-cert", c.cert, "--client-key", c.key, "--secrets-dir", str(self.secrets),
                             "--state-timeout", "60", "--settle-timeout", "60", *args],
                            artifacts_dir=self.folder, env=self.env, out=self.out.append, err=self.err.append)
        finally:
            logger.removeHandler(self.log)
            logger.setLevel(level)

    @property
    def text(self) -> str:
        return "\n".join(self.out + self.err)

    def definition(self) -> dict:
        return json.loads((self.folder / "nifi" / "flow-definition.json").read_text())

    def rewrite(self, change) -> None:
        """A new version of the definition (what a regenerated integration brings)."""
        doc = self.definition()
        change(doc)
        (self.folder / "nifi" / "flow-definition.json").write_text(json.dumps(doc, indent=2))


def processors(group: dict):
    yield from group.get("processors") or []
    for child in group.get("processGroups") or []:
        yield from processors(child)


def stand_in_for_scripts(definition: dict) -> list[str]:
    """Each ExecuteScript becomes a pass-through AttributesToJSON from the standard NAR (see the module
    docstring); returns the names of the processors stood in for."""
    everything = list(processors(definition["flowContents"]))
    standard = next(p["bundle"] for p in everything if p["bundle"]["artifact"] == "nifi-standard-nar")
    replaced = []
    for p in everything:
        if p["type"] == SCRIPT:
            p.update(type=STAND_IN, bundle=copy.deepcopy(standard), properties={}, propertyDescriptors={})
            replaced.append(p["name"])
    return replaced


@pytest.fixture(scope="module")
def generated_live(tmp_path_factory, connection) -> Path:
    """The integration generated for the live NiFi's release, as the generator wrote it."""
    run = run_protoc(tmp_path_factory.mktemp("orders-live-request"), [PROTO],
                     opt=f"nifi_version={os.environ.get('LIVE_TARGET', connection.version)}")
    assert run.returncode == 0, run.stderr
    out = tmp_path_factory.mktemp("orders-live")
    for name, data in run.files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return out / NAME


def _prepare(folder: Path, tmp: Path, backends, sink) -> tuple[Path, dict[str, str]]:
    """Test values for every parameter: sensitive ones as files of a secrets directory (a mounted Secret),
    the others in the environment variables parameter-context.yaml names."""
    backends.http_base = sink.url
    parameters = yaml.safe_load((folder / "nifi" / "parameter-context.yaml").read_text())["parameters"]
    values = values_for(parameters, backends)
    values["jdbc.orders-audit.table"] = TABLE
    secrets = tmp / "secrets"
    secrets.mkdir()
    env = {"PATH": os.environ.get("PATH", "")}
    for p in parameters:
        if p["sensitive"]:
            (secrets / p["name"]).write_text(values[p["name"]])
        else:
            env[p["env"]] = values[p["name"]]
    return secrets, env


@pytest.fixture(scope="module")
def harness(connection, generated_live, tmp_path_factory, backends, sink, nifi):
    psql(backends, f"DROP TABLE IF EXISTS {TABLE}; CREATE TABLE {TABLE} (order_id text PRIMARY KEY, note text)")
    tmp = tmp_path_factory.mktemp("orders-live-deploy")
    folder = tmp / NAME
    folder.mkdir()
    (folder / "nifi").mkdir()
    for f in (generated_live / "nifi").iterdir():
        (folder / "nifi" / f.name).write_bytes(f.read_bytes())
    secrets, env = _prepare(folder, tmp, backends, sink)
    h = Harness(connection, folder, secrets, env)
    yield h
    h("--undeploy", "--discard-queued")  # whatever a failed test left behind
    assert not _group(nifi), h.text


def _group(nifi) -> dict | None:
    return next((g for g in nifi.flow(nifi.root_id)["processGroups"] if g["component"]["name"] == NAME), None)


def revisions(nifi, group_id: str) -> dict[str, int]:
    """Every component's revision version: NiFi bumps it on each change, so equal maps mean nothing changed."""
    found = {group_id: nifi.get(f"/process-groups/{group_id}")["revision"]["version"]}
    flow = nifi.flow(group_id)
    for key in ("processors", "inputPorts", "outputPorts", "funnels", "connections", "processGroups"):
        for entity in flow.get(key) or []:
            found[entity["id"]] = entity["revision"]["version"]
            if key == "processGroups":
                found.update(revisions(nifi, entity["id"]))
    for service in nifi.services(group_id):
        found[service["id"]] = service["revision"]["version"]
    return found


def _port(nifi, name: str) -> int:
    """The port NiFi's HandleHttpRequest listens on (the parameter the test set)."""
    contexts = nifi.get("/flow/parameter-contexts")["parameterContexts"]
    context = next(c for c in contexts if c["component"]["name"] == NAME)
    params = {p["parameter"]["name"]: p["parameter"]["value"] for p in context["component"]["parameters"]}
    return int(params[f"http.{name}.listen.port"])


def _post_orders(nifi, orders: list[dict]) -> list[int]:
    url = f"http://127.0.0.1:{_port(nifi, 'orders-api')}/orders-api"
    return [httpx.post(url, json=order, timeout=30).status_code for order in orders]


# --- the generated flow as it is: its mapping scripts are ghosts on this NiFi --------------------------------

def test_the_generated_flow_as_it_is_names_its_ghosts_and_starts_nothing(harness, nifi):
    assert harness() == 1, harness.text
    assert "NiFi cannot load 2 component(s) of process group 'orders_live'" in harness.text
    assert ("missing: processor 'map audit_out' in 'orders_live/mapping': org.apache.nifi.processors.script."
            "ExecuteScript from nifi-scripting-nar") in harness.text
    assert "[start] not started" in harness.text
    assert "Ready             False" in harness.text
    assert _group(nifi)["runningCount"] == 0  # counted over the group's descendants (ProcessGroupEntity)
    assert harness("--undeploy") == 0, harness.text
    assert _group(nifi) is None


# --- with the scripts stood in for: the whole life of a deployment -------------------------------------------

def test_first_run_deploys_and_is_ready(harness, nifi):
    harness.rewrite(stand_in_for_scripts)
    assert harness() == 0, harness.text
    conditions = dict(line.split()[:2] for line in harness.out if not line.startswith("["))
    # Every Integration condition True (EndpointReachable: the HTTP IN listener orders-api accepts connections),
    # except RegistrySynced: Unknown (NoRegistry) with --no-registry.
    assert conditions == {"SecretsReady": "True", "DependenciesReady": "True", "WorkloadReady": "True",
                          "RegistrySynced": "Unknown", "FlowDeployed": "True", "FlowSynced": "True", "FlowRunning": "True",
                          "BackpressureOK": "True", "BulletinsOK": "True", "EndpointReachable": "True",
                          "Ready": "True"}, harness.text
    group = _group(nifi)
    assert nifi.invalid(group["id"]) == []
    assert group["runningCount"] > 0


def test_an_identical_rerun_changes_nothing(harness, nifi):
    group = _group(nifi)
    before = revisions(nifi, group["id"])
    since = len(harness.log.lines)
    assert harness() == 0, harness.text
    assert harness.log.mutations(since) == []
    assert "[deploy] process group 'orders_live' matches flow-definition.json" in harness.text
    assert revisions(nifi, group["id"]) == before


def _write_case(root: Path, name: str, case: dict, files: dict[str, bytes]) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "case.yaml").write_text(yaml.safe_dump(case))
    for file, data in files.items():
        (folder / file).write_bytes(data)


def test_golden_cases_drive_real_flowfiles(harness, nifi, sink, backends, tmp_path):
    order = json.dumps({"order_id": "case-1", "note": "through the whole flow"}).encode()
    _write_case(tmp_path, "whole_flow", {
        "description": "an order entering after the HTTP listener reaches the ERP and the audit table",
        "input": {"port": "orders_in", "body": "order.json"},
        "expect": {"events": [
            {"port": "erp_out", "type": "SEND", "body": "order.json", "compare": "json",
             "attributes": {"ce_type": {"matches": r".+"}, "traceparent": {"matches": "00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]"}}},
            {"port": "audit_out", "type": "SEND"}]}}, {"order.json": order})
    # A 4xx is not retried (InvokeHTTP's 'No Retry'): the FlowFile goes straight through the failure ports to the
    # parked failures, where the case finds it; parked on purpose, it fails neither BulletinsOK nor Ready.
    _write_case(tmp_path, "refused_by_erp", {
        "description": "an order the ERP refuses (400) is parked as a failure",
        "input": {"port": "erp_out", "body": "refused.json"}, "expect": {"failure": True}},
        {"refused.json": b'{"order_id": "refuse-me"}'})
    sink.refuse = b"refuse-me"
    before = len(sink.received)
    assert harness("--cases", str(tmp_path)) == 0, harness.text
    cases = {line.split()[1].rstrip(":"): line for line in harness.out if line.startswith("  case ")}
    assert cases["refused_by_erp"].endswith("reached a failure port (queued at 'parked failures')"), harness.text
    assert "SEND at 'POST erp-orders' (egress erp_out), SEND at 'upsert orders-audit'" in cases["whole_flow"]
    assert "1 FlowFile(s) wait in 'parked failures' (1 parked during this run, 1 of them by failure cases)" in \
        next(line for line in harness.out if line.startswith("BulletinsOK       True    NoBulletins "))
    assert any(r.path == "/erp-orders" and json.loads(r.body) == json.loads(order) for r in sink.received[before:])
    assert psql(backends, f"SELECT note FROM {TABLE} WHERE order_id = 'case-1'") == "through the whole flow"


def _invoke_http(nifi, group_id: str) -> dict:
    egress = next(g for g in nifi.flow(group_id)["processGroups"] if g["component"]["name"] == "egress erp_out")
    return next(p for p in nifi.flow(egress["id"])["processors"] if p["component"]["name"] == "POST erp-orders")


def _hand_edit(nifi, invoke: dict, properties: dict[str, str]) -> None:
    """What an operator does in NiFi's UI: stop the processor, change it, start it again."""
    nifi.run_state(invoke, "STOPPED")
    invoke = nifi.refresh(invoke)
    nifi.put(f"/processors/{invoke['id']}", {"revision": nifi.rev(invoke), "component": {
        "id": invoke["id"], "config": {"properties": properties}}})
    nifi.run_state(nifi.refresh(invoke), "RUNNING")


def test_a_hand_edit_is_reported_and_undone_in_place(harness, nifi):
    group = _group(nifi)
    invoke = _invoke_http(nifi, group["id"])
    _hand_edit(nifi, invoke, {"Socket Read Timeout": "7 secs"})
    assert harness() == 0, harness.text
    assert ("[deploy] drift: processor 'POST erp-orders' in 'orders_live/egress erp_out': property 'Socket Read "
            "Timeout' is '7 secs'; the definition has it unset (default '15 secs')") in harness.out, harness.text
    after = nifi.refresh(invoke)["component"]
    assert after["config"]["properties"]["Socket Read Timeout"] == "15 secs"
    assert after["state"] == "RUNNING" and _group(nifi)["id"] == group["id"]  # undone in place


def test_a_new_version_on_top_of_a_hand_edit_deploys(harness, nifi):
    """Without a Registry NiFi keeps no record of the version a group came from, so on a new version the harness
    lists every difference it replaces, the hand edit among them, as `change:`."""
    group = _group(nifi)
    invoke = _invoke_http(nifi, group["id"])
    _hand_edit(nifi, invoke, {"Socket Read Timeout": "7 secs"})

    def new_version(doc):
        for p in processors(doc["flowContents"]):
            if p["name"] == "POST erp-orders":
                p["properties"]["Connection Timeout"] = "4 secs"
    harness.rewrite(new_version)
    assert harness() == 0, harness.text
    where = "processor 'POST erp-orders' in 'orders_live/egress erp_out'"
    assert f"[deploy] change: {where}: property 'Connection Timeout' is '5 secs'; the definition has '4 secs'" \
        in harness.out, harness.text
    assert f"[deploy] change: {where}: property 'Socket Read Timeout' is '7 secs'; the definition has it unset " \
           "(default '15 secs')" in harness.out, harness.text
    after = nifi.refresh(invoke)["component"]
    assert after["config"]["properties"]["Connection Timeout"] == "4 secs"
    assert after["config"]["properties"]["Socket Read Timeout"] == "15 secs"
    assert after["state"] == "RUNNING" and _group(nifi)["id"] == group["id"]  # replaced in place
    before = revisions(nifi, group["id"])
    assert harness() == 0, harness.text   # and then nothing more to do
    assert revisions(nifi, group["id"]) == before


def test_a_new_version_under_load_waits_for_the_drain_and_loses_nothing(harness, nifi, sink, backends):
    sink.delay = 1.5  # a slow ERP: FlowFiles queue in front of InvokeHTTP
    orders = [{"order_id": f"drain-{i}", "note": f"n{i}"} for i in range(8)]
    before = len(sink.received)
    try:
        assert _post_orders(nifi, orders) == [202] * len(orders)

        def new_version(doc):
            for p in processors(doc["flowContents"]):
                if p["name"] == "POST erp-orders":
                    p["properties"]["Connection Timeout"] = "6 secs"
        harness.rewrite(new_version)
        assert harness() == 2, harness.text             # queued FlowFiles: no upgrade without --drain
        assert "Fix: rerun with --drain" in harness.err[0], harness.text
        assert harness("--drain", "--drain-timeout", "120") == 0, harness.text
    finally:
        sink.delay = 0.0
    sink.wait_for(before + len(orders))
    got = sorted(json.loads(r.body)["order_id"] for r in sink.received[before:] if r.path == "/erp-orders")
    assert got == sorted(o["order_id"] for o in orders)
    assert psql(backends, f"SELECT count(*) FROM {TABLE} WHERE order_id LIKE 'drain-%'") == str(len(orders))
    group = _group(nifi)
    assert _invoke_http(nifi, group["id"])["component"]["config"]["properties"]["Connection Timeout"] == "6 secs"


def test_undeploy_keeps_parked_failures_unless_told_then_removes_the_group_and_its_context(harness, nifi):
    assert harness("--undeploy") == 2  # the refused order still waits in 'parked failures'
    assert "1 FlowFile(s) are queued; removing the group would lose them" in harness.err[0]
    assert _group(nifi) is not None
    assert harness("--undeploy", "--discard-queued") == 0, harness.text
    assert "[undeploy] dropped 1 queued FlowFile(s) of process group 'orders_live'" in harness.out
    assert _group(nifi) is None
    names = [c["component"]["name"] for c in nifi.get("/flow/parameter-contexts")["parameterContexts"]]
    assert NAME not in names
