"""The demo's HTTP receiver: a local stand-in for the partners' HTTPS APIs.

``comptoir rundemo`` starts it on 127.0.0.1 (port 8025 when free). It accepts the signed JSON
POSTs the HTTPS transport sends and verifies them as a partner would, with the reference
Standard Webhooks library (``standardwebhooks``) and this demo's secret (kept in ``var/``); it
then decodes the file, checks its SHA-256 against the one announced and keeps it under
``var/received/``. A
repeat of a delivery (same ``webhook-id``) is answered the same way and noted as a repeat. Two
paths play a partner in trouble:

- ``/fail/...`` answers 500 (the engine retries on its schedule);
- ``/refuse/...`` answers 422 (a permanent refusal: the delivery fails at once).

Anything else must be signed: a missing or wrong signature, or a timestamp more than five
minutes away, answers 401; a body that is not the documented envelope answers 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import re
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.db import close_old_connections, connections

from comptoir.demo import deliveries as demo
from comptoir.demo.sinks import Notify, Sink, free_port, port_is_free

MAX_BODY = 64 * 1024 * 1024
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class BadEnvelope(ValueError):
    """The body verified but is not the documented JSON envelope."""


def verify(secret: str, headers, body: bytes) -> bool:
    """Whether the Standard Webhooks signature is valid and recent (the library allows five
    minutes), checked with the reference library itself, as a partner would."""
    from standardwebhooks import Webhook
    from standardwebhooks.webhooks import WebhookVerificationError

    wanted = ("webhook-id", "webhook-timestamp", "webhook-signature")
    signed = {name: headers.get(name) or "" for name in wanted}
    try:
        Webhook(secret).verify(body, signed, json_parse=False)
    except (WebhookVerificationError, ValueError):
        return False
    return True


def parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:  # UnicodeDecodeError included
        raise BadEnvelope(f"not JSON ({exc})") from None


def file_of(payload: Any) -> tuple[str, bytes]:
    """(file name, bytes) from a verified envelope; BadEnvelope when it is not one or when
    the bytes do not match the announced size and SHA-256."""
    try:
        data = payload["data"]
        document, carried = data["document"], data["file"]
        if carried["encoding"] != "base64":
            raise BadEnvelope(f"unknown encoding {carried['encoding']!r}")
        content = base64.b64decode(carried["content"], validate=True)
        name, size, sha256 = document["file_name"], document["size"], document["sha256"]
    except (KeyError, TypeError, binascii.Error) as exc:
        raise BadEnvelope(f"not a document.version envelope ({exc})") from None
    if len(content) != size or hashlib.sha256(content).hexdigest() != sha256:
        raise BadEnvelope("the file does not match its announced size and SHA-256")
    return str(name or "document"), content


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
        self._answer(
            200, {"receiver": "Comptoir demo", "accepts": "signed JSON POST (Standard Webhooks)"}
        )

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
        if not verify(self.server.secret, self.headers, body):
            self.server.notify(f"{path}: bad or missing signature, answered 401")
            self._answer(401, {"message": "Signature invalide."})
            return
        try:
            file_name, content = file_of(parse(body))
        except BadEnvelope as exc:
            self.server.notify(f"{path}: signed but not a document envelope ({exc}), answered 400")
            self._answer(400, {"message": "Enveloppe JSON invalide."})
            return
        saved, repeat = self.server.keep(key, file_name, content)
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
        self.folder = var_dir / "received"
        self.folder.mkdir(parents=True, exist_ok=True)
        preferred = demo.RECEIVER_PORT
        self.port = preferred if port_is_free(self.host, preferred) else free_port(self.host)
        self._server = ReceiverServer(
            (self.host, self.port),
            secret=demo.webhook_secret(var_dir),
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
