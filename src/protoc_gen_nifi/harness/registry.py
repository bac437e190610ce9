"""Step (a): NiFi Registry bucket, flow and snapshot; NiFi's registry client.

A bucket or flow the harness creates gets the id the generator fixed (ids.registry_ids, the NifiDataflow's
bucketId and flowId); one found by name keeps the id it has.

The snapshot is imported as a new version only when its content hash (the generator
writes `sha256:<hex>` into `snapshotMetadata.comments`) differs from the latest
version's, so re-running on unchanged artifacts adds no registry versions.
"""
from __future__ import annotations

from ..ids import registry_ids
from .artifacts import sha_of_comments
from .client import revision
from .context import Run
from .errors import HarnessError

REGISTRY_CLIENT_TYPE = "org.apache.nifi.registry.flow.NifiRegistryFlowRegistryClient"


def find_bucket(run: Run, step: str = "registry") -> dict | None:
    name = run.opts.bucket
    return next((b for b in run.registry.get("/buckets", step=step, component=f"bucket '{name}'") or []
                 if b.get("name") == name), None)


def find_flow(run: Run, bucket_id: str, step: str = "registry") -> dict | None:
    comp = f"flow '{run.art.flow_name}' in bucket '{run.opts.bucket}'"
    return next((f for f in run.registry.get(f"/buckets/{bucket_id}/flows", step=step, component=comp) or []
                 if f.get("name") == run.art.flow_name), None)


def find_client(run: Run, step: str = "registry-client") -> dict | None:
    name = run.opts.registry_client_name
    listing = run.nifi.get("/controller/registry-clients", step=step, component=f"registry client '{name}'") or {}
    return next((e for e in listing.get("registries") or [] if (e.get("component") or {}).get("name") == name), None)


def ensure_bucket(run: Run) -> str:
    name = run.opts.bucket
    found = find_bucket(run)
    if found is not None:
        run.say("registry", f"bucket '{name}' exists")
        return found["identifier"]
    # The id the generator wrote into kubernetes/dataflow.yaml (ids.registry_ids): the Registry keeps a client-chosen
    # bucket id with preserveSourceProperties=true (StandardServiceFacade.createBucket; BEHAVIOUR.md row 10).
    bucket_id, _ = registry_ids(name, run.art.flow_name)
    created = run.registry.request("POST", "/buckets", step="registry", component=f"bucket '{name}'",
                                   params={"preserveSourceProperties": "true"},
                                   json={"identifier": bucket_id, "name": name,
                                         "description": "Integrations deployed by protoc-gen-nifi"})
    run.change("registry", f"created bucket '{name}'")
    return created["identifier"]


def ensure_flow(run: Run, bucket_id: str) -> str:
    name = run.art.flow_name
    comp = f"flow '{name}' in bucket '{run.opts.bucket}'"
    found = find_flow(run, bucket_id)
    if found is not None:
        return found["identifier"]
    # A client-supplied flow identifier is kept (StandardServiceFacade.createFlow): the generator's flowId.
    _, flow_id = registry_ids(run.opts.bucket, name)
    created = run.registry.request("POST", f"/buckets/{bucket_id}/flows", step="registry", component=comp,
                                   json={"identifier": flow_id, "name": name, "description": f"protoc-gen-nifi "
                                         f"integration {run.art.integration}", "type": "Flow"})
    run.change("registry", f"created {comp}")
    return created["identifier"]


def ensure_version(run: Run, bucket_id: str, flow_id: str) -> int:
    """Latest version if its hash matches, else import the snapshot as the next version."""
    reg, comp = run.registry, f"flow '{run.art.flow_name}'"
    versions = reg.get(f"/buckets/{bucket_id}/flows/{flow_id}/versions", step="registry", component=comp) or []
    latest = max(versions, key=lambda v: int(v.get("version", 0)), default=None)
    if latest and sha_of_comments(latest.get("comments")) == run.art.sha:
        run.say("registry", f"{comp} version {latest['version']} is current (sha256:{run.art.sha[:12]})")
        return int(latest["version"])
    # `/versions/import` takes the file as-is and assigns the next version (FORMAT.md §7).
    created = reg.request("POST", f"/buckets/{bucket_id}/flows/{flow_id}/versions/import", step="registry",
                          component=comp, content=run.art.snapshot_bytes,
                          headers={"Content-Type": "application/json", "Comments": run.art.comments})
    version = int(((created or {}).get("snapshotMetadata") or {}).get("version", 0))
    if version <= 0:
        raise HarnessError("registry", comp, "the Registry did not return the imported version number",
                           "check the NiFi Registry logs; rerun (import is skipped once the version exists)")
    run.change("registry", f"imported {comp} as version {version} (sha256:{run.art.sha[:12]})")
    return version


def ensure_registry_client(run: Run) -> str:
    """NiFi's registry client pointing at the Registry, found by name and repaired if its URL drifted."""
    nifi, name = run.nifi, run.opts.registry_client_name
    url = run.opts.registry_url_for_nifi or run.registry.base_url.removesuffix("/nifi-registry-api")
    comp = f"registry client '{name}'"
    entity = find_client(run)
    if entity is not None:
        c = entity.get("component") or {}
        if c.get("type") != REGISTRY_CLIENT_TYPE:
            raise HarnessError("registry-client", comp, f"exists with type {c.get('type')}",
                               "rename it in NiFi or pass --registry-client-name")
        if (c.get("properties") or {}).get("url") != url:
            nifi.update_with_revision(
                f"/controller/registry-clients/{entity['id']}", "PUT", f"/controller/registry-clients/{entity['id']}",
                lambda e: {"revision": revision(e), "component": {"id": e["id"], "properties": {"url": url}}},
                step="registry-client", component=comp)
            run.change("registry-client", f"{comp}: url set to {url}")
        return entity["id"]
    created = nifi.request("POST", "/controller/registry-clients", step="registry-client", component=comp,
                           json={"revision": {"version": 0, "clientId": revision({})["clientId"]},
                                 "component": {"name": name, "type": REGISTRY_CLIENT_TYPE,
                                               "properties": {"url": url}}})
    run.change("registry-client", f"created {comp} -> {url}")
    return created["id"]


def run_registry(run: Run) -> None:
    run.bucket_id = ensure_bucket(run)
    run.flow_id = ensure_flow(run, run.bucket_id)
    run.version = ensure_version(run, run.bucket_id, run.flow_id)
    run.registry_client_id = ensure_registry_client(run)
