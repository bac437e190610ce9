"""Thin httpx wrapper for NiFi and NiFi Registry REST APIs.

Why httpx: it is maintained, typed, has one API for sync and async, first-class
timeouts (NiFi hangs are common when it is starting), explicit TLS contexts (for
mTLS and private CAs) and a transport layer the tests can exercise on loopback.
`requests` would also work but has no default timeout and no HTTP/2 path.

The wrapper adds what every harness step needs and nothing else: authentication
(single-user login, bearer token, mTLS), TLS verification on by default, one-line
errors naming the step, component and fix, redaction of secrets, and retries of
optimistic-locking conflicts by re-reading the entity's revision.

Every call has a deadline (--request-timeout for the whole call, not per socket read: deadline.py), and a
caller can set a sooner one for a block of calls (`with client.deadline(t):`, e.g. a golden case). Credentials
and sensitive values never go over plain http to another machine: http is accepted only for loopback.

It keeps no cookies: NiFi's login also sets a `__Secure-Authorization-Bearer` cookie, and
a write that carries it is CSRF-checked and refused (403) without a matching
`Request-Token` header (nifi-web-security WebSecurityConfiguration, CsrfCookieRequestMatcher;
BEHAVIOUR 5). A client that sends only `Authorization: Bearer` is not CSRF-checked.
"""
from __future__ import annotations

import contextlib
import http.cookiejar
import ipaddress
import logging
import ssl
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from .deadline import Deadlines
from .deadline import transport as deadline_transport
from .errors import HarnessError, Redactor

log = logging.getLogger("protoc_gen_nifi.harness")

# NiFi's text for a stale revision (StandardNiFiServiceFacade.verifyRevision), answered with HTTP 400.
STALE_REVISION = "is not the most up-to-date revision"
# Identifies this harness run in NiFi revisions ("last modifier") and makes creates idempotent.
CLIENT_ID = f"protoc-gen-nifi-{uuid.uuid4()}"


class CallTimeout(HarnessError):
    """A call that did not end by its deadline (its own, or a sooner one set with `RestClient.deadline`)."""


class WaitTimeout(HarnessError):
    """Something NiFi does in the background did not happen within the wait's bound."""


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Refuses every cookie, so none is ever sent back (see the module docstring)."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: object) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: object) -> bool:
        return False


@dataclass
class Auth:
    """How to authenticate. Only one of username/password (NiFi single-user or LDAP login,
    or Registry basic login), token (OIDC bearer) is used; mTLS (client_cert) combines with none."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a repr/traceback
    token: str | None = field(default=None, repr=False)
    client_cert: str | None = None
    client_key: str | None = None


@dataclass
class TLS:
    verify: bool = True
    ca_cert: str | None = None


@dataclass
class Timing:
    """Every wait the harness does is bounded by these, so tests can make them short."""

    request_timeout: float = 30.0
    poll_interval: float = 0.5
    state_timeout: float = 30.0  # controller-service enable/disable, async update requests
    conflict_retries: int = 3


class RestClient:
    """A base URL plus auth. `request` returns decoded JSON (or text) or raises HarnessError."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        auth: Auth | None = None,
        tls: TLS | None = None,
        timing: Timing | None = None,
        redact: Redactor | None = None,
        login_path: str | None = None,
        transport: httpx.BaseTransport | None = None,
        carries_secrets: bool = False,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.auth = auth or Auth()
        self.tls = tls or TLS()
        self.timing = timing or Timing()
        self.redact = redact or Redactor()
        self.login_path = login_path
        self._token: str | None = self.auth.token
        self.redact.add(self.auth.password)
        self.redact.add(self.auth.token)
        self.mutations = 0  # number of non-GET calls sent, for reporting and idempotency tests
        self.calls: list[str] = []  # 'METHOD path status', never bodies
        self.deadlines = Deadlines()
        if carries_secrets or self.auth.password or self.auth.token:
            self._refuse_plain_http()
        verify = self._ssl_context()
        self._http = httpx.Client(
            base_url=self.base_url,
            verify=verify,
            timeout=self.timing.request_timeout,
            transport=transport or deadline_transport(verify, self.deadlines),
            headers={"Accept": "application/json"},
            cookies=http.cookiejar.CookieJar(policy=_NoCookies()),
        )

    def _refuse_plain_http(self) -> None:
        url = httpx.URL(self.base_url)
        if url.scheme != "http":
            return
        try:
            local = url.host == "localhost" or ipaddress.ip_address(url.host).is_loopback
        except ValueError:
            local = False
        if not local:
            raise HarnessError("connection", f"{self.name} at {self.base_url}", "credentials or sensitive values would "
                               "travel unencrypted (plain http to a host other than this machine)",
                               "use an https:// URL (plain http is accepted only for 127.0.0.1, localhost and ::1)",
                               redact=self.redact)

    def _ssl_context(self) -> ssl.SSLContext | bool:
        if not self.tls.verify and not self.auth.client_cert:
            return False
        try:
            ctx = ssl.create_default_context(cafile=self.tls.ca_cert) if self.tls.ca_cert else \
                ssl.create_default_context()
            if not self.tls.verify:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            if self.auth.client_cert:
                ctx.load_cert_chain(self.auth.client_cert, self.auth.client_key)
        except (OSError, ssl.SSLError) as exc:
            which = "--client-cert/--client-key" if self.auth.client_cert else "--ca-cert"
            raise HarnessError("connection", f"{self.name} TLS", f"cannot load {which} ({exc})",
                               f"pass PEM files to {which} (a client key must not be encrypted)",
                               redact=self.redact) from None
        return ctx

    @contextlib.contextmanager
    def deadline(self, at: float) -> Iterator[None]:
        """Calls inside the block end by `at` (time.monotonic()) at the latest, whatever their own timeout."""
        with self.deadlines.until(at):
            yield

    def close(self) -> None:
        self._http.close()

    # -- authentication -------------------------------------------------------------------------

    def _login(self, step: str) -> None:
        """Exchange single-user/LDAP credentials for a JWT once (NiFi `POST /access/token`)."""
        if self._token or not (self.auth.username and self.auth.password) or not self.login_path:
            return
        resp = self._send("POST", self.login_path, step=step, component=f"{self.name} login",
                          data={"username": self.auth.username, "password": self.auth.password},
                          headers={"Content-Type": "application/x-www-form-urlencoded"}, authed=False)
        if resp.status_code == 409:  # AccessResource: no login over http, or no login provider
            raise HarnessError(step, f"{self.name} login", f"{self.name} does not log users in here: "
                               f"{' '.join(resp.text.split())[:200]}", "use the https URL, or authenticate with "
                               "--client-cert/--client-key or NIFI_TOKEN", redact=self.redact)
        if resp.status_code in (400, 401, 403):
            raise HarnessError(step, f"{self.name} login", f"{self.name} rejected the credentials of user "
                               f"'{self.auth.username}' (HTTP {resp.status_code})",
                               "check the username/password environment variables the harness reads "
                               "(NIFI_USERNAME / NIFI_PASSWORD)", redact=self.redact)
        self._raise_for_status(resp, step, f"{self.name} login")
        self._token = resp.text.strip()
        self.redact.add(self._token)

    # -- requests ---------------------------------------------------------------------------------

    def _send(self, method: str, path: str, *, step: str, component: str, authed: bool = True, **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", None) or {})
        if authed and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        limit = self.timing.request_timeout
        if self.deadlines.current is not None:
            limit = max(0.0, min(limit, self.deadlines.current - time.monotonic()))
        try:
            with self.deadlines.until(time.monotonic() + limit):
                resp = self._http.request(method, path, headers=headers, **kw)
        except httpx.ConnectError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc) or isinstance(exc.__cause__, ssl.SSLCertVerificationError):
                raise HarnessError(step, component, f"TLS certificate of {self.name} at {self.base_url} is not trusted "
                                   f"({exc})", "pass --ca-cert with the CA that signed it (TLS is verified by default; "
                                   "--insecure is for throwaway instances only)", redact=self.redact) from None
            raise HarnessError(step, component, f"cannot reach {self.name} at {self.base_url} ({exc})",
                               f"start {self.name} (see harness/README.md) or pass the right URL option",
                               redact=self.redact) from None
        except httpx.TimeoutException as exc:
            raise CallTimeout(step, component, f"{self.name} at {self.base_url} did not answer {method} {path} "
                               f"within {limit:.3g}s ({type(exc).__name__})",
                               f"check that {self.name} is healthy, or raise --request-timeout",
                               redact=self.redact) from None
        except httpx.HTTPError as exc:
            raise HarnessError(step, component, f"{method} {path} to {self.name} failed ({exc})",
                               f"check the {self.name} URL and network", redact=self.redact) from None
        log.debug("%s %s %s -> %s", self.name, method, path, resp.status_code)  # never bodies
        self.calls.append(f"{self.name} {method} {path} {resp.status_code}")
        if method != "GET":
            self.mutations += 1
        return resp

    def _raise_for_status(self, resp: httpx.Response, step: str, component: str) -> None:
        if resp.status_code < 400:
            return
        # Redact before truncating: a cut could otherwise leave a secret's prefix behind.
        detail = self.redact(" ".join(resp.text.split()))[:500] or resp.reason_phrase
        if resp.status_code == 401:
            fix = "provide valid credentials (--username/--password env, --token, or a client certificate)"
        elif resp.status_code == 403:
            fix = f"grant the harness identity the needed policy in {self.name}"
        elif resp.status_code == 409:
            fix = "the component is in a state that forbids the change (see NiFi's message); rerun once it is not"
        elif resp.status_code == 400 and STALE_REVISION in resp.text:
            fix = "another client keeps changing this component; rerun when it is left alone"
        elif resp.status_code == 404:
            fix = "the component was removed concurrently or the URL is wrong; rerun to recreate it"
        else:
            fix = f"see {self.name}'s message above and its logs"
        raise HarnessError(step, component, f"{self.name} answered HTTP {resp.status_code} to "
                           f"{resp.request.method} {resp.request.url.path}: {detail}", fix, redact=self.redact)

    def request(self, method: str, path: str, *, step: str, component: str, json: Any = None,
                params: dict | None = None, content: bytes | None = None, headers: dict | None = None,
                data: dict | None = None, files: dict | None = None, allow_404: bool = False) -> Any:
        """One call; `data` with `files` sends a multipart form (a flow definition upload)."""
        self._login(step)
        kw: dict[str, Any] = {"params": params, "headers": headers}
        if json is not None:
            kw["json"] = json
        if content is not None:
            kw["content"] = content
        if files is not None:
            kw["data"], kw["files"] = data, files
        resp = self._send(method, path, step=step, component=component, **kw)
        if resp.status_code == 404 and allow_404:
            return None
        self._raise_for_status(resp, step, component)
        if not resp.content:
            return None
        if "json" in resp.headers.get("content-type", ""):
            return resp.json()
        return resp.text

    def get(self, path: str, *, step: str, component: str, params: dict | None = None, allow_404: bool = False) -> Any:
        return self.request("GET", path, step=step, component=component, params=params, allow_404=allow_404)

    def get_bytes(self, path: str, *, step: str, component: str, params: dict | None = None) -> bytes | None:
        """Raw response bytes (FlowFile content: never decoded, whatever content type NiFi labels it with);
        None on 404."""
        self._login(step)
        resp = self._send("GET", path, step=step, component=component, params=params,
                          headers={"Accept": "*/*"})
        if resp.status_code == 404:
            return None
        self._raise_for_status(resp, step, component)
        return resp.content

    def update_with_revision(self, get_path: str, method: str, path: str, build: Callable[[dict], dict], *,
                             step: str, component: str) -> Any:
        """Read the entity, build the body from its current revision, send it (retried if the revision was stale)."""
        return self._retry_stale(lambda: self.request(method, path, step=step, component=component, json=build(
            self.get(get_path, step=step, component=component))), step=step, component=component)

    def _retry_stale(self, send: Callable[[], Any], *, step: str, component: str) -> Any:
        """If another client changed the entity meanwhile, send again (`send` re-reads the revision). NiFi answers
        a stale revision with **400** (InvalidRevisionExceptionMapper; BEHAVIOUR 2), recognised by its message; a
        409 is an illegal state, which a retry cannot fix."""
        attempt = 0
        while True:
            try:
                return send()
            except HarnessError as err:
                if STALE_REVISION not in err.message or attempt >= self.timing.conflict_retries:
                    raise
                attempt += 1
                log.info("%s: %s was changed by another client, retrying (%d)", step, component, attempt)
                time.sleep(self.timing.poll_interval)

    def poll(self, fetch: Callable[[], Any], done: Callable[[Any], bool], *, step: str, component: str,
             what: str, fix: str, timeout: float | None = None) -> Any:
        """Call `fetch` until `done(result)`; bounded by `timeout` (default Timing.state_timeout)."""
        limit = self.timing.state_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        late = WaitTimeout(step, component, f"{what} did not happen within {limit:.3g}s", fix, redact=self.redact)
        while True:
            try:
                result = fetch()
            except CallTimeout:
                if time.monotonic() >= deadline:  # the wait's own deadline passed during the call
                    raise late from None
                raise
            if done(result):
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise late
            time.sleep(min(self.timing.poll_interval, remaining))

    def async_request(self, post_path: str, key: str, *, step: str, component: str, what: str, fix: str,
                      body: Any = None, get_path: Callable[[str], str] | None = None,
                      timeout: float | None = None) -> dict:
        """One of NiFi's asynchronous requests (flow update or revert, parameter-context update, provenance query,
        queue listing or drop): POST, poll until complete, and always DELETE it, even when the wait failed, since
        NiFi keeps it otherwise (BEHAVIOUR 9). `key` is the answer's envelope: `request` (id `requestId`, done
        when `complete`) or `provenance`/`listingRequest`/`dropRequest` (`id`, `finished`). A `body` that is a
        function builds it from a fresh revision, and is called again if the revision was stale. The POST and the
        DELETE are sent whatever deadline the caller set (only the wait is bounded by it), so every request
        created is deleted. Returns the completed request."""
        id_field, done_field = ("requestId", "complete") if key == "request" else ("id", "finished")
        until = time.monotonic() + (self.timing.state_timeout if timeout is None else timeout)
        with self.deadlines.lifted():  # an answer cut short would leave a request nobody can DELETE
            created = self._retry_stale(lambda: self.request("POST", post_path, step=step, component=component,
                                                             json=body() if callable(body) else body)[key],
                                        step=step, component=component)
        path = (get_path or (lambda rid: f"{post_path}/{rid}"))(created[id_field])
        try:
            return self.poll(lambda: self.get(path, step=step, component=component)[key],
                             lambda r: bool(r.get(done_field)), step=step, component=component, what=what, fix=fix,
                             timeout=max(0.0, until - time.monotonic()))
        finally:
            with self.deadlines.lifted():
                self.request("DELETE", path, step=step, component=component, allow_404=True)


def revision(entity: dict) -> dict:
    """The revision to send back: the current version plus our client id."""
    return {"version": int((entity.get("revision") or {}).get("version", 0)), "clientId": CLIENT_ID}
