"""`<integration>/README.md`, what a person reads first: the picture, the ports, the mapping scripts' contract,
the parameters to set and how to deploy, all read from the built flow (path -> bytes)."""
from __future__ import annotations

from . import nifi_catalog as nc
from .flow import GROUP_PREFIX, FlowResult
from .flowcheck.dataflow import attribute_reads, set_attributes
from .flowcheck.index import Graph
from .model import Integration
from .naming import env_name
from .params import PluginParams
from .rendering import render
from .transports import JSON_TYPES


def _child(root: dict, name: str) -> dict | None:
    return next((g for g in root["processGroups"] if g["name"] == name), None)


def _egress_needs(graph: Graph, group: dict, arriving: frozenset[str]) -> list[str]:
    """Attributes the egress group reads (not as optional) that nothing in it writes and that do not reach the
    mapping script: the script must set them (the group's `require` guard sends a FlowFile without one to
    `failure`)."""
    written: set[str] = set()
    reads: set[str] = set()
    for node in graph.nodes.values():
        if node.group is not group or node.config is None:
            continue
        component = nc.BY_TYPE.get(node.type)
        if component is not None:
            written.update(component.writes_for(node.config))
        reads.update(attribute for value in node.component["properties"].values() if isinstance(value, str)
                     for attribute, optional in attribute_reads(value) if not optional)
    return sorted(reads - written - arriving)


def _scripts(integration: Integration, root: dict, graph: Graph) -> list[dict]:
    mapping = _child(root, "mapping")
    if mapping is None:
        return []
    reaching = set_attributes(graph)
    outs = {f"map {p.slug}": p for p in integration.ports_out()}
    scripts = []
    for processor in sorted(mapping["processors"], key=lambda p: p["name"]):
        if processor["type"] != nc.EXECUTE_SCRIPT.type:
            continue
        arriving = reaching.get(processor["identifier"]) or frozenset()
        port = outs.get(processor["name"])
        egress = _child(root, f"{GROUP_PREFIX['OUT']} {port.slug}") if port is not None else None
        scripts.append({
            "processor": processor["name"],
            "script": processor["properties"]["Script File"],
            "file": f"{port.slug if port is not None else 'handle'}.groovy",
            "attributes": sorted(arriving),
            "port": port,
            "json": port is not None and port.content_type in JSON_TYPES,
            "must_set": _egress_needs(graph, egress, arriving) if egress is not None else [],
        })
    return scripts


def readme_files(integration: Integration, flow: FlowResult, graph: Graph, target: nc.Target,
                 params: PluginParams) -> dict[str, bytes]:
    base = integration.slug
    ports = [{
        "port": port,
        "group": f"{GROUP_PREFIX[port.direction]} {port.slug}",
        "processor": flow.transport_types.get(port.slug, "").rsplit(".", 1)[-1],
    } for port in integration.ports]
    parameters = [{"name": p.name, "description": p.description, "sensitive": p.sensitive, "required": p.required,
                   "env": env_name(p.name)} for p in flow.params]
    ins = integration.ports_in()
    return {f"{base}/README.md": render(
        "integration/README.md.j2", integration=integration, ports=ports, parameters=parameters,
        scripts=_scripts(integration, flow.root, graph), ins=ins, lookups=integration.ports_lookup(),
        json_in=all(p.content_type in JSON_TYPES for p in ins), nifi_version=target.version,
        validated=any(p.validate_schema for p in ins), validated_http=any(
            p.validate_schema and p.transport == "http" for p in ins),
        mapped=[p for p in integration.ports_out() if p.mapping],
        kubernetes=params.kubernetes, dead_letter=integration.dead_letter is not None,
    )}
