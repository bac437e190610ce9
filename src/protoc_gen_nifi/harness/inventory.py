"""What is deployed: a walk of the integration's process groups, with every processor's and port's state and
validity as NiFi reports them, so a step can name the exact component that is stopped or invalid and why.

NiFi's own counts are not enough: they say how many, not which or why. A processor started while invalid is
STARTING yet shows STOPPED and counts as invalid (StandardProcessorNode.getScheduledState; StandardProcessGroup.
getCounts), and an invalid port is never started and counts as invalid (BEHAVIOUR 13). The walk reads each component's `validationStatus` (processors)
or `validationErrors` (ports, which have no status).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .context import Run

KINDS = (("processors", "PROCESSOR"), ("inputPorts", "INPUT_PORT"), ("outputPorts", "OUTPUT_PORT"),
         ("funnels", "FUNNEL"), ("connections", "CONNECTION"))
LABELS = {"PROCESSOR": "processor", "INPUT_PORT": "input port", "OUTPUT_PORT": "output port", "FUNNEL": "funnel",
          "CONNECTION": "connection", "PROCESS_GROUP": "process group"}
_BECAUSE = re.compile(r"is invalid because (.*)$", re.DOTALL)


@dataclass
class Component:
    id: str
    kind: str  # PROCESSOR | INPUT_PORT | OUTPUT_PORT | FUNNEL | CONNECTION | PROCESS_GROUP
    name: str
    group_id: str
    group_path: str  # e.g. "order_to_erp/egress erp_http_out"
    versioned_id: str | None
    state: str | None = None  # RUNNING | STOPPED | DISABLED | RUN_ONCE (logical, as NiFi shows it)
    validation: str | None = None  # VALID | INVALID | VALIDATING
    errors: list[str] = field(default_factory=list)
    threads: int = 0
    entity: dict = field(default_factory=dict, repr=False)

    @property
    def label(self) -> str:
        return f"{LABELS[self.kind]} '{self.name}' in '{self.group_path}'"

    def why(self) -> str:
        """NiFi's reasons, without the repeated "'<subject>' is invalid because" prefix."""
        reasons = [(m.group(1) if (m := _BECAUSE.search(e)) else e).strip() for e in self.errors]
        return "; ".join(" ".join(r.split()) for r in reasons) or (self.validation or "").lower()


def _component(kind: str, e: dict, gid: str, path: str) -> Component:
    c = e.get("component") or {}
    snap = (e.get("status") or {}).get("aggregateSnapshot") or {}
    errors = list(c.get("validationErrors") or [])
    validation = c.get("validationStatus") or (("INVALID" if errors else "VALID") if kind.endswith("_PORT") else None)
    name = c.get("name") or (LABELS[kind] if kind == "FUNNEL" else e["id"])
    return Component(e["id"], kind, name, gid, path, c.get("versionedComponentId"), c.get("state"), validation, errors,
                     int(snap.get("activeThreadCount") or 0), e)


def walk(run: Run, step: str, root: str | None = None) -> list[Component]:
    """Every group, processor, port, funnel and connection under `root` (default: the deployed group)."""
    root = root or run.pg_id
    out: list[Component] = []
    queue = [(root, run.art.flow_name)]
    while queue:  # breadth first, in NiFi's order: a stable report
        gid, path = queue.pop(0)
        flow = run.nifi.get(f"/flow/process-groups/{gid}", step=step,
                            component=f"process group '{path}'")["processGroupFlow"]["flow"]
        for key, kind in KINDS:
            out.extend(_component(kind, e, gid, path) for e in flow.get(key) or [])
        for e in flow.get("processGroups") or []:
            c = e.get("component") or {}
            out.append(Component(e["id"], "PROCESS_GROUP", c.get("name") or e["id"], gid, path,
                                 c.get("versionedComponentId"), entity=e))
            queue.append((e["id"], f"{path}/{c.get('name') or e['id']}"))
    return out


def instance_ids(components: list[Component]) -> dict[str, str]:
    """versioned id -> instance id (NiFi keeps the snapshot's identifiers as `versionedComponentId`)."""
    return {c.versioned_id: c.id for c in components if c.versioned_id}


def schedulable(components: list[Component]) -> list[Component]:
    """The processors and ports: what runs, stops, and is counted."""
    return [c for c in components if c.kind in ("PROCESSOR", "INPUT_PORT", "OUTPUT_PORT")]
