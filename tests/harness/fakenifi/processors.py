"""Processors, ports, funnels and process groups: what they show, when they are valid, how they start and stop.

Paths below nifi-framework-components/src/main/java/org/apache/nifi/ unless said.
"""
from __future__ import annotations

import re
from typing import Any, ClassVar

from protoc_gen_nifi import nifi_catalog as nc
from protoc_gen_nifi import nifi_definitions

from .core import MASK, Reply, Request, check_delete_rev, check_rev, new_rev, rev_dto

GENERATE = "org.apache.nifi.processors.standard.GenerateFlowFile"
# GenerateFlowFile's property names (2.11.0) -> display names; 2.0.0 used the legacy names of LEGACY.
GENERATE_PROPS = {"File Size": "File Size", "Batch Size": "Batch Size", "Data Format": "Data Format",
                  "Unique FlowFiles": "Unique FlowFiles", "Custom Text": "Custom Text",
                  "Character Set": "Character Set", "Mime Type": "Mime Type"}
LEGACY = {"Custom Text": "generate-ff-custom-text", "Character Set": "character-set", "Mime Type": "mime-type"}
RUNNING_STATES = {"RUNNING", "STARTING", "STOPPING", "RUN_ONCE"}
PORT_KINDS = {"INPUT_PORT": "inputPorts", "OUTPUT_PORT": "outputPorts"}
PARAM = re.compile(r"#\{([^}]+)\}")


def catalog(type_: str) -> nc.Component | None:
    return next((c for c in nc.COMPONENTS if c.type == type_), None)


class ProcessorsMixin:
    nifi_version = "2.11.0"  # the installed bundles' version
    validating_ticks = 2  # requests a processor stays VALIDATING after a change (StandardProcessorNode ~729)
    stopping_ticks = 2  # requests a stopped processor keeps its active thread (StandardProcessorNode.isRunning ~934)
    nodes = 1  # cluster size; >1 makes every node run every processor unless executionNode is PRIMARY
    legacy_generate = False  # GenerateFlowFile with NiFi 2.0.0's property names
    # NARs this NiFi lacks: not among the installed types, so their processors and services import as ghosts
    # (ghost_errors; GhostProcessor, GhostControllerService), as does any type the fake does not know.
    missing_nars: frozenset[str] = frozenset()

    PROCESSOR_ROUTES: ClassVar[list] = [
        ("GET", r"/flow/process-groups/([^/]+)", "n_group_flow", None, "ProcessGroupFlowEntity"),
        ("PUT", r"/flow/process-groups/([^/]+)", "n_schedule", "ScheduleComponentsEntity", "ScheduleComponentsEntity"),
        ("GET", r"/flow/process-groups/([^/]+)/status", "n_group_status", None, "ProcessGroupStatusEntity"),
        ("GET", r"/process-groups/([^/]+)", "n_group", None, "ProcessGroupEntity"),
        ("GET", r"/flow/processor-types", "n_processor_types", None, "ProcessorTypesEntity"),
        ("POST", r"/process-groups/([^/]+)/processors", "n_create_processor", "ProcessorEntity", "ProcessorEntity"),
        ("GET", r"/processors/([^/]+)", "n_processor", None, "ProcessorEntity"),
        ("PUT", r"/processors/([^/]+)", "n_update_processor", "ProcessorEntity", "ProcessorEntity"),
        ("DELETE", r"/processors/([^/]+)", "n_delete_processor", None, "ProcessorEntity"),
        ("PUT", r"/processors/([^/]+)/run-status", "n_processor_state", "ProcessorRunStatusEntity", "ProcessorEntity"),
        ("POST", r"/process-groups/([^/]+)/(input|output)-ports", "n_create_port", "PortEntity", "PortEntity"),
        ("POST", r"/process-groups/([^/]+)/funnels", "n_create_funnel", "FunnelEntity", "FunnelEntity"),
        ("GET", r"/(input|output)-ports/([^/]+)", "n_port", None, "PortEntity"),
        ("PUT", r"/(input|output)-ports/([^/]+)/run-status", "n_port_state", "PortRunStatusEntity", "PortEntity"),
    ]

    # ------------------------------------------------------------ validity

    def connections_of(self, cid: str) -> tuple[list[dict], list[dict]]:
        """(incoming, outgoing) connections of a component."""
        ins = [c for c in self.connections.values() if c["dst"] == cid]
        outs = [c for c in self.connections.values() if c["src"] == cid]
        return ins, outs

    def context_of(self, gid: str) -> dict | None:
        cid = self.groups[gid].get("context")
        return self.contexts.get(cid) if cid else None

    def param_errors(self, gid: str, display: str, raw: str | None) -> tuple[list[str], str | None]:
        """Errors of a property's parameter references, and its effective value (None when a parameter has none)."""
        names = PARAM.findall(raw or "")
        if not names:
            return [], raw
        params = (self.context_of(gid) or {"params": {}})["params"]
        missing = [n for n in names if n not in params]
        if missing:
            return [(f"'{display}' validated against '{raw}' is invalid because Property references Parameter "
                    f"'{missing[0]}' but the currently selected Parameter Context does not have a Parameter with that "
                    "name")], None
        value = raw
        for n in names:
            if params[n]["value"] is None:
                return [], None
            value = value.replace("#{" + n + "}", params[n]["value"])
        return [], value

    def relationships(self, p: dict) -> list[str]:
        if p.get("ghost"):
            return []  # GhostProcessor.getRelationships
        if p["type"] == GENERATE:
            return ["success"]
        comp = catalog(p["type"])
        if comp is None:
            return []
        # A processor's relationships can depend on its configuration: RouteOnAttribute has one per dynamic
        # property (RouteOnAttribute.onPropertyModified), ConsumeKafka a `parse failure` only with a Record
        # Reader (ConsumeKafka.getRelationships); the catalog says which (Component.relationships_for).
        dynamic = tuple(k for k in p["properties"] if k not in {x.key for x in comp.props})
        return list(comp.relationships_for(nc.Config(p["properties"], dynamic)))

    def ghost_errors(self, c: dict, what: str) -> list[str]:
        """A component NiFi could not load: every property counts as sensitive, so a reference to a non-sensitive
        parameter is invalid, and such errors end validation (AbstractComponentNode.validateParameterReferences
        ~1012, computeValidationErrors ~905); otherwise GhostProcessor/GhostControllerService.validate: "Missing
        Processor", "Processor is of type X, but this is not a valid Processor type"."""
        params = (self.context_of(c["group"]) or {"params": {}})["params"]
        errors = [f"'{key}' is invalid because The property '{key}' cannot reference Parameter '{name}' because the "
                  "Sensitivity of the parameter does not match the Sensitivity of the property."
                  for key, raw in sorted(c["properties"].items()) for name in PARAM.findall(raw or "")
                  if name in params and not params[name]["sensitive"]]
        return errors or [(f"'Missing {what}' validated against 'Any Property' is invalid because {what} is of type "
                          f"{c['type']}, but this is not a valid {what} type")]

    def processor_errors(self, p: dict) -> list[str]:
        """StandardProcessorNode.computeValidationErrors ~1075: every relationship connected or auto-terminated
        (retrying does not count), no Primary-Node-only with an incoming connection; AbstractComponentNode: a
        referenced controller service must exist and be enabled, a referenced parameter must exist (BEHAVIOUR 14).
        Messages are ValidationResult.toString (nifi-api): `'<subject>' [validated against '<input>'] is invalid
        because <explanation>`."""
        if p.get("ghost"):
            return self.ghost_errors(p, "Processor")
        errors = []
        ins, outs = self.connections_of(p["id"])
        for rel in self.relationships(p):
            if rel not in p["autoterm"] and not any(rel in c["rels"] for c in outs):
                errors.append(f"'Relationship {rel}' is invalid because Relationship '{rel}' is not connected to any "
                              "component and is not auto-terminated")
        if p.get("executionNode") == "PRIMARY" and ins:
            errors.append("'Execution Node' is invalid because Processors with incoming connections cannot be "
                          "scheduled for Primary Node Only.")
        comp = catalog(p["type"])
        for key, raw in sorted(p["properties"].items()):
            prop = next((x for x in comp.props if x.key == key), None) if comp else None
            display = (prop.display if prop and prop.display else key)
            errs, value = self.param_errors(p["group"], display, raw)
            errors += errs
            if prop and prop.service_api and value:
                svc = self.services.get(value)
                if svc is None:
                    errors.append(f"'{display}' validated against '{value}' is invalid because Invalid Controller "
                                  f"Service: {value} is not a valid Controller Service Identifier")
                elif svc["state"] != "ENABLED":
                    errors.append(f"'{display}' validated against '{value}' is invalid because Controller Service "
                                  f"with ID {value} is disabled")
        return errors

    def port_errors(self, port: dict) -> list[str]:
        """connectable/LocalPort.getValidationErrors ~120: a port needs an incoming connection and (standard
        engine) an outgoing one: an output port with no outgoing connection is invalid (BEHAVIOUR 13), so the
        top-level `failure` port of a deployed integration is invalid unless something outside takes from it."""
        ins, outs = self.connections_of(port["id"])
        errors = []
        if not ins:
            errors.append(f"'Port '{port['name']}'' is invalid because Port has no incoming connections")
        if not outs:
            errors.append(f"'Port '{port['name']}'' is invalid because Port has no outgoing connections")
        return errors

    def validation(self, c: dict) -> tuple[str, list[str]]:
        """(VALID | INVALID | VALIDATING, errors). A processor is VALIDATING for a moment after it is created,
        configured, or a connection to or from it is added or removed (StandardProcessorNode.onConnectionAdded
        ~729 resetValidationState; BEHAVIOUR 7)."""
        if c["kind"] == "PROCESSOR":
            if self.now < c.get("valid_at", 0):
                return "VALIDATING", []
            errors = self.processor_errors(c)
        elif c["kind"] in PORT_KINDS:
            errors = self.port_errors(c)
        else:
            errors = []  # a funnel is always valid (StandardFunnel)
        return ("INVALID" if errors else "VALID"), errors

    def revalidate(self, *cids: str) -> None:
        for cid in cids:
            c = self.components.get(cid)
            if c is not None and c["kind"] == "PROCESSOR":
                c["valid_at"] = self.now + self.validating_ticks

    # ------------------------------------------------------------ running state

    def is_running(self, c: dict) -> bool:
        """StandardProcessorNode.isRunning ~918: its scheduled state RUNNING or STARTING, or active threads; but
        getScheduledState ~145 reports a STARTING processor that is INVALID as STOPPED, so one started while invalid
        is *not* running: a group stop leaves it STARTING (ProcessGroup.STOP_PROCESSORS_FILTER), and it starts by
        itself once valid (probe b6 in behaviours.py)."""
        if c.get("state") == "STARTING" and self.validation(c)[0] == "INVALID":
            return self.threads(c) > 0
        return c.get("state") in RUNNING_STATES or self.threads(c) > 0

    def threads(self, c: dict) -> int:
        return 1 if self.now < c.get("threads_until", 0) else 0

    def logical_state(self, c: dict) -> str:
        """ProcessorNode.getScheduledState ~188: STARTING shows RUNNING (STOPPED while invalid), STOPPING shows
        STOPPED; what a GET returns as `state`."""
        state = c.get("state", "STOPPED")
        if state == "STARTING":
            return "STOPPED" if self.validation(c)[0] == "INVALID" else "RUNNING"
        return "STOPPED" if state == "STOPPING" else state

    def start(self, c: dict) -> None:
        if c["kind"] == "PROCESSOR":
            # StandardProcessorNode.initiateStart ~1700: an invalid processor keeps trying to start (STARTING).
            c["state"] = "RUNNING" if self.validation(c)[0] == "VALID" else "STARTING"
        else:
            c["state"] = "RUNNING"
        if c["state"] == "RUNNING":
            self.resume(c["id"])

    def stop(self, c: dict) -> None:
        """StandardProcessorNode.stop ~1890: RUNNING -> STOPPING until its active threads end."""
        if c["kind"] == "PROCESSOR" and c.get("state") in ("RUNNING", "RUN_ONCE"):
            c["threads_until"] = self.now + self.stopping_ticks
        c["state"] = "STOPPED"

    def advance_processors(self) -> None:
        for c in self.components.values():
            if c.get("state") == "STARTING" and self.validation(c)[0] == "VALID":
                c["state"] = "RUNNING"
                self.resume(c["id"])
            elif c.get("state") == "RUN_ONCE" and self.threads(c) == 0:
                c["state"] = "STOPPED"

    # ------------------------------------------------------------ entities

    def descriptors(self, p: dict) -> dict[str, dict]:
        """DtoFactory.createProcessorConfigDto: every descriptor of the type, with its default value; a ghost knows
        only the properties it was given, all sensitive (GhostProcessor.getPropertyDescriptor)."""
        if p.get("ghost"):
            return {k: {"name": k, "displayName": k, "dynamic": False, "sensitive": True} for k in p["properties"]}
        if p["type"] == GENERATE:
            names = {(LEGACY.get(k, k) if self.legacy_generate else k): d for k, d in GENERATE_PROPS.items()}
            out = {n: {"name": n, "displayName": d, "dynamic": False, "sensitive": False} for n, d in names.items()}
            known = (nifi_definitions.component(self.nifi_version, GENERATE) or {}).get("properties") or {}
            for key, d in out.items():
                if (known.get(key) or {}).get("defaultValue") is not None:
                    d["defaultValue"] = known[key]["defaultValue"]
        else:
            comp = catalog(p["type"])
            out = {x.key: {"name": x.key, "displayName": x.display or x.key, "dynamic": False,
                           "sensitive": x.sensitive} for x in (comp.props if comp else ())}
            known = (nifi_definitions.component(self.nifi_version, p["type"]) or {}).get("properties") or {}
            for key, d in known.items():
                out.setdefault(key, {"name": key, "displayName": d.get("displayName") or key, "dynamic": False,
                                     "sensitive": bool(d.get("sensitive"))})
                if d.get("defaultValue") is not None:
                    out[key]["defaultValue"] = d["defaultValue"]
        out.update({k: {"name": k, "displayName": k, "dynamic": True, "sensitive": False}
                    for k in p["properties"] if k not in out})
        return out

    def processor_entity(self, p: dict) -> dict:
        """DtoFactory.createProcessorDto/createProcessorConfigDto: a sensitive property shows as `********` even
        when it holds a parameter reference (BEHAVIOUR 3)."""
        status, errors = self.validation(p)
        desc = self.descriptors(p)
        props = {k: d.get("defaultValue") for k, d in desc.items()}  # an unset property shows its default
        props.update({k: (MASK if desc.get(k, {}).get("sensitive") and v is not None else v)
                      for k, v in p["properties"].items()})
        state = self.logical_state(p)
        run = {"RUNNING": "Running", "DISABLED": "Disabled"}.get(state) or \
            ("Invalid" if status == "INVALID" else "Validating" if status == "VALIDATING" else "Stopped")
        comp = {"id": p["id"], "name": p["name"], "type": p["type"], "state": state, "parentGroupId": p["group"],
                "versionedComponentId": p.get("versionedId"), "bundle": p["bundle"],
                "extensionMissing": bool(p.get("ghost")),
                "config": {"properties": props, "descriptors": desc, "executionNode": p.get("executionNode", "ALL"),
                           "autoTerminatedRelationships": sorted(p["autoterm"])},
                "relationships": [{"name": r, "autoTerminate": r in p["autoterm"], "retry": False}
                                  for r in self.relationships(p)],
                "validationStatus": status, "validationErrors": errors or None}
        return {"id": p["id"], "revision": rev_dto(p), "component": comp,
                "status": {"id": p["id"], "groupId": p["group"], "runStatus": run,
                           "aggregateSnapshot": {"id": p["id"], "activeThreadCount": self.threads(p), "runStatus": run}}}

    def port_entity(self, p: dict) -> dict:
        """DtoFactory.createPortDto ~1470: a port's validation errors are listed; it has no validationStatus."""
        _, errors = self.validation(p)
        run = "Running" if p["state"] == "RUNNING" else ("Invalid" if errors else "Stopped")
        comp = {"id": p["id"], "name": p["name"], "type": p["kind"], "state": p["state"], "parentGroupId": p["group"],
                "versionedComponentId": p.get("versionedId"), "validationErrors": errors or None}
        return {"id": p["id"], "revision": rev_dto(p), "component": comp, "portType": p["kind"],
                "status": {"id": p["id"], "groupId": p["group"], "runStatus": run,
                           "aggregateSnapshot": {"id": p["id"], "activeThreadCount": 0, "runStatus": run}}}

    def funnel_entity(self, f: dict) -> dict:
        return {"id": f["id"], "revision": rev_dto(f),
                "component": {"id": f["id"], "parentGroupId": f["group"], "versionedComponentId": f.get("versionedId")}}

    def counts(self, gid: str) -> dict:
        """StandardProcessGroup.getCounts ~403: processors are disabled, running (isRunning: STARTING counts, so a
        started invalid processor is "running"), invalid or stopped; ports likewise, an invalid port counting as
        invalid (it is never started: ProcessGroup.START_PORTS_FILTER); descendants added (BEHAVIOUR 13)."""
        out = {"runningCount": 0, "stoppedCount": 0, "invalidCount": 0, "disabledCount": 0}
        for g in self.subtree(gid):
            for c in self.in_group(self.components, g):
                if c["kind"] == "FUNNEL":
                    continue
                if c.get("state") == "DISABLED":
                    out["disabledCount"] += 1
                elif self.is_running(c):
                    out["runningCount"] += 1
                elif self.validation(c)[0] == "INVALID":
                    out["invalidCount"] += 1
                else:
                    out["stoppedCount"] += 1
        return out

    def status_snapshot(self, gid: str) -> dict:
        subtree = self.subtree(gid)
        conns = self.in_group(self.connections, gid)
        queued = sum(len(c["flowfiles"]) for c in self.connections.values() if c["group"] in subtree)
        threads = sum(self.threads(c) for c in self.components.values() if c["group"] in subtree)
        return {"id": gid, "name": self.groups[gid]["name"], "flowFilesQueued": queued, "queued": f"{queued} (0 bytes)",
                "activeThreadCount": threads,
                "connectionStatusSnapshots": [{"id": c["id"], "connectionStatusSnapshot": self.connection_status(c)}
                                              for c in conns],
                "processGroupStatusSnapshots": [{"id": ch, "processGroupStatusSnapshot": self.status_snapshot(ch)}
                                                for ch in self.children(gid)]}

    def group_entity(self, gid: str) -> dict:
        g = self.groups[gid]
        comp = {"id": gid, "name": g["name"], "versionedComponentId": g.get("versionedId"),
                "parentGroupId": g["parent"]}
        if g.get("vci"):
            comp["versionControlInformation"] = self.vci_dto(gid)
        if g.get("context"):
            comp["parameterContext"] = {"id": g["context"]}
        return {"id": gid, "revision": rev_dto(g), "component": comp, **self.counts(gid),
                "status": {"id": gid, "name": g["name"], "aggregateSnapshot": self.status_snapshot(gid)}}

    # ------------------------------------------------------------ process groups

    def n_group(self, gid: str, req: Request) -> tuple[int, Any]:
        self.group(gid)
        return 200, self.group_entity(gid)

    def n_group_flow(self, gid: str, req: Request) -> tuple[int, Any]:
        self.group(gid)
        pick = lambda kind: [self.port_entity(p) for p in self.in_group(self.components, gid, kind)]
        flow = {"processGroups": [self.group_entity(c) for c in self.children(gid)],
                "processors": [self.processor_entity(p) for p in self.in_group(self.components, gid, "PROCESSOR")],
                "inputPorts": pick("INPUT_PORT"), "outputPorts": pick("OUTPUT_PORT"),
                "funnels": [self.funnel_entity(f) for f in self.in_group(self.components, gid, "FUNNEL")],
                "connections": [self.connection_entity(c) for c in self.in_group(self.connections, gid)]}
        return 200, {"processGroupFlow": {"id": gid, "parentGroupId": self.groups[gid]["parent"], "flow": flow}}

    def n_group_status(self, gid: str, req: Request) -> tuple[int, Any]:
        self.group(gid)
        return 200, {"processGroupStatus": {"id": gid, "name": self.groups[gid]["name"],
                                            "aggregateSnapshot": self.status_snapshot(gid)}}

    def n_schedule(self, gid: str, req: Request) -> tuple[int, Any]:
        """api/FlowResource.scheduleComponents ~1036 with ProcessGroup's filters (nifi-framework-core-api/.../
        groups/ProcessGroup.java ~74): RUNNING starts every processor that is not running and not disabled
        (valid or not) and every port that is valid; STOPPED stops what runs. The call returns at once: a
        processor keeps its active thread for a moment (StandardProcessGroupDAO.scheduleComponents ~303;
        BEHAVIOUR 6)."""
        body = req.body or {}
        self.group(gid)
        if body.get("id") != gid:
            raise Reply(400, f"The process group id ({body.get('id')}) in the request body does not equal the "
                             f"process group id of the requested resource ({gid}).")
        state = body.get("state")
        if state not in ("RUNNING", "STOPPED"):
            raise Reply(400, "The scheduled must be one of [RUNNING, STOPPED, ENABLED, DISABLED].")
        subtree = set(self.subtree(gid))
        chosen = body.get("components")
        for c in sorted(self.components.values(), key=lambda x: x["id"]):
            if c["group"] not in subtree or c["kind"] == "FUNNEL" or (chosen is not None and c["id"] not in chosen):
                continue
            if chosen is not None:
                check_rev(c, chosen[c["id"]])
            if state == "RUNNING":
                eligible = not self.is_running(c) and c.get("state") != "DISABLED"
                if c["kind"] != "PROCESSOR":
                    eligible = eligible and self.validation(c)[0] == "VALID"
                if eligible:
                    self.start(c)
            elif self.is_running(c) if c["kind"] == "PROCESSOR" else c.get("state") == "RUNNING":
                self.stop(c)  # ProcessGroup.STOP_PROCESSORS_FILTER (isRunning), STOP_PORTS_FILTER (RUNNING)
        return 200, {"id": gid, "state": state}

    # ------------------------------------------------------------ processors

    def installed_processors(self) -> list[dict]:
        bundle = lambda artifact: {"group": nc.BUNDLE_GROUP, "artifact": artifact,
                                   "version": self.nifi_version}
        types = [{"type": GENERATE, "bundle": bundle("nifi-standard-nar")}]
        types += [{"type": c.type, "bundle": bundle(c.artifact)} for c in nc.COMPONENTS
                  if c.relationships and c.type != GENERATE]
        return [t for t in types if t["bundle"]["artifact"] not in self.missing_nars]

    def n_processor_types(self, req: Request) -> tuple[int, Any]:
        """api/FlowResource.getProcessorTypes ~1766: `type` filters by exact class name (DtoFactory
        .fromDocumentedTypes ~3355)."""
        want = req.query.get("type")
        return 200, {"processorTypes": [t for t in self.installed_processors() if want in (None, t["type"])]}

    def processor(self, pid: str) -> dict:
        p = self.components.get(pid)
        if p is None or p["kind"] != "PROCESSOR":
            raise Reply(404, f"Unable to locate processor with id '{pid}'.")
        return p

    def n_create_processor(self, gid: str, req: Request) -> tuple[int, Any]:
        self.group(gid)
        rev = new_rev(req.body, "Processor")
        comp = req.body["component"]
        if {"type": comp.get("type"), "bundle": comp.get("bundle")} not in self.installed_processors():
            raise Reply(400, f"Unable to find bundle for coordinate {comp.get('bundle')} and type {comp.get('type')}")
        pid = self.ids()
        p = self.components[pid] = {
            "id": pid, "kind": "PROCESSOR", "group": gid, "versionedId": None, "rev": rev, "type": comp["type"],
            "bundle": comp["bundle"], "name": comp.get("name") or comp["type"].rsplit(".", 1)[-1],
            "properties": {}, "autoterm": set(), "executionNode": "ALL", "state": "STOPPED"}
        self.revalidate(pid)
        return 201, self.processor_entity(p)

    def n_processor(self, pid: str, req: Request) -> tuple[int, Any]:
        return 200, self.processor_entity(self.processor(pid))

    def n_update_processor(self, pid: str, req: Request) -> tuple[int, Any]:
        """StandardProcessorNode.verifyCanUpdate ~1360: only a processor that is not running (no active thread
        either) can be configured (409)."""
        p = self.processor(pid)
        if self.is_running(p):
            raise Reply(409, f"{p['name']}[{pid}] cannot be updated because it is not stopped")
        check_rev(p, (req.body or {}).get("revision"))
        comp = req.body.get("component") or {}
        config = comp.get("config") or {}
        for k, v in (config.get("properties") or {}).items():
            if v is None:
                p["properties"].pop(k, None)
            else:
                p["properties"][k] = v  # a name that is not a descriptor becomes a dynamic property, as in NiFi
        if config.get("autoTerminatedRelationships") is not None:
            p["autoterm"] = set(config["autoTerminatedRelationships"])
        if config.get("executionNode"):
            p["executionNode"] = config["executionNode"]
        if comp.get("name"):
            p["name"] = comp["name"]
        self.revalidate(pid)
        return 200, self.processor_entity(p)

    def n_delete_processor(self, pid: str, req: Request) -> tuple[int, Any]:
        """StandardProcessorNode.verifyCanDelete: not running, no connections (409)."""
        p = self.processor(pid)
        check_delete_rev(p, req.query)
        ins, outs = self.connections_of(pid)
        if self.is_running(p):
            raise Reply(409, f"{p['name']}[{pid}] cannot be deleted because it is running")
        if ins or outs:
            raise Reply(409, f"Cannot delete {p['name']}[{pid}] because it has incoming or outgoing connections")
        del self.components[pid]
        return 200, self.processor_entity(p)

    def n_processor_state(self, pid: str, req: Request) -> tuple[int, Any]:
        """StandardProcessorDAO.verifyUpdate ~433 and updateProcessor ~575: a state equal to the current logical
        one does nothing (STOPPED during RUN_ONCE included); RUNNING/RUN_ONCE need a stopped processor without
        active threads (StandardProcessorNode.verifyCanStart ~1341, 409). Since 2.9.0 (NIFI-15668) RUN_ONCE on a
        processor that is not VALID returns to STOPPED at once, with a warning, having done nothing
        (StandardProcessorNode.initiateStart ~1705; BEHAVIOUR 7). In a cluster every node runs it unless its
        executionNode is PRIMARY (BEHAVIOUR 15)."""
        p = self.processor(pid)
        body = req.body or {}
        check_rev(p, body.get("revision"))
        state, current = body.get("state"), self.logical_state(p)
        if state == current:
            return 200, self.processor_entity(p)
        if state in ("RUNNING", "RUN_ONCE"):
            if p.get("state") not in ("STOPPED", "DISABLED", None) or self.threads(p):
                physical = "STOPPING" if self.threads(p) else p.get("state")
                raise Reply(409, f"{p['name']}[{pid}] cannot be started because it is not stopped. Current state is "
                                 f"{physical}")
            if state == "RUNNING":
                self.start(p)
            elif self.validation(p)[0] != "VALID":
                status, errors = self.validation(p)
                self.add_bulletin(p["group"], "WARNING", f"Cannot run once {p['name']}[{pid}] because Processor is "
                                  f"not valid (Validation State is {status}: {errors}). Returning to stopped.",
                                  source=p["name"], source_id=pid)
            else:
                p["state"] = "RUN_ONCE"
                p["threads_until"] = self.now + self.stopping_ticks
                for node in range(self.nodes if p.get("executionNode") != "PRIMARY" else 1):
                    self.trigger(p, node)
        elif state == "STOPPED":
            if current == "RUNNING":
                self.stop(p)
        elif state != "DISABLED":
            raise Reply(400, f"The specified processor state ({state}) is not valid.")
        return 200, self.processor_entity(p)

    # ------------------------------------------------------------ ports

    def port(self, pid: str) -> dict:
        p = self.components.get(pid)
        if p is None or p["kind"] not in PORT_KINDS:
            raise Reply(404, f"Unable to locate port with id '{pid}'.")
        return p

    def n_create_port(self, gid: str, kind: str, req: Request) -> tuple[int, Any]:
        self.group(gid)
        rev = new_rev(req.body, "Port")
        pid = self.ids()
        self.components[pid] = {"id": pid, "kind": f"{kind.upper()}_PORT", "group": gid, "versionedId": None,
                                "rev": rev, "name": (req.body.get("component") or {}).get("name") or "", "state": "STOPPED"}
        return 201, self.port_entity(self.components[pid])

    def n_create_funnel(self, gid: str, req: Request) -> tuple[int, Any]:
        self.group(gid)
        rev = new_rev(req.body, "Funnel")
        fid = self.ids()
        self.components[fid] = {"id": fid, "kind": "FUNNEL", "group": gid, "versionedId": None, "rev": rev}
        return 201, self.funnel_entity(self.components[fid])

    def n_port(self, kind: str, pid: str, req: Request) -> tuple[int, Any]:
        return 200, self.port_entity(self.port(pid))

    def n_port_state(self, kind: str, pid: str, req: Request) -> tuple[int, Any]:
        """AbstractPort.verifyCanStart: an invalid port cannot be started (409)."""
        p = self.port(pid)
        check_rev(p, (req.body or {}).get("revision"))
        state = req.body.get("state")
        if state == "RUNNING" and p["state"] != "RUNNING":
            _, errors = self.validation(p)
            if errors:
                raise Reply(409, f"{p['name']}[{pid}] cannot be started because it is not valid: {errors[0]}")
            self.start(p)
        elif state == "STOPPED":
            p["state"] = "STOPPED"
        return 200, self.port_entity(p)

    # ------------------------------------------------------------ what tests read

    def invalid_components(self, gid: str) -> list[str]:
        """'<kind> <name>: <error>' of every invalid processor and port under a group (what a client must name)."""
        out = []
        for g in self.subtree(gid):
            for c in self.in_group(self.components, g):
                _status, errors = self.validation(c)
                out += [f"{c['kind']} {c['name']}: {e}" for e in errors]
        return sorted(out)

