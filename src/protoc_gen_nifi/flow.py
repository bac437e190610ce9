"""Integration model -> NiFi versioned process group (plain data, serialized elsewhere).

Shape (see docs/artifacts.md): a root group bound to the integration's
parameter context, an ingress group per IN port, a human-owned mapping group,
an egress group per OUT port, and a root "failure" output port that every
failure path ends in after bounded retries. Every connection carries explicit
back pressure; every id is derived from a stable path.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import nifi_catalog as nc
from .ids import IdFactory
from .model import Backpressure, Integration, Port
from .transports import MAPPING_MODULES, Param, ServiceUse, Step, boundary, mapping_params, ref

ROW = 200.0
COLUMN = 480.0


@dataclass
class FlowResult:
    root: dict
    params: list[Param]
    services: list[dict]  # controller-services.json entries


class _Params:
    """Parameters in first-use order, one entry per name."""

    def __init__(self) -> None:
        self._by_name: dict[str, Param] = {}

    def add(self, *params: Param) -> None:
        for param in params:
            known = self._by_name.setdefault(param.name, param)
            if known.sensitive != param.sensitive:  # a programming error in the transport table
                raise ValueError(f"parameter {param.name} declared both sensitive and not")

    def sorted(self) -> list[Param]:
        return [self._by_name[name] for name in sorted(self._by_name)]


def _position(x: float, y: float) -> dict:
    return {"x": x, "y": y}


def _endpoint(component: dict, kind: str, group_id: str) -> dict:
    return {"groupId": group_id, "id": component["identifier"], "name": component.get("name", ""), "type": kind}


class _Group:
    """A process group under construction."""

    def __init__(self, ids: IdFactory, path: str, name: str, comments: str, parent: str | None,
                 context: str, position: dict, backpressure: Backpressure) -> None:
        self.ids = ids
        self.path = path
        self.data = {
            "identifier": ids(path),
            "name": name,
            "comments": comments,
            "position": position,
            "processGroups": [],
            "remoteProcessGroups": [],
            "processors": [],
            "inputPorts": [],
            "outputPorts": [],
            "connections": [],
            "labels": [],
            "funnels": [],
            "controllerServices": [],
            # NiFi binds parameters per group, with no inheritance: bind every group.
            "parameterContextName": context,
            "defaultFlowFileExpiration": "0 sec",
            "defaultBackPressureObjectThreshold": backpressure.objects,
            "defaultBackPressureDataSizeThreshold": backpressure.size,
            "scheduledState": "ENABLED",
            "executionEngine": "INHERITED",
            "maxConcurrentTasks": 1,
            "statelessFlowTimeout": "1 min",
            "flowFileConcurrency": "UNBOUNDED",
            "flowFileOutboundPolicy": "STREAM_WHEN_AVAILABLE",
            "componentType": "PROCESS_GROUP",
        }
        if parent is not None:
            self.data["groupIdentifier"] = parent

    @property
    def id(self) -> str:
        return self.data["identifier"]

    def port(self, kind: str, name: str, position: dict) -> dict:
        # No comments: NiFi 2.x exports do not carry them on ports.
        port = {
            "identifier": self.ids(self.path, kind, name),
            "name": name,
            "position": position,
            "type": kind,
            "concurrentlySchedulableTaskCount": 1,
            "scheduledState": "ENABLED",
            "allowRemoteAccess": False,
            "portFunction": "STANDARD",
            "componentType": kind,
            "groupIdentifier": self.id,
        }
        self.data["inputPorts" if kind == "INPUT_PORT" else "outputPorts"].append(port)
        return port

    def funnel(self, key: str, position: dict) -> dict:
        funnel = {
            "identifier": self.ids(self.path, "funnel", key),
            "position": position,
            "componentType": "FUNNEL",
            "groupIdentifier": self.id,
        }
        self.data["funnels"].append(funnel)
        return funnel

    def label(self, key: str, text: str, position: dict) -> None:
        self.data["labels"].append({
            "identifier": self.ids(self.path, "label", key),
            "label": text,
            "position": position,
            "width": 400.0,
            "height": 60.0,
            "style": {"font-size": "14px"},
            "zIndex": 0,
            "componentType": "LABEL",
            "groupIdentifier": self.id,
        })

    def connect(self, source: tuple[dict, str, str], destination: tuple[dict, str, str],
                relationships: list[str], backpressure: Backpressure) -> None:
        """source/destination: (component, connectable type, id of the group that holds it)."""
        (src, src_kind, src_group), (dst, dst_kind, dst_group) = source, destination
        key = "->".join((src["identifier"], dst["identifier"], *relationships))
        self.data["connections"].append({
            "identifier": self.ids(self.path, "connection", key),
            "name": "",
            "source": _endpoint(src, src_kind, src_group),
            "destination": _endpoint(dst, dst_kind, dst_group),
            "selectedRelationships": relationships,
            "backPressureObjectThreshold": backpressure.objects,
            "backPressureDataSizeThreshold": backpressure.size,
            "flowFileExpiration": "0 sec",
            "prioritizers": [],
            "bends": [],
            "labelIndex": 0,
            "zIndex": 0,
            "loadBalanceStrategy": "DO_NOT_LOAD_BALANCE",
            "partitioningAttribute": "",
            "loadBalanceCompression": "DO_NOT_COMPRESS",
            "componentType": "CONNECTION",
            "groupIdentifier": self.id,
        })

    def child(self, group: "_Group") -> None:
        self.data["processGroups"].append(group.data)


def _descriptor(key: str, display: str | None, sensitive: bool, identifies_service: bool, dynamic: bool) -> dict:
    return {
        "name": key,
        "displayName": display or key,
        "identifiesControllerService": identifies_service,
        "sensitive": sensitive,
        "dynamic": dynamic,
    }


def _set_property(properties: dict, descriptors: dict, component: nc.Component, target: nc.Target,
                  key: str, value: str) -> None:
    """Sets a catalog property under the target version's key, with NiFi's descriptor for it."""
    prop = component.prop(key)
    name = target.key(component, key)
    properties[name] = value
    descriptors[name] = _descriptor(name, prop.display, prop.sensitive, prop.service_api is not None, False)


def _processor(group: _Group, step: Step, position: dict, target: nc.Target, service_ids: dict[str, str],
               retry_count: int, max_backoff: str) -> dict:
    component = step.component
    properties: dict[str, str] = {}
    descriptors: dict[str, dict] = {}
    for key, value in step.properties.items():
        _set_property(properties, descriptors, component, target, key, value)
    for key, service_key in step.services.items():
        _set_property(properties, descriptors, component, target, key, service_ids[service_key])
    for name, (value, sensitive) in step.dynamic.items():
        properties[name] = value
        descriptors[name] = _descriptor(name, None, sensitive, False, True)
    retried = list(step.retried) if retry_count > 0 else []
    return {
        "identifier": group.ids(group.path, "processor", step.key),
        "name": step.name,
        "comments": step.comments,
        "position": position,
        "type": component.type,
        "bundle": target.bundle(component.artifact),
        "properties": properties,
        "propertyDescriptors": descriptors,
        "style": {},
        "schedulingPeriod": "0 sec",
        "schedulingStrategy": "TIMER_DRIVEN",
        "executionNode": "PRIMARY" if step.primary_only else "ALL",
        "penaltyDuration": "30 sec",
        "yieldDuration": "1 sec",
        "bulletinLevel": "WARN",
        "runDurationMillis": 0,
        "concurrentlySchedulableTaskCount": 1,
        "autoTerminatedRelationships": sorted(step.done),
        "scheduledState": "ENABLED",
        "retryCount": retry_count,
        "retriedRelationships": sorted(retried),
        "backoffMechanism": "PENALIZE_FLOWFILE",
        "maxBackoffPeriod": max_backoff,
        "componentType": "PROCESSOR",
        "groupIdentifier": group.id,
    }


def _service(ids: IdFactory, root: _Group, use: ServiceUse, target: nc.Target) -> dict:
    component = use.component
    properties: dict[str, str] = {}
    descriptors: dict[str, dict] = {}
    for key, value in use.properties.items():
        _set_property(properties, descriptors, component, target, key, value)
    return {
        "identifier": ids(root.path, "service", use.key),
        "name": use.name,
        "comments": use.comments,
        "type": component.type,
        "bundle": target.bundle(component.artifact),
        "properties": properties,
        "propertyDescriptors": descriptors,
        "controllerServiceApis": [
            {"type": api, "bundle": target.bundle(artifact)} for api, artifact in component.apis
        ],
        "scheduledState": "DISABLED",
        "bulletinLevel": "WARN",
        "componentType": "CONTROLLER_SERVICE",
        "groupIdentifier": root.id,
    }


def _chain(group: _Group, steps: tuple[Step, ...], first_y: float, target: nc.Target, service_ids: dict[str, str],
           port: Port, retry: bool) -> list[dict]:
    """Lays out the steps top-down and connects each step's forward relationships to the next."""
    processors = []
    for i, step in enumerate(steps):
        processor = _processor(
            group, step, _position(0.0, first_y + i * ROW), target, service_ids,
            port.retry.count if retry else 0, port.retry.max_backoff,
        )
        group.data["processors"].append(processor)
        processors.append(processor)
    for step, processor, nxt in zip(steps, processors, processors[1:]):
        group.connect((processor, "PROCESSOR", group.id), (nxt, "PROCESSOR", group.id),
                      list(step.forward), port.backpressure)
    return processors


def _route_failures(group: _Group, steps: tuple[Step, ...], processors: list[dict], failure_port: dict,
                    backpressure: Backpressure) -> None:
    for step, processor in zip(steps, processors):
        if step.failures:
            group.connect((processor, "PROCESSOR", group.id), (failure_port, "OUTPUT_PORT", group.id),
                          sorted(step.failures), backpressure)


def build_flow(integration: Integration, target: nc.Target) -> FlowResult:
    ids = IdFactory(integration.service)
    context = integration.slug
    params = _Params()
    root = _Group(ids, "root", integration.slug,
                  f"protoc-gen-nifi: integration {integration.service} ({integration.file}). {integration.description}".strip(),
                  None, context, _position(0.0, 0.0), integration.backpressure)

    boundaries = {port.slug: boundary(integration, port) for port in integration.ports}
    services: dict[str, ServiceUse] = {}
    for port in integration.ports:
        for use in boundaries[port.slug].services:
            services.setdefault(use.key, use)
        params.add(*boundaries[port.slug].params)
    service_json = {key: _service(ids, root, services[key], target) for key in sorted(services)}
    service_ids = {key: data["identifier"] for key, data in service_json.items()}
    root.data["controllerServices"] = list(service_json.values())
    referenced_by: dict[str, list[str]] = {key: [] for key in services}

    # Every failure of the integration ends here, after bounded retries.
    failure = root.port("OUTPUT_PORT", "failure", _position(COLUMN, ROW * (len(integration.ports) + 2)))
    mapping = _Group(ids, "mapping", "mapping",
                     "protoc-gen-nifi: human-owned mapping. The scripts live outside the flow and are reached only "
                     "through parameters, so regeneration never overwrites them.",
                     root.id, context, _position(COLUMN, 0.0), integration.backpressure)

    def failure_link(child: _Group, child_failure: dict) -> None:
        root.connect((child_failure, "OUTPUT_PORT", child.id), (failure, "OUTPUT_PORT", root.id), [""],
                     integration.backpressure)

    # Ingress groups: transport -> ... -> "out"; their output feeds the mapping.
    mapping_inputs: list[tuple[Port, dict, _Group, dict]] = []
    for row, port in enumerate(integration.ports_in()):
        spec = boundaries[port.slug]
        group = _Group(ids, f"ingress/{port.slug}", f"ingress {port.slug}",
                       f"protoc-gen-nifi: IN port {port.name} ({port.origin}). {port.description}".strip(),
                       root.id, context, _position(0.0, row * ROW), port.backpressure)
        processors = _chain(group, spec.steps, 0.0, target, service_ids, port, retry=False)
        out = group.port("OUTPUT_PORT", "out", _position(0.0, len(spec.steps) * ROW))
        group.connect((processors[-1], "PROCESSOR", group.id), (out, "OUTPUT_PORT", group.id),
                      list(spec.steps[-1].forward), port.backpressure)
        group_failure = group.port("OUTPUT_PORT", "failure", _position(COLUMN, len(spec.steps) * ROW))
        _route_failures(group, spec.steps, processors, group_failure, integration.backpressure)
        _note_services(spec.steps, processors, referenced_by)
        root.child(group)
        failure_link(group, group_failure)
        mapping_in = mapping.port("INPUT_PORT", f"from {port.slug}", _position(0.0, row * ROW))
        mapping_inputs.append((port, out, group, mapping_in))

    # Mapping group: every input fans out (through a funnel) to one script per OUT port.
    outs = integration.ports_out()
    funnel = mapping.funnel("fan-in", _position(COLUMN, 0.0)) if mapping_inputs else None
    for port, _, _, mapping_in in mapping_inputs:
        mapping.connect((mapping_in, "INPUT_PORT", mapping.id), (funnel, "FUNNEL", mapping.id), [""],
                        port.backpressure)
    mapping_failure = mapping.port("OUTPUT_PORT", "failure", _position(2 * COLUMN, ROW * (len(outs) + 1)))
    params.add(MAPPING_MODULES)
    script_targets: list[tuple[str, str, Param, Port | None]] = []
    if outs:
        for port in outs:
            script_targets.append((f"map {port.slug}", port.slug, mapping_params(port), port))
    else:
        script_targets.append(("handle", "handle", Param(
            "mapping.script.path", "Path on the NiFi nodes of the human-owned Groovy script that handles the input"
        ), None))
    mapping_outputs: dict[str, dict] = {}
    for row, (name, key, script_param, port) in enumerate(script_targets):
        params.add(script_param)
        backpressure = port.backpressure if port else integration.backpressure
        step = Step(
            key=key,
            name=name,
            component=nc.EXECUTE_SCRIPT,
            comments="protoc-gen-nifi: human-owned logic; edit the script file, not this processor.",
            properties={"Script Engine": "Groovy", "Script File": ref(script_param),
                        "Module Directory": ref(MAPPING_MODULES)},
            forward=("success",) if port else (),
            done=() if port else ("success",),
            failures=("failure",),
            retried=("failure",),
        )
        processor = _processor(mapping, step, _position(2 * COLUMN, row * ROW), target, service_ids,
                               port.retry.count if port else integration.retry.count,
                               port.retry.max_backoff if port else integration.retry.max_backoff)
        mapping.data["processors"].append(processor)
        if funnel is not None:
            mapping.connect((funnel, "FUNNEL", mapping.id), (processor, "PROCESSOR", mapping.id), [""], backpressure)
        if port is not None:
            to = mapping.port("OUTPUT_PORT", f"to {port.slug}", _position(3 * COLUMN, row * ROW))
            mapping.connect((processor, "PROCESSOR", mapping.id), (to, "OUTPUT_PORT", mapping.id), ["success"],
                            backpressure)
            mapping_outputs[port.slug] = to
        _route_failures(mapping, (step,), [processor], mapping_failure, integration.backpressure)
    mapping.label("owner", "Human-owned mapping: regeneration keeps this group's wiring; the Groovy scripts are "
                  "files referenced through the mapping.* parameters.", _position(0.0, -ROW / 2))
    root.child(mapping)
    failure_link(mapping, mapping_failure)
    for port, out, group, mapping_in in mapping_inputs:
        root.connect((out, "OUTPUT_PORT", group.id), (mapping_in, "INPUT_PORT", mapping.id), [""], port.backpressure)

    # Egress groups: "in" -> ... -> transport.
    for row, port in enumerate(outs):
        spec = boundaries[port.slug]
        group = _Group(ids, f"egress/{port.slug}", f"egress {port.slug}",
                       f"protoc-gen-nifi: OUT port {port.name} ({port.origin}). {port.description}".strip(),
                       root.id, context, _position(2 * COLUMN, row * ROW), port.backpressure)
        inbound = group.port("INPUT_PORT", "in", _position(0.0, 0.0))
        processors = _chain(group, spec.steps, ROW, target, service_ids, port, retry=True)
        group.connect((inbound, "INPUT_PORT", group.id), (processors[0], "PROCESSOR", group.id), [""],
                      port.backpressure)
        group_failure = group.port("OUTPUT_PORT", "failure", _position(COLUMN, (len(spec.steps) + 1) * ROW))
        _route_failures(group, spec.steps, processors, group_failure, integration.backpressure)
        _note_services(spec.steps, processors, referenced_by)
        root.child(group)
        failure_link(group, group_failure)
        root.connect((mapping_outputs[port.slug], "OUTPUT_PORT", mapping.id), (inbound, "INPUT_PORT", group.id),
                     [""], port.backpressure)

    manifest = []
    for key in sorted(services):
        use, data = services[key], service_json[key]
        manifest.append({
            "key": key,
            "identifier": data["identifier"],
            "name": data["name"],
            "type": data["type"],
            "bundle": data["bundle"],
            "apis": data["controllerServiceApis"],
            "properties": data["properties"],
            "sensitiveProperties": sorted(k for k, d in data["propertyDescriptors"].items() if d["sensitive"]),
            "referencedBy": sorted(referenced_by[key]),
            "autoEnable": True,
        })
    return FlowResult(root=root.data, params=params.sorted(), services=manifest)


def _note_services(steps: tuple[Step, ...], processors: list[dict], referenced_by: dict[str, list[str]]) -> None:
    for step, processor in zip(steps, processors):
        for service_key in step.services.values():
            referenced_by[service_key].append(processor["identifier"])
