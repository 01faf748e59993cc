"""The fault-injecting proxy of the sync tests: each fault does what it says, to the client and upstream."""
from __future__ import annotations

import contextlib
import http.client
import json
import socket
import socketserver
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tests.faultproxy import Fault, FaultProxy

DELAY = 0.2
CLIENT_FAILURES = (OSError, http.client.HTTPException)  # URLError is an OSError


class Received:
    """What the upstream received: one (method, path, body, headers) per request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bytes, dict[str, str]]] = []
        self.lock = threading.Lock()

    def add(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        with self.lock:
            self.requests.append((method, path, body, headers))

    def __len__(self) -> int:
        with self.lock:
            return len(self.requests)


class _UpstreamServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    received: Received

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # skip HTTPServer's slow name look-up
        self.server_name, self.server_port = "127.0.0.1", int(self.server_address[1])


class _Echo(BaseHTTPRequestHandler):
    """Records the request, then echoes its body with `X-Echo: 1` (status 201 on /created)."""

    server: _UpstreamServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.received.add(self.command, self.path, body, headers)  # before answering
        if self.path.startswith("/no-length"):
            self.send_response(200)
            self.send_header("X-Echo", "1")
            self.end_headers()  # HTTP/1.0, no Content-Length: the body ends when the connection does
            self.wfile.write(b"until close")
            return
        self.send_response(201 if self.path.startswith("/created") else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body) if body else 7))
        self.send_header("X-Echo", "1")
        self.send_header("Keep-Alive", "timeout=5")
        self.send_header("Set-Cookie", "a=1")
        self.send_header("Set-Cookie", "b=2")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body or b"nothing")

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET


@pytest.fixture
def upstream() -> Iterator[tuple[str, Received]]:
    server = _UpstreamServer(("127.0.0.1", 0), _Echo)
    server.received = Received()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", server.received
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def received(upstream: tuple[str, Received]) -> Received:
    return upstream[1]


@pytest.fixture
def proxy(upstream: tuple[str, Received]) -> Iterator[FaultProxy]:
    with FaultProxy(upstream[0], seed=1, delay_seconds=DELAY) as running:
        yield running


class Answer:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = response.headers
        self.body = response.read()


def call(url: str, method: str = "POST", path: str = "/sync/push", body: bytes | None = b'{"id": 1}',
         headers: dict[str, str] | None = None) -> Answer:
    """Send one request with http.client (which, unlike urllib, returns 4xx/5xx answers)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        return Answer(connection.getresponse())
    finally:
        connection.close()


def faults_of(proxy: FaultProxy) -> list[Fault]:
    return [entry[2] for entry in proxy.log]


def free_closed_port() -> socket.socket:
    """Return a socket bound to a free port of 127.0.0.1 that does not listen: connecting is refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


# -- PASS ------------------------------------------------------------------------------------------------


def test_pass_forwards_the_request_and_relays_the_response(proxy: FaultProxy, received: Received) -> None:
    answer = call(proxy.url, path="/sync/push?since=3", body=b'{"id": 1}',
                  headers={"X-Site": "bondy", "Content-Type": "application/json", "Keep-Alive": "300",
                           "Proxy-Authorization": "secret", "Connection": "X-Private", "X-Private": "1"})
    assert answer.status == 200
    assert answer.body == b'{"id": 1}'
    assert answer.headers["X-Echo"] == "1"
    assert answer.headers["Content-Length"] == str(len(answer.body))
    assert answer.headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert answer.headers["Connection"] == "close"
    assert "Keep-Alive" not in answer.headers

    [(method, path, body, headers)] = received.requests
    assert (method, path, body) == ("POST", "/sync/push?since=3", b'{"id": 1}')
    assert headers["host"] == urlsplit(proxy.upstream).netloc
    assert headers["x-site"] == "bondy"
    assert headers["content-type"] == "application/json"
    assert headers["content-length"] == "9"
    for hop_by_hop in ("keep-alive", "proxy-authorization", "connection", "x-private"):
        assert hop_by_hop not in headers
    assert proxy.log == [("POST", "/sync/push?since=3", Fault.PASS, 200)]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "HEAD", "PATCH"])
def test_pass_supports_the_methods(proxy: FaultProxy, received: Received, method: str) -> None:
    body = b"" if method in ("GET", "HEAD") else b"payload"
    answer = call(proxy.url, method=method, path="/records/7", body=body or None)
    assert answer.status == 200
    assert received.requests[0][:3] == (method, "/records/7", body)
    if method == "HEAD":
        assert answer.body == b""
        assert answer.headers["Content-Length"] == "7"  # the upstream's, not the empty body's
    else:
        assert answer.body == (body or b"nothing")


def test_pass_relays_the_status_and_recomputes_content_length(proxy: FaultProxy) -> None:
    assert call(proxy.url, path="/created").status == 201
    answer = call(proxy.url, method="GET", path="/no-length", body=None)
    assert answer.body == b"until close"
    assert answer.headers["Content-Length"] == str(len(b"until close"))


def test_a_chunked_request_reaches_the_upstream_with_a_content_length(proxy: FaultProxy,
                                                                      received: Received) -> None:
    parts = urlsplit(proxy.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        connection.request("POST", "/sync/push", body=iter([b"ab", b"cd"]), encode_chunked=True,
                           headers={"Transfer-Encoding": "chunked"})
        assert connection.getresponse().read() == b"abcd"
    finally:
        connection.close()
    [(_, _, body, headers)] = received.requests
    assert body == b"abcd"
    assert headers["content-length"] == "4"
    assert "transfer-encoding" not in headers


def test_urllib_goes_through(proxy: FaultProxy) -> None:
    with urllib.request.urlopen(proxy.url + "/sync/pull", timeout=5) as response:
        assert response.status == 200
        assert response.read() == b"nothing"


# -- the faults ------------------------------------------------------------------------------------------


def test_refuse_fails_the_client_and_forwards_nothing(proxy: FaultProxy, received: Received) -> None:
    proxy.plan(Fault.REFUSE, Fault.REFUSE)
    with pytest.raises(CLIENT_FAILURES):
        urllib.request.urlopen(urllib.request.Request(proxy.url + "/sync/push", data=b"x"), timeout=5)
    with pytest.raises(CLIENT_FAILURES):
        call(proxy.url)
    assert len(received) == 0
    assert proxy.log == [("POST", "/sync/push", Fault.REFUSE, None)] * 2


def test_cut_after_commit_fails_the_client_but_the_upstream_got_it_once(proxy: FaultProxy,
                                                                         received: Received) -> None:
    proxy.plan(Fault.CUT_AFTER_COMMIT, Fault.CUT_AFTER_COMMIT)
    with pytest.raises(CLIENT_FAILURES):
        urllib.request.urlopen(urllib.request.Request(proxy.url + "/sync/push", data=b"r1"), timeout=5)
    assert [request[2] for request in received.requests] == [b"r1"]
    with pytest.raises(CLIENT_FAILURES):
        call(proxy.url, body=b"r2")
    assert [request[2] for request in received.requests] == [b"r1", b"r2"]
    assert [entry[2:] for entry in proxy.log] == [(Fault.CUT_AFTER_COMMIT, None)] * 2


def test_delay_waits_then_passes(proxy: FaultProxy, received: Received) -> None:
    proxy.plan(Fault.DELAY)
    started = time.monotonic()
    answer = call(proxy.url, body=b"late")
    assert time.monotonic() - started >= DELAY
    assert (answer.status, answer.body) == (200, b"late")
    assert len(received) == 1
    assert proxy.log == [("POST", "/sync/push", Fault.DELAY, 200)]


def test_unavailable_answers_503_with_retry_after(proxy: FaultProxy, received: Received) -> None:
    proxy.plan(Fault.UNAVAILABLE, Fault.UNAVAILABLE)
    answer = call(proxy.url)
    assert answer.status == 503
    assert answer.headers["Retry-After"] == "1"
    assert answer.headers["Content-Type"] == "application/json"
    assert json.loads(answer.body) == {"error": "unavailable"}
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(proxy.url + "/sync/pull", timeout=5)
    assert raised.value.code == 503
    raised.value.close()
    assert len(received) == 0


def test_captive_portal_answers_a_login_page(proxy: FaultProxy, received: Received) -> None:
    proxy.plan(Fault.CAPTIVE_PORTAL)
    answer = call(proxy.url)
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    assert answer.body == b"<html><body>Wi-Fi login</body></html>"
    assert len(received) == 0


def test_too_large_answers_413(proxy: FaultProxy, received: Received) -> None:
    proxy.plan(Fault.TOO_LARGE)
    answer = call(proxy.url, body=b"x" * 100_000)
    assert answer.status == 413
    assert json.loads(answer.body) == {"error": "too large"}
    assert len(received) == 0


def test_duplicate_sends_the_request_twice(proxy: FaultProxy, received: Received) -> None:
    proxy.plan(Fault.DUPLICATE)
    answer = call(proxy.url, body=b'{"id": 9}', headers={"X-Batch": "b1"})
    assert (answer.status, answer.body) == (200, b'{"id": 9}')
    assert len(received) == 2
    first, second = received.requests
    assert first[:3] == second[:3] == ("POST", "/sync/push", b'{"id": 9}')
    assert first[3]["x-batch"] == second[3]["x-batch"] == "b1"
    assert proxy.log == [("POST", "/sync/push", Fault.DUPLICATE, 200)]


def test_upstream_down_gives_502(upstream: tuple[str, Received]) -> None:
    closed = free_closed_port()
    try:
        with FaultProxy(f"http://127.0.0.1:{closed.getsockname()[1]}", delay_seconds=0.01) as proxy:
            proxy.plan(Fault.PASS, Fault.DUPLICATE, Fault.DELAY)
            for _ in range(3):
                answer = call(proxy.url)
                assert answer.status == 502
                assert json.loads(answer.body) == {"error": "bad gateway"}
            proxy.plan(Fault.CUT_AFTER_COMMIT)
            with pytest.raises(CLIENT_FAILURES):
                call(proxy.url)  # a cut stays a cut, even when nothing was committed
    finally:
        closed.close()
    assert [entry[2:] for entry in proxy.log] == [(Fault.PASS, 502), (Fault.DUPLICATE, 502),
                                                   (Fault.DELAY, 502), (Fault.CUT_AFTER_COMMIT, None)]


# -- choosing faults -------------------------------------------------------------------------------------


def test_the_plan_applies_in_order_then_the_default(proxy: FaultProxy) -> None:
    proxy.plan(Fault.UNAVAILABLE, Fault.REFUSE)
    proxy.plan(Fault.TOO_LARGE)  # queued after the others
    proxy.default = Fault.CAPTIVE_PORTAL
    assert call(proxy.url).status == 503
    with pytest.raises(CLIENT_FAILURES):
        call(proxy.url)
    assert call(proxy.url).status == 413
    assert call(proxy.url).body == b"<html><body>Wi-Fi login</body></html>"
    proxy.default = Fault.PASS
    assert call(proxy.url).headers["X-Echo"] == "1"
    assert faults_of(proxy) == [Fault.UNAVAILABLE, Fault.REFUSE, Fault.TOO_LARGE, Fault.CAPTIVE_PORTAL,
                                Fault.PASS]


def _random_run(upstream_url: str, seed: int, requests: int, weights: dict[Fault, float]) -> FaultProxy:
    with FaultProxy(upstream_url, seed=seed) as proxy:
        proxy.randomize(weights)
        for _ in range(requests):
            with contextlib.suppress(CLIENT_FAILURES):
                call(proxy.url)
    return proxy


MIX = {Fault.PASS: 5, Fault.REFUSE: 1, Fault.CUT_AFTER_COMMIT: 1, Fault.UNAVAILABLE: 1, Fault.DUPLICATE: 1,
       Fault.TOO_LARGE: 1}


def test_randomize_is_deterministic_for_a_seed(upstream: tuple[str, Received]) -> None:
    first = faults_of(_random_run(upstream[0], 42, 50, MIX))
    again = faults_of(_random_run(upstream[0], 42, 50, MIX))
    other = faults_of(_random_run(upstream[0], 43, 50, MIX))
    assert len(first) == 50
    assert first == again
    assert first != other
    assert len(set(first)) >= 4  # a mix, not one fault


def test_randomize_follows_the_weights(upstream: tuple[str, Received]) -> None:
    weights = {Fault.PASS: 6, Fault.UNAVAILABLE: 3, Fault.TOO_LARGE: 1}
    counts = _random_run(upstream[0], 7, 200, weights).counts()
    assert set(counts) == set(weights)
    for fault, weight in weights.items():
        assert abs(counts[fault] / 200 - weight / 10) < 0.1, counts


def test_the_plan_comes_before_randomize_and_empty_weights_restore_the_default(proxy: FaultProxy) -> None:
    proxy.randomize({Fault.UNAVAILABLE: 1})
    proxy.plan(Fault.TOO_LARGE)
    assert [call(proxy.url).status for _ in range(3)] == [413, 503, 503]
    proxy.randomize({})
    assert call(proxy.url).status == 200
    assert faults_of(proxy) == [Fault.TOO_LARGE, Fault.UNAVAILABLE, Fault.UNAVAILABLE, Fault.PASS]


def test_bad_arguments_are_refused(upstream: tuple[str, Received]) -> None:
    proxy = FaultProxy(upstream[0])
    with pytest.raises(ValueError):
        proxy.randomize({Fault.PASS: -1})
    with pytest.raises(ValueError):
        proxy.randomize({Fault.PASS: 0})
    with pytest.raises(TypeError):
        proxy.plan("refuse")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        FaultProxy("127.0.0.1:8000")


def test_only_paths_limits_the_faults(proxy: FaultProxy, received: Received) -> None:
    proxy.only_paths = ("/sync/",)
    proxy.plan(Fault.UNAVAILABLE)
    proxy.default = Fault.TOO_LARGE
    assert call(proxy.url, method="GET", path="/health?sync/", body=None).status == 200  # plan untouched
    assert call(proxy.url, path="/sync/push").status == 503
    assert call(proxy.url, path="/sync/pull?x=1").status == 413
    assert call(proxy.url, path="/other").status == 200
    assert proxy.log == [("GET", "/health?sync/", Fault.PASS, 200),
                         ("POST", "/sync/push", Fault.UNAVAILABLE, 503),
                         ("POST", "/sync/pull?x=1", Fault.TOO_LARGE, 413),
                         ("POST", "/other", Fault.PASS, 200)]
    assert [request[1] for request in received.requests] == ["/health?sync/", "/other"]


# -- log, counts, threads, life cycle --------------------------------------------------------------------


def test_log_and_counts(proxy: FaultProxy) -> None:
    proxy.plan(Fault.PASS, Fault.UNAVAILABLE, Fault.REFUSE, Fault.UNAVAILABLE, Fault.CAPTIVE_PORTAL)
    call(proxy.url, method="GET", path="/a", body=None)
    call(proxy.url, method="PUT", path="/b")
    with pytest.raises(CLIENT_FAILURES):
        call(proxy.url, method="DELETE", path="/c", body=None)
    call(proxy.url, path="/d")
    call(proxy.url, path="/e")
    assert proxy.log == [("GET", "/a", Fault.PASS, 200), ("PUT", "/b", Fault.UNAVAILABLE, 503),
                         ("DELETE", "/c", Fault.REFUSE, None), ("POST", "/d", Fault.UNAVAILABLE, 503),
                         ("POST", "/e", Fault.CAPTIVE_PORTAL, 200)]
    assert proxy.counts() == Counter({Fault.UNAVAILABLE: 2, Fault.PASS: 1, Fault.REFUSE: 1,
                                      Fault.CAPTIVE_PORTAL: 1})


def test_concurrent_requests_each_take_one_planned_fault(proxy: FaultProxy, received: Received) -> None:
    proxy.plan(*[Fault.UNAVAILABLE] * 20)
    statuses: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        status = call(proxy.url).status
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=one) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert Counter(statuses) == Counter({503: 20, 200: 20})
    assert proxy.counts() == Counter({Fault.UNAVAILABLE: 20, Fault.PASS: 20})
    assert len(received) == 20


def test_the_proxy_is_quiet(proxy: FaultProxy, capfd: pytest.CaptureFixture[str]) -> None:
    proxy.plan(Fault.REFUSE, Fault.CUT_AFTER_COMMIT, Fault.UNAVAILABLE)
    for _ in range(2):
        with pytest.raises(CLIENT_FAILURES):
            call(proxy.url)
    call(proxy.url)
    call(proxy.url)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_start_and_stop(upstream: tuple[str, Received]) -> None:
    proxy = FaultProxy(upstream[0])
    assert proxy.url == ""
    proxy.stop()  # not started: nothing to do
    assert proxy.start() is proxy
    assert proxy.url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError):
        proxy.start()
    assert call(proxy.url).status == 200
    proxy.stop()
    proxy.stop()
    with pytest.raises(OSError):
        call(proxy.url)
