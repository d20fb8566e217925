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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import IO, TYPE_CHECKING, Any, ClassVar, Generic, Literal, Self, TypeVar, cast

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from comptoir.deliveries import netguard

if TYPE_CHECKING:
    from comptoir.store.schema import SettingField

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
class PlannedDestination:
    """One place to send the document: ``key`` is stable for a connection and folder
    (used to find it again on "Renvoyer"), ``snapshot`` is stored on the delivery."""

    key: str
    snapshot: dict[str, Any]


def setting_value(settings: Mapping[str, Any], key: str) -> str:
    """A typed setting as text, trimmed; "" when absent or not text."""
    value = settings.get(key)
    return value.strip() if isinstance(value, str) else ""


def snapshot_base(app: Any, key: str, dossier_code: str) -> dict[str, Any]:
    """What every destination's snapshot holds: its key and kind, the app's name and limits."""
    return {
        "key": key,
        "kind": app.transport,
        "app_name": app.name,
        "dossier_code": dossier_code,
        "accepted_types": [str(t) for t in (app.accepted_file_types or [])],
        "max_size": app.max_file_size,
    }


@dataclass(frozen=True)
class Destination:
    """Where one app wants the document; each transport has its own subclass
    (``EmailDestination``, ``HttpsDestination``, ``SftpDestination``) that owns:

    - :meth:`plan`: the destinations a connection's settings describe (at upload time, the
      snapshots stored on the deliveries; secrets only say where they live);
    - :meth:`from_snapshot`: the destination of a stored snapshot, secrets filled in;
    - :attr:`label`: where it goes, for people (the send history);
    - :meth:`missing_setting` and :meth:`check`: the configuration problems that fail a
      delivery before any network call.

    Common fields: ``dossier_code`` (the partner's dossier code, sent along), ``app_name``
    (for messages), ``accepted_types`` (``.pdf``, ``application/pdf``, ``image/*``; empty =
    all) and ``max_size`` in bytes (``None`` = no limit).
    """

    kind: ClassVar[str] = ""
    dossier_code: str = ""
    app_name: str = ""
    accepted_types: tuple[str, ...] = ()
    max_size: int | None = None

    @classmethod
    def plan(
        cls,
        app: Any,
        fields: Sequence[SettingField],
        *,
        firm_settings: Mapping[str, Any],
        company_settings: Mapping[str, Any],
        folder: str,
        dossier_code: str,
    ) -> list[PlannedDestination]:
        """The destinations of this connection for a document of ``folder``."""
        return []

    @classmethod
    def from_snapshot(
        cls, snapshot: Mapping[str, Any], secrets: Mapping[str, str] | None = None
    ) -> Self:
        """The destination a delivery's snapshot describes, with its secrets' values."""
        return cls(**cls.common_fields(snapshot))

    @staticmethod
    def common_fields(snapshot: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "dossier_code": str(snapshot.get("dossier_code") or ""),
            "app_name": str(snapshot.get("app_name") or ""),
            "accepted_types": tuple(str(t) for t in snapshot.get("accepted_types") or ()),
            "max_size": snapshot.get("max_size") or None,
        }

    @property
    def label(self) -> str:
        """Where it goes, for people."""
        return "—"

    @classmethod
    def missing_setting(
        cls, snapshot: Mapping[str, Any], *, folder_label: str, company_name: str, app_name: str
    ) -> TransportResult | None:
        """A permanent failure the snapshot already shows (a required setting left empty),
        with what to fill in; None when nothing is missing."""
        return None

    def check(self) -> TransportResult | None:
        """A ``failed`` result when these settings cannot work, else None (no network)."""
        return None


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
    # What ``error`` is made of, to render it again in the reader's language (``errors``).
    error_params: Mapping[str, Any] = field(default_factory=dict)

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


D = TypeVar("D", bound=Destination)


class Transport(ABC, Generic[D]):
    """Base of every transport: checks, timing, then :meth:`deliver`.

    Subclasses set ``kind`` and ``destination_class`` and implement :meth:`deliver`; the
    destination's own :meth:`Destination.check` refuses a bad configuration before any
    network call.
    """

    kind: ClassVar[str]
    destination_class: ClassVar[type[Destination]] = Destination

    def send(
        self, document: OutgoingDocument, destination: Destination, *, idempotency_key: str
    ) -> TransportResult:
        if not IDEMPOTENCY_KEY_RE.match(idempotency_key):
            raise ValueError(f"malformed idempotency key: {idempotency_key!r}")
        if not isinstance(destination, self.destination_class):
            raise ValueError(f"{type(self).__name__} cannot send to a {destination.kind!r}")
        started = time.monotonic()
        result = self._checked_send(document, cast(D, destination), idempotency_key)
        if not result.duration_ms:
            elapsed = round((time.monotonic() - started) * 1000)
            result = replace(result, duration_ms=elapsed)
        return result

    def _checked_send(
        self, document: OutgoingDocument, destination: D, idempotency_key: str
    ) -> TransportResult:
        refusal = check_document(
            document, accepted_types=destination.accepted_types, max_size=destination.max_size
        )
        if refusal is not None:
            return refusal
        refusal = destination.check()
        if refusal is not None:
            return refusal
        try:
            content = document.read_bytes()
        except OSError:
            return retry(
                _("The stored file could not be read; it will be tried again."),
                error_code="file_unreadable",
                error_params={},
            )
        if len(content) != document.size or hashlib.sha256(content).hexdigest() != document.sha256:
            return failed(
                _(
                    "The stored file does not match this version (size or SHA-256 differs); "
                    "upload the document again."
                ),
                error_code="file_mismatch",
                error_params={},
            )
        return self.deliver(document, content, destination, idempotency_key)

    @abstractmethod
    def deliver(
        self,
        document: OutgoingDocument,
        content: bytes,
        destination: D,
        idempotency_key: str,
    ) -> TransportResult:
        """Send ``content`` (already checked against the version's size and SHA-256)."""


# --- the app's limits, checked by every transport before any network call ------------------


def _type_matches(rule: str, extension: str, content_type: str) -> bool:
    rule = rule.strip().lower()
    if not rule:
        return False
    if rule in {"*", "*/*"}:
        return True
    if "/" in rule:
        if rule.endswith("/*"):
            return content_type.startswith(rule[:-1])
        return content_type == rule
    return extension == (rule if rule.startswith(".") else f".{rule}")


def check_document(
    document: OutgoingDocument,
    *,
    accepted_types: tuple[str, ...] | list[str] = (),
    max_size: int | None = None,
) -> TransportResult | None:
    """A permanent failure when the app refuses this file (type or size), else None.

    ``accepted_types`` mixes extensions (``.pdf``, ``pdf``) and MIME types (``application/pdf``,
    ``image/*``); empty accepts everything. A file is accepted when its extension or its
    content type matches one rule.
    """
    if max_size is not None and max_size > 0 and document.size > max_size:
        return failed(
            _(
                "The file is too large for this application (%(size)s; it accepts at most "
                "%(limit)s). Send a smaller file or split it."
            )
            % {"size": filesizeformat(document.size), "limit": filesizeformat(max_size)},
            error_code="file_too_large",
            error_params={"size": document.size, "limit": max_size},
        )
    if accepted_types:
        extension = PurePosixPath(document.file_name.lower()).suffix
        content_type = document.content_type.split(";", 1)[0].strip().lower()
        if not any(_type_matches(rule, extension, content_type) for rule in accepted_types):
            return failed(
                _(
                    "This application does not accept this type of file (%(type)s). "
                    "It accepts: %(accepted)s."
                )
                % {
                    "type": extension or content_type or "?",
                    "accepted": ", ".join(accepted_types),
                },
                error_code="file_type_refused",
                error_params={
                    "type": extension or content_type or "?",
                    "accepted": ", ".join(accepted_types),
                },
            )
    return None
