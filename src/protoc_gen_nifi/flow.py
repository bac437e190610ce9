"""Integration model -> NiFi versioned process group (plain data, serialized elsewhere).

Shape (see docs/artifacts.md): a root group bound to the integration's
parameter context, an ingress group per IN port, a human-owned mapping group
that sends every FlowFile through the LOOKUP ports' groups (enrichment) before
its scripts, an egress group per OUT port, and a "parked failures" queue in the
root that every failure path ends in after bounded retries, through the
dead-letter group when the integration binds one. The queue leads into a funnel
with no way out: NiFi never schedules such a funnel and never counts it invalid
(ConnectableTask.isWorkToDo, StandardFunnel.getValidationErrors), so failed
FlowFiles wait there, visible, while every component stays valid (an output
port that leads nowhere would be invalid: LocalPort.getValidationErrors). Every
connection carries explicit back pressure; every id is derived from a stable
path.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import nifi_catalog as nc
from . import transforms
from .canvas import SIZES
from .ids import IdFactory
from .model import Backpressure, Integration, Port, Tuning
from .transports import (
    MAPPING_MODULES,
    Boundary,
    Param,
    ServiceUse,
    Step,
    boundary,
    dead_letter_port,
    mapping_params,
    ref,
)
from .units import to_millis

ROW = 200.0
COLUMN = 480.0
# The child group of each port direction: "<prefix> <port slug>".
GROUP_PREFIX = {"IN": "ingress", "OUT": "egress", "LOOKUP": "lookup"}


# The root's queue of failed FlowFiles (a harness counts what waits in it).
PARKED_FAILURES = "parked failures"


@dataclass
class FlowResult:
    root: dict
    params: list[Param]
    services: list[dict]  # controller-services.json entries
    external: dict[str, dict]  # externalControllerServices: versioned id -> {identifier, name}
    external_manifest: list[dict]  # controller-services.json entries of the cluster's services the flow uses
    parked: dict[str, str]  # {"connection": id, "funnel": id} of the parked-failures queue
    transport_types: dict[str, str]  # port slug -> type of the port's transport processor


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


# Where a component of each kind sits in a processor-sized grid cell, centred: (x offset, y offset).
_CENTRED = {kind: ((SIZES["processors"][0] - width) / 2, (SIZES["processors"][1] - height) / 2)
            for kind, (width, height) in SIZES.items()}


def _cell(column: float, row: float, kind: str = "processors") -> dict:
    """The position of a component of `kind` centred in a processor-sized cell of the grid: a grid cell is
    larger than every component (canvas.SIZES), so components in distinct cells never overlap on NiFi's canvas."""
    dx, dy = _CENTRED[kind]
    return {"x": column * COLUMN + dx, "y": row * ROW + dy}


def _at(column: float, row: float) -> dict:
    """The top-left corner of a grid cell (process groups, wider than a processor, start there)."""
    return _position(column * COLUMN, row * ROW)


def _bus(source: dict, port: dict) -> list[dict]:
    """Bends that take a processor's connection to a failure port below it along the gap right of the
    processor's column and then across: a straight line would cross the steps between them on the canvas."""
    width, height = SIZES["processors"]
    x = source["position"]["x"] + width + (COLUMN - width) / 2
    port_y = port["position"]["y"] + SIZES["outputPorts"][1] / 2
    # Below the processor's middle, where a connection to its right (the mapping's "to" port) leaves.
    return [_position(x, source["position"]["y"] + height * 3 / 4), _position(x, port_y)]


class _Group:
    """A process group under construction."""

    def __init__(self, ids: IdFactory, path: str, name: str, comments: str, parent: str | None,
                 context: str, position: dict, backpressure: Backpressure) -> None:
        self.ids = ids
        self.path = path
        self.id = ids(path)
        self.data = {
            "identifier": self.id,
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
                relationships: list[str], backpressure: Backpressure, load_balanced: bool = False,
                name: str = "", bends: list[dict] | None = None) -> dict:
        """source/destination: (component, connectable type, id of the group that holds it). `load_balanced`:
        spread the queue over the cluster's nodes (after a primary-node source: BEHAVIOUR 15)."""
        src, src_kind, src_group = source
        dst, dst_kind, dst_group = destination
        src_id, dst_id = src["identifier"], dst["identifier"]
        connection = {
            "identifier": self.ids(self.path, "connection", "->".join((src_id, dst_id, *relationships))),
            "name": name,
            "source": {"groupId": src_group, "id": src_id, "name": src.get("name", ""), "type": src_kind},
            "destination": {"groupId": dst_group, "id": dst_id, "name": dst.get("name", ""), "type": dst_kind},
            "selectedRelationships": relationships,
            "backPressureObjectThreshold": backpressure.objects,
            "backPressureDataSizeThreshold": backpressure.size,
            "flowFileExpiration": "0 sec",
            "prioritizers": [],
            "bends": bends or [],
            "labelIndex": 0,
            "zIndex": 0,
            "loadBalanceStrategy": "ROUND_ROBIN" if load_balanced else "DO_NOT_LOAD_BALANCE",
            "partitioningAttribute": "",
            "loadBalanceCompression": "DO_NOT_COMPRESS",
            "componentType": "CONNECTION",
            "groupIdentifier": self.id,
        }
        self.data["connections"].append(connection)
        return connection

    def child(self, group: _Group) -> None:
        self.data["processGroups"].append(group.data)


def _descriptor(key: str, display: str | None, sensitive: bool, identifies_service: bool, dynamic: bool) -> dict:
    return {
        "name": key,
        "displayName": display or key,
        "identifiesControllerService": identifies_service,
        "sensitive": sensitive,
        "dynamic": dynamic,
    }


# (component type, catalog key, NiFi version) -> (the component, the release's key, NiFi's descriptor for it).
# Every integration sets the same few catalog properties, and the release's key and display name take lookups
# in NiFi's definitions: each is worked out once a run. The component is kept to tell apart two catalog
# entries of one type (its props decide the descriptor).
_PROPERTY_DESCRIPTORS: dict[tuple[str, str, str], tuple[nc.Component, str, dict]] = {}


def _set_property(properties: dict, descriptors: dict, component: nc.Component, target: nc.Target,
                  key: str, value: str) -> None:
    """Sets a catalog property under the target version's key, with NiFi's descriptor for it."""
    cache_key = (component.type, key, target.version)
    known = _PROPERTY_DESCRIPTORS.get(cache_key)
    if known is None or known[0] is not component:
        prop = component.prop(key)
        name = target.key(component, key)  # raises MissingProperty each time: a failure is not kept
        # A renamed key keeps the display name NiFi shows for it (the current key, unless the table says otherwise).
        known = (component, name, _descriptor(name, target.display(component, key), prop.sensitive,
                                              prop.service_api is not None, False))
        _PROPERTY_DESCRIPTORS[cache_key] = known
    name = known[1]
    properties[name] = value
    descriptors[name] = dict(known[2])  # each processor its own descriptor dicts, as NiFi's JSON has them


_DEFAULT_TUNING = Tuning()  # NiFi's defaults: what a step that is not the port's transport runs with


def _processor(group: _Group, step: Step, position: dict, target: nc.Target, service_ids: dict[str, str],
               retry_count: int, max_backoff: str, tuning: Tuning) -> dict:
    component = step.component
    properties: dict[str, str] = {}
    descriptors: dict[str, dict] = {}
    if not step.tuned:
        tuning = _DEFAULT_TUNING
    step_properties = step.properties
    if tuning.batch_size is not None and step.batch_key:
        step_properties = {**step_properties, step.batch_key: str(tuning.batch_size)}
    for key, value in step_properties.items():
        _set_property(properties, descriptors, component, target, key, value)
    for key, service_key in step.services.items():
        _set_property(properties, descriptors, component, target, key, service_ids[service_key])
    for name, (value, sensitive) in step.dynamic.items():
        properties[name] = value
        descriptors[name] = _descriptor(name, None, sensitive, False, True)
    retried = sorted(step.retried) if retry_count > 0 else []
    # NiFi's default: timer driven, as often as there is work.
    schedule = step.schedule or (("CRON_DRIVEN", tuning.cron) if tuning.cron else ("TIMER_DRIVEN", tuning.every or "0 sec"))
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
        "schedulingPeriod": schedule[1],
        "schedulingStrategy": schedule[0],
        "executionNode": "PRIMARY" if step.primary_only else "ALL",
        "penaltyDuration": "30 sec",
        "yieldDuration": "1 sec",
        "bulletinLevel": "WARN",
        "runDurationMillis": to_millis(tuning.run_duration) if tuning.run_duration else 0,
        "concurrentlySchedulableTaskCount": 1 if component.serial else tuning.concurrent_tasks or 1,
        "autoTerminatedRelationships": sorted(step.done),
        "scheduledState": "ENABLED",
        "retryCount": retry_count,
        "retriedRelationships": retried,
        "backoffMechanism": "PENALIZE_FLOWFILE",
        "maxBackoffPeriod": max_backoff,
        "componentType": "PROCESSOR",
        "groupIdentifier": group.id,
    }


def _service(root: _Group, use: ServiceUse, target: nc.Target, service_ids: dict[str, str]) -> dict:
    component = use.component
    properties: dict[str, str] = {}
    descriptors: dict[str, dict] = {}
    for key, value in use.properties.items():
        _set_property(properties, descriptors, component, target, key, value)
    for key, service_key in use.services.items():
        _set_property(properties, descriptors, component, target, key, service_ids[service_key])
    return {
        "identifier": service_ids[use.key],
        "name": use.name,
        "comments": use.comments,
        "type": component.type,
        "bundle": target.bundle(component.artifact),
        "properties": properties,
        "propertyDescriptors": descriptors,
        "controllerServiceApis": [
            {"type": api, "bundle": target.bundle(artifact)} for api, artifact in target.apis(component)
        ],
        "scheduledState": "DISABLED",
        "bulletinLevel": "WARN",
        "componentType": "CONTROLLER_SERVICE",
        "groupIdentifier": root.id,
    }


@dataclass
class _Built:
    """A boundary group and the ports the root wires it by."""

    group: _Group
    inbound: dict | None  # "in" input port (egress, lookup, dead letter)
    outbound: dict | None  # "out" output port (ingress, lookup)
    failure: dict | None  # "failure" output port, when something in the group can fail


class _Builder:
    """Builds the groups of one integration, sharing ids, services, parameters and target."""

    def __init__(self, integration: Integration, target: nc.Target) -> None:
        self.integration = integration
        self.target = target
        self.ids = IdFactory(integration.service)
        self.params = _Params()
        self.services: dict[str, ServiceUse] = {}
        self.service_ids: dict[str, str] = {}
        self.referenced_by: dict[str, list[str]] = {}
        self.external: dict[str, ServiceUse] = {}  # key -> the cluster's service standing in for it
        self.transport_types: dict[str, str] = {}

    def group(self, path: str, name: str, comments: str, parent: _Group, position: dict,
              backpressure: Backpressure) -> _Group:
        return _Group(self.ids, path, name, comments, parent.id, self.integration.slug, position, backpressure)

    def add_services(self, root: _Group, *boundaries: Boundary) -> None:
        for spec in boundaries:
            for use in spec.services:
                (self.external if use.external else self.services).setdefault(use.key, use)
            self.params.add(*spec.params)
        for key in self.services:
            self.service_ids[key] = self.ids(root.path, "service", key)
        for key, use in self.external.items():
            # NiFi binds a reference to an external service by the service's name on import
            # (StandardControllerServiceResolver): the id only has to be stable and unique in the flow.
            self.service_ids[key] = self.ids(root.path, "external", use.external)
        for key in (*self.services, *self.external):
            self.referenced_by.setdefault(key, [])

    def processor(self, group: _Group, step: Step, position: dict, port: Port | None) -> dict:
        retry = port.retry if port is not None else self.integration.retry
        processor = _processor(group, step, position, self.target, self.service_ids,
                               retry.count if step.retried else 0, retry.max_backoff,
                               port.tuning if port is not None else _DEFAULT_TUNING)
        group.data["processors"].append(processor)
        for service_key in step.services.values():
            self.referenced_by[service_key].append(processor["identifier"])
        if port is not None and step.tuned:
            self.transport_types.setdefault(port.slug, step.component.type)
        return processor

    def boundary_group(self, parent: _Group, path: str, name: str, comments: str, position: dict, port: Port,
                       spec: Boundary, inbound: bool, outbound: bool) -> _Built:
        """A child group: ["in" ->] steps in data order [-> "out"], every failure -> "failure" (a port that
        exists only when something can fail: a port nothing feeds is invalid)."""
        group = self.group(path, name, comments, parent, position, port.backpressure)
        bp, failure_bp = port.backpressure, self.integration.backpressure

        def link(source: tuple[Step, dict], destination: tuple[dict, str], relationships: list[str],
                 backpressure: Backpressure = bp, bends: list[dict] | None = None) -> None:
            (step, processor), (target, kind) = source, destination
            group.connect((processor, "PROCESSOR", group.id), (target, kind, group.id), relationships, backpressure,
                          load_balanced=step.primary_only, bends=bends)

        # The steps go down the first column; a step's branches go right from it, one row each, and the next
        # step comes below its last branch: every component has a grid cell of its own.
        row = 1 if inbound else 0
        placed: list[tuple[Step, dict]] = []
        mains = []
        for step in spec.steps:
            processor = self.processor(group, step, _cell(0, row), port)
            mains.append(processor)
            placed.append((step, processor))
            for j, branch in enumerate(step.branches):
                # A branch gets a clone of every FlowFile the step forwards (e.g. the HTTP reply), then its
                # own steps one after the other.
                previous, relationships = (step, processor), list(branch.on or step.forward)
                for k, link_step in enumerate((branch, *branch.then)):
                    clone = self.processor(group, link_step, _cell(1 + k, row + j), port)
                    link(previous, (clone, "PROCESSOR"), relationships)
                    placed.append((link_step, clone))
                    previous, relationships = (link_step, clone), list(link_step.forward)
            row += max(1, len(step.branches))
        for step, processor, nxt in zip(spec.steps, mains, mains[1:]):
            link((step, processor), (nxt, "PROCESSOR"), list(step.forward))
        in_port = out_port = None
        if inbound:
            in_port = group.port("INPUT_PORT", "in", _cell(0, 0, "inputPorts"))
            group.connect((in_port, "INPUT_PORT", group.id), (mains[0], "PROCESSOR", group.id), [""], bp)
        if outbound:
            out_port = group.port("OUTPUT_PORT", "out", _cell(0, row, "outputPorts"))
            link((spec.steps[-1], mains[-1]), (out_port, "OUTPUT_PORT"), list(spec.steps[-1].forward))
            for step, processor in zip(spec.steps, mains):
                if step.exits:  # e.g. a lookup's hits, past its fallback
                    link((step, processor), (out_port, "OUTPUT_PORT"), list(step.exits))
        failure = None
        first_column = {processor["identifier"] for processor in mains}
        if any(step.failures for step, _ in placed):
            failure = group.port("OUTPUT_PORT", "failure", _cell(1, row, "outputPorts"))
            for step, processor in placed:
                if step.failures:
                    # From the first column, along the gap beside it; a branch's steps are beside the port already.
                    bends = _bus(processor, failure) if processor["identifier"] in first_column else None
                    link((step, processor), (failure, "OUTPUT_PORT"), sorted(step.failures), failure_bp, bends)
        parent.child(group)
        return _Built(group, in_port, out_port, failure)


def _link(root: _Group, source: tuple[dict, _Group], destination: tuple[dict, _Group], kinds: tuple[str, str],
          backpressure: Backpressure) -> None:
    """Connects ports of two child groups (or of the root) inside the root."""
    (src, src_group), (dst, dst_group) = source, destination
    root.connect((src, kinds[0], src_group.id), (dst, kinds[1], dst_group.id), [""], backpressure)


def build_flow(integration: Integration, target: nc.Target) -> FlowResult:
    b = _Builder(integration, target)
    context = integration.slug
    root = _Group(b.ids, "root", integration.slug,
                  f"protoc-gen-nifi: integration {integration.service} ({integration.file}). {integration.description}".strip(),
                  None, context, _at(0, 0), integration.backpressure)
    boundaries = {port.slug: boundary(integration, port) for port in integration.ports}
    dead_port = dead_letter_port(integration) if integration.dead_letter is not None else None
    dead_spec = boundary(integration, dead_port) if dead_port is not None else None
    mapped = [Boundary(steps=(), services=transforms.SERVICES)] if any(p.mapping for p in integration.ports) else []
    b.add_services(root, *(boundaries[p.slug] for p in integration.ports), *([dead_spec] if dead_spec else []),
                   *mapped)
    service_json = {key: _service(root, b.services[key], target, b.service_ids) for key in sorted(b.services)}
    for key, use in b.services.items():
        for used in use.services.values():
            b.referenced_by[used].append(b.service_ids[key])
    root.data["controllerServices"] = list(service_json.values())
    bp = integration.backpressure
    outs, lookups = integration.ports_out(), integration.ports_lookup()

    # Every failure of the integration ends here, after bounded retries (through the dead letter, if bound):
    # the "failures" funnel gathers them into the one "parked failures" queue, in front of a funnel that leads
    # nowhere. NiFi schedules a funnel only when it has somewhere to send FlowFiles (ConnectableTask.isWorkToDo)
    # and never finds one invalid (StandardFunnel.getValidationErrors): the queue holds them, all valid.
    # Columns of the root: ingress groups, the mapping above the lookup groups, egress groups, then the way of
    # failures (the dead letter, the failures funnel, the parked queue).
    first = 1 if dead_port is not None else 0
    failures = root.funnel("failures", _cell(3, first, "funnels"))
    parking = root.funnel("parked", _cell(3, first + 1, "funnels"))
    parked = root.connect((failures, "FUNNEL", root.id), (parking, "FUNNEL", root.id), [""], bp,
                          name=PARKED_FAILURES)
    failure_target: tuple[dict, _Group, str] = (failures, root, "FUNNEL")
    if dead_port is not None and dead_spec is not None:
        dead = b.boundary_group(
            root, "dead-letter", "dead letter",
            f"protoc-gen-nifi: dead-letter output of integration {integration.slug}: every failed FlowFile, after "
            f"its retries, is published here; what this group cannot publish waits in '{PARKED_FAILURES}'.",
            _at(3, 0), dead_port, dead_spec, inbound=True, outbound=False,
        )
        if dead.failure is not None:
            _link(root, (dead.failure, dead.group), (failures, root), ("OUTPUT_PORT", "FUNNEL"), bp)
        failure_target = (dead.inbound, dead.group, "INPUT_PORT")

    def fail_to_target(built_failure: dict | None, group: _Group) -> None:
        if built_failure is None:  # nothing in the group can fail
            return
        target_port, target_group, kind = failure_target
        _link(root, (built_failure, group), (target_port, target_group), ("OUTPUT_PORT", kind), bp)

    mapping = b.group("mapping", "mapping",
                      "protoc-gen-nifi: human-owned mapping. The scripts live outside the flow and are reached only "
                      "through parameters, so regeneration never overwrites them.",
                      root, _at(1, 0), bp)

    # Ingress groups: transport -> ... -> "out"; their output feeds the mapping.
    mapping_inputs: list[tuple[Port, _Built, dict]] = []
    for row, port in enumerate(integration.ports_in()):
        built = b.boundary_group(
            root, f"ingress/{port.slug}", f"ingress {port.slug}",
            f"protoc-gen-nifi: IN port {port.name} ({port.origin}). {port.description}".strip(),
            _at(0, row), port, boundaries[port.slug], inbound=False, outbound=True,
        )
        fail_to_target(built.failure, built.group)
        mapping_inputs.append((port, built, mapping.port("INPUT_PORT", f"from {port.slug}", _cell(0, row, "inputPorts"))))

    # Mapping group: inputs meet in a funnel, pass through each LOOKUP group in turn (enrichment),
    # then fan out to one script per OUT port.
    # Columns of the mapping group: its inputs, the fan-in funnel and the lookup ports, the scripts, their outputs.
    funnel = mapping.funnel("fan-in", _cell(1, 0, "funnels")) if mapping_inputs else None
    for port, _, mapping_in in mapping_inputs:
        mapping.connect((mapping_in, "INPUT_PORT", mapping.id), (funnel, "FUNNEL", mapping.id), [""],
                        port.backpressure)
    mapping_failure = mapping.port("OUTPUT_PORT", "failure", _cell(2, max(len(outs), 1), "outputPorts"))
    lookup_links: list[tuple[Port, dict, dict]] = []  # (port, mapping "to" port, mapping "from" port)
    stage: tuple[dict, str] | None = (funnel, "FUNNEL") if funnel is not None else None
    for row, port in enumerate(lookups):
        to = mapping.port("OUTPUT_PORT", f"to {port.slug}", _cell(1, 2 * row + 1, "outputPorts"))
        back = mapping.port("INPUT_PORT", f"from {port.slug}", _cell(1, 2 * row + 2, "inputPorts"))
        if stage is not None:
            mapping.connect((stage[0], stage[1], mapping.id), (to, "OUTPUT_PORT", mapping.id), [""], port.backpressure)
        stage = (back, "INPUT_PORT")
        lookup_links.append((port, to, back))
    script_targets: list[tuple[str, str, Param | None, Port | None]] = []
    if outs:
        for port in outs:
            if not port.script and not port.mapping:
                continue  # fed by other ports' route steps only
            script_targets.append((f"map {port.slug}", port.slug, mapping_params(port) if port.script else None, port))
    else:
        script_targets.append(("handle", "handle", Param(
            "mapping.script.path", "Path on the NiFi nodes of the human-owned Groovy script that handles the input"
        ), None))
    if any(param is not None for _, _, param, _ in script_targets):
        b.params.add(MAPPING_MODULES)
    # A port's declarative mapping steps come first (a route sends records on to another port's output), then
    # its script, if it runs.
    chains = {key: (transforms.steps(port) if port is not None else ()) for _, key, _, port in script_targets}
    width = max(len(chain) + (param is not None) for (_, _, param, _), chain in zip(script_targets, chains.values()))
    mapping_outputs: dict[str, dict] = {}
    for row, port in enumerate(outs):
        mapping_outputs[port.slug] = mapping.port("OUTPUT_PORT", f"to {port.slug}",
                                                  _cell(2 + width, row, "outputPorts"))
    for row, (name, key, script_param, port) in enumerate(script_targets):
        backpressure = port.backpressure if port else bp
        chain = list(chains[key])
        if script_param is not None:
            b.params.add(script_param)
            chain.append(Step(
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
            ))
        previous: tuple[dict, str, list[str]] | None = (
            (stage[0], stage[1], [""]) if stage is not None else None)
        failed: list[tuple[dict, list[str]]] = []
        for k, step in enumerate(chain):
            processor = b.processor(mapping, step, _cell(2 + k, row), port)
            if previous is not None:
                mapping.connect((previous[0], previous[1], mapping.id), (processor, "PROCESSOR", mapping.id),
                                previous[2], backpressure)
            previous = (processor, "PROCESSOR", list(step.forward))
            if step.failures:
                failed.append((processor, sorted(step.failures)))
            if step.exits:  # a route step: the matching records go to the other port's output
                target = next(t.target for t in port.mapping if step.key.startswith(f"{port.slug}/{t.number}-"))
                mapping.connect((processor, "PROCESSOR", mapping.id),
                                (mapping_outputs[target], "OUTPUT_PORT", mapping.id), list(step.exits),
                                backpressure)
        if port is not None and previous is not None:
            mapping.connect((previous[0], previous[1], mapping.id),
                            (mapping_outputs[port.slug], "OUTPUT_PORT", mapping.id), previous[2], backpressure)
        for processor, relationships in failed:
            mapping.connect((processor, "PROCESSOR", mapping.id), (mapping_failure, "OUTPUT_PORT", mapping.id),
                            relationships, bp, bends=_bus(processor, mapping_failure))
    if any(param is not None for _, _, param, _ in script_targets):
        mapping.label("owner", "Human-owned mapping: regeneration keeps this group's wiring; the Groovy scripts are "
                      "files referenced through the mapping.* parameters.", _position(0.0, -ROW / 2))
    else:  # every OUT port declares its mapping steps: nothing here is human-owned
        mapping.data["comments"] = ("protoc-gen-nifi: declarative mapping, compiled from the OUT ports' mapping "
                                    "steps; change the steps in the proto and regenerate.")
        mapping.label("owner", "Declarative mapping: generated from the ports' mapping steps; edit the proto, not "
                      "this group.", _position(0.0, -ROW / 2))
    root.child(mapping)
    fail_to_target(mapping_failure, mapping)
    for port, built, mapping_in in mapping_inputs:
        _link(root, (built.outbound, built.group), (mapping_in, mapping), ("OUTPUT_PORT", "INPUT_PORT"),
              port.backpressure)

    # Lookup groups: "in" -> query or cache -> "out", back into the mapping.
    for row, (port, to, back) in enumerate(lookup_links):
        built = b.boundary_group(
            root, f"lookup/{port.slug}", f"lookup {port.slug}",
            f"protoc-gen-nifi: LOOKUP port {port.name} ({port.origin}). {port.description}".strip(),
            _at(1, 2 * row + 2), port, boundaries[port.slug], inbound=True, outbound=True,
        )
        fail_to_target(built.failure, built.group)
        _link(root, (to, mapping), (built.inbound, built.group), ("OUTPUT_PORT", "INPUT_PORT"), port.backpressure)
        _link(root, (built.outbound, built.group), (back, mapping), ("OUTPUT_PORT", "INPUT_PORT"), port.backpressure)

    # Egress groups: "in" -> ... -> transport.
    for row, port in enumerate(outs):
        built = b.boundary_group(
            root, f"egress/{port.slug}", f"egress {port.slug}",
            f"protoc-gen-nifi: OUT port {port.name} ({port.origin}). {port.description}".strip(),
            _at(2, row), port, boundaries[port.slug], inbound=True, outbound=False,
        )
        fail_to_target(built.failure, built.group)
        _link(root, (mapping_outputs[port.slug], mapping), (built.inbound, built.group),
              ("OUTPUT_PORT", "INPUT_PORT"), port.backpressure)

    external = {}
    external_manifest = []
    for key in sorted(b.external, key=lambda k: b.service_ids[k]):
        use, identifier = b.external[key], b.service_ids[key]
        external[identifier] = {"identifier": identifier, "name": use.external}
        external_manifest.append({
            "key": key,
            "identifier": identifier,
            "name": use.external,
            "apis": [{"type": api, "bundle": target.bundle(artifact)} for api, artifact in target.apis(use.component)],
            "referencedBy": sorted(b.referenced_by[key]),
        })
    manifest = []
    for key in sorted(b.services):
        data = service_json[key]
        manifest.append({
            "key": key,
            "identifier": data["identifier"],
            "name": data["name"],
            "type": data["type"],
            "bundle": data["bundle"],
            "apis": data["controllerServiceApis"],
            "properties": data["properties"],
            "sensitiveProperties": sorted(k for k, d in data["propertyDescriptors"].items() if d["sensitive"]),
            "referencedBy": sorted(b.referenced_by[key]),
            "autoEnable": True,
        })
    return FlowResult(root=root.data, params=b.params.sorted(), services=manifest, external=external,
                      external_manifest=external_manifest,
                      parked={"connection": parked["identifier"], "funnel": parking["identifier"]},
                      transport_types=b.transport_types)
