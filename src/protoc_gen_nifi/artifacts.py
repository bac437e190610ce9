"""Integration model -> the files of one integration folder (path -> bytes)."""
from __future__ import annotations

import hashlib

from . import nifi_catalog as nc
from .descriptors import descriptor_set
from .diagnostics import Diagnostic, GenerationError
from .diagram import diagram_files
from .flow import GROUP_PREFIX, FlowResult, build_flow
from .flowcheck import behaviour_problems
from .flowcheck.index import Graph
from .json_schema import Schemas, schema_files, with_schemas
from .model import Integration
from .naming import env_name
from .params import PluginParams
from .readme import readme_files
from .rendering import (
    canonical_json,
    canonical_json_and_compact,
    canonical_json_plus,
    render,
)

FLOW_ENCODING_VERSION = "1.0"


def _parameter_context(integration: Integration, flow: FlowResult) -> dict:
    # Matches NiFi's VersionedParameterContext; no parameter ever carries a value.
    return {
        "name": integration.slug,
        "description": integration.description,
        "parameters": [
            {"name": p.name, "description": p.description, "sensitive": p.sensitive, "provided": False}
            for p in flow.params
        ],
        "inheritedParameterContexts": [],
        "componentType": "PARAMETER_CONTEXT",
    }


def _flow_definition(integration: Integration, flow: FlowResult) -> dict:
    return {
        "flowContents": flow.root,
        "externalControllerServices": flow.external,
        "parameterContexts": {integration.slug: _parameter_context(integration, flow)},
        "parameterProviders": {},
        "flowEncodingVersion": FLOW_ENCODING_VERSION,
        "latest": False,
    }


# What a registry version is compared by: the flow and its parameter context.
DIGESTED = ("flowContents", "parameterContexts")


def definition_json_and_digest(definition: dict) -> tuple[bytes, str]:
    """The definition's canonical JSON and its content digest, written together (one float guard for both)."""
    # The digest is sha256 of compact, sorted, ASCII-escaped JSON of the DIGESTED members: the harness recomputes
    # it from a parsed flow (harness.artifacts.content_sha), so its definition stays put.
    text, digested = canonical_json_and_compact(definition, DIGESTED)
    return text, hashlib.sha256(digested).hexdigest()


def _snapshot(integration: Integration, definition: dict, digest: str) -> dict:
    snapshot = dict(definition)
    # version -1 asks the registry for "the next version"; /versions/import replaces it anyway.
    snapshot["snapshotMetadata"] = {
        "version": -1,
        "comments": f"protoc-gen-nifi {integration.slug} sha256:{digest}",
    }
    return snapshot


def _connections(group: dict):
    yield from group["connections"]
    for child in group["processGroups"]:
        yield from _connections(child)


def _structural_test(integration: Integration, flow: FlowResult) -> bytes:
    ports = {}
    for port in integration.ports:
        ports[port.name] = {
            "group": f"{GROUP_PREFIX[port.direction]} {port.slug}",
            "direction": port.direction,
            "transport": port.transport,
            "processor": flow.transport_types[port.slug],
        }
    backpressure = {
        c["identifier"]: [c["backPressureObjectThreshold"], c["backPressureDataSizeThreshold"]]
        for c in sorted(_connections(flow.root), key=lambda c: c["identifier"])
    }
    return render("tests/structural_test.py.j2", integration=integration.slug, ports=ports,
                  backpressure=backpressure)


def _check_behaviour(integration: Integration, definition: dict, graph: Graph) -> None:
    """The flow must work on a live NiFi (graph and data flow: flowcheck); a finding is a bug of ours."""
    problems = behaviour_problems(definition, graph)
    if problems:
        raise GenerationError([
            Diagnostic(integration.file, 0, 0, f"internal error: the generated flow of integration {integration.slug} "
                       f"fails protoc-gen-nifi's own check: {problem}; this is a bug in protoc-gen-nifi, please "
                       "report it with the .proto files that trigger it")
            for problem in problems
        ])


def integration_files(integration: Integration, target: nc.Target, proto_files,
                      params: PluginParams | None = None, schemas: Schemas | None = None) -> dict[str, bytes]:
    """`schemas`: the request's JSON Schemas, shared by its integrations (each message's written once)."""
    params = params or PluginParams()
    schemas = schemas if schemas is not None else Schemas(proto_files)
    integration = with_schemas(integration, schemas)  # a validating port embeds its message's schema
    flow = build_flow(integration, target)
    definition = _flow_definition(integration, flow)
    graph = Graph.of(flow.root)  # the check and the README read the same graph of the flow
    _check_behaviour(integration, definition, graph)
    base = integration.slug
    parameters = [
        {"name": p.name, "description": p.description, "sensitive": p.sensitive, "required": p.required,
         "env": env_name(p.name)}
        for p in flow.params
    ]
    # The snapshot is the definition plus its metadata: the flow is encoded once for both.
    definition_json, digest = definition_json_and_digest(definition)
    snapshot = _snapshot(integration, definition, digest)
    snapshot_json = canonical_json_plus(definition, definition_json, "snapshotMetadata", snapshot["snapshotMetadata"])
    files = {
        f"{base}/nifi/flow.snapshot.json": snapshot_json,
        f"{base}/nifi/flow-definition.json": definition_json,
        f"{base}/nifi/parameter-context.yaml": render(
            "nifi/parameter-context.yaml.j2", integration=integration.slug, context_name=integration.slug,
            description=integration.description, parameters=parameters,
        ),
        f"{base}/nifi/controller-services.json": canonical_json({
            "integration": integration.slug,
            "nifiVersion": target.version,
            "processGroup": flow.root["identifier"],
            "controllerServices": flow.services,
            "externalControllerServices": flow.external_manifest,
            "parkedFailures": flow.parked,
        }),
        f"{base}/schemas/descriptors.pb": descriptor_set(proto_files, list(integration.messages())),
        f"{base}/tests/{base}_structural_test.py": _structural_test(integration, flow),
        **schema_files(integration, schemas),
    }
    files.update(diagram_files(base, flow.root))
    files.update(readme_files(integration, flow, graph, target, params))
    for name in ("deploy_and_assert.py", "compose.yaml", "README.md"):
        files[f"{base}/harness/{name}"] = render(
            f"harness/{name}.j2", integration=integration.slug, nifi_version=target.version,
        )
    if params.kubernetes or params.flow_registry != "nifi":
        from .kubernetes import flow_location, kubernetes_files

        if params.kubernetes:
            files.update(kubernetes_files(integration, flow, digest, params))
        if params.flow_registry != "nifi":
            from .gitregistry import registry_file

            files.update(registry_file(snapshot, *flow_location(integration, params)))
    return files
