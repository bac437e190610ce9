"""Flow definitions without a Registry: upload a definition as a new group, export (download) a group as one, and
replace a group's contents in place with an asynchronous replace request.

Paths below nifi-framework-bundle/nifi-framework/ unless said; ProcessGroupResource is nifi-web/nifi-web-api/src/
main/java/org/apache/nifi/web/api/ProcessGroupResource.java (the same behaviour at rel/nifi-2.3.0 and 2.11.0).
"""
from __future__ import annotations

import copy
import hashlib
import json
import uuid
from typing import Any, ClassVar

from .core import Reply, Request, check_rev, new_rev, rev_dto

# What NiFi writes for a setting a component created through REST was never given (the DTO defaults:
# StandardProcessorNode, StandardProcessGroup), in the export's form.
PROCESSOR_DEFAULTS = {"bulletinLevel": "WARN", "concurrentlySchedulableTaskCount": 1, "penaltyDuration": "30 sec",
                      "yieldDuration": "1 sec", "runDurationMillis": 0, "schedulingPeriod": "0 sec",
                      "schedulingStrategy": "TIMER_DRIVEN", "retryCount": 10, "retriedRelationships": [],
                      "backoffMechanism": "PENALIZE_FLOWFILE", "maxBackoffPeriod": "10 mins", "style": {},
                      "position": {"x": 0.0, "y": 0.0}}
GROUP_DEFAULTS = {"flowFileConcurrency": "UNBOUNDED", "flowFileOutboundPolicy": "STREAM_WHEN_AVAILABLE",
                  "defaultFlowFileExpiration": "0 sec", "defaultBackPressureObjectThreshold": 10000,
                  "defaultBackPressureDataSizeThreshold": "1 GB", "executionEngine": "INHERITED",
                  "maxConcurrentTasks": 1, "statelessFlowTimeout": "1 min", "position": {"x": 0.0, "y": 0.0}}
PORT_TYPES = {"INPUT_PORT": "inputPorts", "OUTPUT_PORT": "outputPorts", "FUNNEL": "funnels"}


def name_uuid(text: str) -> str:
    """java.util.UUID.nameUUIDFromBytes: the id NiFi's export gives a component without a versioned id
    (nifi-framework-core-api/.../registry/flow/mapping/ComponentIdLookup.DEFAULT_VERSIONED_UUID_GENERATOR)."""
    return str(uuid.UUID(bytes=hashlib.md5(text.encode("utf-8")).digest(), version=3))


class DefinitionsMixin:
    DEFINITION_ROUTES: ClassVar[list] = [
        ("POST", r"/process-groups/([^/]+)/process-groups/upload", "n_upload", None, "ProcessGroupEntity"),
        ("GET", r"/process-groups/([^/]+)/download", "n_download", None, "RegisteredFlowSnapshot"),
        ("POST", r"/process-groups/([^/]+)/replace-requests", "n_replace", "ProcessGroupImportEntity",
         "ProcessGroupReplaceRequestEntity"),
        ("GET", r"/process-groups/replace-requests/([^/]+)", "n_replace_req", None, "ProcessGroupReplaceRequestEntity"),
        ("DELETE", r"/process-groups/replace-requests/([^/]+)", "n_replace_req_delete", None,
         "ProcessGroupReplaceRequestEntity"),
    ]

    # ------------------------------------------------------------ upload

    def n_upload(self, parent: str, req: Request) -> tuple[int, Any]:
        """ProcessGroupResource.uploadProcessGroup (2.3.0 ~2651, 2.11.0 ~2690): multipart fields `groupName`,
        `positionX`, `positionY`, `clientId`, `file`, each checked in that order (400); the file must be a flow
        (`Deserialization of uploaded JSON failed`, 400). importProcessGroup then creates the group under that name
        at revision 0 of that client, and fills it from the flow (updateProcessGroupContents with updateSettings
        false: the name stays groupName; a parameter context is reused by name: bind_contexts)."""
        self.group(parent)
        form = req.body if isinstance(req.body, dict) else {}
        text = lambda key: (form.get(key) or "").strip() if isinstance(form.get(key), str) else ""
        if not text("groupName"):
            raise Reply(400, "The process group name is required.")
        for axis in ("X", "Y"):
            try:
                float(text(f"position{axis}"))
            except ValueError:
                raise Reply(400, f"The {axis.lower()} coordinate of the proposed position must be specified.") from None
        if not text("clientId"):
            raise Reply(400, "The client id must be specified")
        try:
            snapshot = json.loads(form.get("file") or b"")
            contents = copy.deepcopy(snapshot["flowContents"])
        except (ValueError, KeyError, TypeError):
            raise Reply(400, "Deserialization of uploaded JSON failed") from None
        contents["name"] = text("groupName")
        gid = self.ids()
        self.groups[gid] = {"id": gid, "name": contents["name"], "parent": parent, "versionedId": None, "vci": None,
                            "context": None, "rev": new_rev({"revision": {"version": 0, "clientId": text("clientId")}},
                                                            "Process Group")}
        self.sync(gid, contents, self.bind_contexts(snapshot))
        return 201, self.group_entity(gid)

    # ------------------------------------------------------------ export

    def vid(self, x: dict) -> str:
        """NiFiRegistryFlowMapper.getId: the versioned id, else one derived from the instance id (an uploaded
        group itself has none: only what the synchronizer adds gets one)."""
        return x.get("versionedId") or name_uuid(x["id"])

    def export_properties(self, c: dict, descriptors: dict[str, dict]) -> dict[str, str | None]:
        """NiFiRegistryFlowMapper.mapProperties ~515: every property the component has, an unset one as its
        default (or null), a service reference as the service's versioned id; a sensitive one only when it
        references a parameter (isMappable ~560), and a ghost's are all sensitive."""
        by_instance = {iid: self.vid(s) for iid, s in self.services.items()}
        out: dict[str, str | None] = {}
        for key in sorted(set(descriptors) | set(c["properties"])):
            value = c["properties"].get(key)
            sensitive = (descriptors.get(key) or {}).get("sensitive") or c.get("ghost")
            if sensitive and (value is None or "#{" not in value):
                continue
            out[key] = by_instance.get(value, value) if value is not None else \
                (descriptors.get(key) or {}).get("defaultValue")
        return out

    def export_processor(self, p: dict, group_vid: str) -> dict:
        spec = p.get("spec") or {**PROCESSOR_DEFAULTS, "comments": "", "autoTerminatedRelationships": []}
        return {**spec, "identifier": self.vid(p), "instanceIdentifier": p["id"], "groupIdentifier": group_vid,
                "componentType": "PROCESSOR", "name": p["name"], "type": p["type"], "bundle": p["bundle"],
                "properties": self.export_properties(p, self.descriptors(p)),
                "autoTerminatedRelationships": sorted(p["autoterm"]), "executionNode": p.get("executionNode", "ALL"),
                "scheduledState": "DISABLED" if p.get("state") == "DISABLED" else "ENABLED"}

    def export_service(self, s: dict, group_vid: str) -> dict:
        spec = s.get("spec") or {"bulletinLevel": "WARN", "comments": ""}
        return {**spec, "identifier": self.vid(s), "instanceIdentifier": s["id"], "groupIdentifier": group_vid,
                "componentType": "CONTROLLER_SERVICE", "name": s["name"], "type": s["type"], "bundle": s["bundle"],
                "properties": self.export_properties(s, self.service_view(s)),
                "controllerServiceApis": [] if s.get("ghost") else spec.get("controllerServiceApis") or [],
                "scheduledState": "ENABLED" if s["state"] == "ENABLED" else "DISABLED"}

    def export_simple(self, c: dict, group_vid: str) -> dict:
        """A port or funnel."""
        out = {**(c.get("spec") or {"position": {"x": 0.0, "y": 0.0}}), "identifier": self.vid(c),
               "instanceIdentifier": c["id"], "groupIdentifier": group_vid, "componentType": c["kind"]}
        if c["kind"] != "FUNNEL":
            out.update(name=c["name"], type=c["kind"],
                       scheduledState="DISABLED" if c.get("state") == "DISABLED" else "ENABLED")
        return out

    def export_connection(self, c: dict, group_vid: str) -> dict:
        def end(cid: str) -> dict:
            x = self.components[cid]
            return {"id": self.vid(x), "type": x["kind"], "groupId": self.vid(self.groups[x["group"]]),
                    "name": x.get("name") or x["kind"].lower()}

        spec = c.get("spec") or {"backPressureDataSizeThreshold": "1 GB", "flowFileExpiration": "0 sec",
                                 "prioritizers": [], "bends": [], "labelIndex": 1, "zIndex": 0}
        return {**spec, "identifier": self.vid(c), "instanceIdentifier": c["id"], "groupIdentifier": group_vid,
                "componentType": "CONNECTION", "name": c.get("name") or "", "source": end(c["src"]),
                # a connection from a port or funnel carries the anonymous relationship, named "" (Relationship.ANONYMOUS)
                "destination": end(c["dst"]), "selectedRelationships": sorted(c["rels"]),
                "backPressureObjectThreshold": c["threshold"]}

    def export_group(self, gid: str, top: bool) -> dict:
        """NiFiRegistryFlowMapper.mapNonVersionedProcessGroup ~146 with FlowMappingOptions.DEFAULT_OPTIONS: the
        group and everything in it, each component under its versioned id, states ENABLED or DISABLED only
        (VersionedComponentStateLookup.ENABLED_OR_DISABLED), no registry coordinates."""
        g = self.groups[gid]
        me = self.vid(g)
        ctx = self.contexts.get(g.get("context") or "")
        out = {**GROUP_DEFAULTS, **(g.get("spec") or {}), "identifier": me, "instanceIdentifier": gid,
               "componentType": "PROCESS_GROUP", "name": g["name"], "scheduledState": "ENABLED",
               "parameterContextName": ctx["name"] if ctx else None, "remoteProcessGroups": [],
               "labels": [{**label, "groupIdentifier": me} for label in g.get("labels") or []]}
        out.pop("versionedFlowCoordinates", None)
        if not top:
            out["groupIdentifier"] = self.vid(self.groups[g["parent"]])
        out["processors"] = [self.export_processor(p, me) for p in self.in_group(self.components, gid, "PROCESSOR")]
        for kind, key in PORT_TYPES.items():
            out[key] = [self.export_simple(c, me) for c in self.in_group(self.components, gid, kind)]
        out["controllerServices"] = [self.export_service(s, me) for s in self.in_group(self.services, gid)]
        out["connections"] = [self.export_connection(c, me) for c in self.in_group(self.connections, gid)]
        out["processGroups"] = [self.export_group(child, False) for child in self.children(gid)]
        return out

    def export(self, gid: str) -> dict:
        """StandardNiFiServiceFacade.getCurrentFlowSnapshotByGroupId: the flow, and the parameter contexts it uses
        with sensitive values left out (FilterSensitiveParameterValueMapper)."""
        contexts = {}
        for sub in self.subtree(gid):
            ctx = self.contexts.get(self.groups[sub].get("context") or "")
            if ctx:
                contexts[ctx["name"]] = {"name": ctx["name"], "componentType": "PARAMETER_CONTEXT",
                                         "inheritedParameterContexts": [], "parameters": [
                                             {"name": n, "description": p.get("description") or "",
                                              "sensitive": p["sensitive"], "provided": False,
                                              **({} if p["sensitive"] else {"value": p.get("value")})}
                                             for n, p in sorted(ctx["params"].items())]}
        return {"flowContents": self.export_group(gid, True), "externalControllerServices": {},
                "parameterContexts": contexts, "parameterProviders": {}, "flowEncodingVersion": "1.0",
                "latest": False}

    def n_download(self, gid: str, req: Request) -> tuple[int, Any]:
        """ProcessGroupResource.exportProcessGroup (`GET /process-groups/{id}/download`)."""
        self.group(gid)
        return 200, self.export(gid)

    # ------------------------------------------------------------ replace (asynchronous)

    def n_replace(self, gid: str, req: Request) -> tuple[int, Any]:
        """ProcessGroupResource.initiateReplaceProcessGroup (2.3.0 ~2586): 409 while the group or one below it is
        under version control; 400 without a snapshot or a revision, or with a stale revision
        (FlowUpdateResource.initiateFlowUpdate). Then, in the background, the flow update: a connection the new
        flow removes must be empty (step 9), else the request fails with "Failed to perform update flow request
        due to ..."; the group takes the flow's name and contents, keeping every instance whose versioned id
        remains (updateProcessGroupContents, updateSettings true). The request lives until DELETEd (BEHAVIOUR 9)."""
        g = self.group(gid)
        body = req.body or {}
        if any(self.groups[sub].get("vci") for sub in self.subtree(gid)):
            raise Reply(409, "Cannot replace a Process Group via import while it or its descendants are under Version "
                             "Control.")
        snapshot = body.get("versionedFlowSnapshot")
        if not snapshot:
            raise Reply(400, "Versioned Flow Snapshot must be supplied")
        if not body.get("processGroupRevision"):
            raise Reply(400, "Process Group Revision must be specified")
        check_rev(g, body["processGroupRevision"])
        contents = copy.deepcopy(snapshot["flowContents"])
        failure = "; ".join(self.sync_blockers(gid, contents)) or None
        if failure is None:
            self.sync(gid, contents, self.bind_contexts(snapshot))
        r = self.requests.create("replace", self.now + self.async_ticks, group=gid,
                                 failure=f"Failed to perform update flow request due to {failure}" if failure else None)
        return 200, {"request": self.version_request_dto(r), "processGroupRevision": rev_dto(g)}

    def replace_answer(self, r: dict) -> dict:
        """FlowUpdateResource.createUpdateRequestResponse; a complete one also carries the group's export
        (ProcessGroupResource.finalizeCompletedUpdateRequest)."""
        dto = self.version_request_dto(r)
        out = {"request": dto, "processGroupRevision": rev_dto(self.groups[r["group"]])}
        if dto["complete"]:
            out["versionedFlowSnapshot"] = self.export(r["group"])
        return out

    def n_replace_req(self, rid: str, req: Request) -> tuple[int, Any]:
        return 200, self.replace_answer(self.requests.get("replace", rid))

    def n_replace_req_delete(self, rid: str, req: Request) -> tuple[int, Any]:
        return 200, self.replace_answer(self.requests.delete("replace", rid))

