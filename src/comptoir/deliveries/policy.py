"""What happens after an attempt: the retry schedule.

(Which partner answer is permanent or passing is the transports' own knowledge, in
``transports/replies.py``; the app's limits on a file are checked by every transport,
``transports.base.check_document``.)

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
from datetime import datetime, timedelta
from typing import Protocol

from comptoir.deliveries.transports.base import RETRY, SENT, TransportResult

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
