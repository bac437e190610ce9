"""`deploy_and_assert.py` / `protoc-gen-nifi harness`: deploy one integration and assert it.

Exit codes: 0 ready (or, with --undeploy, removed), 1 deployed but a condition failed, 2 a step
failed (one line on stderr naming the step, the component and the fix, then one line saying what
this run had already changed: a rerun converges from there, --undeploy removes it all). --dry-run exits 0,
or 2 with the run's error when a required parameter has no value; a usage error exits 2.

Credentials are read from the environment, never from the command line (argv is
visible to every user of the machine):
  NIFI_USERNAME / NIFI_PASSWORD   NiFi single-user (or LDAP) login -> JWT
  NIFI_TOKEN                      a bearer token (e.g. an OIDC access token) instead
  NIFI_REGISTRY_TOKEN             bearer token for a secured NiFi Registry
  mTLS: --client-cert/--client-key (PEM; used for NiFi and the Registry), --ca-cert for their CA
Plain http is accepted only for a NiFi on this machine (127.0.0.1, localhost, ::1) when credentials
or sensitive values would be sent.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import HarnessError, Redactor

if TYPE_CHECKING:  # the modules that need httpx are imported once it is known to be there (see _missing_extra)
    from .client import RestClient
    from .context import Options, Run

DEFAULT_NIFI = "https://localhost:8443/nifi-api"
DEFAULT_REGISTRY = "http://localhost:18080/nifi-registry-api"


#: The optional dependency the harness needs beyond the plugin's, and the extra that installs it.
EXTRA = "pip install 'protoc-gen-nifi[harness]'"


def _missing_extra() -> str | None:
    """The one line to print when the harness's HTTP client is not installed, else None."""
    try:
        import httpx  # noqa: F401
    except ModuleNotFoundError:
        return f"the harness needs httpx, which is not installed; install the harness extra: {EXTRA}"
    return None


def parser(prog: str = "deploy_and_assert") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    c = p.add_argument_group("connection")
    c.add_argument("--nifi-url", default=None, help=f"NiFi REST base (env NIFI_URL; default {DEFAULT_NIFI})")
    c.add_argument("--registry-url", default=None,
                   help=f"NiFi Registry REST base (env NIFI_REGISTRY_URL; default {DEFAULT_REGISTRY})")
    c.add_argument("--registry-url-for-nifi", default=None,
                   help="the Registry URL as NiFi reaches it (compose: http://nifi-registry:18080); "
                        "default: --registry-url without /nifi-registry-api")
    c.add_argument("--ca-cert", help="PEM CA bundle to verify NiFi/Registry TLS certificates")
    c.add_argument("--insecure", action="store_true", help="do not verify TLS (throwaway instances only)")
    c.add_argument("--client-cert", help="PEM client certificate for mTLS")
    c.add_argument("--client-key", help="PEM private key for --client-cert")
    c.add_argument("--request-timeout", type=float, default=30.0)
    d = p.add_argument_group("deployment")
    d.add_argument("--no-registry", action="store_true",
                   help="deploy ../nifi/flow-definition.json directly (upload, then replace requests), for a NiFi "
                        "without a NiFi Registry; the Registry options are then unused (see harness/README.md)")
    d.add_argument("--bucket", default="protoc-gen-nifi", help="Registry bucket (created if missing)")
    d.add_argument("--registry-client-name", default="protoc-gen-nifi", help="NiFi registry client name")
    d.add_argument("--parent-group", default="root", help="id of the process group to deploy into")
    d.add_argument("--secrets-dir", type=Path, help="mounted Secret directory, one file per parameter")
    d.add_argument("--rotate-secrets", action="store_true",
                   help="rewrite every sensitive parameter (NiFi cannot tell whether they changed)")
    d.add_argument("--drain", action="store_true", help="on upgrade, stop the source processors (consumers, listeners, "
                   "schedules) and wait for the rest of the flow to empty the queues")
    d.add_argument("--max-queued", type=int, default=0, help="drain policy: most FlowFiles allowed during an upgrade")
    d.add_argument("--drain-timeout", type=float, default=120.0)
    d.add_argument("--undeploy", action="store_true",
                   help="remove what the harness created for this integration: its process group (stopped, services "
                        "disabled), then its parameter context, registry client, Registry flow and bucket if nothing "
                        "else uses them; refused while FlowFiles are queued unless --discard-queued")
    d.add_argument("--discard-queued", action="store_true", help="with --undeploy: drop FlowFiles still queued")
    d.add_argument("--state-timeout", type=float, default=30.0,
                   help="bound on each wait for a service state or an async request")
    d.add_argument("--poll-interval", type=float, default=0.5)
    a = p.add_argument_group("assertions")
    a.add_argument("--no-start", dest="start", action="store_false", help="deploy but do not start")
    a.add_argument("--cases", type=Path, help="golden input cases folder, one <case>/case.yaml per case "
                   "(see harness/README.md); validated before anything is sent")
    a.add_argument("--case-timeout", type=float, default=60.0,
                   help="bound on each case (inject, follow) and on each wait of its cleanup")
    a.add_argument("--settle-timeout", type=float, default=30.0, help="how long conditions may take to hold")
    a.add_argument("--fail-on-warning", action="store_true", help="WARNING bulletins fail BulletinsOK too")
    a.add_argument("--status-file", type=Path, help="also write the conditions as the `status` of the Integration "
                   "resource (kubernetes/integration.yaml): metav1.Condition entries, YAML")
    a.add_argument("--generation", type=int, default=1,
                   help="with --status-file: the Integration's metadata.generation, written as observedGeneration")
    p.add_argument("--dry-run", action="store_true", help="print the planned REST calls and send none")
    p.add_argument("-v", "--verbose", action="store_true", help="log each request line (never bodies)")
    return p


def _options(args: argparse.Namespace) -> Options:
    from .context import Options

    return Options(no_registry=args.no_registry, bucket=args.bucket, registry_client_name=args.registry_client_name,
                   registry_url_for_nifi=args.registry_url_for_nifi, parent_group=args.parent_group,
                   secrets_dir=args.secrets_dir, rotate_secrets=args.rotate_secrets, drain=args.drain,
                   max_queued=args.max_queued, drain_timeout=args.drain_timeout, start=args.start,
                   cases=args.cases, case_timeout=args.case_timeout, fail_on_warning=args.fail_on_warning,
                   settle_timeout=args.settle_timeout, undeploy=args.undeploy, discard_queued=args.discard_queued)


def execute(run: Run) -> int:
    """The steps, in an order where each failure leaves NiFi as it was or repairable by a rerun:
    registry (a) -> parameters (c, so the import reuses a filled context) -> deploy (e, b) ->
    services (d) -> start, cases, assert (f). Without a Registry (--no-registry) there is no (a) and the deploy
    step uploads or replaces the flow definition (definition.py)."""
    from . import (
        assertions,
        conditions,
        definition,
        deploy,
        drive,
        ghosts,
        parameters,
        registry,
        services,
    )

    if run.opts.no_registry:
        parameters.run_parameters(run)
        definition.run_deploy(run)
    else:
        registry.run_registry(run)
        parameters.run_parameters(run)
        deploy.run_deploy(run)
    ghosts.report(run)
    services.run_services(run)
    run.bulletin_marker = assertions.bulletin_marker(run)
    run.parked_marker = assertions.parked(run)
    running = assertions.start(run) if run.opts.start else False
    if run.cases and running:
        drive.run_cases(run)
    elif run.cases:
        run.case_results = [drive.CaseResult(c.name, False, "not run: the flow was not started (see [start])")
                            for c in run.cases]
    conds = conditions.integration(run, assertions.assert_flow(run), None)
    assertions.report(run, conds)
    if run.status_file is not None:
        from . import status

        status.write(run.status_file, run.art.folder, run.art.integration, run, conds, run.generation)
    return 0 if conds[-1].status == "True" else 1


def _partial(run: Run | None) -> list[str]:
    """What a failed run had already changed: said, so nobody has to guess what state it left behind."""
    if run is None or not run.changes:
        return []
    return [(f"[partial] before it stopped, this run: {'; '.join(run.changes)}. Everything else is as it was; a "
            "rerun continues from here, --undeploy removes what the harness created")]


def main(argv: Sequence[str] | None = None, *, artifacts_dir: Path | str, env: Mapping[str, str] | None = None,
         out: Callable[[str], None] | None = None, err: Callable[[str], None] | None = None,
         transport=None, prog: str = "deploy_and_assert") -> int:
    env = os.environ if env is None else env
    out = out or (lambda s: print(s, flush=True))
    err = err or (lambda s: print(s, file=sys.stderr, flush=True))
    args = parser(prog).parse_args(list(argv) if argv is not None else None)  # --help needs no httpx
    missing = _missing_extra()
    if missing is not None:
        err("error: " + missing)
        return 2
    from .artifacts import DEFINITION, SNAPSHOT, Artifacts
    from .client import TLS, Auth, RestClient, Timing
    from .context import Run

    redact = Redactor()
    for var in ("NIFI_PASSWORD", "NIFI_TOKEN", "NIFI_REGISTRY_TOKEN"):
        redact.add(env.get(var))
    if args.verbose:
        logging.basicConfig(level=logging.DEBUG, format="%(message)s")
    nifi_url = args.nifi_url or env.get("NIFI_URL") or DEFAULT_NIFI
    registry_url = args.registry_url or env.get("NIFI_REGISTRY_URL") or DEFAULT_REGISTRY
    opts = _options(args)
    clients: list[RestClient] = []
    run: Run | None = None
    try:
        art = Artifacts.load(Path(artifacts_dir), DEFINITION if opts.no_registry else SNAPSHOT)
        cases = []
        if opts.cases:  # a bad case folder must fail before anything is sent
            from .cases import load_cases

            if not opts.start:
                raise HarnessError("cases", "--cases", "cases need the flow running", "drop --no-start")
            cases = load_cases(opts.cases, art.snapshot)
        if args.dry_run:
            from .plan import build_plan

            for line in build_plan(art, opts, nifi_url.rstrip("/"), registry_url.rstrip("/"), env, redact,
                                   cases=cases):
                out(line)
            if not opts.undeploy:  # the run would stop at its parameters step: so does the dry run, with its error
                from .parameters import resolve_values

                resolve_values(art.parameters(), env, opts.secrets_dir, redact)
            return 0
        # Resolve every value first: a missing secret must fail before anything changes.
        from .parameters import resolve_values

        values = {} if opts.undeploy else resolve_values(art.parameters(), env, opts.secrets_dir, redact)
        timing = Timing(request_timeout=args.request_timeout, poll_interval=args.poll_interval,
                        state_timeout=args.state_timeout)
        tls = TLS(verify=not args.insecure, ca_cert=args.ca_cert)
        sensitive = any(p.get("sensitive") and p["name"] in values for p in art.parameters())
        nifi = RestClient("NiFi", nifi_url, tls=tls, timing=timing, redact=redact, login_path="/access/token",
                          transport=transport, carries_secrets=sensitive,
                          auth=Auth(username=env.get("NIFI_USERNAME"), password=env.get("NIFI_PASSWORD"),
                                    token=env.get("NIFI_TOKEN"), client_cert=args.client_cert,
                                    client_key=args.client_key))
        registry = None if opts.no_registry else RestClient(
            "NiFi Registry", registry_url, tls=tls, timing=timing, redact=redact, transport=transport,
            auth=Auth(token=env.get("NIFI_REGISTRY_TOKEN"), client_cert=args.client_cert, client_key=args.client_key))
        clients = [c for c in (nifi, registry) if c is not None]
        run = Run(nifi=nifi, registry=registry, art=art, opts=opts, redact=redact, out=out, values=values,
                  cases=cases)
        if not opts.undeploy:
            run.status_file, run.generation = args.status_file, args.generation
        if opts.undeploy:
            from .undeploy import run_undeploy

            return run_undeploy(run)
        return execute(run)
    except HarnessError as exc:
        for line in [*exc.lines(), *_partial(run)]:
            err("error: " + redact(line))
        if args.status_file is not None and not opts.undeploy and not args.dry_run:  # a dry run writes nothing
            from . import status
            from .conditions import integration

            status.write(args.status_file, Path(artifacts_dir), run.art.integration if run else Path(artifacts_dir).name,
                         run, integration(run, None, exc), args.generation)
        return 2
    finally:
        for c in clients:
            c.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(artifacts_dir=Path.cwd()))
