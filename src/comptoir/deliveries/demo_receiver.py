"""The demo's HTTP receiver: a local stand-in for the partners' HTTPS APIs.

``comptoir rundemo`` starts it on 127.0.0.1 (port 8025 when free). It accepts the multipart
POSTs the HTTPS transport sends, checks their Standard Webhooks signature with the demo
secret and keeps each file under ``var/received/``; a repeat of a delivery (same
``webhook-id``) is answered the same way and noted as a repeat. Two paths play a partner
in trouble:

- ``/fail/...`` answers 500 (the engine retries on its schedule);
- ``/refuse/...`` answers 422 (a permanent refusal: the delivery fails at once).

Anything else must be signed: a missing or wrong signature, or a timestamp more than five
minutes away, answers 401.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from datetime import datetime
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from django.db import close_old_connections, connections

from comptoir.core.demo.sinks import Notify, Sink, free_port, port_is_free

MAX_BODY = 64 * 1024 * 1024
TOLERANCE_SECONDS = 300
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def signature_ok(secret: str, headers, body: bytes, now: float | None = None) -> bool:
    """Standard Webhooks: ``v1,<base64 HMAC-SHA256(key, id.timestamp.body)>``, recent."""
    message_id = headers.get("webhook-id") or ""
    timestamp = headers.get("webhook-timestamp") or ""
    if not message_id or not timestamp.isdigit():
        return False
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        return False
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = (headers.get("webhook-signature") or "").split()
    return any(
        version == "v1" and hmac.compare_digest(value, expected)
        for version, _, value in (item.partition(",") for item in offered)
    )


def multipart_parts(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """name -> (file name, bytes) of a multipart/form-data body."""
    message = BytesParser(policy=policy.default).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    parts = {}
    if not message.is_multipart():
        return parts
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            parts[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return parts


class ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, *, secret: str, folder: Path, notify: Notify):
        super().__init__(address, _Handler)
        self.secret = secret
        self.folder = folder
        self.notify = notify
        self.numbers = itertools.count(1)
        self.seen_keys: set[str] = set()
        self.lock = threading.Lock()

    def keep(self, key: str, file_name: str, content: bytes) -> tuple[Path, bool]:
        with self.lock:
            repeat = key in self.seen_keys
            self.seen_keys.add(key)
            number = next(self.numbers)
        name = _SAFE.sub("_", file_name).strip("._") or "document"
        path = self.folder / f"{datetime.now():%Y%m%d-%H%M%S}-{number:04d}-{name}"
        path.write_bytes(content)
        return path, repeat


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ReceiverServer

    def _answer(self, status: int, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def do_GET(self):
        self._answer(200, {"receiver": "Comptoir demo", "accepts": "signed multipart POST"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._answer(413, {"message": "Fichier trop volumineux pour le récepteur de démo."})
            return
        body = self.rfile.read(length)
        path = urlsplit(self.path).path
        key = self.headers.get("webhook-id") or "?"
        if path.startswith("/fail/"):
            self.server.notify(f"{path}: answered 500 on purpose (delivery {key})")
            self._answer(500, {"message": "Service momentanément indisponible (démo)."})
            return
        if path.startswith("/refuse/"):
            self.server.notify(f"{path}: refused on purpose with 422 (delivery {key})")
            self._answer(422, {"message": "Dossier inconnu chez le partenaire (démo)."})
            return
        if not signature_ok(self.server.secret, self.headers, body):
            self.server.notify(f"{path}: bad or missing signature, answered 401")
            self._answer(401, {"message": "Signature invalide."})
            return
        parts = multipart_parts(self.headers.get("Content-Type", ""), body)
        file_name, content = parts.get("file", (None, b""))
        saved, repeat = self.server.keep(key, file_name or "document", content)
        note = " (a repeat of the same delivery)" if repeat else ""
        self.server.notify(f"{path}: {file_name} ({len(content)} bytes) → {saved}{note}")
        self._answer(201, {"id": f"rcv-{saved.name[:19]}", "repeat": repeat})

    def log_message(self, format, *args):  # one line per arrival is enough (notify)
        pass


class ReceiverSink(Sink):
    """The HTTP receiver, wired to the demo firms' HTTPS apps when it starts."""

    name = "receiver"

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.folder: Path | None = None
        self._server: ReceiverServer | None = None

    def start(self, *, var_dir: Path, notify: Notify) -> dict[str, str]:
        from comptoir.deliveries import demo

        self.folder = var_dir / "received"
        self.folder.mkdir(parents=True, exist_ok=True)
        preferred = demo.RECEIVER_PORT
        self.port = preferred if port_is_free(self.host, preferred) else free_port(self.host)
        self._server = ReceiverServer(
            (self.host, self.port),
            secret=demo.DEMO_WEBHOOK_SECRET,
            folder=self.folder,
            notify=notify,
        )
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        base = f"http://{self.host}:{self.port}"
        # rundemo's own process: leave no database connection behind for its children.
        close_old_connections()
        try:
            moved = demo.point_demo_apps_at(base)
        finally:
            connections.close_all()
        if moved:
            notify(f"{moved} demo application(s) now send to {base}")
        return {"DELIVERY_ALLOW_LOOPBACK": "true"}

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def describe(self) -> str:
        return (
            f"HTTP {self.host}:{self.port}, signed POSTs saved to {self.folder}/ "
            "(/fail/… answers 500, /refuse/… 422)"
        )
