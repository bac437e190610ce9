"""Step (e): refuse an upgrade while the integration still holds data.

An upgrade that changes connections can strand or drop queued FlowFiles (NiFi refuses to remove a connection
that holds data), so a version change is allowed only when the integration's queues are at or below
`--max-queued` (default 0). With `--drain`, only the *source* processors are stopped (those of the ingress groups
that nothing feeds: the consumers, listeners and schedules), so everything downstream keeps running and empties
the queues; stopping whole ingress groups would strand the FlowFiles between a consumer and the next step. The
queues get `--drain-timeout` seconds; if they do not empty, the sources are started again (NiFi is left as it
was) and the upgrade is refused. After the upgrade the start step starts them.
"""
from __future__ import annotations

from . import inventory, schedule
from .artifacts import Artifacts
from .assertions import connection_snapshots, parked_live_id
from .context import Run
from .errors import HarnessError

STEP = "drain"


def queued(run: Run, pg_id: str, *, parked_too: bool = False) -> int:
    """FlowFiles queued in the group; for the upgrade policy, apart from the `parked failures` (removing the group
    counts them too: `parked_too`). Parked failures wait for an operator, never drain,
    and an upgrade keeps them (the generator gives that connection the same versioned id in every version, and
    NiFi updates a kept connection in place, its queue with it: StandardVersionedComponentSynchronizer.synchronizeConnections,
    nifi-framework-components, rel/nifi-2.3.0); counting them would refuse every upgrade after one failure."""
    status = run.nifi.get(f"/flow/process-groups/{pg_id}/status", params={"recursive": "true"},
                          step=STEP, component=f"process group '{run.art.flow_name}'") or {}
    total = int(((status.get("processGroupStatus") or {}).get("aggregateSnapshot") or {}).get("flowFilesQueued") or 0)
    cid = None if parked_too else parked_live_id(run, pg_id, STEP)
    if cid is None:
        return total
    parked = {c.get("id"): int(c.get("flowFilesQueued") or 0) for c in connection_snapshots(status)}
    return total - parked.get(cid, 0)


def sources(art: Artifacts) -> list[tuple[dict, dict]]:
    """(ingress group, processor) of each processor of the ingress groups that no connection feeds."""
    out = []
    for g in art.ingress_groups():
        fed = {c["destination"]["id"] for c in g.get("connections") or []}
        out += [(g, p) for p in g.get("processors") or [] if p["identifier"] not in fed]
    return out


def _schedule(run: Run, sources: list[inventory.Component], state: str) -> None:
    for c in sources:
        entity = schedule.get(run, "PROCESSOR", c.id, step=STEP, component=c.label)
        if entity is not None:
            schedule.component(run, "PROCESSOR", entity, state, step=STEP, name=c.label)


def check_drained(run: Run, pg_id: str) -> None:
    comp = f"process group '{run.art.flow_name}'"
    n = queued(run, pg_id)
    limit = run.opts.max_queued
    if n <= limit:
        return
    if not run.opts.drain:
        raise HarnessError(STEP, comp, f"{n} FlowFile(s) queued, the drain policy allows {limit}; upgrade refused",
                           "rerun with --drain to stop the sources and let the queues empty, or raise --max-queued")
    wanted = {p["identifier"] for _, p in sources(run.art)}
    running = [c for c in inventory.walk(run, STEP, pg_id) if c.versioned_id in wanted and c.state == "RUNNING"]
    _schedule(run, running, "STOPPED")
    run.change(STEP, f"{n} FlowFile(s) queued: stopped the sources ({', '.join(c.label for c in running) or 'none'}), "
                  f"waiting up to {run.opts.drain_timeout:g}s")
    try:
        run.nifi.poll(lambda: queued(run, pg_id), lambda q: q <= limit, step=STEP, component=comp,
                      what=f"draining to {limit} queued FlowFile(s)", timeout=run.opts.drain_timeout,
                      fix="upgrade refused and the sources restarted; find what holds the data (failure queues?) "
                          "or raise --drain-timeout / --max-queued")
    except HarnessError:
        _schedule(run, running, "RUNNING")  # leave NiFi as it was
        raise
    run.say(STEP, "queues drained; the sources stay stopped until the flow is started")
