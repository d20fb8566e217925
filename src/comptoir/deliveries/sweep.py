"""The sweep: what makes a lost queue message, a killed worker or a restart lose nothing.

Run periodically (``comptoir deliveries-sweep --every 30``, started by ``rundemo``), it:

1. takes back deliveries stuck in ``sending`` for longer than the lease (their worker died or
   was killed mid-attempt): the abandoned attempt is recorded (outcome ``retry``,
   ``error_code="abandoned"``) and the delivery goes back to ``pending`` at once, or to
   ``failed`` when that was its last allowed attempt. The lease (10 minutes) is far longer
   than any transport may take (15 s for HTTPS and e-mail, 2 minutes for SFTP), so a live
   worker is never robbed; if one were, its late result is dropped (see ``engine.record``)
   and the next attempt carries the same idempotency key;
2. with ``DELIVERY_SENDER=tasks`` only (the delivery loop needs no queue), queues again the
   ``pending`` deliveries that are due since longer than a grace period and were not queued
   within it: their message was lost, the enqueue failed, or the task backend cannot defer a
   retry. A duplicate message costs nothing: the claim lets one through.

Both steps are bounded (``limit`` rows per run) and use the (status, …) indexes. Each pass
ends with a heartbeat (``comptoir.ops.hooks.sweep_passed``): /readyz turns red when it gets old.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.deliveries import policy
from comptoir.deliveries.models import Delivery, DeliveryAttempt, DeliveryStatus
from comptoir.deliveries.outbox import enqueue_on_commit, enqueue_sends, tasks_send
from comptoir.ops import hooks as ops_hooks

DEFAULT_LEASE = timedelta(minutes=10)
DEFAULT_GRACE = timedelta(seconds=60)
DEFAULT_LIMIT = 1000


def lease_setting() -> timedelta:
    seconds = getattr(settings, "DELIVERY_LEASE_SECONDS", None)
    return timedelta(seconds=float(seconds)) if seconds else DEFAULT_LEASE


def grace_setting() -> timedelta:
    seconds = getattr(settings, "DELIVERY_SWEEP_GRACE_SECONDS", None)
    return timedelta(seconds=float(seconds)) if seconds is not None else DEFAULT_GRACE


@dataclass(frozen=True)
class SweepResult:
    reclaimed: int = 0  # abandoned attempts taken back (pending again)
    given_up: int = 0  # abandoned on their last allowed attempt (failed)
    requeued: int = 0  # due pending deliveries queued again

    @property
    def anything(self) -> bool:
        return bool(self.reclaimed or self.given_up or self.requeued)


def _take_back(row: Mapping[str, Any], now: datetime) -> str | None:
    """One abandoned attempt: record it and free the delivery. None if it moved meanwhile."""
    number = row["attempt_count"]
    last = number >= policy.MAX_ATTEMPTS
    error = _("The sending was interrupted (the worker stopped); it will be tried again.")
    if last:
        error = _(
            "The sending was interrupted (the worker stopped). Given up after %(count)d attempts."
        ) % {"count": number}
    mine = Delivery.objects.filter(
        pk=row["pk"], status=DeliveryStatus.SENDING, claimed_by=row["claimed_by"]
    )
    with transaction.atomic():
        updated = mine.update(
            status=DeliveryStatus.FAILED if last else DeliveryStatus.PENDING,
            next_attempt_at=None if last else now,
            enqueued_at=now,
            claimed_at=None,
            claimed_by="",
            last_error=error,
            last_code=None,
            updated_at=now,
        )
        if not updated:
            return None
        DeliveryAttempt.objects.create(
            firm_id=row["firm_id"],
            delivery_id=row["pk"],
            number=number,
            started_at=row["claimed_at"],
            finished_at=now,
            outcome="failed" if last else "retry",
            error=error,
            error_code="abandoned",
            error_params={"variant": "last", "count": number} if last else {},
            next_attempt_at=None if last else now,
            worker=row["claimed_by"],
            created_at=now,
            updated_at=now,
        )
        if not last:
            enqueue_on_commit([row["pk"]])
    return "failed" if last else "pending"


def reclaim_abandoned(*, now: datetime, lease: timedelta, limit: int) -> tuple[int, int]:
    rows = list(
        Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lte=now - lease)
        .order_by("claimed_at")
        .values("pk", "firm_id", "claimed_by", "claimed_at", "attempt_count")[:limit]
    )
    outcomes = [_take_back(row, now) for row in rows]
    return outcomes.count("pending"), outcomes.count("failed")


def requeue_due(*, now: datetime, grace: timedelta, limit: int) -> int:
    if not tasks_send():
        return 0  # the delivery loop finds every due row itself: nothing to queue again
    cutoff = now - grace
    ids = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=cutoff)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=cutoff))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(enqueued_at=now)
    return enqueue_sends(ids)


def sweep(
    *,
    now: datetime | None = None,
    lease: timedelta | None = None,
    grace: timedelta | None = None,
    limit: int = DEFAULT_LIMIT,
) -> SweepResult:
    """One pass: take back abandoned attempts, then queue again what is due and not queued."""
    now = now or timezone.now()
    reclaimed, given_up = reclaim_abandoned(
        now=now, lease=lease if lease is not None else lease_setting(), limit=limit
    )
    requeued = requeue_due(
        now=now, grace=grace if grace is not None else grace_setting(), limit=limit
    )
    ops_hooks.sweep_passed()  # /readyz turns red when the sweep stops
    return SweepResult(reclaimed=reclaimed, given_up=given_up, requeued=requeued)
