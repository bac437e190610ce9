"""The few NiFi REST calls the live tests make to set up, observe and tear down components.

Deliberately separate from the harness (which is under test): this client follows NiFi's
documented sequences plainly (revisions from the last read, async requests polled then
DELETEd) and raises on anything unexpected, so a live test fails at the call that broke.
"""
from __future__ import annotations

import time
from typing import Any

import httpx

from live.instance import Connection

CLIENT_ID = "protoc-gen-nifi-live-tests"


class NifiError(AssertionError):
    pass


class Nifi:
    def __init__(self, connection: Connection):
        self.connection = connection
        self.http = connection.client(timeout=60)
        self.root_id = self.get("/flow/process-groups/root")["processGroupFlow"]["id"]

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.http.close()

    # --- plain calls -------------------------------------------------------------------------
    def request(self, method: str, path: str, expect: tuple[int, ...] = (200, 201), **kwargs) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.RemoteProtocolError:
            # Jetty closes an idle kept-alive connection; a read is safe to send again on a new one.
            if method != "GET":
                raise
            response = self.http.request(method, path, **kwargs)
        if response.status_code not in expect:
            raise NifiError(f"{method} {path} -> {response.status_code}: {response.text[:600]}")
        return response

    def get(self, path: str, **kwargs) -> Any:
        return self.request("GET", path, **kwargs).json()

    def post(self, path: str, body: dict, **kwargs) -> Any:
        return self.request("POST", path, json=body, **kwargs).json()

    def put(self, path: str, body: dict, **kwargs) -> Any:
        return self.request("PUT", path, json=body, **kwargs).json()

    def delete(self, path: str, params: dict | None = None, **kwargs) -> Any:
        response = self.request("DELETE", path, params=params, **kwargs)
        return response.json() if response.content else None

    @staticmethod
    def rev(entity: dict) -> dict:
        return {"version": entity["revision"]["version"], "clientId": CLIENT_ID}

    # --- groups ------------------------------------------------------------------------------
    def create_group(self, parent: str, name: str, position: tuple[float, float] = (0, 0)) -> dict:
        return self.post(f"/process-groups/{parent}/process-groups",
                         {"revision": {"version": 0, "clientId": CLIENT_ID},
                          "component": {"name": name, "position": {"x": position[0], "y": position[1]}}})

    def flow(self, group_id: str) -> dict:
        return self.get(f"/flow/process-groups/{group_id}")["processGroupFlow"]["flow"]

    def upload_flow_definition(self, parent: str, name: str, definition: bytes) -> dict:
        """POST /process-groups/{id}/process-groups/upload: a flow definition without a registry."""
        data = {"groupName": name, "positionX": "0", "positionY": "0", "clientId": CLIENT_ID,
                "disconnectedNodeAcknowledged": "false"}
        files = {"file": ("flow-definition.json", definition, "application/json")}
        return self.request("POST", f"/process-groups/{parent}/process-groups/upload", data=data,
                            files=files).json()

    def schedule(self, group_id: str, state: str) -> None:
        self.put(f"/flow/process-groups/{group_id}", {"id": group_id, "state": state})

    def services_state(self, group_id: str, state: str) -> None:
        self.put(f"/flow/process-groups/{group_id}/controller-services", {"id": group_id, "state": state})

    def wait(self, what: str, probe, timeout: float = 60.0, interval: float = 0.5):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = probe()
            if last:
                return last
            time.sleep(interval)
        raise NifiError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")

    def delete_group_tree(self, group: dict) -> None:
        """Stop, disable, empty every queue, then delete: what NiFi requires before a delete."""
        gid = group["id"]
        self.schedule(gid, "STOPPED")
        self.wait("processors to stop", lambda: self.active_threads(gid) == 0, timeout=60)
        self.services_state(gid, "DISABLED")
        self.wait("services to disable", lambda: all(
            s["component"]["state"] == "DISABLED" for s in self.services(gid)), timeout=60)
        drop = self.post(f"/process-groups/{gid}/empty-all-connections-requests", {}, expect=(202,))
        request_id = drop["dropRequest"]["id"]
        self.wait("queues to empty", lambda: self.get(
            f"/process-groups/{gid}/empty-all-connections-requests/{request_id}")["dropRequest"]["finished"])
        self.delete(f"/process-groups/{gid}/empty-all-connections-requests/{request_id}")
        current = self.get(f"/process-groups/{gid}")
        self.delete(f"/process-groups/{gid}", params={"version": current["revision"]["version"],
                                                     "clientId": CLIENT_ID})

    # --- observation -------------------------------------------------------------------------
    def services(self, group_id: str) -> list[dict]:
        return self.get(f"/flow/process-groups/{group_id}/controller-services",
                        params={"includeAncestorGroups": "false", "includeDescendantGroups": "true"})[
            "controllerServices"]

    def status(self, group_id: str) -> dict:
        return self.get(f"/flow/process-groups/{group_id}/status", params={"recursive": "true"})[
            "processGroupStatus"]["aggregateSnapshot"]

    def active_threads(self, group_id: str) -> int:
        return self.status(group_id).get("activeThreadCount", 0)

    def components(self, group_id: str) -> list[tuple[str, dict]]:
        """Every processor, port and service under a group, with its kind, depth first."""
        found: list[tuple[str, dict]] = []
        flow = self.flow(group_id)
        for kind in ("processors", "inputPorts", "outputPorts", "funnels", "connections"):
            found.extend((kind, e) for e in flow.get(kind, []))
        for child in flow.get("processGroups", []):
            found.extend(self.components(child["id"]))
        return found

    def invalid(self, group_id: str) -> list[str]:
        """`kind name: validation errors` for every processor, port and service NiFi finds invalid."""
        problems = []
        for kind, entity in self.components(group_id):
            component = entity.get("component", {})
            status = component.get("validationStatus") or ("INVALID" if component.get("state") == "INVALID" else "")
            if status == "INVALID" or component.get("state") == "INVALID":
                errors = "; ".join(component.get("validationErrors") or [])
                problems.append(f"{kind[:-1]} {component.get('name')!r}: {errors}")
        for service in self.services(group_id):
            component = service["component"]
            if component.get("validationStatus") == "INVALID":
                problems.append(f"controller service {component['name']!r}: "
                                f"{'; '.join(component.get('validationErrors') or [])}")
        return sorted(problems)

    def validating(self, group_id: str) -> list[str]:
        names = [f"{kind} {e['component'].get('name')}" for kind, e in self.components(group_id)
                 if e.get("component", {}).get("validationStatus") == "VALIDATING"]
        names += [f"service {s['component']['name']}" for s in self.services(group_id)
                  if s["component"].get("validationStatus") == "VALIDATING"]
        return names

    # --- building small flows for behaviour checks ----------------------------------------------
    def bundle_of(self, component_type: str) -> dict:
        for path, key in (("/flow/processor-types", "processorTypes"),
                          ("/flow/controller-service-types", "controllerServiceTypes")):
            for entry in self.get(path, params={"type": component_type}).get(key, []):
                if entry["type"] == component_type:
                    return entry["bundle"]
        raise NifiError(f"{component_type} is not loaded in this NiFi")

    def processor(self, group_id: str, component_type: str, name: str, properties: dict | None = None,
                  auto_terminate: tuple[str, ...] = (), scheduling: dict | None = None,
                  position: tuple[float, float] = (0, 0)) -> dict:
        config = {"properties": properties or {}, "autoTerminatedRelationships": list(auto_terminate)}
        config.update(scheduling or {})
        return self.post(f"/process-groups/{group_id}/processors", {
            "revision": {"version": 0, "clientId": CLIENT_ID},
            "component": {"type": component_type, "bundle": self.bundle_of(component_type), "name": name,
                          "position": {"x": position[0], "y": position[1]}, "config": config}})

    def service(self, group_id: str, component_type: str, name: str, properties: dict | None = None) -> dict:
        return self.post(f"/process-groups/{group_id}/controller-services", {
            "revision": {"version": 0, "clientId": CLIENT_ID},
            "component": {"type": component_type, "bundle": self.bundle_of(component_type), "name": name,
                          "properties": properties or {}}})

    def port(self, group_id: str, kind: str, name: str) -> dict:
        """kind: 'input-ports' or 'output-ports'."""
        return self.post(f"/process-groups/{group_id}/{kind}", {
            "revision": {"version": 0, "clientId": CLIENT_ID}, "component": {"name": name}})

    def connect(self, group_id: str, source: dict, destination: dict, relationships: tuple[str, ...] = (),
                **settings) -> dict:
        def end(entity: dict) -> dict:
            component = entity["component"]
            kind = "PROCESSOR" if "config" in component else entity.get("portType") or "FUNNEL"
            return {"id": entity["id"], "groupId": component["parentGroupId"], "type": kind}
        return self.post(f"/process-groups/{group_id}/connections", {
            "revision": {"version": 0, "clientId": CLIENT_ID},
            "component": {"source": end(source), "destination": end(destination),
                          "selectedRelationships": list(relationships), **settings}})

    def refresh(self, entity: dict) -> dict:
        return self.get(entity["uri"].split("/nifi-api", 1)[1])

    def run_state(self, processor: dict, state: str, expect: tuple[int, ...] = (200,)) -> httpx.Response:
        current = self.refresh(processor)
        return self.request("PUT", f"/processors/{processor['id']}/run-status", expect=expect,
                            json={"revision": self.rev(current), "state": state})

    def wait_valid(self, entity: dict, timeout: float = 30.0) -> dict:
        return self.wait(f"{entity['component'].get('name')} to be VALID", lambda: (
            e if (e := self.refresh(entity))["component"].get("validationStatus") == "VALID" else None),
            timeout=timeout)

    def parameter_context(self, name: str, parameters: dict[str, tuple[str | None, bool]]) -> dict:
        """parameters: name -> (value, sensitive)."""
        return self.post("/parameter-contexts", {
            "revision": {"version": 0, "clientId": CLIENT_ID},
            "component": {"name": name, "parameters": [
                {"parameter": {"name": k, "value": v, "sensitive": s}} for k, (v, s) in parameters.items()]}})

    def bind_context(self, group: dict, context: dict) -> dict:
        current = self.get(f"/process-groups/{group['id']}")
        return self.put(f"/process-groups/{group['id']}", {
            "revision": self.rev(current),
            "component": {"id": group["id"], "parameterContext": {"id": context["id"]}}})

    def delete_context(self, context: dict) -> None:
        current = self.get(f"/parameter-contexts/{context['id']}")
        self.delete(f"/parameter-contexts/{context['id']}", params={"version": current["revision"]["version"],
                                                                   "clientId": CLIENT_ID})

    def queue_count(self, connection: dict) -> int:
        status = self.get(f"/flow/connections/{connection['id']}/status")["connectionStatus"]["aggregateSnapshot"]
        return status["flowFilesQueued"]
