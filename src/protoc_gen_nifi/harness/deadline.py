"""A deadline for a whole REST call, not for each socket read.

httpx's timeouts bound every socket operation on its own, so a server that sends a byte now and then (a trickle)
holds a call for as long as it likes: a 2 s --request-timeout let such a server hold one call for 21 s. This
network backend gives each read, write and connect only the time left before the current deadline, so a call
ends at its deadline however the server behaves. The deadline is per thread: `Deadlines.until(t)` sets it for the
calls made inside the `with` block (the outer of nested deadlines wins when it is sooner).
"""
from __future__ import annotations

import contextlib
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpcore
import httpx

_MIN = 0.001  # socket timeouts of 0 mean "non-blocking", not "expired"


class Deadlines:
    """The current thread's deadline (time.monotonic() seconds), if any."""

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def current(self) -> float | None:
        return getattr(self._local, "at", None)

    @contextlib.contextmanager
    def until(self, at: float) -> Iterator[None]:
        outer = self.current
        self._local.at = at if outer is None else min(outer, at)
        try:
            yield
        finally:
            self._local.at = outer

    @contextlib.contextmanager
    def lifted(self) -> Iterator[None]:
        """No deadline inside the block but each call's own (cleanup that must happen after a deadline passed)."""
        outer = self.current
        self._local.at = None
        try:
            yield
        finally:
            self._local.at = outer

    def left(self, timeout: float | None, error: type[Exception]) -> float | None:
        """The socket timeout to use now: the operation's own, cut to what is left of the deadline."""
        at = self.current
        if at is None:
            return timeout
        remaining = at - time.monotonic()
        if remaining <= 0:
            raise error("the call's deadline passed")
        return max(_MIN, remaining if timeout is None else min(timeout, remaining))


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadlines: Deadlines):
        self._inner, self._deadlines = inner, deadlines

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadlines.left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadlines.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname,
                                      self._deadlines.left(timeout, httpcore.ConnectTimeout))
        return _Stream(inner, self._deadlines)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, deadlines: Deadlines):
        self._inner, self._deadlines = httpcore.SyncBackend(), deadlines

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_tcp(host, port, self._deadlines.left(timeout, httpcore.ConnectTimeout),
                                               local_address, socket_options), self._deadlines)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:  # pragma: no cover
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options), self._deadlines)

    def sleep(self, seconds: float) -> None:  # pragma: no cover
        self._inner.sleep(seconds)


def transport(verify: ssl.SSLContext | bool, deadlines: Deadlines) -> httpx.HTTPTransport:
    """httpx's own transport, with its connection pool on the deadline-aware backend (httpx exposes no public way
    to choose the backend; the pool is its documented building block, httpcore.ConnectionPool)."""
    t = httpx.HTTPTransport(verify=verify)
    ssl_context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)
    t._pool = httpcore.ConnectionPool(ssl_context=ssl_context, network_backend=_Backend(deadlines))
    return t
