"""Which partner answer is final and which passes: the transports' classification of replies.

Pure functions. ``sent`` = the partner took it; ``retry`` = try again later (the schedule is
``policy``'s); ``failed`` = permanent, no further attempt.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from comptoir.deliveries.transports.base import FAILED, RETRY, SENT, Outcome

RETRYABLE_HTTP_STATUSES = frozenset({408, 425, 429})


def classify_http_status(status: int) -> Outcome:
    """2xx sent; 408, 425, 429 and 5xx retry; every other status (3xx, 4xx) failed."""
    if 200 <= status < 300:
        return SENT
    if status in RETRYABLE_HTTP_STATUSES or 500 <= status < 600:
        return RETRY
    return FAILED


def classify_smtp_code(code: int | None) -> Outcome:
    """2xx sent; 5xx failed (permanent); 4xx and anything odd (no reply, 3xx) retry."""
    if code is not None and 200 <= code < 300:
        return SENT
    if code is not None and 500 <= code < 600:
        return FAILED
    return RETRY


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP date.
    ``None`` when absent or unreadable; 0 for a date already past."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # not "²" or a fullwidth 5: int() refuses or reads
        return float(int(value)) if len(value) <= 12 else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
