"""Version control: registry clients, a process group created from a registry version, its state (UP_TO_DATE,
LOCALLY_MODIFIED from a real comparison, STALE), the asynchronous update and revert requests, deletion.

Paths below nifi-framework-components/src/main/java/org/apache/nifi/ and nifi-web/nifi-web-api/src/main/java/
org/apache/nifi/web/ unless said.
"""
from __future__ import annotations

from typing import Any, ClassVar

from .core import Reply, Request, check_delete_rev, check_rev, new_rev, rev_dto
from .registry import FakeRegistry

REGISTRY_CLIENT = "org.apache.nifi.registry.flow.NifiRegistryFlowRegistryClient"
JSON_WRITER = "org.apache.nifi.json.JsonRecordSetWriter"
KINDS = (("processors", "PROCESSOR"), ("inputPorts", "INPUT_PORT"), ("outputPorts", "OUTPUT_PORT"),
         ("funnels", "FUNNEL"))
CHILD_KEYS = {"processors", "inputPorts", "outputPorts", "funnels", "labels", "connections", "controllerServices",
              "processGroups", "remoteProcessGroups"}


def spec_of(v: dict) -> dict:
    """A component's versioned form as it was imported, without its children: what NiFi's export of it repeats
    for every setting the fake does not model (definitions.py)."""
    return {k: val for k, val in v.items() if k not in CHILD_KEYS}


def _props(props: dict | None) -> dict:
    return {k: v for k, v in (props or {}).items() if v is not None}


class VersionsMixin:
    registry: FakeRegistry
    registry_urls: set[str]  # the URLs the fake Registry answers on (a client pointing elsewhere cannot fetch)

    VERSION_ROUTES: ClassVar[list] = [
        ("GET", r"/controller/registry-clients", "n_clients", None, "FlowRegistryClientsEntity"),
        ("POST", r"/controller/registry-clients", "n_create_client", "FlowRegistryClientEntity",
         "FlowRegistryClientEntity"),
        ("GET", r"/controller/registry-clients/([^/]+)", "n_client", None, "FlowRegistryClientEntity"),
        ("PUT", r"/controller/registry-clients/([^/]+)", "n_update_client", "FlowRegistryClientEntity",
         "FlowRegistryClientEntity"),
        ("DELETE", r"/controller/registry-clients/([^/]+)", "n_delete_client", None, "FlowRegistryClientEntity"),
        ("POST", r"/process-groups/([^/]+)/process-groups", "n_create_group", "ProcessGroupEntity",
         "ProcessGroupEntity"),
        ("DELETE", r"/process-groups/([^/]+)", "n_delete_group", None, "ProcessGroupEntity"),
        ("GET", r"/process-groups/([^/]+)/local-modifications", "n_local_modifications", None, "FlowComparisonEntity"),
        ("GET", r"/versions/process-groups/([^/]+)", "n_vci", None, "VersionControlInformationEntity"),
        ("POST", r"/versions/(update|revert)-requests/process-groups/([^/]+)", "n_version_change",
         "VersionControlInformationEntity", "VersionedFlowUpdateRequestEntity"),
        ("GET", r"/versions/(update|revert)-requests/([^/]+)", "n_version_req", None,
         "VersionedFlowUpdateRequestEntity"),
        ("DELETE", r"/versions/(update|revert)-requests/([^/]+)", "n_version_req_delete", None,
         "VersionedFlowUpdateRequestEntity"),
    ]

    # ------------------------------------------------------------ registry clients

    def client_entity(self, c: dict) -> dict:
        return {"id": c["id"], "revision": rev_dto(c),
                "component": {"id": c["id"], "name": c["name"], "type": c["type"], "properties": dict(c["properties"])}}

    def registry_client(self, cid: str) -> dict:
        if cid not in self.clients:
            raise Reply(404, f"Unable to locate registry client with id '{cid}'.")
        return self.clients[cid]

    def n_clients(self, req: Request) -> tuple[int, Any]:
        return 200, {"registries": [self.client_entity(c) for c in self.clients.values()]}

    def n_create_client(self, req: Request) -> tuple[int, Any]:
        rev = new_rev(req.body, "Flow Registry Client")
        comp = req.body["component"]
        cid = self.ids()
        self.clients[cid] = {"id": cid, "name": comp["name"], "type": comp["type"], "rev": rev,
                             "properties": dict(comp.get("properties") or {})}
        return 201, self.client_entity(self.clients[cid])

    def n_client(self, cid: str, req: Request) -> tuple[int, Any]:
        return 200, self.client_entity(self.registry_client(cid))

    def n_update_client(self, cid: str, req: Request) -> tuple[int, Any]:
        c = self.registry_client(cid)
        check_rev(c, req.body.get("revision"))
        c["properties"].update((req.body.get("component") or {}).get("properties") or {})
        return 200, self.client_entity(c)

    def n_delete_client(self, cid: str, req: Request) -> tuple[int, Any]:
        """dao/impl/StandardProcessGroupDAO.verifyDeleteFlowRegistry ~594: not while a group tracks it (409)."""
        c = self.registry_client(cid)
        if any((g.get("vci") or {}).get("registryId") == cid for g in self.groups.values()):
            raise Reply(409, "The Registry cannot be removed because a Process Group currently under version control "
                             "is tracking to it.")
        check_delete_rev(c, req.query)
        del self.clients[cid]
        return 200, self.client_entity(c)

    def fetch_snapshot(self, vci: dict) -> dict:
        """What NiFi's registry client fetches (registry.py): only if the client exists and its `url` reaches
        the Registry."""
        client = self.clients.get(vci.get("registryId"))
        if client is None:
            raise Reply(404, f"Unable to locate registry client with id '{vci.get('registryId')}'.")
        url = (client["properties"].get("url") or "").rstrip("/").removesuffix("/nifi-registry-api")
        if self.registry_urls and url not in self.registry_urls:
            raise Reply(409, f"Failed to retrieve flow from Flow Registry: could not connect to {url}")
        try:
            return self.registry.snapshot(vci["bucketId"], vci["flowId"], int(vci["version"]))
        except (ValueError, KeyError):
            raise Reply(400, f"Invalid flow version {vci.get('version')!r}") from None

    # ------------------------------------------------------------ building a group from a snapshot

    def bind_contexts(self, snapshot: dict) -> dict[str, str]:
        """api/ProcessGroupResource.createProcessGroup ~1031 (KEEP_EXISTING by default) and flow/synchronization/
        StandardVersionedComponentSynchronizer.selectParameterContext ~2401: a context named in the snapshot is
        reused by name (its missing parameters added), else created (BEHAVIOUR 11). name -> context id."""
        out = {}
        for name, vctx in sorted((snapshot.get("parameterContexts") or {}).items()):
            ctx = next((c for c in self.contexts.values() if c["name"] == name), None)
            if ctx is None:
                ctx = self.new_context(name, vctx.get("description") or "", {"version": 1})
            for p in vctx.get("parameters") or []:
                ctx["params"].setdefault(p["name"], {"sensitive": bool(p.get("sensitive")), "value": p.get("value"),
                                                     "description": p.get("description") or ""})
            out[name] = ctx["id"]
        return out

    def _place(self, kind: str, v: dict, gid: str, existing: dict | None) -> str:
        """Create or update one versioned component of `kind` in group `gid` from its versioned form. A processor or
        service without `propertyDescriptors` fails the whole import with a NullPointerException, answered 500,
        part of the flow already added (StandardVersionedComponentSynchronizer.updateProcessor ~2988 and
        updateControllerService ~1551: `proposed.getPropertyDescriptors().values()`; the real NiFi 2.3.0 did so)."""
        if kind in ("PROCESSOR", "service") and v.get("propertyDescriptors") is None:
            raise Reply(500, "An unexpected error has occurred. Please check the logs for additional details.")
        if kind == "connection":
            scope = {gid, *self.children(gid)}  # a connection joins components of its group or child groups' ports
            ends = {c["versionedId"]: iid for iid, c in self.components.items()
                    if c["group"] in scope and c.get("versionedId")}
            fields = {"name": v.get("name") or "", "src": ends[v["source"]["id"]], "dst": ends[v["destination"]["id"]],
                      "rels": set(v.get("selectedRelationships") or [""]),
                      "threshold": v.get("backPressureObjectThreshold", 10000), "spec": spec_of(v)}
            if existing is None:
                cid = self.ids()
                self.connections[cid] = {"id": cid, "group": gid, "versionedId": v["identifier"], "rev": {"version": 1},
                                         "flowfiles": [], **fields}
                self.revalidate(fields["src"], fields["dst"])
                return cid
            if (existing["src"], existing["dst"], existing["rels"]) != (fields["src"], fields["dst"], fields["rels"]):
                self.revalidate(existing["src"], existing["dst"], fields["src"], fields["dst"])
            existing.update(fields)
            return existing["id"]
        if kind == "service":
            fields = {"name": v["name"], "type": v["type"], "bundle": v["bundle"], "spec": spec_of(v),
                      "ghost": not self.installed(v, self.installed_services()),
                      "properties": self.to_instance(_props(v.get("properties")))}
            if v["type"] == JSON_WRITER and not fields["ghost"]:
                # JsonRecordSetWriter.migrateProperties (run on every component an import creates or changes:
                # StandardVersionedComponentSynchronizer ~300): a writer without the property gets "true".
                fields["properties"].setdefault("Allow Scientific Notation", "true")
            if existing is None:
                sid = self.ids()
                self.services[sid] = {"id": sid, "group": gid, "versionedId": v["identifier"], "rev": {"version": 1},
                                      "state": "DISABLED", "ready_at": 0, **fields}
                return sid
            existing.update(fields)
            return existing["id"]
        fields = {"name": v.get("name") or "", "spec": spec_of(v)}
        if kind == "PROCESSOR":
            fields.update(type=v["type"], bundle=v["bundle"], properties=self.to_instance(_props(v.get("properties"))),
                          autoterm=set(v.get("autoTerminatedRelationships") or []),
                          executionNode=v.get("executionNode") or "ALL",
                          ghost=not self.installed(v, self.installed_processors()))
        if existing is None:
            cid = self.ids()
            state = "DISABLED" if v.get("scheduledState") == "DISABLED" else "STOPPED"
            self.components[cid] = {"id": cid, "kind": kind, "group": gid, "versionedId": v["identifier"],
                                    "rev": {"version": 1}, "state": state, **fields}
            self.revalidate(cid)
            return cid
        if any(existing.get(k) != fv for k, fv in fields.items() if k != "spec"):
            self.revalidate(existing["id"])
        existing.update(fields)
        return existing["id"]

    @staticmethod
    def installed(v: dict, types: list[dict]) -> bool:
        """Whether NiFi has this component's type in the NAR the flow names (any version of it: an import takes
        the installed one, StandardNiFiServiceFacade.discoverCompatibleBundles); if not it becomes a ghost
        (ExtensionBuilder: GhostProcessor, GhostControllerService)."""
        return any(t["type"] == v["type"] and t["bundle"]["artifact"] == (v.get("bundle") or {}).get("artifact")
                   for t in types)

    def to_instance(self, props: dict) -> dict:
        """An import rewrites a property naming a service by its versioned id to the instance's id."""
        by_vid = {s["versionedId"]: sid for sid, s in self.services.items() if s.get("versionedId")}
        return {k: by_vid.get(v, v) for k, v in props.items()}

    def sync(self, gid: str, contents: dict, contexts: dict[str, str]) -> None:
        """Make group `gid` (and its descendants) what `contents` says, keeping the instance of every component
        whose versioned id remains (StandardVersionedComponentSynchronizer.synchronize): services first (so
        properties can name them), then groups, components, connections; what the version does not have is
        removed, local additions included."""
        g = self.groups[gid]
        g["name"] = contents["name"]
        g["spec"], g["labels"] = spec_of(contents), list(contents.get("labels") or [])
        if contents.get("parameterContextName") in contexts:
            g["context"] = contexts[contents["parameterContextName"]]
        live_services = {s["versionedId"]: s for s in self.in_group(self.services, gid)}
        for v in contents.get("controllerServices") or []:
            self._place("service", v, gid, live_services.pop(v["identifier"], None))
        children = {self.groups[c].get("versionedId"): c for c in self.children(gid)}
        for v in contents.get("processGroups") or []:
            child = children.pop(v["identifier"], None)
            if child is None:
                child = self.ids()
                self.groups[child] = {"id": child, "name": v["name"], "parent": gid, "versionedId": v["identifier"],
                                      "vci": None, "context": None, "rev": {"version": 1}}
            self.sync(child, v, contexts)
        wanted = {v["identifier"] for v in contents.get("connections") or []}
        for c in self.in_group(self.connections, gid):
            if c.get("versionedId") not in wanted:
                del self.connections[c["id"]]
                self.revalidate(c["src"], c["dst"])
        live = {c.get("versionedId"): c for c in self.in_group(self.components, gid)}
        keep = set()
        for key, kind in KINDS:
            for v in contents.get(key) or []:
                keep.add(self._place(kind, v, gid, live.get(v["identifier"])))
        for c in self.in_group(self.components, gid):
            if c["id"] not in keep:
                del self.components[c["id"]]
        live_conns = {c.get("versionedId"): c for c in self.in_group(self.connections, gid)}
        for v in contents.get("connections") or []:
            self._place("connection", v, gid, live_conns.get(v["identifier"]))
        for child in children.values():  # groups the version no longer has
            for sub in self.subtree(child):
                for table in (self.components, self.connections, self.services):
                    for x in self.in_group(table, sub):
                        del table[x["id"]]
                del self.groups[sub]
        for s in live_services.values():
            del self.services[s["id"]]

    def sync_blockers(self, gid: str, contents: dict) -> list[str]:
        """FlowUpdateResource step 9 (~185): a connection the new version removes must be empty."""
        wanted, stack = set(), [contents]
        while stack:
            v = stack.pop()
            wanted.update(c["identifier"] for c in v.get("connections") or [])
            stack.extend(v.get("processGroups") or [])
        subtree = set(self.subtree(gid))
        return [f"Cannot remove Connection {c['id']} because it has {len(c['flowfiles'])} FlowFiles queued"
                for c in self.connections.values()
                if c["group"] in subtree and c.get("versionedId") not in wanted and c["flowfiles"]]

    def n_create_group(self, parent: str, req: Request) -> tuple[int, Any]:
        """api/ProcessGroupResource.createProcessGroup ~1031-1108: with `component.versionControlInformation`
        NiFi fetches that version through the registry client and builds the group from it (BEHAVIOUR 11)."""
        self.group(parent)
        rev = new_rev(req.body, "Process Group")
        comp = req.body.get("component") or {}
        vci = comp.get("versionControlInformation")
        if not vci:  # a plain, empty group, bound to a parameter context if one is named
            gid = self.ids()
            ctx = (comp.get("parameterContext") or {}).get("id")
            if ctx is not None:
                self.context(ctx)
            self.groups[gid] = {"id": gid, "name": comp.get("name") or "", "parent": parent, "rev": rev,
                                "versionedId": None, "vci": None, "context": ctx}
            return 201, self.group_entity(gid)
        snap = self.fetch_snapshot(vci)
        contexts = self.bind_contexts(snap)
        gid = self.ids()
        self.groups[gid] = {"id": gid, "name": snap["flowContents"]["name"], "parent": parent, "rev": rev,
                            "versionedId": snap["flowContents"]["identifier"], "vci": None, "context": None}
        self.sync(gid, snap["flowContents"], contexts)
        self.groups[gid]["vci"] = {"registryId": vci["registryId"], "bucketId": vci["bucketId"],
                                   "flowId": vci["flowId"], "version": str(vci["version"]), "snapshot": snap}
        return 201, self.group_entity(gid)

    def n_delete_group(self, gid: str, req: Request) -> tuple[int, Any]:
        """StandardProcessGroup.verifyCanDelete ~3014: nothing running, no queued data, every service disabled
        (409 otherwise)."""
        g = self.group(gid)
        subtree = self.subtree(gid)
        problems = [f"{c['name']} is running" for c in self.components.values()
                    if c["group"] in subtree and self.is_running(c)]
        problems += [f"Queue not empty for {c['id']}" for c in self.connections.values()
                     if c["group"] in subtree and c["flowfiles"]]
        problems += [f"Controller Service {s['name']} is not disabled" for s in self.services.values()
                     if s["group"] in subtree and s["state"] != "DISABLED"]
        if problems:
            raise Reply(409, f"Cannot delete Process Group {g['name']}: {problems[0]}")
        before = dict(g["rev"])
        check_delete_rev(g, req.query)
        # A processor started while invalid stays STARTING and passes for stopped (StandardProcessorNode.
        # getScheduledState ~145). The removal takes the group's connections first (StandardProcessGroup.
        # removeComponents ~939), which resets that processor's validation (removeConnection ~825): VALIDATING is
        # not INVALID, so it now looks running and verifyCanDelete ~1297 refuses, the connections already gone.
        # Once its validation settles again, another attempt gets further.
        starting = [c for c in self.components.values()
                    if c["group"] in subtree and c.get("state") == "STARTING" and any(self.connections_of(c["id"]))]
        if starting:
            c = starting[0]
            for x in [x for x in self.connections.values() if x["group"] in subtree]:
                del self.connections[x["id"]]
            g["rev"] = before  # a failed request leaves the revision as it was
            raise Reply(409, f"Cannot delete {'GhostProcessor' if c.get('ghost') else c['name']}[id={c['id']}] "
                             "because Processor is running")
        entity = self.group_entity(gid)
        for sub in subtree:
            for table in (self.components, self.connections, self.services):
                for x in self.in_group(table, sub):
                    del table[x["id"]]
            del self.groups[sub]
        return 200, entity

    # ------------------------------------------------------------ state: the real comparison

    def _versioned(self, contents: dict) -> dict[str, tuple[str, dict, str]]:
        """versioned id -> (kind, versioned form, versioned group id) of everything in a snapshot's group tree."""
        out, stack = {}, [contents]
        while stack:
            g = stack.pop()
            for key, kind in (*KINDS, ("connections", "CONNECTION"), ("controllerServices", "CONTROLLER_SERVICE"),
                              ("processGroups", "PROCESS_GROUP")):
                for v in g.get(key) or []:
                    out[v["identifier"]] = (kind, v, g["identifier"])
            stack.extend(g.get("processGroups") or [])
        return out

    def _live(self, gid: str) -> list[tuple[str, dict]]:
        out = []
        for sub in self.subtree(gid):
            if sub != gid:
                out.append(("PROCESS_GROUP", self.groups[sub]))
            out += [(c["kind"], c) for c in self.in_group(self.components, sub)]
            out += [("CONNECTION", c) for c in self.in_group(self.connections, sub)]
            out += [("CONTROLLER_SERVICE", s) for s in self.in_group(self.services, sub)]
        return out

    def _as_versioned(self, kind: str, live: dict) -> dict:
        """What VersionedComponentFlowMapper would write for a live component: instance ids of services and of
        connection ends mapped back to versioned ids."""
        vid = {iid: x.get("versionedId") for table in (self.services, self.components) for iid, x in table.items()}
        if kind == "CONNECTION":
            return {"source": vid.get(live["src"]), "destination": vid.get(live["dst"]),
                    "selectedRelationships": sorted(live["rels"] - {""}), "name": live.get("name") or ""}
        out = {"name": live.get("name") or ""}
        if kind in ("PROCESSOR", "CONTROLLER_SERVICE"):
            out["properties"] = {k: vid.get(v) or v for k, v in live["properties"].items() if v is not None}
        if kind == "PROCESSOR":
            out["autoTerminatedRelationships"] = sorted(live["autoterm"])
        return out

    @staticmethod
    def _snapshot_form(kind: str, v: dict) -> dict:
        if kind == "CONNECTION":
            return {"source": v["source"]["id"], "destination": v["destination"]["id"],
                    "selectedRelationships": sorted(set(v.get("selectedRelationships") or []) - {""}),
                    "name": v.get("name") or ""}
        out = {"name": v.get("name") or ""}
        if kind in ("PROCESSOR", "CONTROLLER_SERVICE"):
            out["properties"] = _props(v.get("properties"))
        if kind == "PROCESSOR":
            out["autoTerminatedRelationships"] = sorted(v.get("autoTerminatedRelationships") or [])
        return out

    def modifications(self, gid: str) -> list[dict]:
        """StandardProcessGroup.getModifications ~4093: the live group mapped to its versioned form and compared
        with the snapshot it is synced to; any component added, removed or changed (name, properties, auto-
        terminated relationships, connection ends and relationships) is a local modification. Running state and
        parameter values are not part of it (the comparison is given no parameter contexts)."""
        g = self.groups[gid]
        if not g.get("vci"):
            return []
        versioned = self._versioned(g["vci"]["snapshot"]["flowContents"])
        seen, diffs = set(), []

        def diff(kind: str, x: dict, what: str, text: str) -> None:
            diffs.append({"componentType": kind, "componentId": x.get("id") or x.get("identifier"),
                          "componentName": x.get("name") or "", "processGroupId": x.get("group") or gid,
                          "differences": [{"differenceType": what, "difference": text}]})

        for kind, live in self._live(gid):
            vid = live.get("versionedId")
            if vid not in versioned:
                diff(kind, live, "COMPONENT_ADDED", f"{kind.title().replace('_', ' ')} was added")
                continue
            seen.add(vid)
            have, want = self._as_versioned(kind, live), self._snapshot_form(kind, versioned[vid][1])
            for key in sorted(set(have) | set(want)):
                if key == "properties":
                    for p in sorted(set(have[key]) | set(want[key])):
                        if have[key].get(p) != want[key].get(p):
                            diff(kind, live, "PROPERTY_CHANGED", f"Property '{p}' was changed")
                elif have.get(key) != want.get(key):
                    diff(kind, live, f"{key.upper()}_CHANGED", f"{key} changed from {want.get(key)!r} to "
                                                               f"{have.get(key)!r}")
        for vid, (kind, v, _) in sorted(versioned.items()):
            if vid not in seen:
                diff(kind, v, "COMPONENT_REMOVED", f"{kind.title().replace('_', ' ')} was removed")
        return diffs

    def vci_state(self, gid: str) -> str:
        """StandardProcessGroup.updateVersionedFlowStatus ~3640: LOCALLY_MODIFIED when the comparison finds a
        difference, STALE when the Registry has a later version, both: LOCALLY_MODIFIED_AND_STALE."""
        vci = self.groups[gid]["vci"]
        latest = len(self.registry.snapshots.get(vci["flowId"]) or [])
        stale = int(vci["version"]) < latest
        modified = bool(self.modifications(gid))
        return {(False, False): "UP_TO_DATE", (True, False): "LOCALLY_MODIFIED", (False, True): "STALE",
                (True, True): "LOCALLY_MODIFIED_AND_STALE"}[(modified, stale)]

    def vci_dto(self, gid: str) -> dict:
        vci = self.groups[gid]["vci"]
        return {"groupId": gid, "registryId": vci["registryId"], "bucketId": vci["bucketId"], "flowId": vci["flowId"],
                "version": vci["version"], "state": self.vci_state(gid)}

    def versioned_group(self, gid: str) -> dict:
        g = self.group(gid)
        if not g.get("vci"):
            raise Reply(409, f"Process Group {gid} is not under version control")
        return g

    def n_vci(self, gid: str, req: Request) -> tuple[int, Any]:
        g = self.group(gid)
        return 200, {"processGroupRevision": rev_dto(g),
                     "versionControlInformation": self.vci_dto(gid) if g.get("vci") else None}

    def n_local_modifications(self, gid: str, req: Request) -> tuple[int, Any]:
        """api/ProcessGroupResource.getLocalModifications: the differences the state is computed from."""
        self.versioned_group(gid)
        return 200, {"componentDifferences": self.modifications(gid)}

    # ------------------------------------------------------------ update and revert (asynchronous)

    def n_version_change(self, kind: str, gid: str, req: Request) -> tuple[int, Any]:
        """api/FlowUpdateResource.initiateFlowUpdate ~153: the group's revision must be current (400); an
        **update** of a group with local modifications is refused at once (StandardProcessGroup.verifyCanUpdate
        ~4140: IllegalStateException, 409; BEHAVIOUR 4), a revert is how to clear them. The work runs in the
        background; the request completes later and must be DELETEd (BEHAVIOUR 9)."""
        g = self.versioned_group(gid)
        body = req.body or {}
        vci = body.get("versionControlInformation") or {}
        missing = [k for k in ("groupId", "registryId", "bucketId", "flowId", "version") if not vci.get(k)]
        if missing or vci["groupId"] != gid:
            raise Reply(400, f"versionControlInformation incomplete or not for this group: {missing}")
        if vci["flowId"] != g["vci"]["flowId"]:
            raise Reply(409, f"Process Group {gid} is under version control but the given flow does not match the "
                             "flow that this Process Group is synchronized with.")
        if kind == "update" and self.modifications(gid):
            n = len(self.modifications(gid))
            raise Reply(409, f"Cannot change the Version of the flow for {g['name']} because the Process Group has "
                             f"been modified ({n} modifications) since it was last synchronized with the Flow "
                             "Registry. The Process Group must be reverted to its original form before changing "
                             "the version.")
        check_rev(g, body.get("processGroupRevision"))
        target = vci["version"] if kind == "update" else g["vci"]["version"]
        snap = self.fetch_snapshot({**g["vci"], "version": target})
        failure = "; ".join(self.sync_blockers(gid, snap["flowContents"])) or None
        if failure is None:
            self.sync(gid, snap["flowContents"], self.bind_contexts(snap))
            g["vci"].update(version=str(target), snapshot=snap)
        r = self.requests.create(f"{kind}", self.now + self.async_ticks, group=gid,
                                 failure=f"Failed to perform update flow request due to {failure}" if failure else None)
        return 200, {"request": self.version_request_dto(r), "processGroupRevision": rev_dto(g)}

    def version_request_dto(self, r: dict) -> dict:
        return {**self.update_request_dto(r), "processGroupId": r["group"]}

    def n_version_req(self, kind: str, rid: str, req: Request) -> tuple[int, Any]:
        return 200, {"request": self.version_request_dto(self.requests.get(kind, rid))}

    def n_version_req_delete(self, kind: str, rid: str, req: Request) -> tuple[int, Any]:
        return 200, {"request": self.version_request_dto(self.requests.delete(kind, rid))}
