"""--undeploy: remove what the harness created for one integration, in the order NiFi allows, and say what stays.

NiFi deletes a process group only when nothing in it runs, every service in it is disabled and no queue holds
data (StandardProcessGroup.verifyCanDelete); a parameter context only when no group is bound to it; a registry
client only when no group tracks it (StandardProcessGroupDAO.verifyDeleteFlowRegistry). So: stop the group and
wait for its threads, refuse if FlowFiles are queued (unless --discard-queued: one empty-all-connections
request), disable its services, delete it; then the parameter context and the registry client if nothing else
uses them (NiFi's 409 says so: they are kept and named); then the Registry flow, and the bucket once empty.
Nothing is removed that the harness does not find by its names; a second run finds nothing and changes nothing.
Without a Registry (--no-registry) there is no registry client or Registry flow: the group (found by name, not
versioned: definition.find_group) and the parameter context are all there is.
"""
from __future__ import annotations

import time

from . import definition, deploy, drain, parameters, registry, schedule
from .client import CLIENT_ID, revision
from .context import Run
from .errors import HarnessError

STEP = "undeploy"
# NiFi's refusal to delete a processor that was started while invalid (a ghost, typically; ghosts.py): it removed
# the group's connections before refusing (StandardProcessGroup.removeComponents), and once the processor's
# validation settles again the next attempt gets further (seen on NiFi 2.3.0). The harness never starts such a
# group; someone else may have.
STARTED_INVALID = "because Processor is running"


def _delete(run: Run, path: str, what: str, entity: dict, retry_for: float = 0.0) -> bool:
    """DELETE with the entity's revision; False (kept, and said why) when NiFi answers that it is still in use.
    With `retry_for`, a refusal for a processor started while invalid is retried that long (re-reading the
    revision)."""
    until = time.monotonic() + retry_for
    while True:
        try:
            run.nifi.request("DELETE", path, step=STEP, component=what,
                             params={"version": str(revision(entity)["version"]), "clientId": CLIENT_ID})
        except HarnessError as err:
            if "HTTP 409" not in err.message:
                raise
            if STARTED_INVALID in err.message and time.monotonic() < until:
                run.say(STEP, f"NiFi refused to delete {what} for now ({err.message.split(': ', 1)[-1]}); retrying")
                time.sleep(run.nifi.timing.poll_interval)
                entity = run.nifi.get(path, step=STEP, component=what)
                continue
            run.say(STEP, f"kept {what}: still in use ({err.message.split(': ', 1)[-1]})")
            return False
        run.change(STEP, f"removed {what}")
        return True


def _disable_services(run: Run, gid: str) -> None:
    comp = f"process group '{run.art.flow_name}'"
    listing = run.nifi.get(f"/flow/process-groups/{gid}/controller-services", step=STEP, component=comp,
                           params={"includeAncestorGroups": "false", "includeDescendantGroups": "true"}) or {}
    for s in listing.get("controllerServices") or []:
        if (s.get("component") or {}).get("state") == "DISABLED":
            continue
        name = f"controller service '{(s.get('component') or {}).get('name')}'"
        run.nifi.update_with_revision(f"/controller-services/{s['id']}", "PUT", f"/controller-services/{s['id']}/run-status",
                                      lambda e: {"revision": revision(e), "state": "DISABLED"}, step=STEP, component=name)
        run.nifi.poll(lambda sid=s["id"], n=name: run.nifi.get(f"/controller-services/{sid}", step=STEP, component=n),
                      lambda e: e["component"].get("state") == "DISABLED", step=STEP, component=name,
                      what="reaching DISABLED", fix="check the service's bulletins in NiFi; rerun")
        run.change(STEP, f"disabled {name}")


def remove_group(run: Run, gid: str) -> None:
    comp = f"process group '{run.art.flow_name}'"
    schedule.group(run, gid, "STOPPED", step=STEP, name=run.art.flow_name)
    run.change(STEP, f"stopped {comp}")
    queued = drain.queued(run, gid, parked_too=True)
    if queued and not run.opts.discard_queued:
        raise HarnessError(STEP, comp, f"{queued} FlowFile(s) are queued; removing the group would lose them",
                           "let the flow empty them first (rerun the deploy with --drain on an upgrade, or start it "
                           "and wait), or pass --discard-queued to drop them")
    if queued:
        run.nifi.async_request(f"/process-groups/{gid}/empty-all-connections-requests", "dropRequest", step=STEP,
                               component=comp, what="emptying every queue of the group", fix="check NiFi's load")
        run.change(STEP, f"dropped {queued} queued FlowFile(s) of {comp}")
    _disable_services(run, gid)
    _delete(run, f"/process-groups/{gid}", comp, run.nifi.get(f"/process-groups/{gid}", step=STEP, component=comp),
            retry_for=run.nifi.timing.state_timeout)


def _context(run: Run) -> None:
    ctx = parameters.find_context(run)
    if ctx is not None:
        _delete(run, f"/parameter-contexts/{ctx['id']}", f"parameter context '{run.art.context_name}'", ctx)


def _done(run: Run) -> int:
    if not run.changes:
        run.say(STEP, f"nothing of integration '{run.art.integration}' found: nothing to remove")
    return 0


def run_undeploy(run: Run) -> int:
    if run.opts.no_registry:
        group = definition.find_group(run)
        if group is not None:
            remove_group(run, group["id"])
        _context(run)
        return _done(run)
    bucket = registry.find_bucket(run, STEP)
    flow = registry.find_flow(run, bucket["identifier"], STEP) if bucket else None
    if flow is not None:
        run.bucket_id, run.flow_id = bucket["identifier"], flow["identifier"]
        group = deploy.find_group(run)
        if group is not None:
            remove_group(run, group["id"])
    _context(run)
    client = registry.find_client(run, STEP)
    if client is not None:
        _delete(run, f"/controller/registry-clients/{client['id']}",
                f"registry client '{run.opts.registry_client_name}'", client)
    if flow is not None:
        what = f"flow '{run.art.flow_name}' in bucket '{run.opts.bucket}'"
        run.registry.request("DELETE", f"/buckets/{bucket['identifier']}/flows/{flow['identifier']}", step=STEP,
                             component=what, params={"version": str(revision(flow)["version"]), "clientId": CLIENT_ID})
        run.change(STEP, f"removed {what} (every version)")
    if bucket is not None and not run.registry.get(f"/buckets/{bucket['identifier']}/flows", step=STEP,
                                                   component=f"bucket '{run.opts.bucket}'"):
        run.registry.request("DELETE", f"/buckets/{bucket['identifier']}", step=STEP,
                             component=f"bucket '{run.opts.bucket}'",
                             params={"version": str(revision(bucket)["version"]), "clientId": CLIENT_ID})
        run.change(STEP, f"removed bucket '{run.opts.bucket}' (it held no other flow)")
    return _done(run)
