"""Step (e): refuse an upgrade while the integration still holds data.

An upgrade that changes connections can strand or drop queued FlowFiles, so a version
change is allowed only when the integration's queues are at or below `--max-queued`
(default 0). With `--drain`, the ingress groups are stopped first and the queues are
given `--drain-timeout` to empty; if they do not, ingress is restarted (NiFi is left
as it was) and the upgrade is refused.
"""
from __future__ import annotations

from .context import Run
from .errors import HarnessError


def queued(run: Run, pg_id: str) -> int:
    status = run.nifi.get(f"/flow/process-groups/{pg_id}/status", params={"recursive": "true"},
                          step="drain", component=f"process group '{run.art.flow_name}'")
    return int(((status.get("processGroupStatus") or {}).get("aggregateSnapshot") or {}).get("flowFilesQueued") or 0)


def _ingress_instance_ids(run: Run, pg_id: str) -> list[tuple[str, str]]:
    flow = run.nifi.get(f"/flow/process-groups/{pg_id}", step="drain", component=f"process group '{run.art.flow_name}'")
    wanted = {g["identifier"]: g["name"] for g in run.art.ingress_groups()}
    out = []
    for e in ((flow.get("processGroupFlow") or {}).get("flow") or {}).get("processGroups") or []:
        c = e.get("component") or {}
        if c.get("versionedComponentId") in wanted or c.get("name") in wanted.values():
            out.append((e["id"], c.get("name", e["id"])))
    return out


def _schedule(run: Run, gid: str, name: str, state: str) -> None:
    run.nifi.request("PUT", f"/flow/process-groups/{gid}", step="drain", component=f"group '{name}'",
                     json={"id": gid, "state": state})


def check_drained(run: Run, pg_id: str) -> None:
    comp = f"process group '{run.art.flow_name}'"
    n = queued(run, pg_id)
    limit = run.opts.max_queued
    if n <= limit:
        return
    if not run.opts.drain:
        raise HarnessError("drain", comp, f"{n} FlowFile(s) queued, the drain policy allows {limit}; upgrade refused",
                           "rerun with --drain to stop ingress and let the queues empty, or raise --max-queued")
    ingress = _ingress_instance_ids(run, pg_id)
    for gid, name in ingress:
        _schedule(run, gid, name, "STOPPED")
    run.say("drain", f"{n} FlowFile(s) queued: stopped ingress ({', '.join(n for _, n in ingress) or 'none'}), "
                     f"waiting up to {run.opts.drain_timeout:g}s")
    try:
        run.nifi.poll(lambda: queued(run, pg_id), lambda q: q <= limit, step="drain", component=comp,
                      what=f"draining to {limit} queued FlowFile(s)", timeout=run.opts.drain_timeout,
                      fix="upgrade refused and ingress restarted; find what holds the data (failure queues?) "
                          "or raise --drain-timeout / --max-queued")
    except HarnessError:
        for gid, name in ingress:  # leave NiFi as it was
            _schedule(run, gid, name, "RUNNING")
        raise
    run.say("drain", "queues drained; ingress stays stopped until the flow is started")
