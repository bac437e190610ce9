"""The harness's conditions as the `status` of the Integration resource (kubernetes/integration.yaml, its CRD in
data/kubernetes/integration.crd.yaml): metav1.Condition entries with the design's types (seed 000, "Operator
internals"), a CamelCase reason and the harness's own words as the message. `--status-file` writes it.
"""
from __future__ import annotations

import datetime
from pathlib import Path

import yaml

from .assertions import Condition
from .context import Run
from .errors import HarnessError

API_VERSION = "integration.ameide.io/v1alpha1"
# The Integration's condition types, in the CRD's order; Ready last.
TYPES = ("SecretsReady", "DependenciesReady", "WorkloadReady", "RegistrySynced", "FlowDeployed", "FlowSynced",
         "FlowRunning", "BackpressureOK", "BulletinsOK", "EndpointReachable", "Ready")
# harness condition -> (Integration condition, reason when True, reason when False)
FROM_HARNESS = {
    "NodeHealthy": ("WorkloadReady", "NodesHealthy", "NodeShortOfResources"),
    "FlowSynced": ("FlowSynced", "UpToDate", "NotUpToDate"),
    "FlowRunning": ("FlowRunning", "AllRunning", "NotAllRunning"),
    "BackpressureOK": ("BackpressureOK", "BelowThreshold", "AtThreshold"),
    "BulletinsOK": ("BulletinsOK", "NoBulletins", "BulletinsRaised"),
    "Ready": ("Ready", "AllConditionsHold", "NotReady"),
}
# A failed step (HarnessError.step) -> the condition it leaves False; steps not listed fail Ready only.
FROM_STEP = {"parameters": "SecretsReady", "secrets": "SecretsReady", "registry": "RegistrySynced",
             "registry-client": "DependenciesReady", "deploy": "FlowDeployed", "services": "FlowRunning",
             "start": "FlowRunning", "assert": "Ready"}


def _condition(kind: str, status: str, reason: str, message: str, generation: int, now: str) -> dict:
    return {"type": kind, "status": status, "observedGeneration": generation, "lastTransitionTime": now,
            "reason": reason, "message": message}


def conditions(run: Run | None, conds: list[Condition] | None, error: HarnessError | None,
               generation: int, now: str) -> list[dict]:
    """One metav1.Condition per Integration type: what this run established, Unknown where it did not look."""
    out: dict[str, dict] = {}

    def put(kind: str, ok: bool | None, reason: str, message: str) -> None:
        status = "Unknown" if ok is None else "True" if ok else "False"
        out[kind] = _condition(kind, status, reason, message, generation, now)

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
        if run.case_results:
            failed = [r.name for r in run.case_results if not r.passed]
            put("EndpointReachable", not failed, "CasesFailed" if failed else "CasesPassed",
                f"golden cases failed: {', '.join(failed)}" if failed else
                f"{len(run.case_results)} golden case(s) reached their endpoints")
    for c in conds or []:
        if c.type in FROM_HARNESS:
            kind, yes, no = FROM_HARNESS[c.type]
            put(kind, c.status, yes if c.status else no, c.reason)
    if error is not None:
        failed = FROM_STEP.get(error.step, "Ready")
        put(failed, False, "StepFailed", error.line())
        if failed != "Ready":
            put("Ready", False, "StepFailed", f"step {error.step} failed")
    for kind in TYPES:
        out.setdefault(kind, _condition(kind, "Unknown", "NotChecked", "this run did not establish it",
                                        generation, now))
    return [out[kind] for kind in TYPES]


def document(name: str, namespace: str, conds: list[dict], generation: int, run: Run | None) -> dict:
    status: dict = {"observedGeneration": generation, "conditions": conds}
    if run is not None and run.version and not run.opts.no_registry:
        status["registry"] = {"bucketId": run.bucket_id, "flowId": run.flow_id, "version": run.version}
    return {"apiVersion": API_VERSION, "kind": "Integration", "metadata": {"name": name, "namespace": namespace},
            "status": status}


def write(path: Path, folder: Path, integration: str, run: Run | None, conds: list[Condition] | None,
          error: HarnessError | None, generation: int = 1, now: str | None = None) -> None:
    """The status document for `folder`'s Integration (name and namespace from kubernetes/integration.yaml)."""
    name, namespace = integration.replace("_", "-"), "default"
    try:
        meta = (yaml.safe_load((folder / "kubernetes" / "integration.yaml").read_text(encoding="utf-8")) or {})
        name, namespace = meta["metadata"]["name"], meta["metadata"].get("namespace", namespace)
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        pass  # generated with kubernetes=false: the names the generator would have used
    now = now or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    doc = document(name, namespace, conditions(run, conds, error, generation, now), generation, run)
    Path(path).write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=float("inf")),
                          encoding="utf-8")
