"""The contract between the delivery engine and the transports.

The engine builds an :class:`OutgoingDocument` (one document version), a :class:`Destination`
(where one app wants it) and passes the delivery's idempotency key — the same key on every
attempt of one delivery. A transport sends and answers a :class:`TransportResult`:

- ``sent``: the partner took it;
- ``retry``: a passing failure (timeout, connection refused, HTTP 429/5xx, SMTP 4xx...); the
  engine plans the next attempt with :func:`comptoir.deliveries.policy.next_attempt_at`;
- ``failed``: a permanent failure (refused address, bad configuration, HTTP 4xx, SMTP 5xx, file
  too large or of a refused type); no further attempt.

Rules every transport keeps:

- it never touches the database (the engine records the attempt from the result);
- it never raises for a delivery failure — network errors, refusals, bad settings all become
  a result whose ``error`` is short, translated and safe to show (no secret, no stack trace);
  a programming error (wrong argument types, malformed idempotency key) may raise;
- it checks the app's limits (accepted types, maximum size) and the document's integrity
  before any network call.
"""

from __future__ import annotations

import hashlib
import re
import time
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import IO, Any, ClassVar, Literal

from django.utils.translation import gettext as _

from comptoir.deliveries import netguard

Outcome = Literal["sent", "retry", "failed"]
SENT: Outcome = "sent"
RETRY: Outcome = "retry"
FAILED: Outcome = "failed"

IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$")
ERROR_MAX_CHARS = 300


@dataclass(frozen=True)
class OutgoingDocument:
    """One document version to send.

    Give either ``content`` (the bytes) or ``opener`` (a callable returning a binary file
    object, e.g. ``lambda: storage.open(name, "rb")``). ``size`` and ``sha256`` are the
    version's recorded values: the transport refuses to send bytes that do not match them.

    ``metadata`` keys the transports use (all optional, all plain JSON values):
    ``document_id``, ``document_name``, ``version_number``, ``folder``, ``company_name``,
    ``company_siret``, ``company_slug``, ``firm_name``, ``firm_id``, ``uploaded_at``.
    """

    file_name: str
    content_type: str
    size: int
    sha256: str
    content: bytes | None = field(default=None, repr=False)
    opener: Callable[[], IO[bytes]] | None = field(default=None, repr=False)
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_bytes(
        cls,
        content: bytes,
        *,
        file_name: str,
        content_type: str = "application/octet-stream",
        metadata: Mapping[str, Any] | None = None,
    ) -> OutgoingDocument:
        return cls(
            file_name=file_name,
            content_type=content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            metadata=dict(metadata or {}),
        )

    def read_bytes(self) -> bytes:
        """The file's bytes, from ``content`` or read through ``opener``."""
        if self.content is not None:
            return self.content
        if self.opener is None:
            raise ValueError("OutgoingDocument needs content or an opener")
        with self.opener() as stream:
            return stream.read()

    @property
    def display_name(self) -> str:
        return str(self.metadata.get("document_name") or self.file_name)


@dataclass(frozen=True)
class Destination:
    """Where one app wants the document, read from the app's firm and dossier settings.

    ``kind`` picks the transport. The fields each kind reads:

    - ``email``: ``address`` (the partner's collection address for this folder) and
      ``sender`` (the firm's sender address for this app, ``"Name <addr>"`` allowed; falls
      back to ``settings.DEFAULT_FROM_EMAIL``);
    - ``https``: ``url`` and ``secret`` (the per-installation Standard Webhooks secret,
      ``whsec_<base64>`` or bare base64);
    - ``sftp``: ``host``, ``port``, ``username``, ``password`` or ``private_key``,
      ``host_key`` (the server's public key line or its ``SHA256:`` fingerprint, required),
      ``remote_dir``.

    All kinds: ``dossier_code`` (the partner's dossier code, sent along), ``app_name`` (for
    messages), ``accepted_types`` (``.pdf``, ``application/pdf``, ``image/*``; empty = all)
    and ``max_size`` in bytes (``None`` = no limit).
    """

    kind: str
    address: str = ""
    sender: str = ""
    url: str = ""
    secret: str = field(default="", repr=False)
    host: str = ""
    port: int | None = None
    username: str = ""
    password: str = field(default="", repr=False)
    private_key: str = field(default="", repr=False)
    host_key: str = ""
    remote_dir: str = ""
    dossier_code: str = ""
    app_name: str = ""
    accepted_types: tuple[str, ...] = ()
    max_size: int | None = None


@dataclass(frozen=True)
class TransportResult:
    """What one attempt gave. ``code`` is the HTTP status or SMTP reply code when there was
    one; ``error`` is short, translated, safe to show; ``error_code`` is a stable slug for
    programs (``address_refused``, ``timeout``, ``http_status``...)."""

    outcome: Outcome
    code: int | None = None
    error: str = ""
    duration_ms: int = 0
    retry_after: float | None = None
    remote_id: str = ""
    error_code: str = ""

    @property
    def is_final(self) -> bool:
        return self.outcome != RETRY


def clean_text(value: Any, max_chars: int = ERROR_MAX_CHARS) -> str:
    """One line of printable text: control characters (CR, LF, NUL, U+2028...) become spaces,
    runs of spaces collapse, and the result is cut to ``max_chars``."""
    text = "".join(
        " " if unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} else char
        for char in str(value)
    )
    text = " ".join(text.split())
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + "…"
    return text


def safe_file_name(name: Any, max_chars: int = 150) -> str:
    """A file name that cannot break a header or a path: no control characters, no
    slashes, no leading dots, at most ``max_chars`` characters (the extension is kept)."""
    text = clean_text(name, max_chars=10_000).replace("/", "_").replace("\\", "_")
    text = text.strip(" .")
    if len(text) > max_chars:
        stem, dot, extension = text.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            text = stem[: max_chars - len(extension) - 1].rstrip() + "." + extension
        else:
            text = text[:max_chars].rstrip()
    return text or "document"


def sent(**kwargs: Any) -> TransportResult:
    return TransportResult(outcome=SENT, **kwargs)


def retry(error: str, *, error_code: str, **kwargs: Any) -> TransportResult:
    return TransportResult(outcome=RETRY, error=clean_text(error), error_code=error_code, **kwargs)


def failed(error: str, *, error_code: str, **kwargs: Any) -> TransportResult:
    return TransportResult(outcome=FAILED, error=clean_text(error), error_code=error_code, **kwargs)


def guard_refusal(exc: netguard.Refused | netguard.LookupFailed) -> TransportResult:
    """The result for an address the outbound-address guard refused or could not resolve:
    a refusal or a name that does not exist is permanent, any other lookup failure passes."""
    if isinstance(exc, netguard.Refused):
        return failed(exc.message, error_code=exc.code)
    if exc.permanent:
        return failed(exc.message, error_code="host_not_found")
    return retry(exc.message, error_code="dns_error")


class Transport(ABC):
    """Base of every transport: checks, timing, then :meth:`deliver`.

    Subclasses set ``kind`` and implement :meth:`deliver`; they may override
    :meth:`check_destination` to refuse a bad configuration before any network call.
    """

    kind: ClassVar[str]

    def send(
        self, document: OutgoingDocument, destination: Destination, *, idempotency_key: str
    ) -> TransportResult:
        if not IDEMPOTENCY_KEY_RE.match(idempotency_key):
            raise ValueError(f"malformed idempotency key: {idempotency_key!r}")
        if destination.kind != self.kind:
            raise ValueError(f"{type(self).__name__} cannot send to a {destination.kind!r}")
        started = time.monotonic()
        result = self._checked_send(document, destination, idempotency_key)
        if not result.duration_ms:
            elapsed = round((time.monotonic() - started) * 1000)
            result = replace(result, duration_ms=elapsed)
        return result

    def _checked_send(
        self, document: OutgoingDocument, destination: Destination, idempotency_key: str
    ) -> TransportResult:
        from comptoir.deliveries.policy import check_document

        refusal = check_document(
            document, accepted_types=destination.accepted_types, max_size=destination.max_size
        )
        if refusal is not None:
            return refusal
        refusal = self.check_destination(destination)
        if refusal is not None:
            return refusal
        try:
            content = document.read_bytes()
        except OSError:
            return retry(
                _("The stored file could not be read; it will be tried again."),
                error_code="file_unreadable",
            )
        if len(content) != document.size or hashlib.sha256(content).hexdigest() != document.sha256:
            return failed(
                _(
                    "The stored file does not match this version (size or SHA-256 differs); "
                    "upload the document again."
                ),
                error_code="file_mismatch",
            )
        return self.deliver(document, content, destination, idempotency_key)

    def check_destination(self, destination: Destination) -> TransportResult | None:
        """A ``failed`` result when the destination's settings cannot work, else None."""
        return None

    @abstractmethod
    def deliver(
        self,
        document: OutgoingDocument,
        content: bytes,
        destination: Destination,
        idempotency_key: str,
    ) -> TransportResult:
        """Send ``content`` (already checked against the version's size and SHA-256)."""
