"""HTTPS API transport: a signed JSON POST carrying the file and its metadata.

The body is one JSON object (``Content-Type: application/json``, UTF-8), so that partners can
verify it with the reference Standard Webhooks libraries, which read the body as text::

    {"type": "document.version", "timestamp": "2026-12-04T01:00:00Z",
     "data": {"idempotency_key": ..., "document": {..., "sha256": ...},
              "company": {...}, "firm": {...}, "dossier_code": ...,
              "file": {"encoding": "base64", "content": "<the file's bytes in base64>"}}}

(:func:`build_payload`; README "For partners: receiving documents" documents every field.)
A 20 MiB document makes a body of about 27 MiB.

It is signed per Standard Webhooks (https://www.standardwebhooks.com): ``webhook-id`` (the
delivery's idempotency key, the same on every attempt), ``webhook-timestamp`` (Unix seconds)
and ``webhook-signature`` = ``v1,`` + base64(HMAC-SHA256(secret, f"{id}.{timestamp}.{body}"))
over the exact body bytes sent. The secret is ``whsec_<base64>`` (or bare base64), as the
scheme defines. ``Idempotency-Key`` carries the same key for APIs that use that header.

Connect timeout 5 s, 15 s in total; redirects are not followed (a 3xx is a permanent failure:
configure the final address); the connection goes only to an address the guard vetted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import ssl
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
from django.utils.translation import gettext as _

from comptoir.deliveries import netguard
from comptoir.deliveries.transports.base import (
    RETRY,
    Destination,
    OutgoingDocument,
    Transport,
    TransportResult,
    clean_text,
    failed,
    guard_refusal,
    retry,
    safe_file_name,
    sent,
)
from comptoir.deliveries.transports.destinations import (
    SECRET_PREFIX,
    HttpsDestination,
    decode_secret,
)
from comptoir.deliveries.transports.pinning import PinnedTransport
from comptoir.deliveries.transports.replies import classify_http_status, parse_retry_after

USER_AGENT = "Comptoir-Delivery/1"
RESPONSE_READ_LIMIT = 64 * 1024
CONTENT_TYPE = "application/json"


def generate_secret() -> str:
    """A new per-installation signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def sign(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify_signature(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float, tolerance: int = 300
) -> bool:
    """What a receiver checks (the demo sink uses it): one ``v1`` signature of
    ``webhook-signature`` matches and ``webhook-timestamp`` is within ``tolerance`` seconds.
    ``headers`` keys are lower case."""
    key = decode_secret(secret)
    try:
        message_id = headers["webhook-id"]
        timestamp = int(headers["webhook-timestamp"])
        signatures = headers["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    if key is None or abs(now - timestamp) > tolerance:
        return False
    expected = sign(key, message_id, timestamp, body)
    return any(hmac.compare_digest(candidate, expected) for candidate in signatures)


def build_metadata(
    document: OutgoingDocument, destination: HttpsDestination, idempotency_key: str, now: float
) -> dict[str, Any]:
    meta = document.metadata
    return {
        "type": "document.version",
        "timestamp": datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z"),
        "data": {
            "idempotency_key": idempotency_key,
            "document": {
                "id": meta.get("document_id"),
                "name": document.display_name,
                "version": meta.get("version_number"),
                "folder": meta.get("folder"),
                "file_name": safe_file_name(document.file_name),
                "content_type": document.content_type,
                "size": document.size,
                "sha256": document.sha256,
                "uploaded_at": meta.get("uploaded_at"),
            },
            "company": {
                "name": meta.get("company_name"),
                "siret": meta.get("company_siret"),
                "slug": meta.get("company_slug"),
            },
            "firm": {"id": meta.get("firm_id"), "name": meta.get("firm_name")},
            "dossier_code": destination.dossier_code or None,
        },
    }


def build_payload(
    document: OutgoingDocument,
    content: bytes,
    destination: HttpsDestination,
    idempotency_key: str,
    now: float,
) -> dict[str, Any]:
    """The JSON envelope: the metadata, and the file itself in base64 (``data.file``)."""
    payload = build_metadata(document, destination, idempotency_key, now)
    # data.document already says the file's name, type, size and SHA-256 (of these bytes:
    # the base transport checked them against the version before calling deliver).
    payload["data"]["file"] = {
        "encoding": "base64",
        "content": base64.b64encode(content).decode("ascii"),
    }
    return payload


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes sent and signed: compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _response_detail(body: bytes) -> str:
    """A short, printable reason from the partner's answer (JSON message or text)."""
    text = body[:2000].decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        return clean_text(text, 150)
    if isinstance(data, dict):
        for key in ("message", "error", "detail", "title"):
            value = data.get(key)
            if isinstance(value, str | int | float):
                return clean_text(value, 150)
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return clean_text(value["message"], 150)
    return ""


def _remote_id(body: bytes, headers: httpx.Headers) -> str:
    try:
        data = json.loads(body.decode("utf-8"))
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("id", "reference", "document_id"):
            value = data.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return clean_text(value, 200)
    return clean_text(headers.get("x-request-id", ""), 200)


def _is_certificate_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class HttpsTransport(Transport[HttpsDestination]):
    kind: ClassVar[str] = "https"
    destination_class: ClassVar[type[Destination]] = HttpsDestination

    def __init__(
        self,
        *,
        connect_timeout: float = 5.0,
        total_timeout: float = 15.0,
        resolver: netguard.Resolver | None = None,
        allow_loopback: bool | None = None,
        ssl_context: ssl.SSLContext | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self.resolver = resolver
        self.allow_loopback = allow_loopback
        self.ssl_context = ssl_context
        self.clock = clock

    def deliver(
        self,
        document: OutgoingDocument,
        content: bytes,
        destination: HttpsDestination,
        idempotency_key: str,
    ) -> TransportResult:
        try:
            target = netguard.vet_url(
                destination.url, resolver=self.resolver, allow_loopback=self.allow_loopback
            )
        except (netguard.Refused, netguard.LookupFailed) as exc:
            return guard_refusal(exc)

        now = self.clock()
        timestamp = int(now)
        body = encode_payload(build_payload(document, content, destination, idempotency_key, now))
        key = decode_secret(destination.secret)
        assert key is not None  # the destination's check ran
        headers = {
            "Content-Type": CONTENT_TYPE,
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": "identity",
            "Idempotency-Key": idempotency_key,
            "webhook-id": idempotency_key,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(key, idempotency_key, timestamp, body),
        }
        return self._post(target, headers, body)

    def _post(
        self, target: netguard.Target, headers: dict[str, str], body: bytes
    ) -> TransportResult:
        timeout = httpx.Timeout(
            self.total_timeout, connect=min(self.connect_timeout, self.total_timeout)
        )
        transport = PinnedTransport(
            target, total_timeout=self.total_timeout, ssl_context=self.ssl_context
        )
        host = target.host
        try:
            with (
                httpx.Client(
                    transport=transport, follow_redirects=False, trust_env=False, timeout=timeout
                ) as client,
                client.stream("POST", target.url, headers=headers, content=body) as response,
            ):
                answer = b""
                for chunk in response.iter_raw():
                    answer += chunk
                    if len(answer) >= RESPONSE_READ_LIMIT:
                        break
                return self._result(response, answer)
        except httpx.TimeoutException:
            return retry(
                _("The partner %(host)s did not answer in time.") % {"host": host},
                error_code="timeout",
                error_params={"host": host},
            )
        except httpx.TransportError as exc:
            if _is_certificate_error(exc):
                return retry(
                    _(
                        "The TLS certificate of %(host)s could not be verified (expired or "
                        "issued for another name)."
                    )
                    % {"host": host},
                    error_code="tls_error",
                    error_params={"host": host},
                )
            return retry(
                _("The connection to %(host)s failed or was cut.") % {"host": host},
                error_code="connection_error",
                error_params={"host": host},
            )

    def _result(self, response: httpx.Response, answer: bytes) -> TransportResult:
        status = response.status_code
        outcome = classify_http_status(status)
        if outcome == "sent":
            return sent(code=status, remote_id=_remote_id(answer, response.headers))
        detail = _response_detail(answer)
        if 300 <= status < 400:
            return failed(
                _(
                    "The partner's address answered with a redirection (HTTP %(status)s), "
                    "which is not followed. Configure the final https:// address."
                )
                % {"status": status},
                code=status,
                error_code="redirect",
                error_params={"status": status},
            )
        message = _("The partner answered HTTP %(status)s.") % {"status": status}
        if detail:
            message = f"{message} {detail}"
        params = {"status": status, "detail": detail}
        if outcome == RETRY:
            retry_after = parse_retry_after(
                response.headers.get("retry-after"), datetime.fromtimestamp(self.clock(), UTC)
            )
            return retry(
                message,
                code=status,
                retry_after=retry_after,
                error_code="http_status",
                error_params=params,
            )
        return failed(message, code=status, error_code="http_status", error_params=params)
