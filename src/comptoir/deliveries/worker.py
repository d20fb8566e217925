"""The delivery loop: claim a due delivery straight from the table, send it, record it, repeat.

``comptoir deliveries-worker`` runs :func:`run`. Each turn is one attempt:

1. **claim** — one statement takes the oldest due ``pending`` row and marks it ``sending``::

       UPDATE deliveries_delivery SET status='sending', claimed_at=…, claimed_by=…,
              attempt_count=attempt_count+1
        WHERE id = (SELECT id FROM deliveries_delivery
                     WHERE status='pending' AND next_attempt_at <= now
                     ORDER BY next_attempt_at, id LIMIT 1 [FOR UPDATE SKIP LOCKED])
          AND status='pending'
       RETURNING id, attempt_count

   the same conditional claim as :func:`engine.claim` (a row is ``sending`` for one claim
   only; ``claimed_by`` carries a fresh nonce), found by the worker itself instead of being
   handed over by one task per attempt. PostgreSQL skips the rows another worker is taking
   (``SKIP LOCKED``); SQLite runs one writer at a time, so the statement is atomic there too;
2. **read** what the attempt needs (:func:`engine.load`, one query);
3. **attempt** (:func:`engine.attempt`): a connection that went away cancels the delivery,
   else the transport sends outside any transaction and one short transaction records the
   attempt and the new status — conditionally on this claim, so a row the sweep took back
   from a worker it believed dead drops the late result.

Nothing else changes: the outbox still writes the rows in the upload's transaction, the
sweep still takes back abandoned claims after the lease, and every attempt of one delivery
carries its idempotency key. A killed worker loses nothing (``tests/deliveries/test_kill.py``).

On PostgreSQL the claim's and the record's commits do not wait for the disk flush (see
``rows``: what a database crash could lose then is a repeat under the same key, never a
document). Between attempts the loop keeps its database connection (no reconnection per
attempt); when nothing is due it looks again every ``idle`` seconds with a read that takes no
lock. On PostgreSQL the worker's connection also prepares its repeated statements
(:func:`prepare_worker_connection`): the claim and the read are planned once per
connection, not once per attempt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from comptoir.core.request_context import bound
from comptoir.deliveries import engine, rows
from comptoir.deliveries.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

DEFAULT_IDLE_SECONDS = 0.1
ERROR_PAUSE_SECONDS = 1.0
# psycopg prepares a statement on its second run; pgbouncer in transaction pooling before
# 1.21 cannot keep prepared statements: DELIVERY_WORKER_PREPARED_STATEMENTS=off there.
PREPARE_THRESHOLD = 1


def prepare_worker_connection() -> bool:
    """On PostgreSQL, let this process's connection prepare the statements it repeats
    (server-side parameters, psycopg's ``prepare_threshold``). Call before the first query.
    True when turned on. Only the worker process does this: the web processes keep
    Django's defaults (client-side parameters, nothing prepared)."""
    if connection.vendor != "postgresql" or not settings.DELIVERY_WORKER_PREPARED_STATEMENTS:
        return False
    if connection.in_atomic_block:  # called inside a transaction (a test): leave it be
        return False
    options = connection.settings_dict.setdefault("OPTIONS", {})
    options.setdefault("server_side_binding", True)
    options.setdefault("prepare_threshold", PREPARE_THRESHOLD)
    if rows.quick_commits():  # the whole session commits without waiting for the disk
        extra = options.get("options", "")
        options["options"] = f"{extra} -c synchronous_commit=off".strip()
        rows.session_commits_quickly = True
    if connection.connection is not None:  # already open: reopen with the options
        connection.close()
    return True


def _claim_sql(returning: str = "id, attempt_count") -> str:
    table = connection.ops.quote_name(Delivery._meta.db_table)
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    return (
        f"UPDATE {table} SET status = %s, claimed_at = %s, claimed_by = %s, "  # noqa: S608
        "attempt_count = attempt_count + 1, updated_at = %s "
        f"WHERE id = (SELECT id FROM {table} WHERE status = %s AND next_attempt_at <= %s "
        f"ORDER BY next_attempt_at, id LIMIT 1{lock}) AND status = %s "
        f"RETURNING {returning}"
    )


def _due_sql() -> str:
    table = connection.ops.quote_name(Delivery._meta.db_table)
    return f"SELECT 1 FROM {table} WHERE status = %s AND next_attempt_at <= %s LIMIT 1"  # noqa: S608


def _claim_params(worker: str, now: datetime) -> list[Any]:
    at = connection.ops.adapt_datetimefield_value(now)
    pending, sending = DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value
    return [sending, at, worker, at, pending, at, pending]


def claim_due(now: datetime) -> tuple[int, engine.Claim] | None:
    """Claim the oldest due pending delivery: its id and the claim, or None if none is due."""
    worker = engine.worker_name()
    with rows.quick_scope(rows.quick_commits()), connection.cursor() as cursor:
        cursor.execute(_claim_sql(), _claim_params(worker, now))
        row = cursor.fetchone()
    if row is None:
        return None
    delivery_id, number = int(row[0]), int(row[1])
    return delivery_id, engine.Claim(worker=worker, at=now, number=number)


def claim_and_load(now: datetime) -> tuple[Delivery, engine.Claim] | None:
    """The claim and the attempt's read: one statement on PostgreSQL, two on SQLite (which
    has no ``UPDATE`` in a ``WITH``). None when nothing is due."""
    if connection.vendor != "postgresql":
        claimed = claim_due(now)
        if claimed is None:
            return None
        delivery = engine.load(claimed[0])
        return None if delivery is None else (delivery, claimed[1])
    worker = engine.worker_name()
    with rows.quick_scope(rows.quick_commits()):
        delivery = rows.claim_and_load(_claim_sql("*"), _claim_params(worker, now))
    if delivery is None:
        return None
    return delivery, engine.Claim(worker=worker, at=now, number=delivery.attempt_count)


def anything_due(now: datetime) -> bool:
    """Is a delivery due? A plain read: the idle loop asks this without taking any lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            _due_sql(),
            [DeliveryStatus.PENDING.value, connection.ops.adapt_datetimefield_value(now)],
        )
        return cursor.fetchone() is not None


def attempt_next(*, clock: engine.Clock = timezone.now) -> str | None:
    """Claim and send one due delivery; what happened, or None when nothing was due."""
    claimed = claim_and_load(clock())
    if claimed is None:
        return None
    delivery, claim = claimed
    # Log lines carry the upload's request id, kept on the row by the outbox.
    with bound(request=delivery.request_id or None, delivery=delivery.pk):
        outcome = engine.attempt(delivery, claim, clock=clock)
        logger.info("delivery %s: %s", delivery.pk, outcome)
        return outcome


@dataclass
class LoopStats:
    attempts: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def run(
    *,
    idle: float = DEFAULT_IDLE_SECONDS,
    running: Callable[[], bool] = lambda: True,
    limit: int | None = None,
    stop_when_idle: bool = False,
    clock: engine.Clock = timezone.now,
) -> LoopStats:
    """Send due deliveries until ``running()`` is false (a signal), ``limit`` attempts were
    made, or — with ``stop_when_idle`` — nothing is due. A database error (a restart, a lost
    connection) closes the connection and waits a second before trying again."""
    stats = LoopStats()
    while running() and (limit is None or stats.attempts < limit):
        try:
            outcome = attempt_next(clock=clock)
        except DatabaseError:
            logger.exception("Delivery worker: database error; trying again shortly")
            connection.close()
            time.sleep(ERROR_PAUSE_SECONDS)
            continue
        if outcome is not None:
            stats.attempts += 1
            stats.outcomes[outcome] = stats.outcomes.get(outcome, 0) + 1
            continue
        if stop_when_idle:
            break
        _wait_for_work(idle, running, clock)
    return stats


def _wait_for_work(idle: float, running: Callable[[], bool], clock: engine.Clock) -> None:
    while running():
        time.sleep(idle)
        try:
            if anything_due(clock()):
                return
        except DatabaseError:
            logger.exception("Delivery worker: database error while idle")
            connection.close()
            time.sleep(ERROR_PAUSE_SECONDS)
