"""A server error reaches people: ADMINS by e-mail, and Sentry when SENTRY_DSN is set, with
no personal data."""

import gzip
import json
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from tests.subprocess_env import clean_env, run_comptoir


def test_admins_get_an_email_for_a_server_error(settings, db):
    from django.core import mail

    settings.ROOT_URLCONF = "tests.ops.boom_urls"
    settings.DEBUG = False
    settings.ADMINS = [("Jeanne Martin", "jeanne@example.com")]

    response = Client(raise_request_exception=False).get("/boom/", HTTP_X_REQUEST_ID="err-1")

    assert response.status_code == 500
    assert response["X-Request-ID"] == "err-1"
    (message,) = mail.outbox
    assert message.to == ["jeanne@example.com"]
    assert "/boom/" in message.subject
    assert "PartnerExploded" in message.body


class _Collector(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.server.received.append(body)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


_FAIL_ONCE = """
import django, sentry_sdk
django.setup()
from django.test import Client
from django.test.utils import override_settings
with override_settings(ROOT_URLCONF="tests.ops.boom_urls", DEBUG=False):
    response = Client(raise_request_exception=False).get(
        "/boom/?email=jeanne@example.com",
        HTTP_X_REQUEST_ID="err-2",
        HTTP_COOKIE="sessionid=very-secret-session",
        REMOTE_ADDR="198.51.100.23",
    )
sentry_sdk.flush(timeout=10)
print(response.status_code)
"""


def test_sentry_gets_the_error_without_personal_data(tmp_path, sentry_server):
    port = sentry_server.server_address[1]
    env = clean_env(
        tmp_path / "var",
        COMPTOIR_MODE="test",
        SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/42",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    migrated = run_comptoir("migrate", "-v0", env={**env, "SENTRY_DSN": ""})
    assert migrated.returncode == 0, migrated.stderr

    result = subprocess.run(
        [sys.executable, "-c", _FAIL_ONCE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "500"
    envelopes = b"\n".join(sentry_server.received).decode()
    events = [
        json.loads(line)
        for line in envelopes.splitlines()
        if line.startswith("{") and '"exception"' in line
    ]
    assert events, envelopes[:2000]
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "PartnerExploded"
    assert event["tags"]["request_id"] == "err-2"
    assert "very-secret-session" not in envelopes
    assert "198.51.100.23" not in envelopes
