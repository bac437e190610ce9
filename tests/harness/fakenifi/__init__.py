"""A fake NiFi 2.x and NiFi Registry that behave as NiFi's source says, for the harness tests.

One module per REST area, each behaviour with the NiFi source it follows (../../shared/nifi-reference/
BEHAVIOUR.md lists them): access (login, cookies, CSRF, client certificates), registry (NiFi Registry, also
runnable alone), versions (version control, local modifications, update and revert), definitions (upload,
download and replace of a flow definition, without a Registry), parameters, services,
processors (processors, ports, groups: validity, start and stop), queues, flowfiles (the data plane),
provenance, status (controller status, bulletins, system diagnostics). core holds what they share (revisions,
the clock, asynchronous requests); server is the thin HTTP shell; behaviours lists the probes a live test replays
against a real NiFi.

    fake = Fake(users={"admin": "pw"})
    with FakeServer(fake, tls=...) as srv:   # srv.nifi_url, srv.registry_url
        ...
    assert fake.requests.open() == []        # every asynchronous request was DELETEd
"""
from __future__ import annotations

import re
from typing import Any, ClassVar

from .access import AccessMixin
from .core import OTHER_CLIENT, FakeCore, Reply, Request
from .definitions import DefinitionsMixin
from .flowfiles import FlowFilesMixin
from .parameters import ParametersMixin
from .processors import GENERATE, ProcessorsMixin
from .provenance import ProvenanceMixin
from .queues import QueuesMixin
from .registry import FakeRegistry, RegistryServer
from .server import Server
from .services import KAFKA_DESCRIPTORS, KAFKA_SVC, ServicesMixin
from .status import StatusMixin
from .versions import VersionsMixin

__all__ = ["GENERATE", "KAFKA_DESCRIPTORS", "KAFKA_SVC", "Fake", "FakeRegistry", "FakeServer", "RegistryServer"]


class Fake(AccessMixin, VersionsMixin, DefinitionsMixin, ParametersMixin, ServicesMixin, ProcessorsMixin, QueuesMixin, FlowFilesMixin,
           ProvenanceMixin, StatusMixin, FakeCore):
    """The fake NiFi. Knobs: see each mixin's class attributes, and `conflicts` ("METHOD path" regex -> how many
    times another client changes the component just before such a request), `failures` ("METHOD path" regex ->
    (status, text); "{body}" echoes the request body), `delays` ("METHOD path" regex -> seconds to answer)."""

    ROUTES: ClassVar[list] = [*AccessMixin.ACCESS_ROUTES, *VersionsMixin.VERSION_ROUTES,
                              *DefinitionsMixin.DEFINITION_ROUTES, *ParametersMixin.PARAMETER_ROUTES,
              *ServicesMixin.SERVICE_ROUTES, *ProcessorsMixin.PROCESSOR_ROUTES, *QueuesMixin.QUEUE_ROUTES,
              *ProvenanceMixin.PROVENANCE_ROUTES, *StatusMixin.STATUS_ROUTES]

    def __init__(self, registry: FakeRegistry | None = None, **knobs: Any):
        FakeCore.__init__(self)
        self._init_access()
        self._init_flowfiles()
        self.registry = registry or FakeRegistry()
        self.registry.seen = self.seen  # one list of what the harness sent to either (`Seen.api` says which)
        self.registry_urls: set[str] = set()
        self.conflicts: dict[str, int] = {}
        self.failures: dict[str, tuple[int, str]] = {}
        self.delays: dict[str, float] = {}  # "METHOD path" regex -> seconds the answer takes
        self.bulletins_later: list = []
        self.queued_later: list = []
        self.node_heap: dict[int, float] = {}
        for k, v in knobs.items():
            if not hasattr(self, k):
                raise TypeError(f"Fake has no knob {k!r}")
            setattr(self, k, v)

    def advance(self) -> None:
        self.advance_services()
        self.advance_processors()
        self.advance_flowfiles()

    def before(self, req: Request) -> None:
        key = f"{req.method} {req.path}"
        for pattern, n in list(self.conflicts.items()):
            if n > 0 and re.fullmatch(pattern, key):
                self.conflicts[pattern] = n - 1
                # Another client changed the component a moment ago: its revision moved on, with their client id.
                for part in req.path.split("/"):
                    entity = self.entity(part)
                    if entity is not None:
                        entity["rev"] = {"version": entity["rev"]["version"] + 1, "clientId": OTHER_CLIENT}
        for pattern, (status, text) in self.failures.items():
            if re.fullmatch(pattern, key):
                raise Reply(status, text.replace("{body}", req.raw.decode(errors="replace")))

    # -- what tests read

    def mutations(self, since: int = 0) -> list:
        """Requests that change NiFi: POST/PUT/DELETE except logins and read-only queries (provenance queries,
        queue listings) with their polls and deletions."""
        query = re.compile(r"^/provenance(/|$)|/listing-requests(/|$)")
        return [s for s in self.seen[since:]
                if s.method != "GET" and s.path != "/access/token" and not query.search(s.path)]

    def group_by_name(self, name: str) -> dict:
        return next(g for g in self.groups.values() if g["name"] == name)

    def component_by_name(self, group: str, name: str) -> dict:
        gid = self.group_by_name(group)["id"]
        return next(c for c in self.components.values() if c["group"] == gid and c.get("name") == name)

    def connection_by_versioned(self, vid: str) -> dict:
        return next(c for c in self.connections.values() if c["versionedId"] == vid)

    def temp_components(self) -> list[dict]:
        """Components and connections without a versioned id: what a client added to a deployed group."""
        return [c for t in (self.components, self.connections) for c in t.values() if c.get("versionedId") is None]

    def queued_uuids(self) -> dict[str, list[str]]:
        return {c["id"]: [f["uuid"] for f in c["flowfiles"]] for c in self.connections.values() if c["flowfiles"]}


class FakeServer(Server):
    """The fake NiFi (/nifi-api) and its Registry (/nifi-registry-api) on one loopback port:
    `with FakeServer(fake) as srv:` -> srv.nifi_url, srv.registry_url."""

    def __init__(self, fake: Fake, **kw: Any):
        self.fake = fake
        super().__init__({"/nifi-api": fake, "/nifi-registry-api": fake.registry}, **kw)
        self.nifi_url = self.base + "/nifi-api"
        self.registry_url = self.base + "/nifi-registry-api"
        fake.registry_urls.add(self.base)
