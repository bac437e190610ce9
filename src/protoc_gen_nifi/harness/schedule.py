"""Starting and stopping what NiFi runs, and waiting until NiFi has done it.

A stop returns at once while processors finish their tasks (StandardProcessGroupDAO.scheduleComponents ~303), and
a processor with an active thread still counts as running: a service it uses cannot be disabled yet (409), nor
can it be deleted or reconfigured (BEHAVIOUR 6). So every stop here waits for the active threads to end, as
nipyapi's `schedule_process_group` does (GET /process-groups/{id}, `status.aggregateSnapshot.activeThreadCount`),
bounded by --state-timeout. A processor is run once only when VALID: since NiFi 2.9 a RUN_ONCE on a processor
that is still VALIDATING answers 200 and does nothing (StandardProcessorNode.initiateStart; BEHAVIOUR 7).
"""
from __future__ import annotations

from .client import revision
from .context import Run
from .errors import HarnessError

KIND_PATH = {"PROCESSOR": "processors", "INPUT_PORT": "input-ports", "OUTPUT_PORT": "output-ports"}


def threads(entity: dict | None) -> int:
    return int((((entity or {}).get("status") or {}).get("aggregateSnapshot") or {}).get("activeThreadCount") or 0)


def group(run: Run, gid: str, state: str, *, step: str, name: str, timeout: float | None = None) -> None:
    """PUT /flow/process-groups/{id} {state}; after a stop, wait until no thread of the group is active."""
    comp = f"process group '{name}'"
    run.nifi.request("PUT", f"/flow/process-groups/{gid}", step=step, component=comp, json={"id": gid, "state": state})
    if state == "STOPPED":
        run.nifi.poll(lambda: run.nifi.get(f"/process-groups/{gid}", step=step, component=comp),
                      lambda e: threads(e) == 0, step=step, component=comp, timeout=timeout,
                      what="the end of its active threads after the stop",
                      fix="a processor is stuck in a task (see its thread dump in NiFi); raise --state-timeout or "
                          "terminate it, then rerun")


def get(run: Run, kind: str, cid: str, *, step: str, component: str) -> dict | None:
    return run.nifi.get(f"/{KIND_PATH[kind]}/{cid}", step=step, component=component, allow_404=True)


def component(run: Run, kind: str, entity: dict, state: str, *, step: str, name: str,
              timeout: float | None = None) -> dict | None:
    """Schedule a processor or port, then wait until NiFi shows that state with no active thread (None: it was
    deleted meanwhile). A STOPPED request for a processor running once is a no-op in NiFi (StandardProcessorDAO
    ~440): it stops by itself, so only the wait applies."""
    if entity["component"].get("state") not in (state, "RUN_ONCE" if state == "STOPPED" else None):
        run.nifi.request("PUT", f"/{KIND_PATH[kind]}/{entity['id']}/run-status", step=step, component=name,
                         json={"revision": revision(entity), "state": state})
    return run.nifi.poll(lambda: get(run, kind, entity["id"], step=step, component=name),
                         lambda e: e is None or (e["component"].get("state") == state and threads(e) == 0),
                         step=step, component=name, what=f"reaching {state}", fix="check NiFi's bulletins",
                         timeout=timeout)


def valid(run: Run, pid: str, *, step: str, name: str, timeout: float | None = None) -> dict:
    """Wait until a processor is VALID (not VALIDATING); INVALID is an error naming NiFi's reasons."""
    last: dict = {}

    def fetch() -> dict:
        nonlocal last
        last = run.nifi.get(f"/processors/{pid}", step=step, component=name)
        return last

    done = run.nifi.poll(fetch, lambda e: e["component"].get("validationStatus") in ("VALID", "INVALID"), step=step,
                         component=name, what="validation (VALIDATING -> VALID)", fix="check NiFi's load; rerun",
                         timeout=timeout)
    if done["component"]["validationStatus"] == "INVALID":
        errors = "; ".join(done["component"].get("validationErrors") or [])
        raise HarnessError(step, name, f"NiFi reports it invalid: {errors}", "see NiFi's reason", redact=run.redact)
    return done
