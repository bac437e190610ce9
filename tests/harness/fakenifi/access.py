"""Access: how a secured NiFi authenticates a request (login, bearer token, client certificate) and the CSRF
check that a client keeping NiFi's cookies runs into.

Paths below nifi-web/nifi-web-security/src/main/java/org/apache/nifi/web/security/ unless said.
"""
from __future__ import annotations

import uuid
from typing import Any, ClassVar

from .core import Reply, Request
from .server import Raw

BEARER_COOKIE = "__Secure-Authorization-Bearer"  # http/SecurityCookieName.java ~26
REQUEST_TOKEN_COOKIE = "__Secure-Request-Token"  # http/SecurityCookieName.java ~24
REQUEST_TOKEN_HEADER = "request-token"  # http/SecurityHeader.java ~24 (Request-Token)
UNFILTERED = {"/access/token"}  # configuration/WebSecurityConfiguration.java ~80 UNFILTERED_PATHS
UNSAFE = {"POST", "PUT", "DELETE", "PATCH"}  # Spring's CsrfFilter.DEFAULT_CSRF_MATCHER protects all but these' opposite


def _cookie(name: str, value: str, host: str, *, http_only: bool) -> tuple[str, str]:
    """cookie/StandardApplicationCookieService.getCookieBuilder ~125: Path /, Domain = the request's host, Secure,
    SameSite Strict; the CSRF token cookie is readable by scripts (csrf/StandardCookieCsrfTokenRepository ~100)."""
    return ("Set-Cookie", (f"{name}={value}; Path=/; Domain={host}; Secure;{' HttpOnly;' if http_only else ''} "
                          "SameSite=Strict"))


class AccessMixin:
    users: dict[str, str] | None = None  # single-user/LDAP login; None: no login provider
    client_cns: set[str] | None = None  # accepted client-certificate subjects (mTLS); None: no X.509 auth
    tokens_ok: set[str]  # bearer tokens accepted as they are (OIDC)
    fail_login = False

    ACCESS_ROUTES: ClassVar[list] = [
        ("POST", r"/access/token", "n_login", None, None),
    ]

    def _init_access(self) -> None:
        self.tokens: set[str] = set()
        self.tokens_ok = set()

    @property
    def secured(self) -> bool:
        return self.users is not None or self.client_cns is not None or bool(self.tokens_ok)

    def n_login(self, req: Request) -> tuple[int, Any, list]:
        """nifi-web-api/.../api/AccessResource.createAccessToken ~109: tokens only over HTTPS (409 otherwise),
        a missing login provider is 409, bad credentials 400; the JWT comes back in the body **and** as the
        `__Secure-Authorization-Bearer` cookie for the request's host (ApplicationResource.setBearerToken
        ~1289; BEHAVIOUR 5)."""
        if not req.secure:
            raise Reply(409, "Access tokens are only issued over HTTPS.")
        if self.users is None:
            raise Reply(409, "Username/Password login not supported by this NiFi.")
        form = req.body if isinstance(req.body, dict) else {}
        if not form.get("username") or not form.get("password"):
            raise Reply(400, "The username and password must be specified.")
        if self.fail_login or self.users.get(form["username"]) != form["password"]:
            raise Reply(400, "The supplied username and password are not valid.")
        token = f"eyJ.{uuid.uuid4().hex}"
        self.tokens.add(token)
        host = (req.headers.get("host") or "localhost").rsplit(":", 1)[0].strip("[]")
        return 201, Raw(token.encode(), "text/plain"), [_cookie(BEARER_COOKIE, token, host, http_only=True)]

    def authenticate(self, req: Request) -> list[tuple[str, str]]:
        """The filter chain of configuration/WebSecurityConfiguration.java ~125, in its order: CSRF first, then
        a client certificate (x509 filter), then a bearer token from the Authorization header, else from the
        cookie (jwt/resolver/StandardBearerTokenResolver.resolve ~40). A request that carries the bearer cookie
        is CSRF-checked: a POST/PUT/DELETE without a `Request-Token` header equal to the
        `__Secure-Request-Token` cookie is 403 (csrf/CsrfCookieRequestMatcher, StandardCookieCsrfTokenRepository;
        BEHAVIOUR 5). Every answer to a request without that cookie sets one (csrf/CsrfCookieFilter)."""
        if req.api != "nifi" or not self.secured or req.path in UNFILTERED:
            return []
        extra = []
        if REQUEST_TOKEN_COOKIE not in req.cookies:
            host = (req.headers.get("host") or "localhost").rsplit(":", 1)[0].strip("[]")
            extra.append(_cookie(REQUEST_TOKEN_COOKIE, str(uuid.uuid4()), host, http_only=False))
        if req.method in UNSAFE and BEARER_COOKIE in req.cookies:
            expected = req.cookies.get(REQUEST_TOKEN_COOKIE)
            if not expected or req.headers.get(REQUEST_TOKEN_HEADER) != expected:
                raise Reply(403, "Forbidden: CSRF token missing or invalid (Request-Token header)", extra)
        if req.peer is not None and self.client_cns is not None and req.peer in self.client_cns:
            return extra
        header = req.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else req.cookies.get(BEARER_COOKIE)
        if token is None:
            raise Reply(401, "Authentication credentials must be provided", extra)
        if token not in self.tokens | self.tokens_ok:
            raise Reply(401, "Unable to validate the access token.", extra)
        return extra
