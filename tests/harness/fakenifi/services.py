"""Controller services: the installed types, their descriptors, what a GET shows (masks, defaults), and the
ENABLING/DISABLING life cycle with NiFi's refusals.

Paths below nifi-framework-components/src/main/java/org/apache/nifi/ unless said.
"""
from __future__ import annotations

from typing import Any, ClassVar

from protoc_gen_nifi import nifi_catalog as nc
from protoc_gen_nifi import nifi_definitions

from .core import MASK, Reply, Request, check_rev, new_rev, rev_dto

KAFKA_SVC = "org.apache.nifi.kafka.service.Kafka3ConnectionService"
# Kafka3ConnectionService's descriptors in detail (allowable values, required, defaults), as NiFi defines them
# (nifi-extension-bundles/nifi-kafka-bundle/nifi-kafka-shared/.../component/KafkaClientComponent.java ~44).
KAFKA_DESCRIPTORS = {
    "bootstrap.servers": {"name": "bootstrap.servers", "displayName": "Bootstrap Servers", "required": True},
    "security.protocol": {"name": "security.protocol", "displayName": "Security Protocol", "required": True,
                          "defaultValue": "SSL",
                          "allowableValues": [{"value": v, "displayName": v.replace("_", " ")}
                                              for v in ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")]},
    "sasl.mechanism": {"name": "sasl.mechanism", "displayName": "SASL Mechanism", "defaultValue": "GSSAPI",
                       "allowableValues": [{"value": v, "displayName": v} for v in
                                           ("GSSAPI", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")]},
    "sasl.username": {"name": "sasl.username", "displayName": "SASL Username"},
    "sasl.password": {"name": "sasl.password", "displayName": "SASL Password", "sensitive": True},
    "max.poll.records": {"name": "max.poll.records", "displayName": "Max Poll Records", "defaultValue": "10000"},
}
TRANSIENT = {"ENABLING", "DISABLING"}


class ServicesMixin:
    enabling_ticks = 2  # requests a valid service stays ENABLING (StandardControllerServiceNode.enable)
    disabling_ticks = 1

    SERVICE_ROUTES: ClassVar[list] = [
        ("GET", r"/flow/controller-service-types", "n_service_types", None, "ControllerServiceTypesEntity"),
        ("GET", r"/flow/controller-service-definition/([^/]+)/([^/]+)/([^/]+)/([^/]+)", "n_service_definition",
         None, "ControllerServiceDefinition"),
        ("GET", r"/flow/process-groups/([^/]+)/controller-services", "n_group_services", None,
         "ControllerServicesEntity"),
        ("POST", r"/process-groups/([^/]+)/controller-services", "n_create_service", "ControllerServiceEntity",
         "ControllerServiceEntity"),
        ("GET", r"/controller-services/([^/]+)", "n_service", None, "ControllerServiceEntity"),
        ("PUT", r"/controller-services/([^/]+)", "n_update_service", "ControllerServiceEntity",
         "ControllerServiceEntity"),
        ("PUT", r"/controller-services/([^/]+)/run-status", "n_service_state", "ControllerServiceRunStatusEntity",
         "ControllerServiceEntity"),
    ]

    # ------------------------------------------------------------ installed types

    def installed_services(self) -> list[dict]:
        out = []
        for c in nc.COMPONENTS:
            if c.apis or c.type == KAFKA_SVC:
                out.append({"type": c.type, "bundle": {"group": nc.BUNDLE_GROUP, "artifact": c.artifact,
                                                       "version": self.nifi_version},
                            "controllerServiceApis": [{"type": api, "bundle": {"group": nc.BUNDLE_GROUP,
                                                                               "artifact": art,
                                                                               "version": self.nifi_version}}
                                                      for api, art in c.apis]})
        return [t for t in out if t["bundle"]["artifact"] not in self.missing_nars]

    def n_service_types(self, req: Request) -> tuple[int, Any]:
        """api/FlowResource.getControllerServiceTypes ~1819 (the same at 2.0.0 and 2.3.0): `serviceType` means
        "implements this API" and is **400** without serviceBundleGroup, serviceBundleArtifact and
        serviceBundleVersion (IllegalArgumentException ~1866; BEHAVIOUR 1); `typeFilter` keeps the implementation
        class of that exact name (dto/DtoFactory.fromDocumentedTypes ~3355)."""
        q = req.query
        types = self.installed_services()
        if q.get("serviceType") is not None:
            if not all(q.get(k) for k in ("serviceBundleGroup", "serviceBundleArtifact", "serviceBundleVersion")):
                raise Reply(400, "When specifying the serviceType the serviceBundleGroup, serviceBundleArtifact, and "
                                 "serviceBundleVersion must be specified.")
            api_bundle = {"group": q["serviceBundleGroup"], "artifact": q["serviceBundleArtifact"],
                          "version": q["serviceBundleVersion"]}
            types = [t for t in types if {"type": q["serviceType"], "bundle": api_bundle}
                     in t["controllerServiceApis"]]
        if q.get("typeFilter") is not None:
            types = [t for t in types if t["type"] == q["typeFilter"]]
        return 200, {"controllerServiceTypes": types}

    def service_descriptors(self, service_type: str, version: str) -> dict | None:
        """A type's property descriptors: Kafka's in detail, the others' as the generator's catalog lists them."""
        if service_type == KAFKA_SVC:
            return KAFKA_DESCRIPTORS
        component = next((c for c in nc.COMPONENTS if c.type == service_type), None)
        if component is None or version not in nc.SUPPORTED_NIFI_VERSIONS:
            return None
        target = nc.Target.of(version)
        known = (nifi_definitions.component(version, service_type) or {}).get("properties") or {}
        out = {}
        for prop in component.props:
            key = target.key(component, prop.key)
            out[key] = {"name": key, "displayName": target.display(component, prop.key), "sensitive": prop.sensitive}
            if prop.service_api:  # a service reference: the API it must implement
                out[key]["typeProvidedByValue"] = {"type": prop.service_api, "group": nc.BUNDLE_GROUP}
            if (known.get(key) or {}).get("defaultValue") is not None:
                out[key]["defaultValue"] = known[key]["defaultValue"]
        return out

    def service_view(self, s: dict) -> dict:
        """The descriptors NiFi shows for this service: its type's, or for a ghost only the properties it was given,
        every one sensitive (GhostControllerService.getPropertyDescriptor)."""
        if s.get("ghost"):
            return {k: {"name": k, "displayName": k, "sensitive": True} for k in s["properties"]}
        out = {}
        for key, d in (self.service_descriptors(s["type"], s["bundle"]["version"]) or {}).items():
            dto = {k: d[k] for k in ("name", "displayName", "sensitive", "required", "defaultValue") if k in d}
            if d.get("allowableValues"):  # PropertyDescriptorDTO wraps each in an AllowableValueEntity
                dto["allowableValues"] = [{"allowableValue": a, "canRead": True} for a in d["allowableValues"]]
            if d.get("typeProvidedByValue"):
                dto["identifiesControllerService"] = d["typeProvidedByValue"]["type"]
            out[key] = dto
        return out

    def n_service_definition(self, g: str, a: str, v: str, t: str, req: Request) -> tuple[int, Any]:
        """api/FlowResource.getControllerServiceDefinition: 404 unless that exact bundle is installed."""
        installed = {(x["type"], x["bundle"]["group"], x["bundle"]["artifact"], x["bundle"]["version"])
                     for x in self.installed_services()}
        descriptors = self.service_descriptors(t, v)
        if descriptors is None or (t, g, a, v) not in installed:
            raise Reply(404, "Unable to find component definition")
        return 200, {"group": g, "artifact": a, "version": v, "type": t, "supportsDynamicProperties": False,
                     "propertyDescriptors": descriptors}

    # ------------------------------------------------------------ validity and what a GET shows

    def service(self, sid: str) -> dict:
        if sid not in self.services:
            raise Reply(404, f"Unable to locate controller service with id '{sid}'.")
        return self.services[sid]

    def service_errors(self, s: dict) -> list[str]:
        if s.get("ghost"):
            return self.ghost_errors(s, "Controller Service")
        errors = []
        descriptors = self.service_descriptors(s["type"], s["bundle"]["version"]) or {}
        for key, d in descriptors.items():
            raw = s["properties"].get(key)
            errs, value = self.param_errors(s["group"], d["displayName"], raw)
            errors += errs
            if errs:
                continue
            if d.get("required") and not value and not d.get("defaultValue"):
                errors.append(f"'{d['displayName']}' is invalid because {d['displayName']} is required")
            elif d.get("typeProvidedByValue") and value and value not in self.services:
                errors.append(f"'{d['displayName']}' validated against '{value}' is invalid because Invalid "
                              f"Controller Service: {value} is not a valid Controller Service Identifier")
            elif key == "bootstrap.servers" and value and ":" not in value:
                errors.append(f"'Bootstrap Servers' validated against '{raw}' is invalid because Must be a "
                              "comma-separated list of host:port")
        for key, value in sorted(s["properties"].items()):
            if key not in descriptors and value is not None:
                errors.append(f"'{key}' validated against '{value}' is invalid because '{key}' is not a supported "
                              "property or has no Validator associated with it")
        return errors

    def service_entity(self, s: dict) -> dict:
        """dto/DtoFactory.createControllerServiceDto ~1911: every descriptor is listed; an unset property shows
        its default; a sensitive property with a value shows `********`, **even when the value is a `#{param}`
        reference** (~1937; BEHAVIOUR 3)."""
        descriptors = self.service_view(s)
        props: dict[str, Any] = {}
        for key, d in descriptors.items():
            value = s["properties"].get(key)
            props[key] = MASK if value is not None and d.get("sensitive") else \
                (value if value is not None else d.get("defaultValue"))
        props.update({k: v for k, v in s["properties"].items() if k not in descriptors})
        errors = self.service_errors(s)
        comp = {"id": s["id"], "name": s["name"], "type": s["type"], "bundle": s["bundle"], "state": s["state"],
                "properties": props, "versionedComponentId": s.get("versionedId"), "parentGroupId": s["group"],
                "descriptors": descriptors, "extensionMissing": bool(s.get("ghost")),
                "validationStatus": "INVALID" if errors else "VALID", "validationErrors": errors or None}
        return {"id": s["id"], "revision": rev_dto(s), "component": comp}

    def referencing(self, s: dict) -> list[dict]:
        """Processors whose properties name this service (by instance id)."""
        return [p for p in self.components.values() if p["kind"] == "PROCESSOR" and s["id"] in p["properties"].values()]

    def advance_services(self) -> None:
        """StandardControllerServiceNode.enable: ENABLING until valid (an invalid service keeps trying), then
        ENABLED; DISABLING then DISABLED."""
        for s in self.services.values():
            if s["state"] == "ENABLING" and self.now >= s["ready_at"] and not self.service_errors(s):
                s["state"] = "ENABLED"
                for p in self.referencing(s):
                    self.revalidate(p["id"])
            elif s["state"] == "DISABLING" and self.now >= s["ready_at"]:
                s["state"] = "DISABLED"

    # ------------------------------------------------------------ REST

    def n_group_services(self, gid: str, req: Request) -> tuple[int, Any]:
        """FlowResource.getControllerServicesFromGroup: the group's own, and with includeDescendantGroups=true
        those of every group below it."""
        self.group(gid)
        groups = self.subtree(gid) if req.query.get("includeDescendantGroups") == "true" else [gid]
        return 200, {"controllerServices": [self.service_entity(s) for g in groups for s in self.in_group(
            self.services, g)]}

    def n_create_service(self, gid: str, req: Request) -> tuple[int, Any]:
        self.group(gid)
        rev = new_rev(req.body, "Controller Service")
        comp = req.body["component"]
        sid = self.ids()
        self.services[sid] = {"id": sid, "group": gid, "versionedId": None, "name": comp["name"], "type": comp["type"],
                              "bundle": comp["bundle"], "properties": {k: v for k, v in
                                                                       (comp.get("properties") or {}).items()
                                                                       if v is not None},
                              "state": "DISABLED", "rev": rev, "ready_at": 0}
        return 201, self.service_entity(self.services[sid])

    def n_service(self, sid: str, req: Request) -> tuple[int, Any]:
        return 200, self.service_entity(self.service(sid))

    def n_update_service(self, sid: str, req: Request) -> tuple[int, Any]:
        """StandardControllerServiceNode.verifyCanUpdate ~445: only a DISABLED service can be configured (409)."""
        s = self.service(sid)
        if s["state"] != "DISABLED":
            raise Reply(409, f"StandardControllerServiceNode[service={s['name']}, id={sid}] cannot be updated because "
                             f"it is not disabled - it has a state of {s['state']}")
        check_rev(s, (req.body or {}).get("revision"))
        for k, v in ((req.body.get("component") or {}).get("properties") or {}).items():
            if v is None:
                s["properties"].pop(k, None)
            elif v != MASK:  # NiFi keeps the current value when the mask is sent back
                s["properties"][k] = v
        return 200, self.service_entity(s)

    def n_service_state(self, sid: str, req: Request) -> tuple[int, Any]:
        """StandardControllerServiceNode.verifyCanDisable ~404: a service referenced by a component that is
        running, or stopped but still has active threads, cannot be disabled (IllegalStateException, 409;
        BEHAVIOUR 6); verifyCanEnable ~425: only a DISABLED service can be enabled."""
        s = self.service(sid)
        body = req.body or {}
        state = body.get("state")
        name = f"StandardControllerServiceNode[service={s['name']}, id={sid}]"
        if state == "DISABLED" and s["state"] in ("ENABLED", "ENABLING"):
            active = [p["id"] for p in self.referencing(s) if self.is_running(p)]
            if active:
                raise Reply(409, f"{name} cannot be disabled because it is referenced by {len(active)} components "
                                 f"that are currently running: [{', '.join(active)}]")
            check_rev(s, body.get("revision"))
            s["state"], s["ready_at"] = "DISABLING", self.now + self.disabling_ticks
            for p in self.referencing(s):
                self.revalidate(p["id"])
        elif state == "ENABLED" and s["state"] != "ENABLED":
            if s["state"] != "DISABLED":
                raise Reply(409, f"{name} cannot be enabled because it is not disabled - it has a state of "
                                 f"{s['state']}")
            check_rev(s, body.get("revision"))
            s["state"], s["ready_at"] = "ENABLING", self.now + self.enabling_ticks
        else:
            check_rev(s, body.get("revision"))
        return 200, self.service_entity(s)

