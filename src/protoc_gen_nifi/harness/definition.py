"""Step (b) without a Registry (`--no-registry`): the process group from nifi/flow-definition.json.

NiFi deploys a flow definition without any Registry (paths below nifi-framework-bundle/nifi-framework/nifi-web/
nifi-web-api/src/main/java/org/apache/nifi/web/api/, rel/nifi-2.3.0 and rel/nifi-2.11.0):

- **Absent**: `POST /process-groups/{parent}/process-groups/upload`, multipart form fields `groupName`,
  `positionX`, `positionY`, `clientId` and the file `file` (ProcessGroupResource.uploadProcessGroup; the same
  fields at both releases). A parameter context the definition names is reused by name, only missing parameters
  added (StandardVersionedComponentSynchronizer.selectParameterContext), so the context the parameters step
  filled is the one the group is bound to.
- **Present**: it is exported (`GET /process-groups/{id}/download`) and compared with the definition, component
  by component (flowdiff.py). Equal: nothing is sent. Different: the differences are listed and the group is
  replaced in place, keeping its id, by an asynchronous replace request (`POST /process-groups/{id}/replace-
  requests` with the definition, poll `GET /process-groups/replace-requests/{rid}` until `complete`, then DELETE
  it: FlowUpdateResource.initiateFlowUpdate); NiFi stops what the change affects, applies it, restarts it. NiFi
  refuses to replace a group under version control (409), hence a group of that name that is versioned is an error.
- NiFi records nothing about where a group came from, so the harness writes it: the definition it deploys ends
  its top group's comments with `protoc-gen-nifi definition sha256:<hash of flow-definition.json's flow>`. A
  group that differs from the definition it was deployed from was edited by hand (drift: reported line by line,
  then undone); one deployed from another definition is upgraded (after the drain policy, as a Registry upgrade).
- After an upload or a replace the group is compared again: a difference NiFi keeps (a setting it migrates on
  import, e.g. a flow generated for another NiFi version) is an error, not something every rerun would replace.
"""
from __future__ import annotations

import copy
import json
import re

from . import flowdiff, ghosts, inventory
from .client import CLIENT_ID, revision
from .context import Run
from .drain import check_drained
from .errors import HarnessError

STEP = "deploy"
MARK = "protoc-gen-nifi definition sha256:"
_MARK = re.compile(r"\s*" + re.escape(MARK) + r"([0-9a-f]{64})\s*$")
SHOWN = 20  # difference lines printed before "... and N more"


def _comp(run: Run) -> str:
    return f"process group '{run.art.flow_name}'"


def marked(run: Run) -> dict:
    """The definition as the harness sends it: its top group's comments end with the marker of its hash."""
    doc = copy.deepcopy(run.art.snapshot)
    root = doc["flowContents"]
    root["comments"] = f"{root.get('comments') or ''}\n\n{MARK}{run.art.sha}".lstrip()
    return doc


def unmark(export: dict) -> tuple[dict, str | None]:
    """(the export without the marker, the hash it names): the hash of the definition the group came from."""
    root = export.get("flowContents") or {}
    found = _MARK.search(root.get("comments") or "")
    if found is None:
        return export, None
    root["comments"] = root["comments"][:found.start()] or None
    return export, found.group(1)


def find_group(run: Run) -> dict | None:
    """The group named like the flow under the parent group; an error if there are several, or if it is versioned
    (a Registry deploys that one)."""
    comp, parent = _comp(run), run.opts.parent_group
    flow = run.nifi.get(f"/flow/process-groups/{parent}", step=STEP, component=comp)
    groups = [e for e in ((flow.get("processGroupFlow") or {}).get("flow") or {}).get("processGroups") or []
              if (e.get("component") or {}).get("name") == run.art.flow_name]
    if len(groups) > 1:
        raise HarnessError(STEP, comp, f"{len(groups)} process groups have this name in group {parent} (ids "
                           f"{', '.join(g['id'] for g in groups)})", "delete or rename all but one in NiFi, then rerun")
    if groups and (groups[0].get("component") or {}).get("versionControlInformation"):
        raise HarnessError(STEP, comp, "is under version control of a NiFi Registry, and NiFi replaces a versioned "
                           "group only from its Registry", "deploy it without --no-registry, or stop its version "
                           "control in NiFi (Version > Stop version control) and rerun")
    return groups[0] if groups else None


def upload(run: Run) -> str:
    body = json.dumps(marked(run), ensure_ascii=False).encode("utf-8")
    created = run.nifi.request(
        "POST", f"/process-groups/{run.opts.parent_group}/process-groups/upload", step=STEP, component=_comp(run),
        data={"groupName": run.art.flow_name, "positionX": "0.0", "positionY": "0.0", "clientId": CLIENT_ID,
              "disconnectedNodeAcknowledged": "false"},
        files={"file": ("flow-definition.json", body, "application/json")})
    run.change(STEP, f"created {_comp(run)} from flow-definition.json sha256:{run.art.sha[:12]}")
    return created["id"]


def live_facts(run: Run, gid: str) -> flowdiff.Live:
    """Ghosts and property defaults, from NiFi's entities (the export does not say them)."""
    walked = inventory.walk(run, STEP, gid)
    listed = ghosts.services(run, STEP, gid)
    defaults: dict[str, dict[str, str | None]] = {}
    missing: set[str] = set()
    for e, descriptors in [(c.entity, ((c.entity.get("component") or {}).get("config") or {}).get("descriptors"))
                           for c in walked if c.kind == "PROCESSOR"] + \
                          [(s, (s.get("component") or {}).get("descriptors")) for s in listed]:
        comp = e.get("component") or {}
        vid = comp.get("versionedComponentId")
        if vid is None:
            continue
        defaults[vid] = {k: d.get("defaultValue") for k, d in (descriptors or {}).items()}
        if comp.get("extensionMissing"):
            missing.add(vid)
    return flowdiff.Live(frozenset(missing), defaults)


def differences(run: Run, gid: str) -> tuple[str | None, list[flowdiff.Difference]]:
    """(hash of the definition the group was deployed from, its differences from flow-definition.json)."""
    export = run.nifi.get(f"/process-groups/{gid}/download", step=STEP, component=_comp(run))
    if not isinstance(export, dict) or "flowContents" not in export:
        raise HarnessError(STEP, _comp(run), "NiFi's export of the group is not a flow", "check NiFi's logs; rerun")
    export, deployed = unmark(export)
    return deployed, flowdiff.compare(run.art.snapshot, export, live_facts(run, gid))


def _say_all(run: Run, prefix: str, diffs: list[flowdiff.Difference]) -> None:
    for d in diffs[:SHOWN]:
        run.say(STEP, f"{prefix}: {d}")
    if len(diffs) > SHOWN:
        run.say(STEP, f"{prefix}: ... and {len(diffs) - SHOWN} more")


def replace(run: Run, gid: str) -> None:
    comp = _comp(run)
    doc = marked(run)

    def body() -> dict:
        current = run.nifi.get(f"/process-groups/{gid}", step=STEP, component=comp)
        return {"processGroupRevision": revision(current), "disconnectedNodeAcknowledged": False,
                "versionedFlowSnapshot": doc}

    done = run.nifi.async_request(f"/process-groups/{gid}/replace-requests", "request", body=body,
                                  get_path=lambda rid: f"/process-groups/replace-requests/{rid}", step=STEP,
                                  component=comp, what="the replace request",
                                  fix="check NiFi's bulletins; rerun to retry")
    if done.get("failureReason"):
        raise HarnessError(STEP, comp, f"NiFi failed the replace: {done['failureReason']}",
                           "fix what NiFi reports (often a queue that still holds data, or a component that cannot "
                           "stop) and rerun", redact=run.redact)


def _verify(run: Run, gid: str, after: str) -> None:
    """What NiFi holds right after an upload or replace must be the definition, or every rerun would replace it."""
    deployed, diffs = differences(run, gid)
    if diffs or deployed != run.art.sha:
        shown = "; ".join(str(d) for d in diffs[:3]) or "the definition marker was not kept in the group's comments"
        raise HarnessError(STEP, _comp(run), f"after the {after} NiFi still holds {len(diffs)} difference(s) from "
                           f"flow-definition.json: {shown}", "generate the flow for this NiFi's version (plugin "
                           "parameter nifi_version): NiFi migrates or drops settings it does not take as written",
                           redact=run.redact)


def deploy(run: Run) -> str:
    comp = _comp(run)
    existing = find_group(run)
    if existing is None:
        gid = upload(run)
        _verify(run, gid, "upload")
        return gid
    gid = existing["id"]
    deployed, diffs = differences(run, gid)
    if deployed == run.art.sha and not diffs:
        run.say(STEP, f"{comp} matches flow-definition.json sha256:{run.art.sha[:12]}")
        return gid
    if deployed == run.art.sha:
        _say_all(run, "drift", diffs)
        replace(run, gid)
        run.change(STEP, f"undid {len(diffs)} hand edit(s) (drift) in {comp}: it is flow-definition.json "
                         f"sha256:{run.art.sha[:12]} again")
    else:
        was = f"sha256:{deployed[:12]}" if deployed else "a flow the harness did not deploy"
        run.say(STEP, f"{comp} was deployed from {was}; flow-definition.json is sha256:{run.art.sha[:12]} "
                      f"({len(diffs)} difference(s))")
        _say_all(run, "change", diffs)
        check_drained(run, gid)
        replace(run, gid)
        run.change(STEP, f"replaced {comp} ({was}) with flow-definition.json sha256:{run.art.sha[:12]}")
    _verify(run, gid, "replace")
    return gid


def synced(run: Run) -> tuple[bool, str]:
    """The FlowSynced condition without a Registry: the group is flow-definition.json, component by component."""
    deployed, diffs = differences(run, run.pg_id)
    if deployed != run.art.sha:
        return False, (f"deployed from {'sha256:' + deployed[:12] if deployed else 'an unknown flow'}; "
                       f"flow-definition.json is sha256:{run.art.sha[:12]}")
    if diffs:
        return False, f"{len(diffs)} difference(s) from flow-definition.json: " + "; ".join(map(str, diffs[:3]))
    return True, (f"matches flow-definition.json sha256:{run.art.sha[:12]} "
                  f"({flowdiff.count(run.art.snapshot)} components compared)")


def run_deploy(run: Run) -> None:
    run.pg_id = deploy(run)
