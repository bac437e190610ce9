"""What every REST area of the fake NiFi shares: replies, ids, NiFi's revision rules, a logical clock, the
asynchronous requests every area creates, and the state tables the areas read and write.

Line numbers cite NiFi's source at rel/nifi-2.11.0 (apache/nifi), approximately; paths under
`nifi-framework-bundle/nifi-framework/` unless they start with another top-level folder.
"""
from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

MASK = "********"  # DtoFactory.SENSITIVE_VALUE_MASK
OTHER_CLIENT = "another-nifi-user"  # the client id of a concurrent writer the tests simulate


class Reply(Exception):
    """An answer other than the handler's normal one. A str body is sent as text/plain, as NiFi's exception
    mappers do (nifi-web-api/.../api/config/*ExceptionMapper.java)."""

    def __init__(self, status: int, body: Any = "", headers: list[tuple[str, str]] | None = None):
        super().__init__(f"{status} {body}")
        self.status, self.body, self.headers = status, body, headers or []


@dataclass
class Request:
    method: str
    path: str  # without the API prefix
    api: str  # "nifi" | "registry"
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: Any
    raw: bytes
    cookies: dict[str, str] = field(default_factory=dict)
    secure: bool = False  # HTTPS
    peer: str | None = None  # the client certificate's subject CN (mTLS)

    @classmethod
    def build(cls, method: str, target: str, headers: dict[str, str], raw: bytes, *, secure: bool = False,
              peer: str | None = None) -> tuple[str, Request]:
        """(prefix, request) of one HTTP request; prefix is '/nifi-api' or '/nifi-registry-api' (or '')."""
        url = urlsplit(target)
        prefix, api = "", ""
        for p, a in (("/nifi-registry-api", "registry"), ("/nifi-api", "nifi")):
            if url.path == p or url.path.startswith(p + "/"):
                prefix, api = p, a
                break
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        ctype = headers.get("content-type", "")
        body: Any = None
        if raw and "multipart/form-data" in ctype:
            body = parse_multipart(ctype, raw)
        elif raw and "json" in ctype:
            body = json.loads(raw)
        elif raw and "form" in ctype:
            body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        cookies = {}
        for part in headers.get("cookie", "").split(";"):
            name, eq, value = part.strip().partition("=")
            if eq:
                cookies[name] = value
        return prefix, cls(method, url.path[len(prefix):] or "/", api, query, headers, body, raw, cookies, secure,
                           peer)


def parse_multipart(content_type: str, raw: bytes) -> dict[str, str | bytes]:
    """A multipart/form-data body: field name -> text, or the bytes of a file part (one with a filename)."""
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    out: dict[str, str | bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        out[name] = data if part.get_filename() is not None else data.decode()
    return out


def encode_multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[str, bytes]:
    """(content type, body) of a multipart/form-data request, for calls without HTTP."""
    boundary = "fake-nifi-boundary-7d1a"
    out = b""
    for name, value in fields.items():
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n').encode()
    for name, (filename, data, ctype) in files.items():
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n").encode() + data + b"\r\n"
    return f"multipart/form-data; boundary={boundary}", out + f"--{boundary}--\r\n".encode()


@dataclass
class Seen:
    """One request as the fake received it, for tests to inspect (bodies included: tests look for secrets)."""

    method: str
    path: str
    api: str
    query: dict
    body: object
    headers: dict
    status: int = 0


class Ids:
    """Readable, unique, UUID-shaped ids."""

    def __init__(self, prefix: int = 0):
        self._n = itertools.count(1)
        self._prefix = prefix

    def __call__(self) -> str:
        n = next(self._n)
        return f"{self._prefix:08x}-{n >> 32 & 0xffff:04x}-4000-8000-{n:012x}"


# ---------------------------------------------------------------- revisions

def rev_dto(entity: dict) -> dict:
    rev = entity["rev"]
    return {k: v for k, v in (("version", rev["version"]), ("clientId", rev.get("clientId"))) if v is not None}


def new_rev(body: dict | None, what: str) -> dict:
    """A create must carry revision 0 and no id (e.g. ProcessGroupResource.createProcessor ~600:
    "A revision of 0 must be specified when creating a new Processor.", "Processor ID cannot be specified.")."""
    rev = (body or {}).get("revision") or {}
    if rev.get("version") != 0:
        raise Reply(400, f"A revision of 0 must be specified when creating a new {what}.")
    if ((body or {}).get("component") or {}).get("id"):
        raise Reply(400, f"{what} ID cannot be specified.")
    return {"version": 1, "clientId": rev.get("clientId")}


def check_rev(entity: dict, rev: dict | None) -> None:
    """NiFi accepts a revision whose version is current, or whose clientId made the last change
    (nifi-framework-api/src/main/java/org/apache/nifi/web/Revision.java `equals` ~84); anything else is an
    InvalidRevisionException (StandardNiFiServiceFacade.verifyRevision ~585), which
    InvalidRevisionExceptionMapper answers **400**, not 409 (BEHAVIOUR 2). A success moves the version on and
    records the client."""
    current = entity["rev"]
    if not rev or rev.get("version") is None:
        raise Reply(400, "Revision must be specified.")
    same_client = bool(rev.get("clientId")) and rev.get("clientId") == current.get("clientId")
    if int(rev["version"]) != current["version"] and not same_client:
        raise Reply(400, f"[{rev.get('version')}, {rev.get('clientId')}, {entity['id']}] is not the most up-to-date "
                         "revision. This component appears to have been modified. Retrieve the most up-to-date "
                         "revision and try again.")
    entity["rev"] = {"version": current["version"] + 1, "clientId": rev.get("clientId")}


def check_delete_rev(entity: dict, query: dict) -> None:
    """A DELETE carries its revision as `version` and `clientId` query parameters (e.g.
    ProcessorResource.deleteProcessor ~1000); the same rules apply."""
    if "version" not in query:
        raise Reply(400, "Revision must be specified.")
    check_rev(entity, {"version": int(query["version"]), "clientId": query.get("clientId")})


# ---------------------------------------------------------------- asynchronous requests

class AsyncRequests:
    """NiFi keeps an asynchronous request (flow update or revert, parameter-context update, provenance query,
    queue listing or drop) until the client DELETEs it (BEHAVIOUR 9: FlowUpdateResource ~300,
    ParameterContextResource, ProvenanceResource, FlowFileQueueResource); here one never deleted is a test
    failure (`open`). A request is complete once the fake's clock reaches `ready_at`."""

    def __init__(self, ids: Ids):
        self.ids = ids
        self.live: dict[str, dict] = {}

    def create(self, kind: str, ready_at: int, **data) -> dict:
        rid = self.ids()
        self.live[rid] = {"id": rid, "kind": kind, "ready_at": ready_at, **data}
        return self.live[rid]

    def get(self, kind: str, rid: str) -> dict:
        req = self.live.get(rid)
        if req is None or req["kind"] != kind:
            raise Reply(404, f"Unable to find {kind} request with id '{rid}'.")
        return req

    def delete(self, kind: str, rid: str) -> dict:
        req = self.get(kind, rid)
        del self.live[rid]
        return req

    def open(self) -> list[str]:
        return sorted(f"{r['kind']} {rid}" for rid, r in self.live.items())


# ---------------------------------------------------------------- the shared state and the entry point

Route = tuple  # (method, path regex, handler name, request model, response model)


class FakeCore:
    """State tables, the logical clock and the request entry point; the REST areas are mixins of `Fake`.

    The clock advances one tick per request, so "for a moment" (VALIDATING, ENABLING, STOPPING with active
    threads, an async request running) is a number of requests: deterministic, and a client that does not wait
    is caught exactly as it would be by a real NiFi that is a little slower than the client.
    """

    ROUTES: ClassVar[list[Route]] = []

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.ids = Ids()
        self.now = 0
        self.seen: list[Seen] = []
        self.model_errors: list[str] = []
        self.response_errors: list[str] = []
        self.requests = AsyncRequests(self.ids)
        self.groups: dict[str, dict] = {"root": {"id": "root", "name": "NiFi Flow", "parent": None, "versionedId": None,
                                                 "vci": None, "context": None, "rev": {"version": 1}}}
        self.components: dict[str, dict] = {}  # processors, ports and funnels, by instance id; `kind` says which
        self.connections: dict[str, dict] = {}
        self.services: dict[str, dict] = {}
        self.contexts: dict[str, dict] = {}
        self.clients: dict[str, dict] = {}
        self.bulletins: list[dict] = []
        self.bulletin_ids = itertools.count(100)

    # -- tables and trees

    def entity(self, eid: str) -> dict | None:
        for table in (self.components, self.connections, self.services, self.contexts, self.clients, self.groups):
            if eid in table:
                return table[eid]
        return None

    def subtree(self, gid: str) -> list[str]:
        out, stack = [], [gid]
        while stack:
            g = stack.pop()
            out.append(g)
            stack.extend(c for c, x in self.groups.items() if x["parent"] == g)
        return out

    def children(self, gid: str) -> list[str]:
        return sorted(c for c, x in self.groups.items() if x["parent"] == gid)

    def group(self, gid: str) -> dict:
        if gid not in self.groups:
            raise Reply(404, f"Unable to locate group with id '{gid}'.")
        return self.groups[gid]

    def in_group(self, table: dict, gid: str, kind: str | None = None) -> list[dict]:
        return sorted((x for x in table.values() if x["group"] == gid and (kind is None or x.get("kind") == kind)),
                      key=lambda x: x["id"])

    def add_bulletin(self, group_id: str, level: str, message: str, source: str = "InvokeHTTP",
                     source_id: str = "src") -> None:
        bid = next(self.bulletin_ids)
        self.bulletins.append({"id": bid, "groupId": group_id, "sourceId": source_id, "timestamp": "12:00:00 UTC",
                               "bulletin": {"id": bid, "groupId": group_id, "level": level, "message": message,
                                            "sourceName": source, "sourceId": source_id, "category": "Log Message",
                                            "sourceType": "PROCESSOR"}})

    # -- hooks the areas fill in

    def authenticate(self, req: Request) -> list[tuple[str, str]]:
        """Raise a Reply to refuse the request; return headers to add to the answer (access.py)."""
        return []

    def advance(self) -> None:
        """What happens as time passes (components finish validating, stopping, enabling; FlowFiles move)."""

    def before(self, req: Request) -> None:
        """Test knobs acting before the handler (conflicts, injected failures)."""

    # -- entry point

    def call(self, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        """One request without HTTP (tests of the fake): (status, decoded body)."""
        status, _, body = self.raw_call(method, path, **kw)
        text = body.decode()
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def raw_call(self, method: str, path: str, *, json_body: Any = None, query: dict | None = None,
                 headers: dict | None = None, form: dict | None = None, files: dict | None = None,
                 secure: bool = True, peer: str | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
        """`form` alone is url-encoded; with `files` ({name: (filename, bytes, type)}) it is multipart."""
        from urllib.parse import urlencode

        hdrs = {"content-type": "application/json", "host": "nifi.example.test:8443"}
        raw = json.dumps(json_body).encode() if json_body is not None else b""
        if files is not None:
            hdrs["content-type"], raw = encode_multipart(form or {}, files)
        elif form is not None:
            hdrs["content-type"], raw = "application/x-www-form-urlencoded", urlencode(form).encode()
        hdrs.update({k.lower(): v for k, v in (headers or {}).items()})
        target = "/nifi-api" + path + ("?" + urlencode(query) if query else "")
        return self.handle(*Request.build(method, target, hdrs, raw, secure=secure, peer=peer))

    def handle(self, prefix: str, req: Request) -> tuple[int, list[tuple[str, str]], bytes]:
        from .server import dispatch

        for pattern, seconds in getattr(self, "delays", {}).items():  # a slow NiFi (a test knob)
            if re.fullmatch(pattern, f"{req.method} {req.path}"):
                time.sleep(seconds)
        with self.lock:
            self.now += 1
            self.advance()
            seen = Seen(req.method, req.path, req.api, req.query, req.body, dict(req.headers))
            self.seen.append(seen)
            extra: list[tuple[str, str]] = []
            try:
                extra = self.authenticate(req)
                self.before(req)
                status, headers, data = dispatch(self, self.ROUTES, req, "nifi")
            except Reply as r:
                status, headers, data = reply_bytes(r)
            seen.status = status
            return status, headers + extra, data


def reply_bytes(r: Reply) -> tuple[int, list[tuple[str, str]], bytes]:
    if isinstance(r.body, (bytes, str)):
        data = r.body.encode() if isinstance(r.body, str) else r.body
        return r.status, [("Content-Type", "text/plain"), *r.headers], data
    return r.status, [("Content-Type", "application/json"), *r.headers], json.dumps(r.body).encode()
