"""The harness's conditions, as the Integration resource states them (its CRD: data/kubernetes/integration.crd.yaml;
seed 000, "Operator internals"): one per type, in the CRD's order, Ready last, each True, False or Unknown with a
CamelCase reason and the harness's own words as the message.

`integration()` is the one place they are computed: the printed report (assertions.report) and the status
document (`--status-file`, status.py) both take its answer, so they cannot disagree.

What the harness checks, and where it lands:
  SecretsReady       every parameter value resolved (environment, --secrets-dir)
  DependenciesReady  NiFi (and the NiFi Registry) answered
  WorkloadReady      every NiFi node has heap and repository disk left (health.py)
  RegistrySynced     the snapshot is a version in the Registry; Unknown (NoRegistry) with --no-registry
  FlowDeployed       the process group exists
  FlowSynced         the group is at the Registry version (or matches flow-definition.json), no local change
  FlowRunning        every processor and port runs and is valid
  BackpressureOK     no connection at its threshold
  BulletinsOK        the flow signalled no error during this run: no ERROR bulletin (WARNING with
                     --fail-on-warning), and no FlowFile newly parked in `parked failures` (reason FailuresParked)
  EndpointReachable  each HTTP IN listener accepts a TCP connection, and every golden case (--cases) passed;
                     Unknown (NothingToProbe) when there is neither
  Ready              no condition is False
"""
from __future__ import annotations

from dataclasses import dataclass

from .context import Run
from .errors import HarnessError

# The Integration's condition types, in the CRD's order; Ready last.
TYPES = ("SecretsReady", "DependenciesReady", "WorkloadReady", "RegistrySynced", "FlowDeployed", "FlowSynced",
         "FlowRunning", "BackpressureOK", "BulletinsOK", "EndpointReachable", "Ready")
# A failed step (HarnessError.step) -> the condition it leaves False; steps not listed fail Ready only.
FROM_STEP = {"parameters": "SecretsReady", "secrets": "SecretsReady", "registry": "RegistrySynced",
             "registry-client": "DependenciesReady", "deploy": "FlowDeployed", "services": "FlowRunning",
             "start": "FlowRunning", "assert": "Ready"}


@dataclass
class Check:
    """What the assert step found, in the harness's words; ok None: not looked at."""
    name: str
    ok: bool | None
    message: str


@dataclass(frozen=True)
class Condition:
    type: str
    status: str  # "True", "False" or "Unknown"
    reason: str
    message: str

    def line(self) -> str:
        return f"{self.type:<17} {self.status:<7} {self.reason:<20} {self.message}"


def integration(run: Run | None, checks: list[Check] | None, error: HarnessError | None) -> list[Condition]:
    """One Condition per Integration type: what this run established, Unknown where it did not look."""
    out: dict[str, Condition] = {}

    def put(kind: str, ok: bool | None, reason: str, message: str) -> None:
        out[kind] = Condition(kind, "Unknown" if ok is None else "True" if ok else "False", reason, message)

    found = {c.name: c for c in checks or []}

    def mapped(name: str, kind: str, yes: str, no: str) -> None:
        if name in found:
            c = found[name]
            put(kind, c.ok, yes if c.ok else no if c.ok is False else "NotChecked", c.message)

    if run is not None:
        sensitive = sum(1 for p in run.art.parameters() if p.get("sensitive") and p["name"] in run.values)
        put("SecretsReady", True, "ValuesResolved", f"{len(run.values)} parameter value(s) resolved, {sensitive} "
            "sensitive")
        if run.pg_id:
            put("DependenciesReady", True, "Reachable", "NiFi" + (" and the NiFi Registry" if run.registry else "")
                + " answered")
        if run.opts.no_registry:
            put("RegistrySynced", None, "NoRegistry", "deployed from flow-definition.json without a Registry")
        elif run.version:
            put("RegistrySynced", True, "VersionImported",
                f"bucket {run.bucket_id} flow {run.flow_id} version {run.version}")
        if run.pg_id:
            put("FlowDeployed", True, "ProcessGroupDeployed", f"process group {run.pg_id}")
    mapped("NodeHealthy", "WorkloadReady", "NodesHealthy", "NodeShortOfResources")
    mapped("FlowSynced", "FlowSynced", "UpToDate", "NotUpToDate")
    mapped("FlowRunning", "FlowRunning", "AllRunning", "NotAllRunning")
    mapped("BackpressureOK", "BackpressureOK", "BelowThreshold", "AtThreshold")
    if "BulletinsOK" in found:
        bulletins, parked = found["BulletinsOK"], found.get("FailuresParked")
        ok = bulletins.ok is not False and (parked is None or parked.ok is not False)
        reason = "NoBulletins" if ok else "BulletinsRaised" if bulletins.ok is False else "FailuresParked"
        put("BulletinsOK", ok, reason, "; ".join(c.message for c in (bulletins, parked) if c is not None))
    _endpoints(run, found.get("Listeners"), put)
    if found:
        bad = [kind for kind in TYPES if kind in out and out[kind].status == "False"]
        message = "all conditions hold" if not bad else "not ready: " + ", ".join(bad)
        results = run.case_results if run is not None else []
        if results:
            failed = [r.name for r in results if not r.passed]
            message += f"; cases {len(results) - len(failed)}/{len(results)} passed" + \
                (f" (failed: {', '.join(failed)})" if failed else "")
        put("Ready", not bad, "NotReady" if bad else "AllConditionsHold", message)
    if error is not None:
        failed = FROM_STEP.get(error.step, "Ready")
        put(failed, False, "StepFailed", error.line())
        if failed != "Ready":
            put("Ready", False, "StepFailed", f"step {error.step} failed")
    return [out.get(kind) or Condition(kind, "Unknown", "NotChecked", "this run did not establish it")
            for kind in TYPES]


def _endpoints(run: Run | None, listeners: Check | None, put) -> None:
    """EndpointReachable: the HTTP IN listeners probed (assertions.evaluate) and the golden cases run."""
    results = run.case_results if run is not None else []
    if listeners is None and not results:
        if run is not None and run.pg_id:
            put("EndpointReachable", None, "NothingToProbe", "no HTTP IN listener to probe and no golden case "
                "(--cases)")
        return
    failed = [r.name for r in results if not r.passed]
    words = [listeners.message] if listeners is not None else []
    if results:
        words.append(f"golden cases failed: {', '.join(failed)}" if failed else
                     f"{len(results)} golden case(s) reached their endpoints")
    if listeners is not None and listeners.ok is False:
        ok, reason = False, "ListenerUnreachable"
    elif failed:
        ok, reason = False, "CasesFailed"
    elif results:
        ok, reason = True, "CasesPassed"
    elif listeners is not None and listeners.ok:
        ok, reason = True, "ListenersAccepting"
    else:
        ok, reason = None, "NotChecked"
    put("EndpointReachable", ok, reason, "; ".join(words))
