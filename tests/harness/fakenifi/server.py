"""The thin HTTP shell around the fake NiFi and the fake NiFi Registry: routing, model checks, TLS.

Every request body is checked against NiFi's API model (nipyapi's models, generated from NiFi's OpenAPI spec;
NiFi ignores unknown keys silently, so a misspelt key would lose a setting without any error) and every
answer the fake gives is checked too, so the fake cannot drift from NiFi's shapes. HTTPS with optional client
certificates is how a secured NiFi listens (`nifi.web.https.*`, X509AuthenticationFilter).
"""
from __future__ import annotations

import json
import re
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from typing_extensions import Self

from ..nifi_model import check
from .core import Reply, Request, reply_bytes


class Raw:
    """A non-JSON answer (FlowFile content, a JWT)."""

    def __init__(self, data: bytes, content_type: str):
        self.data, self.content_type = data, content_type


def dispatch(app: Any, routes: list, req: Request, api: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """Route one request to `app`'s handler; the handler returns (status, body) or (status, body, headers)."""
    for method, pattern, name, req_model, resp_model in routes:
        if method != req.method:
            continue
        match = re.fullmatch(pattern, req.path)
        if not match:
            continue
        if req_model and isinstance(req.body, (dict, list)):
            errors = check(req.body, req_model, api)
            if errors:
                app.model_errors.extend(f"{req.method} {req.path}: {e}" for e in errors)
                raise Reply(400, f"Unrecognized field / invalid value: {errors[0]}")
        result = getattr(app, name)(*[unquote(g) for g in match.groups()], req=req)
        status, out, *rest = result
        headers = list(rest[0]) if rest else []
        if isinstance(out, Raw):
            return status, [("Content-Type", out.content_type), *headers], out.data
        if resp_model and out is not None:
            app.response_errors.extend(f"{req.method} {req.path} response: {e}" for e in check(out, resp_model, api))
        return status, [("Content-Type", "application/json"), *headers], json.dumps(out).encode()
    raise Reply(404, f"Not found: {req.method} {req.path}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Jetty: one TLS handshake per client, not per request

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm holds the body back until the
        # client's delayed ACK (40 ms a request on loopback).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        peer = None
        if isinstance(self.connection, ssl.SSLSocket):
            cert = self.connection.getpeercert() or {}
            peer = next((v for rdn in cert.get("subject", ()) for k, v in rdn if k == "commonName"), None)
        secure = isinstance(self.connection, ssl.SSLSocket)
        prefix, req = Request.build(self.command, self.path, headers, raw, secure=secure, peer=peer)
        app = self.server.apps.get(prefix)  # type: ignore[attr-defined]
        if app is None:
            status, hdrs, data = reply_bytes(Reply(404, "not found"))
        else:
            status, hdrs, data = app.handle(prefix, req)
        self.send_response(status)
        for k, v in hdrs:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass


def server_tls(cert: str, key: str, client_ca: str | None = None) -> ssl.SSLContext:
    """A server context; with `client_ca`, client certificates are asked for and verified (optional, as NiFi
    with a login provider: a client may authenticate by certificate or by token)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if client_ca:
        ctx.load_verify_locations(client_ca)
        ctx.verify_mode = ssl.CERT_OPTIONAL
    return ctx


class Server:
    """Serves `apps` ({'/nifi-api': fake NiFi, '/nifi-registry-api': fake Registry}) on a loopback port in a
    thread: `start()` / `stop()`, or `with Server(...) as srv:`."""

    def __init__(self, apps: dict[str, Any], *, tls: ssl.SSLContext | None = None, host: str = "127.0.0.1",
                 port: int = 0):
        self.httpd = ThreadingHTTPServer((host, port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.apps = apps  # type: ignore[attr-defined]
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        bound_host, bound_port = self.httpd.server_address[:2]
        self.base = f"{'https' if tls else 'http'}://{bound_host}:{bound_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
