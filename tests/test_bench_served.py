"""The served-page bench's load client (``bench.served.load``) against a real local HTTP server:
it stops at the request count or at the time cap, and an error answer is reported, never
timed. (``make bench`` runs the whole scenario through ``comptoir serve``.)"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from bench.served import Endpoint, Load, load


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/slow/":
            time.sleep(0.2)
        status = 500 if self.path == "/broken/" else 200
        body = b"page of " + self.headers.get("Cookie", "").encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Endpoint("127.0.0.1", httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()


def test_a_bounded_load_sends_exactly_the_requests_asked_with_the_cookie(server):
    seen = []

    def check(body: bytes):
        seen.append(body)
        return None

    result = load(
        server,
        "/page/",
        cookies={"sessionid": "abc"},
        requests=25,
        concurrency=3,
        time_cap=30,
        check=check,
    )

    assert result.requests == 25 and not result.errors and not result.capped
    assert seen == [b"page of sessionid=abc"]  # the first answer only is checked
    assert 0 < result.percentile(50) <= result.percentile(99)
    assert result.per_second > 0


def test_the_time_cap_cuts_a_slow_page_short(server):
    result = load(server, "/slow/", cookies={}, requests=1000, concurrency=2, time_cap=0.5)
    assert result.capped
    assert 2 <= result.requests < 20
    assert result.percentile(50) >= 200


def test_an_error_answer_is_reported_and_stops_the_load(server):
    result = load(server, "/broken/", cookies={}, requests=50, concurrency=2, time_cap=10)
    assert result.errors[0] == "/broken/ answered 500"
    assert result.requests == 0


def test_a_wrong_page_is_reported(server):
    result = load(
        server,
        "/page/",
        cookies={},
        requests=5,
        concurrency=1,
        time_cap=10,
        check=lambda body: None if b"tiles" in body else "no tiles on the page",
    )
    assert result.errors == ["no tiles on the page"]


def test_a_server_that_is_gone_is_an_error(server):
    gone = Endpoint("127.0.0.1", 9)  # discard port: nothing listens
    result = load(gone, "/page/", cookies={}, requests=3, concurrency=1, time_cap=5)
    assert result.errors and result.errors[0].startswith("/page/: ConnectionRefusedError")


def test_loads_of_one_path_add_up():
    total = Load(path="/page/")
    total += Load(path="/page/", latencies_ms=[1.0, 3.0], seconds=0.5, server_cpu_seconds=0.004)
    total += Load(path="/page/", latencies_ms=[2.0], seconds=0.25, server_cpu_seconds=0.002)
    assert total.requests == 3
    assert total.per_second == pytest.approx(4.0)
    assert total.server_cpu_ms == pytest.approx(2.0)
    assert total.percentile(50) == 2.0
