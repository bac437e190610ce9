"""--dry-run: the REST calls a deploy would make, printed without sending any.

The plan is derived from the artifacts and options only (no GET is sent either, so it
works offline and cannot change or even touch NiFi). Calls that depend on what NiFi or
the Registry currently holds are marked with the condition under which they happen.
Parameter values are never shown: only where each would come from and whether it was
found; sensitive ones are additionally registered with the redactor.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from .artifacts import Artifacts
from .cases import Case
from .context import Options
from .drive import GENERATE
from .drive import plan as drive_plan
from .errors import Redactor
from .parameters import required


def _source(p: dict, env: Mapping[str, str], secrets_dir: Path | None) -> str:
    var = p.get("env")
    if var and env.get(var) is not None and (env[var] or required(p)):
        return f"env {var}"
    if secrets_dir is not None:
        for fname in filter(None, (p["name"], var)):
            if (Path(secrets_dir) / fname).is_file():
                return f"file {os.path.join(str(secrets_dir), fname)}"
    if not required(p):
        return "unset (optional" + (f"; set {var} to give it a value)" if var else ")")
    return "MISSING (" + (f"set {var}" if var else "no env") + (f" or add file {p['name']!r} to --secrets-dir" ) + ")"


def source_names(art: Artifacts) -> list[str]:
    """'<ingress group>/<processor>' of each source processor --drain stops."""
    from .drain import sources

    return [f"{g['name']}/{p['name']}" for g, p in sources(art)]


def undeploy_plan(art: Artifacts, opts: Options, nifi_url: str, registry_url: str) -> list[str]:
    b, f = opts.bucket, art.flow_name
    if opts.no_registry:
        return [f"plan for removing integration {art.integration!r} (--undeploy --no-registry; nothing is sent)",
                f"[undeploy] GET    {nifi_url}/flow/process-groups/{opts.parent_group}    # find group {f!r}",
                f"[undeploy] PUT    {nifi_url}/flow/process-groups/{{pgId}}    # STOPPED, then wait for no active thread",
                (f"[undeploy] POST   {nifi_url}/process-groups/{{pgId}}/empty-all-connections-requests    # only if "
                 "FlowFiles are queued and --discard-queued; refused otherwise"),
                f"[undeploy] PUT    {nifi_url}/controller-services/{{id}}/run-status    # DISABLED, each enabled service",
                f"[undeploy] DELETE {nifi_url}/process-groups/{{pgId}}",
                (f"[undeploy] DELETE {nifi_url}/parameter-contexts/{{id}}    # context {art.context_name!r}, kept if "
                 "still bound to a group")]
    return [f"plan for removing integration {art.integration!r} (--undeploy; nothing is sent)",
            f"[undeploy] GET    {registry_url}/buckets, /buckets/{{bucketId}}/flows    # find bucket {b!r}, flow {f!r}",
            f"[undeploy] PUT    {nifi_url}/flow/process-groups/{{pgId}}    # STOPPED, then wait for no active thread",
            (f"[undeploy] POST   {nifi_url}/process-groups/{{pgId}}/empty-all-connections-requests    # only if "
            "FlowFiles are queued and --discard-queued; refused otherwise"),
            f"[undeploy] PUT    {nifi_url}/controller-services/{{id}}/run-status    # DISABLED, each enabled service",
            f"[undeploy] DELETE {nifi_url}/process-groups/{{pgId}}",
            (f"[undeploy] DELETE {nifi_url}/parameter-contexts/{{id}}    # context {art.context_name!r}, kept if still "
            "bound to a group"),
            (f"[undeploy] DELETE {nifi_url}/controller/registry-clients/{{id}}    # {opts.registry_client_name!r}, kept "
            "if a group still tracks it"),
            f"[undeploy] DELETE {registry_url}/buckets/{{bucketId}}/flows/{{flowId}}    # every version of {f!r}",
            f"[undeploy] DELETE {registry_url}/buckets/{{bucketId}}    # only if it holds no other flow"]


def build_plan(art: Artifacts, opts: Options, nifi_url: str, registry_url: str, env: Mapping[str, str],
               redact: Redactor, cases: Sequence[Case] = ()) -> list[str]:
    for p in art.parameters():  # a dry run must not leak values either, even via a later error
        if p.get("sensitive") and p.get("env") and env.get(p["env"]):
            redact.add(env[p["env"]])
    if opts.undeploy:
        return undeploy_plan(art, opts, nifi_url, registry_url)
    lines = [f"plan for integration {art.integration!r} (nothing is sent)", f"  NiFi:          {nifi_url}",
             *(["  NiFi Registry: none (--no-registry)", f"  flow-definition.json sha256:{art.sha}", ""]
               if opts.no_registry else [f"  NiFi Registry: {registry_url}", f"  snapshot sha256:{art.sha}", ""])]

    def call(step: str, method: str, path: str, note: str = "") -> None:
        lines.append(f"[{step}] {method:<6} {path}" + (f"    # {note}" if note else ""))

    if opts.no_registry:
        _parameters(call, lines, art, opts, nifi_url, env)
        _definition(call, art, opts, nifi_url)
    else:
        _registry(call, art, opts, nifi_url, registry_url)
        _parameters(call, lines, art, opts, nifi_url, env)
        _deploy(call, art, opts, nifi_url)
    _rest(call, art, opts, nifi_url, cases)
    return [redact(line) for line in lines]


def _registry(call, art: Artifacts, opts: Options, nifi_url: str, registry_url: str) -> None:
    b, f = opts.bucket, art.flow_name
    call("registry", "GET", f"{registry_url}/buckets", f"find bucket {b!r}")
    call("registry", "POST", f"{registry_url}/buckets", f"only if bucket {b!r} is missing")
    call("registry", "GET", f"{registry_url}/buckets/{{bucketId}}/flows", f"find flow {f!r}")
    call("registry", "POST", f"{registry_url}/buckets/{{bucketId}}/flows", f"only if flow {f!r} is missing")
    call("registry", "GET", f"{registry_url}/buckets/{{bucketId}}/flows/{{flowId}}/versions", "latest version's sha256")
    call("registry", "POST", f"{registry_url}/buckets/{{bucketId}}/flows/{{flowId}}/versions/import",
         f"only if the latest version is not sha256:{art.sha[:12]}…")
    call("registry-client", "GET", f"{nifi_url}/controller/registry-clients", f"find {opts.registry_client_name!r}")
    call("registry-client", "POST|PUT", f"{nifi_url}/controller/registry-clients[/{{id}}]", "only if missing or its url differs")


def _parameters(call, lines: list[str], art: Artifacts, opts: Options, nifi_url: str, env: Mapping[str, str]) -> None:
    call("parameters", "GET", f"{nifi_url}/flow/parameter-contexts", f"find context {art.context_name!r}")
    call("parameters", "POST", f"{nifi_url}/parameter-contexts[/{{id}}/update-requests]",
         "create, or update only changed values (sensitive: only unset ones" +
         (", all with --rotate-secrets" if not opts.rotate_secrets else "; rotating all") + ")")
    for p in art.parameters():
        tag = "sensitive" if p.get("sensitive") else "plain"
        lines.append(f"               {p['name']} ({tag}) <- {_source(p, env, opts.secrets_dir)}")


def _drain(call, art: Artifacts, opts: Options, nifi_url: str, when: str) -> None:
    call("drain", "GET", f"{nifi_url}/flow/process-groups/{{pgId}}/status?recursive=true",
         f"only {when}: refuse if more than {opts.max_queued} queued")
    if opts.drain:
        call("drain", "PUT", f"{nifi_url}/processors/{{sourceId}}/run-status",
             f"only {when} with data queued: STOPPED for each source processor of the ingress groups ("
             + ", ".join(sorted(source_names(art))) + "), then wait for the queues to empty")


def _definition(call, art: Artifacts, opts: Options, nifi_url: str) -> None:
    f = art.flow_name
    call("deploy", "GET", f"{nifi_url}/flow/process-groups/{opts.parent_group}", f"find group {f!r}")
    call("deploy", "POST", f"{nifi_url}/process-groups/{opts.parent_group}/process-groups/upload",
         "only if the group is missing: flow-definition.json (multipart)")
    call("deploy", "GET", f"{nifi_url}/process-groups/{{pgId}}/download", "compare with flow-definition.json, "
         "with each processor's and service's defaults and NiFi's missing NARs from the entities below")
    call("deploy", "GET", f"{nifi_url}/flow/process-groups/{{pgId}} (and each child group), "
         f"{nifi_url}/flow/process-groups/{{pgId}}/controller-services", "defaults, missing NARs")
    _drain(call, art, opts, nifi_url, "for a new definition")
    call("deploy", "POST", f"{nifi_url}/process-groups/{{pgId}}/replace-requests", "only if it differs (drift or a "
         "new definition): then GET /process-groups/replace-requests/{id} until complete, DELETE")


def _deploy(call, art: Artifacts, opts: Options, nifi_url: str) -> None:
    f = art.flow_name
    call("deploy", "GET", f"{nifi_url}/flow/process-groups/{opts.parent_group}", f"find group {f!r}")
    call("deploy", "POST", f"{nifi_url}/process-groups/{opts.parent_group}/process-groups", "only if the group is missing")
    call("deploy", "GET", f"{nifi_url}/process-groups/{{pgId}}/local-modifications", "only if locally modified: "
         "print the drift")
    call("deploy", "POST", f"{nifi_url}/versions/revert-requests/process-groups/{{pgId}}", "only if locally modified "
         "(then GET until complete, DELETE)")
    _drain(call, art, opts, nifi_url, "on upgrade")
    call("deploy", "POST", f"{nifi_url}/versions/update-requests/process-groups/{{pgId}}", "only if at another version "
         "(then GET until complete, DELETE)")


def _rest(call, art: Artifacts, opts: Options, nifi_url: str, cases: Sequence[Case]) -> None:
    for s in art.manifest.get("controllerServices") or []:
        name = s.get("name")
        call("services", "GET", f"{nifi_url}/flow/controller-service-types?typeFilter={s.get('type')}", f"{name}: bundle")
        call("services", "GET", f"{nifi_url}/flow/controller-service-definition/…/{s.get('type')}", f"{name}: descriptors")
        call("services", "PUT", f"{nifi_url}/flow/process-groups/{{pgId}}",
             f"{name}: only if it must be disabled: STOPPED, then GET /process-groups/{{pgId}} until no thread is active")
        call("services", "PUT", f"{nifi_url}/controller-services/{{id}}[/run-status]",
             f"{name}: only if properties ({', '.join(sorted(s.get('properties') or {}))}) or state differ; "
             f"then {'ENABLED' if s.get('autoEnable', True) else 'DISABLED'}")
    if opts.start:
        call("start", "PUT", f"{nifi_url}/flow/process-groups/{{pgId}}", "state RUNNING, only if not running and "
             "NiFi has every NAR the group needs (a ghost is never started)")
    if cases:
        call("cases", "GET", f"{nifi_url}/flow/process-groups/{{pgId}} (and each child group)",
             "instance ids of the versioned components")
        call("cases", "GET", f"{nifi_url}/flow/processor-types?type={GENERATE}", "its installed bundle")
    for case in cases:
        for method, path, note in drive_plan(case, nifi_url):
            call(f"case {case.name}", method, path, note)
    call("assert", "GET", f"{nifi_url}/process-groups/{{pgId}}" + ("/download" if opts.no_registry else ""),
         "FlowSynced")
    call("assert", "GET", f"{nifi_url}/flow/process-groups/{{pgId}} (and each child group)", "FlowRunning: every "
         "processor's and port's state and validity")
    call("assert", "GET", f"{nifi_url}/flow/status", "FlowRunning (NiFi-wide counts)")
    call("assert", "GET", f"{nifi_url}/flow/process-groups/{{pgId}}/status?recursive=true", "BackpressureOK")
    call("assert", "POST", f"{nifi_url}/flowfile-queues/{{connectionId}}/listing-requests", "only for full queues")
    call("assert", "GET", f"{nifi_url}/flow/bulletin-board", "BulletinsOK")
    call("assert", "GET", f"{nifi_url}/system-diagnostics?nodewise=true", "WorkloadReady")
    for p in art.parameters():  # assertions.listeners: each HTTP IN listener, on NiFi's host
        if p["name"].startswith("http.") and p["name"].endswith(".listen.port"):
            call("assert", "TCP", f"{urlsplit(nifi_url).hostname}:#{{{p['name']}}}", "EndpointReachable: connect, close")
