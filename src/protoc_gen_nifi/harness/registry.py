"""Step (a): NiFi Registry bucket, flow and snapshot; NiFi's registry client.

The snapshot is imported as a new version only when its content hash (the generator
writes `sha256:<hex>` into `snapshotMetadata.comments`) differs from the latest
version's, so re-running on unchanged artifacts adds no registry versions.
"""
from __future__ import annotations

from .artifacts import sha_of_comments
from .client import revision
from .context import Run
from .errors import HarnessError

REGISTRY_CLIENT_TYPE = "org.apache.nifi.registry.flow.NifiRegistryFlowRegistryClient"


def ensure_bucket(run: Run) -> str:
    reg, name = run.registry, run.opts.bucket
    buckets = reg.get("/buckets", step="registry", component=f"bucket '{name}'") or []
    for b in buckets:
        if b.get("name") == name:
            run.say("registry", f"bucket '{name}' exists")
            return b["identifier"]
    created = reg.request("POST", "/buckets", step="registry", component=f"bucket '{name}'",
                          json={"name": name, "description": "Integrations deployed by protoc-gen-nifi"})
    run.say("registry", f"created bucket '{name}'")
    return created["identifier"]


def ensure_flow(run: Run, bucket_id: str) -> str:
    reg, name = run.registry, run.art.flow_name
    comp = f"flow '{name}' in bucket '{run.opts.bucket}'"
    for f in reg.get(f"/buckets/{bucket_id}/flows", step="registry", component=comp) or []:
        if f.get("name") == name:
            return f["identifier"]
    created = reg.request("POST", f"/buckets/{bucket_id}/flows", step="registry", component=comp,
                          json={"name": name, "description": f"protoc-gen-nifi integration {run.art.integration}",
                                "type": "Flow"})
    run.say("registry", f"created {comp}")
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
    run.say("registry", f"imported {comp} as version {version} (sha256:{run.art.sha[:12]})")
    return version


def ensure_registry_client(run: Run) -> str:
    """NiFi's registry client pointing at the Registry, found by name and repaired if its URL drifted."""
    nifi, name = run.nifi, run.opts.registry_client_name
    url = run.opts.registry_url_for_nifi or run.registry.base_url.removesuffix("/nifi-registry-api")
    comp = f"registry client '{name}'"
    listing = nifi.get("/controller/registry-clients", step="registry-client", component=comp) or {}
    for entity in listing.get("registries") or []:
        c = entity.get("component") or {}
        if c.get("name") != name:
            continue
        if c.get("type") != REGISTRY_CLIENT_TYPE:
            raise HarnessError("registry-client", comp, f"exists with type {c.get('type')}",
                               "rename it in NiFi or pass --registry-client-name")
        if (c.get("properties") or {}).get("url") != url:
            nifi.update_with_revision(
                f"/controller/registry-clients/{entity['id']}", "PUT", f"/controller/registry-clients/{entity['id']}",
                lambda e: {"revision": revision(e), "component": {"id": e["id"], "properties": {"url": url}}},
                step="registry-client", component=comp)
            run.say("registry-client", f"{comp}: url set to {url}")
        return entity["id"]
    created = nifi.request("POST", "/controller/registry-clients", step="registry-client", component=comp,
                           json={"revision": {"version": 0, "clientId": revision({})["clientId"]},
                                 "component": {"name": name, "type": REGISTRY_CLIENT_TYPE,
                                               "properties": {"url": url}}})
    run.say("registry-client", f"created {comp} -> {url}")
    return created["id"]


def run_registry(run: Run) -> None:
    run.bucket_id = ensure_bucket(run)
    run.flow_id = ensure_flow(run, run.bucket_id)
    run.version = ensure_version(run, run.bucket_id, run.flow_id)
    run.registry_client_id = ensure_registry_client(run)
