"""A delivery error in the reader's language: its message is rendered at display time from the
attempt's ``error_code`` and ``error_params`` (the HTTP status, the host...), not read from the
text stored when it happened (in the worker's language, French by default).

The stored text (``DeliveryAttempt.error``, ``Delivery.last_error``) stays the fallback: for rows
written before the parameters were kept, and for the codes this table does not know (the
configuration problems, whose messages name settings; the outbound-address guard's refusals).
The engine's decisions (retry or not) never read this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# (error_code, variant) → the message; ``variant`` is ``error_params["variant"]`` when one code
# has several messages. The msgids are the ones the transports write, so their translations
# are the .po's.
MESSAGES = {
    ("timeout", ""): _("The partner %(host)s did not answer in time."),
    ("tls_error", ""): _(
        "The TLS certificate of %(host)s could not be verified (expired or issued for another "
        "name)."
    ),
    ("connection_error", ""): _("The connection to %(host)s failed or was cut."),
    ("connection_error", "sftp_unreachable"): _(
        "The SFTP server %(host)s could not be reached or did not answer in time."
    ),
    ("connection_error", "sftp_closed"): _("The SFTP server %(host)s closed the connection."),
    ("redirect", ""): _(
        "The partner's address answered with a redirection (HTTP %(status)s), which is not "
        "followed. Configure the final https:// address."
    ),
    ("http_status", ""): _("The partner answered HTTP %(status)s."),
    ("smtp_disconnected", ""): _("The mail server closed the connection; it will be tried again."),
    ("smtp_unreachable", ""): _("The mail server could not be reached; it will be tried again."),
    ("not_sent", ""): _("The message was not sent (no recipient)."),
    ("smtp_rejected", ""): _("The mail server answered %(code)s."),
    ("smtp_rejected", "no_code"): _("The mail server refused the message."),
    ("smtp_temporary", ""): _("The mail server answered %(code)s."),
    ("smtp_temporary", "no_code"): _("The mail server refused the message."),
    ("host_key_mismatch", ""): _(
        "The SFTP server %(host)s did not present the expected host key. Check the key in the "
        "app's settings with the partner."
    ),
    ("auth_failed", ""): _("The SFTP server %(host)s refused the user name, password or key."),
    ("sftp_error", ""): _("The SFTP server refused the upload: %(reason)s"),
    ("app_removed", ""): _(
        "“%(app)s” was removed from your space before this document could be sent."
    ),
    ("unsupported_transport", ""): _(
        "“%(app)s” sends in a way this platform does not support (%(kind)s). Contact the "
        "platform's support."
    ),
    ("internal_error", ""): _("An unexpected error stopped the sending; it will be tried again."),
    ("file_unreadable", ""): _("The stored file could not be read; it will be tried again."),
    ("file_mismatch", ""): _(
        "The stored file does not match this version (size or SHA-256 differs); upload the "
        "document again."
    ),
    ("file_too_large", ""): _(
        "The file is too large for this application (%(size)s; it accepts at most %(limit)s). "
        "Send a smaller file or split it."
    ),
    ("file_type_refused", ""): _(
        "This application does not accept this type of file (%(type)s). It accepts: %(accepted)s."
    ),
    ("abandoned", ""): _(
        "The sending was interrupted (the worker stopped); it will be tried again."
    ),
    ("abandoned", "last"): _(
        "The sending was interrupted (the worker stopped). Given up after %(count)d attempts."
    ),
}

# Parameters stored as numbers of bytes, shown in the reader's units.
_SIZES = ("size", "limit")


def error_message(code: str, params: Mapping[str, Any] | None, fallback: str) -> str:
    """The message of an error, in the active language; ``fallback`` (the stored text) when
    the code is unknown here or the row kept no parameters (``None``: written before they
    were kept)."""
    if params is None or not fallback:
        # No text stored: no error, or housekeeping blanked it (its parameters too, but an
        # error is never shown again once its text is gone).
        return fallback
    message = MESSAGES.get((code, str(params.get("variant", ""))))
    if message is None:
        return fallback
    values = {
        key: filesizeformat(value) if key in _SIZES and isinstance(value, int) else value
        for key, value in params.items()
    }
    try:
        text = str(message) % values
    except (KeyError, TypeError, ValueError):
        return fallback
    detail = params.get("detail")
    if detail:  # the partner's own words, as they were
        text = f"{text} {detail}"
    given_up = params.get("given_up")
    if given_up:
        text = gettext("%(error)s Given up after %(count)d attempts.") % {
            "error": text,
            "count": given_up,
        }
    return text
