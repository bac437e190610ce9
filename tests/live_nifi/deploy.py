"""Put a generated flow definition into the live NiFi the way an operator would without a registry:
upload it, give every parameter a test value, enable its services, and read NiFi's verdict.

Components NiFi cannot load because this NiFi lacks their NAR (Maven serves no Kafka, AMQP,
Redis, MongoDB, AWS or scripting NAR for 2.x) are ghosts: NiFi flags them `extensionMissing`
and every component that references one fails validation for that reason alone. They are
reported apart, as *not judged*, so that everything else must be VALID.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from live.instance import free_port
from live.tls import JavaStores

from .rest import CLIENT_ID, Nifi

ROOT = Path(__file__).resolve().parents[2]

# Validation messages that only say "an extension this NiFi lacks" (AbstractComponentNode,
# GhostProcessor/GhostControllerService at the release tag).
MISSING_EXTENSION = re.compile(r"Unable to find bundle|Missing Processor|Missing Controller Service|"
                               r"is not a valid (Processor|Controller Service) type|"
                               r"Controller Service is of type .* but this is not a valid")
UNNAMED_DISABLED = "depends on referencing a Controller Service that is currently disabled"


@dataclass
class Backends:
    """What the test values point at."""

    http_base: str = "http://127.0.0.1:9"          # a loopback HTTP server of the test
    postgres: dict | None = None                  # live/backends.py: url, user, password, driver
    driver_dir: str = ""                          # the assembled NiFi's drivers/ folder
    scripts_dir: str = ""                         # where mapping scripts are written
    ports: dict[str, int] = field(default_factory=dict)
    tls: JavaStores | None = None                  # PKCS12 stores for the flows' SSL context services


def parameter_rules(b: Backends) -> list[tuple[re.Pattern, object]]:
    pg = b.postgres or {}
    tls = b.tls
    return [(re.compile(p), v) for p, v in (
        # TLS first: `http.<ref>.tls.keystore.path` must not read as an HTTP path.
        (r"\.tls\.keystore\.path$", lambda m: str(tls.keystore)),
        (r"\.tls\.truststore\.path$", lambda m: str(tls.truststore)),
        (r"\.tls\.(keystore|truststore)\.type$", lambda m: "PKCS12"),
        (r"\.tls\.(keystore|truststore|key)\.password$", lambda m: tls.password),
        (r"^http\.(?P<ref>.+)\.url$", lambda m: f"{b.http_base}/{m['ref']}"),
        (r"^http\.(?P<ref>.+)\.listen\.port$", lambda m: str(b.ports.setdefault(m["ref"], free_port()))),
        (r"^http\.(?P<ref>.+)\.path$", lambda m: f"/{m['ref']}"),
        (r"^jdbc\..+\.url$", lambda m: pg.get("url", "jdbc:postgresql://127.0.0.1:9/none")),
        (r"^jdbc\..+\.user$", lambda m: pg.get("user", "nobody")),
        (r"^jdbc\..+\.password$", lambda m: pg.get("password", "none")),
        (r"^jdbc\..+\.driver\.class$", lambda m: pg.get("driver", "org.postgresql.Driver")),
        (r"^jdbc\..+\.driver\.locations$", lambda m: b.driver_dir),
        (r"^mapping\.(?P<port>.+)\.script\.path$", lambda m: str(Path(b.scripts_dir) / f"{m['port']}.groovy")),
        (r"^mapping\.module\.path$", lambda m: b.scripts_dir),
    )]


def psql(backends: Backends, sql: str) -> str:
    """Run SQL on the live flows' PostgreSQL (the test's own reads and writes); its output, trimmed."""
    pg = backends.postgres
    if pg is None:
        pytest.fail("no PostgreSQL: run `python3 dev.py nifi backends` (.ci/run does)")
    result = subprocess.run(["psql", "-h", pg["host"], "-p", str(pg["port"]), "-U", pg["user"], "-d", pg["database"],
                             "-v", "ON_ERROR_STOP=1", "-tAc", sql], env={**os.environ, "PGPASSWORD": pg["password"]},
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def values_for(parameters: list[dict], backends: Backends) -> dict[str, str]:
    """A value for every parameter of parameter-context.yaml: real where a backend exists, else a placeholder."""
    rules = parameter_rules(backends)
    values = {}
    for parameter in parameters:
        name = parameter["name"]
        for pattern, make in rules:
            match = pattern.search(name)
            if match:
                values[name] = make(match)
                break
        else:
            values[name] = "live-test-secret" if parameter.get("sensitive") else f"live-{name}"
    return values


@dataclass
class Verdict:
    valid: list[str]
    invalid: list[str]          # must be empty
    not_judged: list[str]       # ghosts, and components failing only because they reference one
    ghost_nars: set[str] = field(default_factory=set)  # the NARs the ghosts need
    lost_settings: list[str] = field(default_factory=list)  # must be empty: see Deployment.lost_settings


class Deployment:
    """One generated integration, uploaded under the root group."""

    def __init__(self, nifi: Nifi, integration_dir: Path, name: str | None = None):
        self.nifi = nifi
        self.dir = integration_dir
        self.name = name or integration_dir.name
        self.group: dict | None = None
        self.context_id: str | None = None

    def upload(self) -> dict:
        definition = (self.dir / "nifi" / "flow-definition.json").read_bytes()
        self.group = self.nifi.upload_flow_definition(self.nifi.root_id, self.name, definition)
        context = self.group["component"].get("parameterContext")
        self.context_id = context["id"] if context else None
        return self.group

    def ghost_ids(self) -> set[str]:
        ids = {e["id"] for _, e in self.nifi.components(self.group["id"]) if e.get("component", {}).get("extensionMissing")}
        return ids | {s["id"] for s in self.nifi.services(self.group["id"]) if s["component"].get("extensionMissing")}

    def set_parameters(self, values: dict[str, str]) -> list[str]:
        """An async parameter-context update request: POST, poll until complete, DELETE (BEHAVIOUR 9).

        A ghost component's properties all count as sensitive (GhostProcessor), and NiFi refuses a
        value for a non-sensitive parameter that a sensitive property references
        (StandardParameterContext.verifyCanSetParameters): parameters only ghosts use stay unset.
        Returns their names.
        """
        nifi = self.nifi
        context = nifi.get(f"/parameter-contexts/{self.context_id}")
        ghosts = self.ghost_ids()
        referenced_by_ghost = {e["parameter"]["name"] for e in context["component"]["parameters"]
                               if ghosts & {c["id"] for c in e["parameter"].get("referencingComponents", [])}}
        settable = {k: v for k, v in values.items() if k not in referenced_by_ghost}
        body = {"revision": nifi.rev(context), "id": self.context_id, "component": {
            "id": self.context_id, "parameters": [
                {"parameter": {"name": name, "value": value,
                               "sensitive": _sensitive(context, name)}} for name, value in sorted(settable.items())]}}
        request = nifi.post(f"/parameter-contexts/{self.context_id}/update-requests", body)["request"]
        path = f"/parameter-contexts/{self.context_id}/update-requests/{request['requestId']}"
        done = nifi.wait("parameter update", lambda: (r if (r := nifi.get(path)["request"])["complete"] else None),
                         timeout=120)
        nifi.delete(path)
        assert not done.get("failureReason"), done.get("failureReason")
        return sorted(referenced_by_ghost & set(values))

    def parameters(self) -> list[dict]:
        return yaml.safe_load((self.dir / "nifi" / "parameter-context.yaml").read_text())["parameters"]

    def enable_services(self) -> None:
        self.nifi.services_state(self.group["id"], "ENABLED")

    def settle(self, timeout: float = 60.0) -> list[str]:
        """Wait for every valid service to be ENABLED and no component to be VALIDATING (BEHAVIOUR 7) before
        NiFi's verdict counts; returns what never settled."""
        def unsettled() -> list[str]:
            # NiFi enables a group's services over several rounds (a service waits for those it references),
            # so a valid service is settled only once ENABLED; an invalid one never enables and is not waited for.
            pending = [f"service {s['component']['name']!r} stays {s['component']['state']}"
                       for s in self.nifi.services(self.group["id"])
                       if s["component"]["state"] != "ENABLED" and s["component"].get("validationStatus") != "INVALID"]
            return pending + [f"{n} stays VALIDATING" for n in self.nifi.validating(self.group["id"])]
        try:
            self.nifi.wait("services to enable and validation to settle", lambda: not unsettled(), timeout=timeout)
        except AssertionError:
            return unsettled()
        return []

    def verdict(self) -> Verdict:
        nifi = self.nifi
        valid, invalid, not_judged, ghost_nars = [], [], [], set()
        entries = [(kind, e["component"]) for kind, e in nifi.components(self.group["id"])
                   if kind in ("processors", "inputPorts", "outputPorts")]
        entries += [("controllerServices", s["component"]) for s in nifi.services(self.group["id"])]
        unjudged = self._unjudged([c for _, c in entries])
        for kind, component in entries:
            label = f"{kind[:-1]} {component['name']!r}"
            errors = component.get("validationErrors") or []
            status = component.get("validationStatus") or ("INVALID" if errors else "VALID")
            if component.get("extensionMissing"):
                ghost_nars.add(component["bundle"]["artifact"])
                not_judged.append(f"{label}: {component['type']} (its NAR is not in this NiFi)")
            elif component["id"] in unjudged:
                not_judged.append(f"{label}: references a component whose NAR is not in this NiFi")
            elif status == "INVALID":
                invalid.append(f"{label}: {'; '.join(errors)}")
            else:
                valid.append(label)
        return Verdict(sorted(valid), sorted(invalid), sorted(not_judged), ghost_nars, self.lost_settings())

    @staticmethod
    def _unjudged(components: list[dict]) -> set[str]:
        """Ids of components invalid only because of a ghost, directly or through services that are.

        A ghost is never enabled, so a service referencing it stays disabled, and what references that service
        is invalid in turn ("Controller Service with ID x is disabled", or without naming it: "performing
        validation depends on referencing a Controller Service that is currently disabled").
        """
        found = {c["id"] for c in components if c.get("extensionMissing")}
        while True:
            grown = set(found)
            for c in components:
                errors = c.get("validationErrors") or []
                if c["id"] in found or not errors:
                    continue
                properties = c.get("properties") or (c.get("config") or {}).get("properties") or {}
                references = {v for v in properties.values() if v in found}
                if all(MISSING_EXTENSION.search(e) or any(ghost in e for ghost in found)
                       or (references and UNNAMED_DISABLED in e) for e in errors):
                    grown.add(c["id"])
            if grown == found:
                return found
            found = grown

    def lost_settings(self) -> list[str]:
        """Keys the generator meant as a component's own property but NiFi takes as a dynamic one.

        NiFi stores an unknown key on a component that accepts dynamic properties as a dynamic
        property, without an error: the setting is silently lost. The catalog says which keys it
        writes as the component's properties (its `Prop`s, at this release's canonical names).
        """
        sys.path.insert(0, str(ROOT / "src"))
        from protoc_gen_nifi import nifi_catalog

        version = self.nifi.connection.version
        target = nifi_catalog.Target.of(version)
        static = {c.type: {target.key(c, p.key) for p in c.props if _exists(c.type, p.key, version)}
                  for c in nifi_catalog.COMPONENTS}
        lost = []
        entries = [(e["component"], e["component"].get("config", {}).get("descriptors", {}))
                   for kind, e in self.nifi.components(self.group["id"]) if kind == "processors"]
        entries += [(s["component"], s["component"].get("descriptors", {})) for s in self.nifi.services(self.group["id"])]
        for component, descriptors in entries:
            for key in static.get(component["type"], set()) & set(descriptors):
                if descriptors[key].get("dynamic"):
                    lost.append(f"{component['name']!r} ({component['type']}): {key!r} is a dynamic property to NiFi")
        return sorted(lost)

    def child(self, name: str) -> dict:
        for group in self.nifi.flow(self.group["id"]).get("processGroups", []):
            if group["component"]["name"] == name:
                return group
        raise AssertionError(f"{self.name} has no group {name!r}")

    def inject(self, into_group: dict, port_name: str, content: str, attributes: dict[str, str]) -> dict:
        """One FlowFile into a child group's input port, from a temporary GenerateFlowFile beside it
        (what the harness's golden cases do); returns the generator so the test can remove it."""
        nifi = self.nifi
        port = next(p for p in nifi.flow(into_group["id"])["inputPorts"] if p["component"]["name"] == port_name)
        generate = nifi.processor(self.group["id"], "org.apache.nifi.processors.standard.GenerateFlowFile",
                                  "live test injection", {"generate-ff-custom-text": content, **attributes},
                                  position=(-600, 0))
        nifi.connect(self.group["id"], generate, port, ("success",))
        nifi.wait_valid(generate)
        nifi.run_state(generate, "RUN_ONCE")
        return generate

    def prepare(self, backends: Backends, **overrides: str) -> Deployment:
        """Upload, bind every parameter to the live backends' test values (some overridden), enable the services
        and wait until the flow settles: the set-up every flow-moving test starts from."""
        self.upload()
        values = values_for(self.parameters(), backends)
        values.update(overrides)
        self.set_parameters(values)
        self.enable_services()
        self.settle()
        return self

    def remove(self) -> None:
        if self.group is None:
            return
        self.nifi.delete_group_tree(self.group)
        if self.context_id:
            # NiFi reuses a parameter context by name on upload (BEHAVIOUR 11): another deployment of the same
            # integration may still be bound to it, and then it stays.
            context = self.nifi.get(f"/parameter-contexts/{self.context_id}")
            if not context["component"].get("boundProcessGroups"):
                self.nifi.delete(f"/parameter-contexts/{self.context_id}",
                                 params={"version": context["revision"]["version"], "clientId": CLIENT_ID})
        self.group = None


def _exists(type_: str, key: str, version: str) -> bool:
    from protoc_gen_nifi import nifi_definitions

    return nifi_definitions.canonical_key(type_, key, version) is not None


def _sensitive(context: dict, name: str) -> bool:
    for entry in context["component"]["parameters"]:
        if entry["parameter"]["name"] == name:
            return bool(entry["parameter"]["sensitive"])
    return False
