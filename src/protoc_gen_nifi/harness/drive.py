"""Step (f), golden cases: inject each case's input into the running flow and follow it through provenance.

NiFi's REST API cannot enqueue a FlowFile, so for each case the driver adds a temporary GenerateFlowFile
to the port's group, connects it to the component the port's transport normally feeds (the external
broker is bypassed), waits until NiFi has validated it (a RUN_ONCE on a VALIDATING processor does nothing
since NiFi 2.9; BEHAVIOUR 7), runs it once on the primary node only (in a cluster every node would run it;
BEHAVIOUR 15), and follows the FlowFile and its descendants (FORK/CLONE children) by UUID through provenance
queries until every expected event is seen, a FlowFile of the case reaches a `failure` port, or
--case-timeout passes. A failure is seen from queue counts: a failure queue that grew since the case began
is asked for each of the case's FlowFiles by UUID (a queue listing shows only the first 100; BEHAVIOUR 8). The temporary processor and connection are always removed
afterwards (stop, drop what is queued, delete), so the versioned group has no local modification left;
FlowSynced, evaluated after the cases, confirms it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from . import inventory, observe, schedule, topology
from .assertions import connection_snapshots
from .cases import Case, Expectation
from .client import CLIENT_ID, CallTimeout, WaitTimeout, revision
from .context import Run
from .errors import HarnessError

STEP = "cases"
GENERATE = "org.apache.nifi.processors.standard.GenerateFlowFile"
RUN_STATUS = {"PROCESSOR": "processors", "OUTPUT_PORT": "output-ports", "INPUT_PORT": "input-ports"}
KIND = {path: kind for kind, path in RUN_STATUS.items()}


@dataclass
class CaseResult:
    name: str
    passed: bool
    reason: str


@dataclass
class Temp:
    """What a case added to NiFi, so cleanup knows what to remove."""

    group: str
    processor: str | None = None
    connection: str | None = None


def temp_name(case: Case) -> str:
    return f"protoc-gen-nifi case {case.name}"


def instance_ids(run: Run) -> dict[str, str]:
    """versioned id -> instance id of every component of the deployed integration."""
    return inventory.instance_ids(inventory.walk(run, STEP))


def generate_bundle(run: Run) -> dict:
    """GenerateFlowFile's bundle: the target version's nifi-standard-nar if installed, else the installed one."""
    types = run.nifi.get("/flow/processor-types", params={"type": GENERATE}, step=STEP, component="GenerateFlowFile")
    offered = [t["bundle"] for t in (types or {}).get("processorTypes") or [] if t.get("type") == GENERATE]
    if not offered:
        raise HarnessError(STEP, "GenerateFlowFile", "is not installed in this NiFi (nifi-standard-nar)",
                           "use a standard NiFi 2.x image")
    want = run.art.manifest.get("nifiVersion")
    return next((b for b in offered if b.get("version") == want), offered[0])


def _property_names(entity: dict) -> dict[str, str]:
    """display name -> property name: GenerateFlowFile's names changed during 2.x (`generate-ff-custom-text`
    became `Custom Text`), and a name NiFi does not know would silently become an attribute."""
    descs = ((entity.get("component") or {}).get("config") or {}).get("descriptors") or {}
    return {d.get("displayName") or k: k for k, d in descs.items()}


def inject(run: Run, case: Case, live: dict[str, str], bundle: dict, temp: Temp) -> None:
    nifi, comp = run.nifi, f"case '{case.name}'"
    created = nifi.request("POST", f"/process-groups/{temp.group}/processors", step=STEP, component=comp, json={
        "revision": {"version": 0, "clientId": CLIENT_ID},
        "component": {"name": temp_name(case), "type": GENERATE, "bundle": bundle, "position": {"x": 0.0, "y": -400.0}}})
    temp.processor = pid = created["id"]
    names = _property_names(created)
    wanted = {"File Size": "0B", "Batch Size": "1", "Data Format": "Text", "Unique FlowFiles": "false"}
    if case.body:
        # ISO-8859-1 maps each byte to one character and back, so any content (protobuf too) arrives exact.
        wanted.update({"Custom Text": case.body.decode("latin-1"), "Character Set": "ISO-8859-1"})
    missing = sorted(set(wanted) - set(names))
    if missing:
        raise HarnessError(STEP, comp, f"GenerateFlowFile {bundle.get('version')} has no property {missing[0]!r}",
                           "use NiFi 2.x's standard GenerateFlowFile")
    props = {names[k]: v for k, v in wanted.items()}
    props.update(case.attributes)  # dynamic properties become FlowFile attributes
    nifi.request("PUT", f"/processors/{pid}", step=STEP, component=comp, json={
        "revision": revision(created), "component": {"id": pid, "config": {"properties": props,
                                                                           "executionNode": "PRIMARY"}}})
    conn = nifi.request("POST", f"/process-groups/{temp.group}/connections", step=STEP, component=comp, json={
        "revision": {"version": 0, "clientId": CLIENT_ID},
        "component": {"name": temp_name(case), "selectedRelationships": ["success"],
                      "source": {"id": pid, "groupId": temp.group, "type": "PROCESSOR"},
                      "destination": {"id": live[case.entry.target], "groupId": temp.group,
                                      "type": case.entry.target_type}}})
    temp.connection = conn["id"]
    ready = schedule.valid(run, pid, step=STEP, name=f"{comp} GenerateFlowFile", timeout=run.opts.case_timeout)
    nifi.request("PUT", f"/processors/{pid}/run-status", step=STEP, component=comp,
                 json={"revision": revision(ready), "state": "RUN_ONCE"})


def failure_queues(run: Run) -> dict[str, str]:
    """versioned id -> label of every connection where a failed FlowFile may wait: those around `failure` ports
    (a stopped or invalid port holds it there) and the `parked failures` queue, where a running flow carries
    every failure in the end (ports and the root funnel pass FlowFiles on; seen on NiFi 2.3.0)."""
    out = topology.failure_connections(run.art.snapshot)
    if run.art.parked_connection:
        out[run.art.parked_connection] = "'parked failures'"
    return out


def failure_counts(run: Run, live: dict[str, str], failure: dict[str, str]) -> dict[str, int]:
    """instance id -> FlowFiles queued, of every failure connection (one status read; counts are not capped)."""
    status = run.nifi.get(f"/flow/process-groups/{run.pg_id}/status", params={"recursive": "true"}, step=STEP,
                          component=f"process group '{run.art.flow_name}'")
    queued = {c.get("id"): int(c.get("flowFilesQueued") or 0) for c in connection_snapshots(status or {})}
    return {live[vid]: queued.get(live[vid], 0) for vid in failure if vid in live}


def _failed(run: Run, f: _Follower, failure: dict[str, str], baseline: dict[str, int]) -> tuple[str, str] | None:
    """Where a FlowFile of the case waits in a failure connection, if one does (what to say, the connection's
    instance id): only connections whose count grew since the case began are asked, for each of the case's
    FlowFiles, by UUID."""
    label = {f.live[vid]: text for vid, text in failure.items() if vid in f.live}
    for cid, n in sorted(failure_counts(run, f.live, failure).items(), key=lambda kv: label[kv[0]]):
        if n <= baseline.get(cid, 0):
            continue
        for uuid in f.uuids:
            if observe.in_queue(run, cid, uuid, f.node(uuid), component=f"connection {label[cid]}"):
                return f"FlowFile {uuid} reached a failure port (queued at {label[cid]})", cid
    return None


class _Follower:
    """The case's FlowFiles (the generated one and its descendants) and their provenance events so far."""

    def __init__(self, run: Run, case: Case, live: dict[str, str], temp: Temp, deadline: float):
        self.run, self.live, self.temp, self.deadline = run, live, temp, deadline
        self.comp = f"case '{case.name}'"
        self.uuids: list[str] = []
        self.events: dict[str, dict] = {}

    def refresh(self) -> None:
        q = observe.query
        if not self.uuids:
            created = q(self.run, {"ProcessorID": self.temp.processor}, deadline=self.deadline, component=self.comp)
            self.uuids = [e["flowFileUuid"] for e in created if e.get("eventType") == "CREATE"][:1]
        i = 0
        while i < len(self.uuids):  # grows as FORK/CLONE children are found
            for e in q(self.run, {"FlowFileUUID": self.uuids[i]}, deadline=self.deadline, component=self.comp):
                self.events[str(e["id"])] = e
                self.uuids.extend(u for u in e.get("childUuids") or [] if u not in self.uuids)
            i += 1

    def node(self, uuid: str) -> str | None:
        """The cluster node a FlowFile lives on (from its latest event), for requests NiFi routes to one node."""
        mine = [e for e in self.events.values() if e.get("flowFileUuid") == uuid and e.get("clusterNodeId")]
        return max(mine, key=lambda e: int(e.get("eventId") or 0))["clusterNodeId"] if mine else None

    def candidates(self, exp: Expectation) -> list[dict]:
        pid = self.live.get(exp.processor)
        return sorted((e for e in self.events.values() if e.get("componentId") == pid and e.get("eventType") == exp.type),
                      key=lambda e: int(e.get("eventId") or 0))

    def filenames(self) -> set[str]:
        """The `filename` attribute of the case's FlowFiles (a query with summarize=false returns attributes)."""
        return {a["value"] for e in self.events.values() for a in e.get("attributes") or []
                if a.get("name") == "filename" and a.get("value")}

    def last_seen(self) -> str:
        if not self.uuids:
            return "GenerateFlowFile produced no FlowFile yet (no CREATE event)"
        last = max(self.events.values(), key=lambda e: int(e.get("eventId") or 0), default=None)
        return f"last event: {last.get('eventType')} at {last.get('componentName')!r}" if last else "no event yet"

    def judge(self, exp: Expectation) -> list[str]:
        """Problems of the best matching event (empty: one event matches entirely)."""
        first: list[str] | None = None
        for event in self.candidates(exp):
            content = observe.output_content(self.run, event, component=self.comp) if exp.body is not None else None
            attrs = observe.attributes(self.run, event, component=self.comp) if exp.attributes else {}
            problems = exp.check(content, attrs)
            if not problems:
                return []
            first = first or problems
        return first or []


def follow(run: Run, case: Case, live: dict[str, str], temp: Temp, deadline: float,
           baseline: dict[str, int]) -> CaseResult:
    failure = failure_queues(run)
    f = _Follower(run, case, live, temp, deadline)
    while True:
        stalled = ""
        try:
            f.refresh()
            failed = _failed(run, f, failure, baseline) if f.uuids else None
        except WaitTimeout as exc:  # the deadline passed while NiFi was still working on a query
            stalled, failed = f"; {exc.message.split(' did not happen')[0]} did not finish", None
        except CallTimeout:  # or while NiFi was still answering a call
            stalled, failed = "; NiFi did not answer in time", None
        missing = [e for e in case.events if not f.candidates(e)]
        if failed and not case.failure:
            return CaseResult(case.name, False, failed[0])
        if not stalled and not missing and (failed or not case.failure):
            problems = [f"{e.label}: " + "; ".join(p) for e in case.events if (p := f.judge(e))]
            if problems:
                return CaseResult(case.name, False, " | ".join(problems))
            seen = ", ".join(e.label for e in case.events)
            if case.failure:  # failed on purpose: its bulletins and its parked FlowFile are the expected outcome
                run.expected_failures.update({uuid: f.node(uuid) for uuid in f.uuids})
                run.expected_failure_names |= f.filenames()
            outcome = failed[0] if case.failure else "no FlowFile reached a failure port"
            return CaseResult(case.name, True, f"{seen}; {outcome}" if seen else outcome)
        if stalled or time.monotonic() >= deadline:
            waiting = [f"no {e.label}" for e in missing] + (["no FlowFile reached a failure port"] if case.failure else [])
            return CaseResult(case.name, False, f"timed out after {run.opts.case_timeout:g}s: "
                              + ", ".join(waiting) + f"; {f.last_seen()}{stalled}")
        time.sleep(run.nifi.timing.poll_interval)


def _entity(run: Run, kind: str, cid: str, comp: str) -> dict | None:
    return run.nifi.get(f"/{kind}/{cid}", step=STEP, component=comp, allow_404=True)


def _set_state(run: Run, kind: str, entity: dict, state: str, comp: str) -> dict | None:
    """Schedule and wait (a stopped component that still has threads cannot be deleted nor have its
    connections deleted)."""
    return schedule.component(run, KIND[kind], entity, state, step=STEP, name=comp, timeout=run.opts.case_timeout)


def _delete(run: Run, kind: str, entity: dict, comp: str) -> None:
    run.nifi.request("DELETE", f"/{kind}/{entity['id']}", step=STEP, component=comp, allow_404=True,
                     params={"version": str(revision(entity)["version"]), "clientId": CLIENT_ID})


def _drop(run: Run, cid: str, comp: str) -> None:
    run.nifi.async_request(f"/flowfile-queues/{cid}/drop-requests", "dropRequest", step=STEP, component=comp,
                           what="emptying the temporary connection", fix="check NiFi's load",
                           timeout=run.opts.case_timeout)


def cleanup(run: Run, case: Case, live: dict[str, str], temp: Temp) -> None:
    """Stop and delete what the case added; NiFi deletes a connection only when its queue is empty and
    neither end is running, so the destination is stopped for that moment and restarted after."""
    comp = f"temporary processor {temp_name(case)!r} in group {case.entry.group_name!r}"
    try:
        proc = _entity(run, "processors", temp.processor, comp) if temp.processor else None
        if proc:  # RUN_ONCE leaves it STOPPED; wait for its one task to end
            proc = _set_state(run, "processors", proc, "STOPPED", comp)
        conn = _entity(run, "connections", temp.connection, comp) if temp.connection else None
        if conn:
            queued = (((conn.get("status") or {}).get("aggregateSnapshot") or {}).get("flowFilesQueued")) or 0
            if int(queued):
                _drop(run, conn["id"], comp)
            kind = RUN_STATUS.get(case.entry.target_type)  # funnels cannot be stopped and need not be
            dest = _entity(run, kind, live[case.entry.target], comp) if kind else None
            restart = dest is not None and dest["component"].get("state") == "RUNNING"
            if restart:
                _set_state(run, kind, dest, "STOPPED", comp)
            try:
                _delete(run, "connections", conn, comp)
            finally:
                dest = _entity(run, kind, dest["id"], comp) if restart else None
                if dest:
                    _set_state(run, kind, dest, "RUNNING", comp)
        proc = _entity(run, "processors", proc["id"], comp) if proc else None  # its current revision
        if proc:
            _delete(run, "processors", proc, comp)
    except HarnessError as exc:
        raise HarnessError(STEP, comp, f"could not be removed after case '{case.name}' ({exc.message})",
                           "rerun (the deploy step reverts local modifications of the versioned group), or delete "
                           "it and its connection in NiFi by hand", redact=run.redact) from None


def run_cases(run: Run) -> None:
    """Each case in turn; a case's failure is a result, a NiFi error (or a failed cleanup) stops the run."""
    live = instance_ids(run)
    bundle = generate_bundle(run)
    for case in run.cases:
        for vid, name in ((case.entry.group, case.entry.group_name), (case.entry.target, case.entry.target_name)):
            if vid not in live:
                raise HarnessError(STEP, f"case '{case.name}'", f"{name!r} is not in the deployed flow",
                                   "rerun: the deploy step restores the registry version")
        temp = Temp(group=live[case.entry.group])
        result = None
        deadline = time.monotonic() + run.opts.case_timeout
        try:
            # Every call of the case ends by the case's deadline, a slow answer included.
            with run.nifi.deadline(deadline):
                baseline = failure_counts(run, live, failure_queues(run))
                inject(run, case, live, bundle, temp)
                result = follow(run, case, live, temp, deadline, baseline)
        except CallTimeout as exc:
            result = CaseResult(case.name, False, f"timed out after {run.opts.case_timeout:g}s: NiFi did not answer "
                                f"in time ({exc.message})")
        finally:
            cleanup(run, case, live, temp)
        run.case_results.append(result)
        run.say(STEP, f"case '{case.name}': {'passed' if result.passed else 'FAILED'}")


def plan(case: Case, nifi_url: str) -> list[tuple[str, str, str]]:
    """(method, path, note) of the calls one case makes, for --dry-run."""
    group, target = f"{{{case.entry.group_name}}}", f"'{case.entry.target_name}' ({case.entry.target_type})"
    attrs = f", attributes {', '.join(sorted(case.attributes))}" if case.attributes else ""
    expects = [e.label + (f", body {e.body_file} ({e.compare})" if e.body_file else "") for e in case.events]
    if case.failure:
        expects.append("a FlowFile at a failure port")
    return [
        ("POST", f"{nifi_url}/process-groups/{group}/processors",
         f"temporary GenerateFlowFile: {len(case.body)} bytes of {case.body_file}{attrs}"),
        ("PUT", f"{nifi_url}/processors/{{id}}", "its properties"),
        ("POST", f"{nifi_url}/process-groups/{group}/connections", f"GenerateFlowFile -> {target}"),
        ("GET", f"{nifi_url}/processors/{{id}}", "until VALID, then PUT .../run-status RUN_ONCE (primary node only)"),
        ("POST", f"{nifi_url}/provenance", "then GET/DELETE /provenance/{id}, until: " + "; ".join(expects)),
        ("GET", f"{nifi_url}/provenance-events/{{id}}[/content/output]", "the matched events' attributes and content"),
        ("GET", f"{nifi_url}/flowfile-queues/{{id}}/flowfiles/{{uuid}}", ("only when a failure queue grew: is a "
         "FlowFile of the case there")),
        ("DELETE", f"{nifi_url}/connections/{{id}}, /processors/{{id}}",
         "always: stop, drop what is queued, delete (the destination is stopped for the delete and restarted)"),
    ]
