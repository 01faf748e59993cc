"""A small HTTP proxy on 127.0.0.1 that injects network faults, for the sync tests.

It sits between a site server's sync client and the central server. Request by request it either
forwards faithfully or injects a fault (a cut before or after the upstream committed, a delay, a 503,
a captive portal, a 413, a request sent twice), so the tests can check that no record is ever lost or
doubled:

    with FaultProxy(central_url, seed=7) as proxy:
        proxy.only_paths = ("/sync/",)
        proxy.plan(Fault.CUT_AFTER_COMMIT, Fault.DUPLICATE)
        push(site, central_url=proxy.url)
        assert proxy.counts()[Fault.CUT_AFTER_COMMIT] == 1

Each client connection carries one request: the proxy answers in HTTP/1.0 with `Connection: close`.
Standard library only.
"""
from __future__ import annotations

import collections
import contextlib
import enum
import http.client
import json
import random
import socket
import socketserver
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import urlsplit

UPSTREAM_TIMEOUT = 30.0
"""Seconds the proxy waits on the upstream (connect, send, each read)."""

CAPTIVE_PAGE = b"<html><body>Wi-Fi login</body></html>"

_HOP_BY_HOP = frozenset({"connection", "keep-alive", "te", "trailer", "trailers", "transfer-encoding",
                         "upgrade"})
_NOT_FORWARDED = frozenset({"host", "content-length", "expect"})  # the proxy sets or handles these itself
_MAX_LINE = 65536


class Fault(enum.Enum):
    """What the proxy does to one request."""

    PASS = "pass"  # forward the request, return the upstream's response
    REFUSE = "refuse"  # close the client connection without forwarding (a cut before sending)
    CUT_AFTER_COMMIT = "cut_after_commit"  # forward, read the whole response, close without answering
    DELAY = "delay"  # sleep `delay_seconds`, then behave like PASS
    UNAVAILABLE = "unavailable"  # answer 503 with Retry-After: 1, do not forward
    CAPTIVE_PORTAL = "captive_portal"  # answer 200 text/html "Wi-Fi login", do not forward
    TOO_LARGE = "too_large"  # answer 413, do not forward
    DUPLICATE = "duplicate"  # forward the same request twice (sequentially), return the second response


LogEntry = tuple[str, str, Fault, int | None]


class _Reply(NamedTuple):
    """A response for the client: relayed from the upstream, or made by the proxy itself (`own`)."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    own: bool


def _json_reply(status: int, payload: dict[str, str], *extra: tuple[str, str]) -> _Reply:
    return _Reply(status, "", [("Content-Type", "application/json"), *extra],
                  json.dumps(payload).encode(), own=True)


def _connection_tokens(values: Iterable[str]) -> frozenset[str]:
    """Return the header names a Connection header lists: they are hop-by-hop too."""
    return frozenset(token.strip().lower() for value in values for token in value.split(",") if token.strip())


def _is_hop_by_hop(name: str, listed: frozenset[str]) -> bool:
    lowered = name.lower()
    return lowered in _HOP_BY_HOP or lowered.startswith("proxy-") or lowered in listed


def _origin_form(target: str) -> str:
    """Return a request target as path?query (a forward-proxy client may send an absolute URL)."""
    if target.startswith("/"):
        return target
    parts = urlsplit(target)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class FaultProxy:
    """An HTTP proxy on 127.0.0.1 in front of `upstream` that applies a `Fault` to each request.

    The fault of a request is, in order of priority: PASS when `only_paths` is set and the request's path
    starts with none of them (such a request consumes neither the plan nor the random stream); the next
    fault of the `plan` queue; a random fault when `randomize` set weights; else `default`.
    """

    def __init__(self, upstream: str, *, seed: int = 0, delay_seconds: float = 0.3) -> None:
        parts = urlsplit(upstream)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"upstream must be an http(s) URL, not {upstream!r}")
        self.upstream = upstream
        self.seed = seed
        self.delay_seconds = delay_seconds
        self.default: Fault = Fault.PASS
        self.only_paths: tuple[str, ...] = ()
        self.log: list[LogEntry] = []
        self.url = ""
        self._host = parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._host_header = parts.netloc.rsplit("@", 1)[-1]
        self._base_path = parts.path.rstrip("/")
        self._connection_class = (http.client.HTTPSConnection if parts.scheme == "https"
                                  else http.client.HTTPConnection)
        self._lock = threading.Lock()
        self._queue: collections.deque[Fault] = collections.deque()
        self._weights: dict[Fault, float] = {}
        self._rng = random.Random(seed)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread; set `url`."""
        if self._server is not None:
            raise RuntimeError("the proxy is already started")
        server = _Server(("127.0.0.1", 0), _Handler)
        server.proxy = self
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                                  name=f"faultproxy-{server.server_address[1]}", daemon=True)
        thread.start()
        self._server, self._thread = server, thread
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        return self

    def stop(self) -> None:
        """Stop serving and free the port (requests still in flight finish in their daemon threads)."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server = self._thread = None
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- choosing faults ---------------------------------------------------------------------------------

    def plan(self, *faults: Fault) -> None:
        """Queue faults for the next requests, in order (after any already queued)."""
        for fault in faults:
            if not isinstance(fault, Fault):
                raise TypeError(f"not a Fault: {fault!r}")
        with self._lock:
            self._queue.extend(faults)

    def randomize(self, weights: dict[Fault, float]) -> None:
        """When the plan is empty, draw each request's fault with these weights; `{}` goes back to `default`.

        Each call restarts the random stream from `seed`, so the sequence drawn after it depends only on
        the seed and the weights.
        """
        for fault, weight in weights.items():
            if not isinstance(fault, Fault):
                raise TypeError(f"not a Fault: {fault!r}")
            if weight < 0:
                raise ValueError(f"negative weight for {fault}: {weight}")
        if weights and sum(weights.values()) <= 0:
            raise ValueError("the weights add up to zero")
        with self._lock:
            self._weights = dict(weights)
            self._rng = random.Random(self.seed)

    def counts(self) -> collections.Counter[Fault]:
        """Return how many requests got each fault so far."""
        with self._lock:
            return collections.Counter(entry[2] for entry in self.log)

    def _next_fault(self, path: str) -> Fault:
        if self.only_paths and not path.startswith(tuple(self.only_paths)):
            return Fault.PASS
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            if self._weights:
                return self._rng.choices(list(self._weights), weights=list(self._weights.values()))[0]
            return self.default

    def _record(self, method: str, path: str, fault: Fault, status: int | None) -> None:
        with self._lock:
            self.log.append((method, path, fault, status))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 makes bursts of connections wait for SYN retransmits, or fail
    proxy: FaultProxy

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host's name up (socket.getfqdn), which can be slow: skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet: a client that goes away is part of the game here."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET

    def _handle(self) -> None:
        proxy = self.server.proxy
        self.close_connection = True
        target = _origin_form(self.path)
        try:
            body = self._read_body()
        except ValueError:
            reply: _Reply | None = _json_reply(400, {"error": "bad request"})
            fault = Fault.PASS
        else:
            fault = proxy._next_fault(target.split("?", 1)[0])
            reply = self._reply_for(fault, target, body)
        # Record before answering, so a test that has its answer also finds the log entry.
        proxy._record(self.command, self.path, fault, None if reply is None else reply.status)
        if reply is None:
            self._cut()
        else:
            self._send(reply)

    def _reply_for(self, fault: Fault, target: str, body: bytes) -> _Reply | None:
        """Apply a fault; return the reply for the client, or None to close without answering."""
        if fault is Fault.REFUSE:
            return None
        if fault is Fault.UNAVAILABLE:
            return _json_reply(503, {"error": "unavailable"}, ("Retry-After", "1"))
        if fault is Fault.CAPTIVE_PORTAL:
            return _Reply(200, "", [("Content-Type", "text/html; charset=utf-8")], CAPTIVE_PAGE, own=True)
        if fault is Fault.TOO_LARGE:
            return _json_reply(413, {"error": "too large"})
        if fault is Fault.DELAY:
            time.sleep(self.server.proxy.delay_seconds)
        reply = self._forward(target, body)
        if fault is Fault.DUPLICATE and reply is not None:
            reply = self._forward(target, body)
        if fault is Fault.CUT_AFTER_COMMIT:
            return None
        return reply or _json_reply(502, {"error": "bad gateway"})

    # -- the client side ---------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        """Read the request body by Content-Length (or chunked); raise ValueError when it is malformed."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        size = int(length)
        if size < 0:
            raise ValueError("negative Content-Length")
        body = self.rfile.read(size)
        if len(body) < size:
            raise ValueError("the client sent less than its Content-Length")
        return body

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            line = self.rfile.readline(_MAX_LINE)
            if not line:
                raise ValueError("the client stopped in the middle of a chunked body")
            size = int(line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                break
            chunk = self.rfile.read(size)
            if len(chunk) < size:
                raise ValueError("the client stopped in the middle of a chunk")
            chunks.append(chunk)
            self.rfile.readline(_MAX_LINE)
        while self.rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
            pass  # trailers: dropped (hop-by-hop)
        return b"".join(chunks)

    def _send(self, reply: _Reply) -> None:
        try:
            if reply.own:
                self.send_response(reply.status)  # adds Server and Date
            else:
                self.send_response_only(reply.status, reply.reason or None)
            upstream_length = None
            listed = _connection_tokens(v for n, v in reply.headers if n.lower() == "connection")
            for name, value in reply.headers:
                if name.lower() == "content-length":
                    upstream_length = value
                elif not _is_hop_by_hop(name, listed):
                    self.send_header(name, value)
            if reply.status >= 200 and reply.status not in (204, 304):
                if self.command == "HEAD" and not reply.own:
                    if upstream_length is not None:
                        self.send_header("Content-Length", upstream_length)
                else:
                    self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and reply.body:
                self.wfile.write(reply.body)
        except OSError:
            pass  # the client went away

    def _cut(self) -> None:
        """Close the client connection without writing anything: the client sees a failure."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        self.connection.close()

    # -- the upstream side -------------------------------------------------------------------------------

    def _forward(self, target: str, body: bytes) -> _Reply | None:
        """Send the request to the upstream; return its whole response, or None when it failed."""
        proxy = self.server.proxy
        listed = _connection_tokens(self.headers.get_all("Connection") or [])
        had_body = "Content-Length" in self.headers or "Transfer-Encoding" in self.headers
        connection = proxy._connection_class(proxy._host, proxy._port, timeout=UPSTREAM_TIMEOUT)
        try:
            connection.putrequest(self.command, proxy._base_path + target,
                                  skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", proxy._host_header)
            for name, value in self.headers.items():
                if name.lower() not in _NOT_FORWARDED and not _is_hop_by_hop(name, listed):
                    connection.putheader(name, value)
            if body or had_body:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            response = connection.getresponse()
            data = response.read()
            return _Reply(response.status, response.reason, response.getheaders(), data, own=False)
        except (OSError, http.client.HTTPException):
            return None
        finally:
            connection.close()
