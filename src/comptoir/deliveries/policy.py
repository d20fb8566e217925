"""What happens after an attempt: the retry schedule, the outcome of a reply, the app's limits.

Pure functions, no database and no clock of their own: the caller passes ``now`` and, for
the jitter, a random source (anything with ``uniform(a, b)``, e.g. ``random.Random(seed)``).

Schedule: after the first failed attempt wait 5 s, then 5 min, 30 min, 2 h, 5 h, 10 h, 14 h,
20 h and 24 h, each ±10 % (so 10 attempts over about 3.5 days); after the tenth attempt the
delivery is failed. A ``Retry-After`` from the partner is honoured — the next try is never
earlier than it asks — but capped at 24 h so that a hostile or broken value cannot park a
delivery for ever.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from typing import Protocol

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from comptoir.deliveries.transports.base import (
    FAILED,
    RETRY,
    SENT,
    Outcome,
    OutgoingDocument,
    TransportResult,
    failed,
)

RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
JITTER = 0.10
RETRY_AFTER_CAP = timedelta(hours=24)

RETRYABLE_HTTP_STATUSES = frozenset({408, 425, 429})


class RandomSource(Protocol):
    def uniform(self, a: float, b: float) -> float: ...


_default_rng = random.Random()


def next_attempt_at(
    attempt_number: int,
    now: datetime,
    retry_after: float | None = None,
    rng: RandomSource | None = None,
) -> datetime | None:
    """When to try again after attempt ``attempt_number`` (1 = the first) ended in ``retry``;
    ``None`` when that was the last attempt allowed (the delivery is then failed).

    ``retry_after`` is the partner's wish in seconds: the result is never earlier than
    ``now + min(retry_after, 24 h)``.
    """
    if attempt_number < 1:
        raise ValueError("attempt_number starts at 1")
    if attempt_number > len(RETRY_SCHEDULE):
        return None
    base = RETRY_SCHEDULE[attempt_number - 1]
    factor = 1 + (rng or _default_rng).uniform(-JITTER, JITTER)
    delay = base * factor
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(timedelta(seconds=retry_after), RETRY_AFTER_CAP))
    return now + delay


@dataclass(frozen=True)
class AttemptPlan:
    """What the engine does with a delivery after one attempt."""

    status: str  # "sent" | "pending" (try again at next_attempt_at) | "failed"
    next_attempt_at: datetime | None = None


def plan_after_attempt(
    result: TransportResult,
    attempt_number: int,
    now: datetime,
    rng: RandomSource | None = None,
) -> AttemptPlan:
    if result.outcome == SENT:
        return AttemptPlan("sent")
    if result.outcome == RETRY:
        when = next_attempt_at(attempt_number, now, result.retry_after, rng)
        if when is not None:
            return AttemptPlan("pending", when)
    return AttemptPlan("failed")


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
            )
    return None
