"""Loopback peers for the live flows: an HTTP server that records what NiFi sends and answers as told."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpSink:
    """Records every request; answers `status` (a test may switch it to make the sink fail)."""

    status: int = 200
    delay: float = 0.0  # seconds before each answer: a slow peer, so FlowFiles queue in front of it
    refuse: bytes | None = None  # a request whose body contains this is answered 400 (a client error)
    received: list[Received] = field(default_factory=list)

    def __post_init__(self):
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if sink.delay:
                    time.sleep(sink.delay)
                sink.received.append(Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                              body))
                self.send_response(400 if sink.refuse and sink.refuse in body else sink.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

            def log_message(self, *args):  # keep test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 60.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(self.received) >= count, f"the sink got {len(self.received)} requests, expected {count}"
        return self.received

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def listening(url: str) -> bool:
    """Whether an HTTP listener (a started ListenHTTP/HandleHttpRequest) answers at `url` at all."""
    try:
        httpx.get(url, timeout=2)
    except httpx.HTTPError:
        return False
    return True
