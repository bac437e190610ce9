"""Step (f): start the flow and assert it.

What the assert step checks (each a `conditions.Check`, in the harness's words); conditions.integration() turns
them, with what the earlier steps established, into the Integration's conditions, which `report` prints:
  FlowSynced      the group is at the Registry version just ensured, UP_TO_DATE; without a Registry: the group is
                  flow-definition.json, component by component (definition.synced)
  FlowRunning     every processor and port of the group runs and is valid; the message names each one that is
                  stopped, disabled, validating or invalid, with NiFi's reasons (inventory.walk)
  BackpressureOK  no connection is at its backpressure threshold (status snapshots; queue listings as evidence)
  BulletinsOK     no ERROR (or WARNING with --fail-on-warning) bulletin from the group since this run began
  NodeHealthy     every NiFi node has heap and repository disk left (/system-diagnostics, per node: health.py);
                  the Integration's WorkloadReady
  FailuresParked  no FlowFile was parked as failed during this run; the message counts every FlowFile waiting in
                  the integration's `parked failures` queue (controller-services.json `parkedFailures`); it makes
                  the Integration's BulletinsOK False (reason FailuresParked)
  Listeners       each HTTP IN listener (parameter `http.<endpoint>.listen.port`) accepts a TCP connection on
                  NiFi's host (from --nifi-url); only with HTTP IN endpoints, once the flow runs; with the golden
                  cases' results the Integration's EndpointReachable
Checks that can settle after a start are polled up to --settle-timeout. The report prints one line per condition
(`Type  Status  Reason  message`), then one line per golden case (--cases).
"""
from __future__ import annotations

import re
import socket
import time
from urllib.parse import urlsplit

from . import health, inventory, observe
from .conditions import Check, Condition
from .context import Run

LEVELS = {"ERROR": 3, "WARNING": 2, "WARN": 2, "INFO": 1, "DEBUG": 0}


def bulletin_marker(run: Run) -> int:
    """Highest bulletin id now, so BulletinsOK only judges bulletins raised after this run began."""
    board = run.nifi.get("/flow/bulletin-board", params={"limit": "1000"}, step="assert",
                         component="bulletin board") or {}
    ids = [int(b.get("id", 0)) for b in (board.get("bulletinBoard") or {}).get("bulletins") or []]
    return max(ids, default=-1)


def parked_live_id(run: Run, pg_id: str | None = None, step: str = "assert") -> str | None:
    """The instance id of the `parked failures` connection in the deployed group (or `pg_id`)."""
    versioned, root = run.art.parked_connection, pg_id or run.pg_id
    if not versioned or not root:
        return None
    return inventory.instance_ids(c for c in inventory.walk(run, step, root) if c.kind == "CONNECTION").get(versioned)


def parked_by_cases(run: Run) -> int:
    """How many FlowFiles of `failure: true` cases wait in `parked failures`, each asked by UUID (not capped
    like a listing: BEHAVIOUR 8); a FlowFile a case cloned may arrive there after the case passed."""
    cid = parked_live_id(run) if run.expected_failures else None
    if cid is None:
        return 0
    return sum(observe.in_queue(run, cid, uuid, node, component="connection 'parked failures'")
               for uuid, node in sorted(run.expected_failures.items()))


def parked(run: Run) -> int:
    """FlowFiles waiting in the `parked failures` connection: what failed after its retries (and dead letter).
    The generated flow parks them in a queue NiFi treats as valid (a funnel nothing takes from): they never
    move on by themselves. Counted from the group's status (not capped like a listing: BEHAVIOUR 8)."""
    cid = parked_live_id(run)
    if cid is None:
        return 0
    status = run.nifi.get(f"/flow/process-groups/{run.pg_id}/status", params={"recursive": "true"},
                          step="assert", component=f"process group '{run.art.flow_name}'") or {}
    queued = {c.get("id"): int(c.get("flowFilesQueued") or 0) for c in connection_snapshots(status)}
    return queued.get(cid, 0)


def start(run: Run) -> bool:
    """Start the group; whether it runs. A group with a component NiFi could not load is not started at all: a
    started ghost can be neither stopped nor deleted (ghosts.py)."""
    comp = f"process group '{run.art.flow_name}'"
    if run.ghosts:
        run.say("start", f"not started: NiFi cannot load {len(run.ghosts)} of its component(s) (listed above), and "
                         "a ghost once started is never valid, cannot be stopped and blocks deleting the group; "
                         "install the missing NARs and rerun")
        return False
    pg = run.nifi.get(f"/process-groups/{run.pg_id}", step="start", component=comp)
    if int(pg.get("stoppedCount") or 0) == 0 and int(pg.get("runningCount") or 0) > 0:
        run.say("start", f"{comp} is running")
        return True
    run.nifi.request("PUT", f"/flow/process-groups/{run.pg_id}", step="start", component=comp,
                     json={"id": run.pg_id, "state": "RUNNING"})
    run.change("start", f"started {comp}")
    return True


def _group_ids(status: dict) -> set[str]:
    ids, stack = set(), [(status.get("processGroupStatus") or {}).get("aggregateSnapshot") or {}]
    while stack:
        snap = stack.pop()
        if snap.get("id"):
            ids.add(snap["id"])
        stack.extend((s.get("processGroupStatusSnapshot") or {}) for s in snap.get("processGroupStatusSnapshots") or [])
    return ids


def connection_snapshots(status: dict) -> list[dict]:
    out, stack = [], [(status.get("processGroupStatus") or {}).get("aggregateSnapshot") or {}]
    while stack:
        snap = stack.pop()
        out.extend((c.get("connectionStatusSnapshot") or {}) for c in snap.get("connectionStatusSnapshots") or [])
        stack.extend((s.get("processGroupStatusSnapshot") or {}) for s in snap.get("processGroupStatusSnapshots") or [])
    return out


def list_queue(run: Run, connection_id: str, name: str) -> dict:
    """Listing request on one connection (POST, poll, DELETE): the first FlowFiles sitting there (NiFi lists at
    most 100; the counts come from the status)."""
    return run.nifi.async_request(f"/flowfile-queues/{connection_id}/listing-requests", "listingRequest",
                                  step="assert", component=f"connection '{name}'", what="the queue listing",
                                  fix="rerun; check NiFi's load")


def running_condition(components: list[inventory.Component], controller: dict) -> Check:
    """True when every processor and port runs and is valid. NiFi's counts say how many are invalid, not which
    or why: the reason names each component that is not running, and why; a component NiFi could not load (a
    ghost) is named with its type, apart from the invalid ones."""
    groups: dict[str, list[inventory.Component]] = {"running": [], "missing": [], "invalid": [], "validating": [],
                                                    "disabled": [], "stopped": []}
    for c in components:
        if (c.entity.get("component") or {}).get("extensionMissing"):
            groups["missing"].append(c)  # a ghost: NiFi lacks its NAR (ghosts.py)
        elif c.validation == "INVALID":
            groups["invalid"].append(c)
        elif c.validation == "VALIDATING":
            groups["validating"].append(c)
        elif c.state == "DISABLED":
            groups["disabled"].append(c)
        elif c.state == "RUNNING":
            groups["running"].append(c)
        else:
            groups["stopped"].append(c)
    reason = ", ".join(f"{len(v)} {k}" for k, v in groups.items() if v or k in ("running", "invalid"))
    for kind in ("missing", "invalid", "validating", "disabled", "stopped"):
        if groups[kind]:
            named = [f"{c.label}: {c.why()}" if kind == "invalid" else
                     f"{c.label} ({c.entity['component'].get('type')}: NAR not installed)" if kind == "missing" else
                     c.label for c in groups[kind][:5]]
            more = len(groups[kind]) - len(named)
            reason += f"; {kind}: " + "; ".join(named) + (f" (+{more} more)" if more > 0 else "")
    reason += f" (NiFi-wide: {controller.get('invalidCount', '?')} invalid, {controller.get('flowFilesQueued', '?')} queued)"
    ok = bool(groups["running"]) and not any(groups[k] for k in ("missing", "invalid", "validating", "disabled",
                                                                 "stopped"))
    return Check("FlowRunning", ok, reason)


def synced_condition(run: Run) -> tuple[bool, str]:
    if run.opts.no_registry:
        from .definition import synced

        return synced(run)
    pg = run.nifi.get(f"/process-groups/{run.pg_id}", step="assert", component=f"process group '{run.art.flow_name}'")
    vci = (pg.get("component") or {}).get("versionControlInformation") or {}
    state, version = vci.get("state"), str(vci.get("version"))
    return state == "UP_TO_DATE" and version == str(run.version), f"version {version} ({state}); registry version {run.version}"


def evaluate(run: Run, deadline: float | None = None) -> list[Check]:
    nifi, comp = run.nifi, f"process group '{run.art.flow_name}'"
    synced = Check("FlowSynced", *synced_condition(run))

    controller = (nifi.get("/flow/status", step="assert", component="NiFi") or {}).get("controllerStatus") or {}
    flow_running = running_condition(inventory.schedulable(inventory.walk(run, "assert")), controller)

    status = nifi.get(f"/flow/process-groups/{run.pg_id}/status", params={"recursive": "true"},
                      step="assert", component=comp) or {}
    full = [c for c in connection_snapshots(status)
            if int(c.get("percentUseCount") or 0) >= 100 or int(c.get("percentUseBytes") or 0) >= 100]
    if full:
        details = []
        for c in full[:5]:
            listing = list_queue(run, c["id"], c.get("name") or c["id"])
            n = int(((listing.get("queueSize") or {}).get("objectCount")) or c.get("flowFilesQueued") or 0)
            oldest = (listing.get("flowFileSummaries") or [{}])[0].get("filename", "")
            details.append(f"{c.get('sourceName')} -> {c.get('destinationName')}: {n} queued"
                           + (f" (first: {oldest})" if oldest else ""))
        backpressure = Check("BackpressureOK", False, "at threshold: " + "; ".join(details))
    else:
        backpressure = Check("BackpressureOK", True, f"{len(connection_snapshots(status))} connection(s) below threshold")

    groups = _group_ids(status) | {run.pg_id}
    params = {"limit": "1000"}
    if run.bulletin_marker is not None and run.bulletin_marker >= 0:
        params["after"] = str(run.bulletin_marker)
    board = nifi.get("/flow/bulletin-board", params=params, step="assert", component="bulletin board") or {}
    floor = LEVELS["WARNING"] if run.opts.fail_on_warning else LEVELS["ERROR"]
    bad = []
    for b in (board.get("bulletinBoard") or {}).get("bulletins") or []:
        inner = b.get("bulletin") or {}
        message = str(inner.get("message"))
        if any(name in message for name in run.expected_failure_names):
            continue  # about a FlowFile a `failure: true` case made fail on purpose
        if (b.get("groupId") or inner.get("groupId")) in groups and LEVELS.get((inner.get("level") or "").upper(), 0) >= floor:
            bad.append(f"{inner.get('level')} {inner.get('sourceName')}: {' '.join(str(inner.get('message')).split())}")
    bulletins = Check("BulletinsOK", not bad, "; ".join(bad[:5]) if bad else "no bulletins at or above "
                      + ("WARNING" if run.opts.fail_on_warning else "ERROR"))
    healthy, why = health.node_condition(run)
    now = parked(run)
    on_purpose = parked_by_cases(run) if now > run.parked_marker else 0
    allowed = run.parked_marker + on_purpose
    by_cases = f", {on_purpose} of them by failure cases" if on_purpose else ""
    failures = Check("FailuresParked", now <= allowed,
                     f"{now} FlowFile(s) wait in 'parked failures' ({max(now - run.parked_marker, 0)} parked "
                     f"during this run{by_cases})" if now else "no FlowFile waits in 'parked failures'")
    checks = [synced, flow_running, backpressure, bulletins, Check("NodeHealthy", healthy, why), failures]
    if listeners(run):
        checks.append(listeners_check(run, deadline) if flow_running.ok else
                      Check("Listeners", None, "HTTP IN listeners not probed: the flow is not running"))
    return checks


LISTEN_PORT = re.compile(r"^http\.(.+)\.listen\.port$")


def listeners(run: Run) -> list[tuple[str, str]]:
    """(endpoint, listen-port value) per HTTP IN endpoint of the integration (transports/web.py names the
    parameter `http.<endpoint>.listen.port`)."""
    return [(m.group(1), run.values.get(p["name"], "")) for p in run.art.parameters()
            if (m := LISTEN_PORT.match(p["name"]))]


def probe(host: str, port: int, timeout: float) -> str | None:
    """None when host:port accepts a TCP connection within `timeout`, else why not."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except (OSError, OverflowError) as exc:  # OverflowError: a port out of 0-65535
        return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def listeners_check(run: Run, deadline: float | None = None) -> Check:
    """Each HTTP IN listener, on NiFi's host (from --nifi-url): does it accept a TCP connection? Each attempt is
    bounded by what is left of --settle-timeout (at least 0.2s, at most 2s); assert_flow retries until it holds."""
    host = urlsplit(run.nifi.base_url).hostname or "localhost"
    left = (deadline - time.monotonic()) if deadline is not None else run.opts.settle_timeout
    timeout = min(max(left, 0.2), 2.0)
    ok, words = True, []
    for endpoint, value in listeners(run):
        try:
            port = int(value)
        except ValueError:
            ok = False
            words.append(f"{endpoint}: listen port {value!r} is not a number")
            continue
        why = probe(host, port, timeout)
        ok = ok and why is None
        words.append(f"{endpoint} at {host}:{port} " + ("accepts connections" if why is None else f"does not accept connections: {why}"))
    return Check("Listeners", ok, "; ".join(words))


def assert_flow(run: Run) -> list[Check]:
    """Evaluate until every check holds or --settle-timeout passes."""
    deadline = time.monotonic() + run.opts.settle_timeout
    while True:
        checks = evaluate(run, deadline)
        if all(c.ok for c in checks) or time.monotonic() >= deadline:
            return checks
        time.sleep(run.nifi.timing.poll_interval)


def report(run: Run, conds: list[Condition]) -> None:
    """One line per Integration condition (`Type  Status  Reason  message`, conditions.integration), then one per
    golden case."""
    for c in conds:
        run.out(run.redact(c.line()))
    for r in run.case_results:
        run.out(run.redact(f"  case {r.name}: {'passed' if r.passed else 'FAILED'} {r.reason}"))
