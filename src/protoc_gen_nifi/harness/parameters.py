"""Step (c): the parameter context and its values.

Values come from the environment variable named by each parameter's `env`, else from a
file named after the parameter's `name` (or `env`) in `--secrets-dir` (a Kubernetes
Secret mounted as a directory: one file per key). All values are resolved *before*
anything is changed in NiFi, so a missing secret leaves NiFi untouched.

Sensitive values cannot be read back from NiFi (it masks them), so a sensitive
parameter is written only when NiFi has no value for it yet, or with --rotate-secrets.
That keeps a second run free of mutating calls.

A parameter marked `required: false` (a missing `required` means required) may have no
value (unset or empty): it is then declared without one, and a value NiFi still holds is
removed (`valueRemoved`), so properties referencing it are unset rather than empty strings.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .client import revision
from .context import Run
from .errors import HarnessError, Redactor


def required(p: dict) -> bool:
    return p.get("required", True) is not False


def resolve_values(params: list[dict], env: Mapping[str, str], secrets_dir: Path | None,
                   redact: Redactor) -> dict[str, str]:
    """name -> value for every parameter that has one; sensitive values are registered with the redactor.
    Optional parameters without a (non-empty) value are left out."""
    values: dict[str, str] = {}
    missing: list[str] = []
    for p in params:
        name, var = p["name"], p.get("env")
        value = env.get(var) if var else None
        if value is None and secrets_dir is not None:
            for fname in filter(None, (name, var)):
                path = Path(secrets_dir) / fname
                if path.is_file():
                    # Secret files often end with a newline added by editors or `echo`.
                    value = path.read_text(encoding="utf-8").rstrip("\r\n")
                    break
        if not required(p) and not value:
            continue
        if value is None:
            where = f"environment variable {var}" if var else "no environment variable"
            where += f" or file {name!r} in {secrets_dir}" if secrets_dir else " (no --secrets-dir given)"
            missing.append(f"'{name}' ({where})")
            continue
        if p.get("sensitive"):
            redact.add(value)
        values[name] = value
    if missing:
        raise HarnessError("parameters", "parameter context", "no value for " + ", ".join(missing),
                           "export the environment variable(s), or mount the Secret and pass --secrets-dir DIR")
    return values


def _param_entity(p: dict, value: str | None) -> dict:
    param = {"name": p["name"], "sensitive": bool(p.get("sensitive")), "description": p.get("description") or "",
             "value": value}
    if value is None:  # without valueRemoved, NiFi reads a null value as "keep the current one"
        param["valueRemoved"] = True
    return {"parameter": param}


def find_context(run: Run) -> dict | None:
    listing = run.nifi.get("/flow/parameter-contexts", step="parameters",
                           component=f"parameter context '{run.art.context_name}'") or {}
    for entity in listing.get("parameterContexts") or []:
        if (entity.get("component") or {}).get("name") == run.art.context_name:
            return entity
    return None


def changed_parameters(run: Run, live: dict) -> list[dict]:
    """The parameter entities to send: new, changed, or unset sensitive (or all sensitive when rotating)."""
    current = {(e.get("parameter") or {}).get("name"): e.get("parameter") or {}
               for e in (live.get("component") or {}).get("parameters") or []}
    changes = []
    for p in run.art.parameters():
        name = p["name"]
        value = run.values.get(name)  # None: an optional parameter left unset
        have = current.get(name)
        sensitive = bool(p.get("sensitive"))
        if have is None:
            changes.append(_param_entity(p, value))
            continue
        if bool(have.get("sensitive")) != sensitive:
            raise HarnessError("parameters", f"parameter '{name}' in context '{run.art.context_name}'",
                               f"is {'sensitive' if have.get('sensitive') else 'not sensitive'} in NiFi but "
                               f"{'sensitive' if sensitive else 'not sensitive'} in parameter-context.yaml "
                               "(NiFi cannot change a parameter's sensitivity)",
                               "delete the parameter in NiFi (or the whole context) and rerun")
        if value is None:
            stale = have.get("value") is not None
        elif sensitive:
            stale = have.get("value") is None or run.opts.rotate_secrets
        else:
            stale = have.get("value") != value
        if stale or (have.get("description") or "") != (p.get("description") or ""):
            changes.append(_param_entity(p, value))
    return changes


def ensure_parameter_context(run: Run) -> str:
    nifi, comp = run.nifi, f"parameter context '{run.art.context_name}'"
    entity = find_context(run)
    if entity is None:
        body = {"revision": {"version": 0, "clientId": revision({})["clientId"]},
                "component": {"name": run.art.context_name,
                              "description": run.art.parameter_context.get("description") or "",
                              "parameters": [_param_entity(p, run.values.get(p["name"]))
                                             for p in run.art.parameters()]}}
        created = nifi.request("POST", "/parameter-contexts", step="parameters", component=comp, json=body)
        run.change("parameters", f"created {comp} with {len(run.art.parameters())} parameter(s)")
        return created["id"]
    cid = entity["id"]
    live = nifi.get(f"/parameter-contexts/{cid}", step="parameters", component=comp)
    changes = changed_parameters(run, live)
    if not changes:
        run.say("parameters", f"{comp} is current")
        return cid
    # Asynchronous: NiFi stops/disables what references the parameters, applies, restarts.

    def body() -> dict:
        current = nifi.get(f"/parameter-contexts/{cid}", step="parameters", component=comp)
        return {"id": cid, "revision": revision(current), "component": {"id": cid, "parameters": changes}}

    done = nifi.async_request(f"/parameter-contexts/{cid}/update-requests", "request", body=body, step="parameters",
                              component=comp, what="the parameter update request",
                              fix="check NiFi's bulletins; rerun to retry")
    if done.get("failureReason"):
        raise HarnessError("parameters", comp, f"NiFi failed the update: {done['failureReason']}",
                           "fix the reported component and rerun", redact=run.redact)
    names = ", ".join(c["parameter"]["name"] for c in changes)
    run.change("parameters", f"{comp}: updated {names}")
    return cid


def run_parameters(run: Run, env: Mapping[str, str] | None = None) -> None:
    run.context_id = ensure_parameter_context(run)


def default_env() -> Mapping[str, str]:
    return os.environ
