"""The harness's conditions as the `status` of the Integration resource (kubernetes/integration.yaml, its CRD in
data/kubernetes/integration.crd.yaml): metav1.Condition entries, exactly the conditions the report prints
(conditions.integration computes both). `--status-file` writes it.
"""
from __future__ import annotations

import datetime
from pathlib import Path

import yaml

from .conditions import TYPES, Condition
from .context import Run

API_VERSION = "integration.ameide.io/v1alpha1"
__all__ = ["API_VERSION", "TYPES", "conditions", "document", "write"]


def conditions(conds: list[Condition], generation: int, now: str) -> list[dict]:
    """conditions.integration()'s answer (the very conditions the report prints) as metav1.Condition entries."""
    return [{"type": c.type, "status": c.status, "observedGeneration": generation, "lastTransitionTime": now,
             "reason": c.reason, "message": c.message} for c in conds]


def document(name: str, namespace: str, conds: list[dict], generation: int, run: Run | None) -> dict:
    status: dict = {"observedGeneration": generation, "conditions": conds}
    if run is not None and run.version and not run.opts.no_registry:
        status["registry"] = {"bucketId": run.bucket_id, "flowId": run.flow_id, "version": run.version}
    return {"apiVersion": API_VERSION, "kind": "Integration", "metadata": {"name": name, "namespace": namespace},
            "status": status}


def write(path: Path, folder: Path, integration: str, run: Run | None, conds: list[Condition],
          generation: int = 1, now: str | None = None) -> None:
    """The status document for `folder`'s Integration (name and namespace from kubernetes/integration.yaml)."""
    name, namespace = integration.replace("_", "-"), "default"
    try:
        meta = (yaml.safe_load((folder / "kubernetes" / "integration.yaml").read_text(encoding="utf-8")) or {})
        name, namespace = meta["metadata"]["name"], meta["metadata"].get("namespace", namespace)
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        pass  # generated with kubernetes=false: the names the generator would have used
    now = now or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if run is not None:  # the report prints them redacted; so does the document
        conds = [Condition(c.type, c.status, c.reason, run.redact(c.message)) for c in conds]
    doc = document(name, namespace, conditions(conds, generation, now), generation, run)
    Path(path).write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=float("inf")),
                          encoding="utf-8")
