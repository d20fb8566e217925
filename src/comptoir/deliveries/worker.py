"""The delivery loop: claim a small batch of due deliveries straight from the table, send them,
record them all at once, repeat.

``comptoir deliveries-worker`` runs :func:`run`. Each turn is one batch (:func:`attempt_batch`):

1. **claim** — one statement takes up to ``k`` of the oldest due ``pending`` rows and marks
   them ``sending`` under one claim::

       UPDATE deliveries_delivery SET status='sending', claimed_at=…, claimed_by=…,
              attempt_count=attempt_count+1
        WHERE id IN (SELECT id FROM deliveries_delivery
                      WHERE status='pending' AND next_attempt_at <= now
                      ORDER BY next_attempt_at, id LIMIT k [FOR UPDATE SKIP LOCKED])
          AND status='pending'
       RETURNING …

   the same conditional claim as :func:`engine.claim` (a row is ``sending`` for one claim
   only; ``claimed_by`` carries a fresh nonce per batch), found by the worker itself instead
   of being handed over by one task per attempt. PostgreSQL skips the rows another worker is
   taking (``SKIP LOCKED``); SQLite runs one writer at a time, so the statement is atomic
   there too. ``k`` (:class:`BatchSize`) is as many sends as take about ``BATCH_SECONDS``
   (at most ``MAX_BATCH``, one when sends are slow or nothing was timed yet), and only
   what is due: below capacity a batch is one row;
2. **read** what the attempts need (``rows``): in the claim's statement on PostgreSQL, one
   more query on SQLite (which has no ``UPDATE`` in a ``WITH``);
3. **attempt** each row in turn: a connection that went away cancels the delivery, else the
   transport sends outside any transaction;
4. **record** the whole batch in ONE transaction (one commit): the rows' new statuses in one
   ``UPDATE … FROM (VALUES …)``, each still conditional on this claim (``status='sending'
   AND claimed_by=<claim>``), so a row the sweep took back from a worker it believed dead is
   left alone and its late result dropped; the attempts' rows in one ``INSERT``. The query
   count of a batch does not depend on its size.

The lease covers the batch: no row is tried once half the lease has passed since the claim
(the lease is far longer than any transport's timeout), and the rows not tried — then, or
when the loop is asked to stop — are given back in the record (pending again, their attempt
count as before). Nothing else changes: the outbox still writes the rows in the upload's
transaction, the sweep still takes back abandoned claims after the lease, and every attempt
of one delivery carries its idempotency key. A worker killed between a send and the record
loses nothing: the sweep takes its batch back and the deliveries it had sent are repeated
under the same key (``tests/deliveries/test_kill.py``).

On PostgreSQL the claim's and the record's commits wait for the disk flush unless the
operator opts out (``DELIVERY_WORKER_SYNCHRONOUS_COMMIT=off``, see ``rows``). Between batches
the loop keeps its database connection (no reconnection per attempt); when nothing is due it
looks again every ``idle`` seconds with a read that takes no lock. On PostgreSQL the worker's
connection also prepares its repeated statements (:func:`prepare_worker_connection`): they
are planned once per connection, not once per attempt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from comptoir.core.request_context import bound
from comptoir.deliveries import engine, rows, sweep
from comptoir.deliveries.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

DEFAULT_IDLE_SECONDS = 0.1
ERROR_PAUSE_SECONDS = 1.0
# psycopg prepares a statement on its second run; pgbouncer in transaction pooling before
# 1.21 cannot keep prepared statements: DELIVERY_WORKER_PREPARED_STATEMENTS=off there.
PREPARE_THRESHOLD = 1
# A batch: about this long of sends, at most this many rows (see BatchSize).
BATCH_SECONDS = 0.5
MAX_BATCH = 50


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


def _claim_batch_sql(returning: str = "id") -> str:
    table = connection.ops.quote_name(Delivery._meta.db_table)
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    return (
        f"UPDATE {table} SET status = %s, claimed_at = %s, claimed_by = %s, "  # noqa: S608
        "attempt_count = attempt_count + 1, updated_at = %s "
        f"WHERE id IN (SELECT id FROM {table} WHERE status = %s AND next_attempt_at <= %s "
        f"ORDER BY next_attempt_at, id LIMIT %s{lock}) AND status = %s "
        f"RETURNING {returning}"
    )


def claim_batch(now: datetime, size: int) -> list[tuple[Delivery, engine.Claim]]:
    """Claim up to ``size`` of the oldest due pending deliveries in one statement, all under
    one claim (one nonce), and read what their attempts need: one statement on PostgreSQL,
    two on SQLite. Oldest first; empty when nothing is due."""
    worker = engine.worker_name()
    params = _claim_params(worker, now)
    params.insert(-1, size)  # the LIMIT, before the last status
    with rows.quick_scope(rows.quick_commits()):
        if connection.vendor == "postgresql":
            deliveries = rows.claim_and_load_many(_claim_batch_sql("*"), params)
        else:
            with connection.cursor() as cursor:
                cursor.execute(_claim_batch_sql(), params)
                ids = [int(row[0]) for row in cursor.fetchall()]
            deliveries = rows.load_many(ids)
    deliveries.sort(key=lambda delivery: (delivery.next_attempt_at or now, delivery.pk))
    return [
        (delivery, engine.Claim(worker=worker, at=now, number=delivery.attempt_count))
        for delivery in deliveries
    ]


@dataclass
class BatchSize:
    """How many due rows the loop claims at once: as many as it sends in about
    ``BATCH_SECONDS`` (from the sends it timed), between 1 and ``MAX_BATCH``. A batch costs
    the same two commits whatever its size, and holds its rows' results until its end."""

    seconds_per_send: float = 0.0

    def next(self) -> int:
        if self.seconds_per_send <= 0:
            return 1
        return max(1, min(MAX_BATCH, int(BATCH_SECONDS / self.seconds_per_send)))

    def timed(self, seconds: float) -> None:
        if self.seconds_per_send <= 0:
            self.seconds_per_send = seconds
        else:
            self.seconds_per_send += (seconds - self.seconds_per_send) * 0.2


def attempt_batch(
    *,
    size: int = 1,
    clock: engine.Clock = timezone.now,
    running: Callable[[], bool] = lambda: True,
    sizing: BatchSize | None = None,
) -> list[str]:
    """Claim up to ``size`` due deliveries, attempt them one after the other, and record them
    all in one transaction. What happened to each, in order; empty when nothing was due.

    A row the sweep took back meanwhile is left alone (``lost``). When the loop is asked to
    stop, or half the lease has passed since the claim, the rows not yet attempted are given
    back (pending again, their attempt count as before) in the same record."""
    now = clock()
    claimed = claim_batch(now, size)
    if not claimed:
        return []
    return send_batch(claimed, now=now, clock=clock, running=running, sizing=sizing)


def send_batch(
    claimed: list[tuple[Delivery, engine.Claim]],
    *,
    now: datetime,
    clock: engine.Clock = timezone.now,
    running: Callable[[], bool] = lambda: True,
    sizing: BatchSize | None = None,
) -> list[str]:
    """The attempts of a batch :func:`claim_batch` claimed at ``now``, and their one record
    (see :func:`attempt_batch`)."""
    worker = claimed[0][1].worker
    deadline = now + sweep.lease_setting() / 2
    finished: list[engine.Finished] = []
    cancelled: list[int] = []
    unsent: list[int] = []
    for index, (delivery, claim) in enumerate(claimed):
        if index and (not running() or clock() >= deadline):
            unsent = [delivery.pk for delivery, _claim in claimed[index:]]
            break
        with bound(request=delivery.request_id or None, delivery=delivery.pk):
            if engine.cancel_claimed_if_disconnected(delivery, claim, clock()):
                cancelled.append(delivery.pk)
                logger.info("delivery %s: %s", delivery.pk, DeliveryStatus.CANCELLED)
                continue
            engine.follow_destination(delivery, claim)
            started, timer = clock(), time.monotonic()
            result = engine.send(delivery)  # outside any transaction: no lock is held
            if sizing is not None:
                sizing.timed(time.monotonic() - timer)
            finished.append(
                engine.finished_attempt(
                    delivery, replace(claim, at=started), result, finished=clock()
                )
            )
    outcomes = engine.record_batch(worker, finished, unsent=unsent, now=clock())
    by_id = {delivery.pk: delivery for delivery, _claim in claimed}
    for delivery_id, outcome in outcomes.items():
        delivery = by_id[delivery_id]
        with bound(request=delivery.request_id or None, delivery=delivery_id):
            logger.info("delivery %s: %s", delivery_id, outcome)
    answers = []
    for delivery, _claim in claimed:
        if delivery.pk in cancelled:
            answers.append(str(DeliveryStatus.CANCELLED))
        elif delivery.pk in outcomes:
            answers.append(outcomes[delivery.pk])
    return answers


def anything_due(now: datetime) -> bool:
    """Is a delivery due? A plain read: the idle loop asks this without taking any lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            _due_sql(),
            [DeliveryStatus.PENDING.value, connection.ops.adapt_datetimefield_value(now)],
        )
        return cursor.fetchone() is not None


def attempt_next(*, clock: engine.Clock = timezone.now) -> str | None:
    """Claim and send one due delivery (a batch of one); what happened, or None when nothing
    was due."""
    outcomes = attempt_batch(size=1, clock=clock)
    return outcomes[0] if outcomes else None


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
    sizing = BatchSize()
    while running() and (limit is None or stats.attempts < limit):
        size = sizing.next() if limit is None else min(sizing.next(), limit - stats.attempts)
        try:
            outcomes = attempt_batch(size=size, clock=clock, running=running, sizing=sizing)
        except DatabaseError:
            logger.exception("Delivery worker: database error; trying again shortly")
            connection.close()
            time.sleep(ERROR_PAUSE_SECONDS)
            continue
        if outcomes:
            for outcome in outcomes:
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
