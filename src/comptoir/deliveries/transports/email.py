"""Collection e-mail transport: one message per document version, the file attached.

Sent To the partner's collection address, From the firm's sender address for the app
(``EmailDestination.sender``, else ``settings.DEFAULT_FROM_EMAIL``), through Django's mail API with
an explicit connection and timeout (by default ``settings.EMAIL_BACKEND`` and its SMTP host).

``Message-ID`` is derived from the idempotency key, so every attempt of one delivery carries
the same one and the partner (or any mail system) can tell a resend from a new document.

No header injection: the subject, display names and file name lose their control
characters (CR, LF, NUL, Unicode line separators); addresses with such characters, or that
are not valid, are refused as a permanent failure; non-ASCII file names are RFC 2231-encoded.
The attachment is always base64 so that its bytes arrive unchanged, text files included.

SMTP replies: 2xx sent; 4xx, a dropped connection, a refused connection or a timeout retry;
5xx (rejected recipient, sender or message) failed.
"""

from __future__ import annotations

import hashlib
import re
import smtplib
from email import encoders
from email.mime.base import MIMEBase
from email.utils import formataddr
from typing import Any, ClassVar

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.utils.translation import gettext as _

from comptoir.deliveries.transports.base import (
    FAILED,
    SENT,
    Destination,
    OutgoingDocument,
    Transport,
    TransportResult,
    clean_text,
    failed,
    retry,
    safe_file_name,
    sent,
)
from comptoir.deliveries.transports.destinations import (
    EmailDestination,
    parse_address,
)
from comptoir.deliveries.transports.replies import classify_smtp_code

_MIME_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")


def message_id_for(idempotency_key: str, sender_address: str) -> str:
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    domain = sender_address.rpartition("@")[2].lower() or "comptoir.invalid"
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        domain = "comptoir.invalid"
    return f"<delivery.{digest}@{domain}>"


def _attachment(content: bytes, file_name: str, content_type: str) -> MIMEBase:
    mime = content_type.split(";", 1)[0].strip().lower()
    if not _MIME_TYPE.match(mime):
        mime = "application/octet-stream"
    main, sub = mime.split("/", 1)
    part = MIMEBase(main, sub)
    part.set_payload(content)
    encoders.encode_base64(part)
    filename: str | tuple[str, str, str] = file_name
    if not file_name.isascii():
        filename = ("utf-8", "", file_name)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def _smtp_code(exc: smtplib.SMTPException) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return max(codes) if codes else None
    return getattr(exc, "smtp_code", None)


def _smtp_text(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = [msg for _code, msg in exc.recipients.values()]
        raw: Any = replies[0] if replies else b""
    else:
        raw = getattr(exc, "smtp_error", b"")
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    return clean_text(raw, 150)


class EmailTransport(Transport[EmailDestination]):
    kind: ClassVar[str] = "email"
    destination_class: ClassVar[type[Destination]] = EmailDestination

    def __init__(self, *, timeout: float | None = None, **connection_options: Any) -> None:
        """``connection_options`` go to ``get_connection`` (``backend``, ``host``, ``port``,
        ``use_tls``...); by default the project's e-mail settings."""
        self.timeout = settings.EMAIL_TIMEOUT if timeout is None else timeout
        self.connection_options = connection_options

    def build_message(
        self,
        document: OutgoingDocument,
        content: bytes,
        destination: EmailDestination,
        idempotency_key: str,
        connection: Any = None,
    ) -> EmailMessage:
        _no_name, to_address = parse_address(destination.address, allow_name=False)
        from_name, from_address = parse_address(destination.sender or settings.DEFAULT_FROM_EMAIL)
        meta = document.metadata
        name = clean_text(document.display_name, 120)
        company = clean_text(meta.get("company_name") or "", 120)
        subject = (
            _("%(document)s — %(company)s") % {"document": name, "company": company}
            if company
            else name
        )
        lines = [
            _("Hello,"),
            "",
            _("Please find attached the document “%(document)s”.") % {"document": name},
        ]
        details = [
            (_("Company"), company),
            (_("SIRET"), clean_text(meta.get("company_siret") or "", 20)),
            (_("Folder"), clean_text(meta.get("folder") or "", 120)),
            (_("Version"), clean_text(meta.get("version_number") or "", 10)),
            (_("Dossier code"), clean_text(destination.dossier_code, 60)),
        ]
        lines += [
            _("%(label)s: %(value)s") % {"label": label, "value": value}
            for label, value in details
            if value
        ]
        firm = clean_text(meta.get("firm_name") or "", 120)
        lines.append("")
        if firm:
            lines.append(_("Sent automatically by %(firm)s via Comptoir.") % {"firm": firm})
        else:
            lines.append(_("Sent automatically by Comptoir."))
        message = EmailMessage(
            subject=clean_text(subject, 200),
            body="\n".join(lines) + "\n",
            from_email=formataddr((from_name, from_address)),
            to=[to_address],
            headers={
                "Message-ID": message_id_for(idempotency_key, from_address),
                "X-Comptoir-Idempotency-Key": idempotency_key,
                "Auto-Submitted": "auto-generated",
            },
            connection=connection,
        )
        message.attach(
            _attachment(content, safe_file_name(document.file_name), document.content_type)
        )
        return message

    def deliver(
        self,
        document: OutgoingDocument,
        content: bytes,
        destination: EmailDestination,
        idempotency_key: str,
    ) -> TransportResult:
        connection = get_connection(
            fail_silently=False, timeout=self.timeout, **self.connection_options
        )
        message = self.build_message(document, content, destination, idempotency_key, connection)
        message_id = message.extra_headers["Message-ID"]
        try:
            count = connection.send_messages([message])
        except smtplib.SMTPServerDisconnected:
            return retry(
                _("The mail server closed the connection; it will be tried again."),
                error_code="smtp_disconnected",
                error_params={},
            )
        except smtplib.SMTPException as exc:
            return self._smtp_failure(exc)
        except OSError:  # refused, unreachable, timed out, TLS failure
            return retry(
                _("The mail server could not be reached; it will be tried again."),
                error_code="smtp_unreachable",
                error_params={},
            )
        except ValueError:
            return failed(
                _("The message could not be built from these addresses. Check them."),
                error_code="bad_configuration",
            )
        if not count:
            return failed(
                _("The message was not sent (no recipient)."),
                error_code="not_sent",
                error_params={},
            )
        code = 250 if isinstance(connection, SmtpBackend) else None
        return sent(code=code, remote_id=message_id)

    def _smtp_failure(self, exc: smtplib.SMTPException) -> TransportResult:
        code = _smtp_code(exc)
        text = _smtp_text(exc)
        outcome = classify_smtp_code(code)
        if code is None:
            message = _("The mail server refused the message.")
        else:
            message = _("The mail server answered %(code)s.") % {"code": code}
        if text:
            message = f"{message} {text}"
        params = {"code": code, "detail": text} if code is not None else {"variant": "no_code"}
        if code is None and text:
            params["detail"] = text
        if outcome == FAILED:
            return failed(message, code=code, error_code="smtp_rejected", error_params=params)
        if outcome == SENT:  # pragma: no cover - an exception never carries a 2xx
            return sent(code=code)
        return retry(message, code=code, error_code="smtp_temporary", error_params=params)
