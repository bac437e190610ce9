"""Step (b): the process group, version-controlled from the Registry.

Absent: create it from the registry version. Locally modified (drift: any versioned component edited, added
or deleted by hand): the differences NiFi found are reported, then an async revert request restores the
registered version, so hand edits do not survive a deploy. At another version: an async update request (after
the drain check); NiFi refuses to update a group with local modifications (409: StandardProcessGroup.
verifyCanUpdate; BEHAVIOUR 4), which is why the revert comes first.
"""
from __future__ import annotations

from .client import CLIENT_ID, revision
from .context import Run
from .drain import check_drained
from .errors import HarnessError

MODIFIED = {"LOCALLY_MODIFIED", "LOCALLY_MODIFIED_AND_STALE"}


def find_group(run: Run) -> dict | None:
    parent = run.opts.parent_group
    comp = f"process group '{run.art.flow_name}'"
    flow = run.nifi.get(f"/flow/process-groups/{parent}", step="deploy", component=comp)
    groups = ((flow.get("processGroupFlow") or {}).get("flow") or {}).get("processGroups") or []
    by_name = None
    for e in groups:
        c = e.get("component") or {}
        vci = c.get("versionControlInformation") or {}
        if vci.get("flowId") == run.flow_id and vci.get("bucketId") == run.bucket_id:
            return e
        if c.get("name") == run.art.flow_name:
            by_name = e
    if by_name is not None:
        raise HarnessError("deploy", comp, "a process group with this name exists but is not under version control "
                           "of this Registry flow", "delete or rename it in NiFi, then rerun")
    return None


def _vci(run: Run, pg_id: str) -> dict:
    return {"groupId": pg_id, "registryId": run.registry_client_id, "bucketId": run.bucket_id,
            "flowId": run.flow_id, "version": str(run.version)}


def _async_request(run: Run, kind: str, pg_id: str) -> None:
    """POST /versions/{kind}-requests/process-groups/{id}, poll, delete (FORMAT.md §8.4)."""
    comp = f"process group '{run.art.flow_name}'"

    def body() -> dict:
        vci = run.nifi.get(f"/versions/process-groups/{pg_id}", step="deploy", component=comp)
        return {"processGroupRevision": revision({"revision": vci.get("processGroupRevision")}),
                "versionControlInformation": _vci(run, pg_id)}

    done = run.nifi.async_request(f"/versions/{kind}-requests/process-groups/{pg_id}", "request", body=body,
                                  get_path=lambda rid: f"/versions/{kind}-requests/{rid}", step="deploy",
                                  component=comp, what=f"the version {kind} request",
                                  fix="check NiFi's bulletins; rerun to retry")
    if done.get("failureReason"):
        raise HarnessError("deploy", comp, f"NiFi failed the {kind}: {done['failureReason']}",
                           "fix what NiFi reports (often a component that cannot stop) and rerun", redact=run.redact)


def deploy(run: Run) -> str:
    comp = f"process group '{run.art.flow_name}'"
    existing = find_group(run)
    if existing is None:
        body = {"revision": {"version": 0, "clientId": CLIENT_ID},
                "component": {"position": {"x": 0.0, "y": 0.0},
                              "versionControlInformation": {k: v for k, v in _vci(run, "").items() if k != "groupId"}}}
        created = run.nifi.request("POST", f"/process-groups/{run.opts.parent_group}/process-groups",
                                   step="deploy", component=comp, json=body)
        run.change("deploy", f"created {comp} at registry version {run.version}")
        return created["id"]
    pg_id = existing["id"]
    vci = (existing.get("component") or {}).get("versionControlInformation") or {}
    live_version, state = str(vci.get("version")), vci.get("state")
    if state == "SYNC_FAILURE":
        raise HarnessError("deploy", comp, f"NiFi cannot sync with the Registry: {vci.get('stateExplanation')}",
                           "check the registry client URL NiFi uses (--registry-url-for-nifi) and rerun")
    if state in MODIFIED:
        report_drift(run, pg_id)
        _async_request(run, "revert", pg_id)
        run.change("deploy", f"reverted local changes (drift) in {comp} to version {live_version}")
    if live_version != str(run.version):
        check_drained(run, pg_id)
        _async_request(run, "update", pg_id)
        run.change("deploy", f"updated {comp} from version {live_version} to {run.version}")
    elif state not in MODIFIED:
        run.say("deploy", f"{comp} is at version {run.version} ({state or 'UP_TO_DATE'})")
    return pg_id


def report_drift(run: Run, pg_id: str, limit: int = 20) -> None:
    """Say what the revert will undo: NiFi's own list of local modifications (GET .../local-modifications)."""
    comp = f"process group '{run.art.flow_name}'"
    found = run.nifi.get(f"/process-groups/{pg_id}/local-modifications", step="deploy", component=comp) or {}
    lines = [f"{(d.get('componentType') or 'component').lower().replace('_', ' ')} '{d.get('componentName') or '?'}': "
             f"{x.get('difference') or x.get('differenceType')}"
             for d in found.get("componentDifferences") or [] for x in d.get("differences") or []]
    for line in lines[:limit]:
        run.say("deploy", f"drift: {line}")
    if len(lines) > limit:
        run.say("deploy", f"drift: ... and {len(lines) - limit} more")


def run_deploy(run: Run) -> None:
    run.pg_id = deploy(run)
