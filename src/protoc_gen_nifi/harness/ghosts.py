"""Components NiFi could not load (ghosts), named with their type and NAR, and why the harness never starts them.

NiFi imports a processor or controller service whose NAR it lacks as a *ghost* (GhostProcessor,
GhostControllerService; the entity says `extensionMissing: true`): it keeps the configuration but can never run
it, and it is INVALID for ever ("Missing Processor"). A ghost must not be started (paths below
nifi-framework-bundle/nifi-framework/, rel/nifi-2.3.0 and rel/nifi-2.11.0):

- Started, an invalid processor goes STARTING and retries every 500 ms until it becomes valid, which a ghost
  never does (nifi-framework-components/.../StandardProcessorNode.initiateStart).
- While STARTING and INVALID it reports itself STOPPED (StandardProcessorNode.getScheduledState), so it is not
  running to a group stop (nifi-framework-core-api/.../groups/ProcessGroup.STOP_PROCESSORS_FILTER =
  `Triggerable::isRunning`), and a stop of the processor itself asks for the state it already shows, which does
  nothing (nifi-web-api/.../dao/impl/StandardProcessorDAO.updateProcessor): nothing the REST API offers stops it.
- Whenever it is revalidated (a connection added or removed: StandardProcessorNode.resetValidationState) it shows
  VALIDATING, hence RUNNING, hence `isRunning()`: deleting its group removes connections, then fails with "Cannot
  delete GhostProcessor[...] because Processor is running" (verifyCanDelete) with part of the group already gone
  (seen on NiFi 2.3.0). The first two points hold for any processor started while invalid: the probe
  `b6_invalid_start_outlives_a_group_stop` (tests/harness/fakenifi/behaviours.py) shows it on a real NiFi.

So the start step starts nothing in a group that has a ghost (`assertions.start`); the run reports the ghosts,
FlowRunning names them, and Ready stays False until their NARs are installed.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import inventory
from .context import Run


@dataclass(frozen=True)
class Ghost:
    id: str
    versioned_id: str | None
    label: str  # e.g. "processor 'map erp_http_out' in 'order_to_erp/mapping'"
    type: str
    bundle: str  # e.g. "nifi-scripting-nar 2.3.0"

    def __str__(self) -> str:
        return f"{self.label}: {self.type} from {self.bundle}"


def _bundle(component: dict) -> str:
    b = component.get("bundle") or {}
    return f"{b.get('artifact') or '?'} {b.get('version') or '?'}"


def services(run: Run, step: str, gid: str) -> list[dict]:
    """Every controller service of the group and the groups below it."""
    listing = run.nifi.get(f"/flow/process-groups/{gid}/controller-services", step=step,
                           component=f"process group '{run.art.flow_name}'",
                           params={"includeAncestorGroups": "false", "includeDescendantGroups": "true"}) or {}
    return listing.get("controllerServices") or []


def find(run: Run, step: str, walked: list[inventory.Component] | None = None,
         listed: list[dict] | None = None) -> list[Ghost]:
    """The ghosts of the deployed group, processors (in the walk's order) then services."""
    walked = inventory.walk(run, step) if walked is None else walked
    listed = services(run, step, run.pg_id) if listed is None else listed
    paths = {c.id: f"{c.group_path}/{c.name}" for c in walked if c.kind == "PROCESS_GROUP"}
    paths[run.pg_id] = run.art.flow_name
    out = [Ghost(c.id, c.versioned_id, c.label, c.entity["component"].get("type") or "?",
                 _bundle(c.entity["component"]))
           for c in walked if c.kind == "PROCESSOR" and (c.entity.get("component") or {}).get("extensionMissing")]
    for s in listed:
        comp = s.get("component") or {}
        if comp.get("extensionMissing"):
            where = paths.get(comp.get("parentGroupId"), run.art.flow_name)
            out.append(Ghost(s["id"], comp.get("versionedComponentId"),
                             f"controller service '{comp.get('name')}' in '{where}'", comp.get("type") or "?",
                             _bundle(comp)))
    return out


def report(run: Run, step: str = "deploy") -> list[Ghost]:
    """Find the ghosts, keep them on the run, and say each with its type and NAR."""
    run.ghosts = find(run, step)
    if run.ghosts:
        run.say(step, f"NiFi cannot load {len(run.ghosts)} component(s) of process group '{run.art.flow_name}' "
                      "(their NAR is not installed in this NiFi; install it, or generate for a NiFi that has it):")
        for g in run.ghosts:
            run.say(step, f"  missing: {g}")
    return run.ghosts
