"""The delivery engine: claim a due delivery, send it outside any transaction, record the result.

One call of :func:`process_delivery` is one attempt:

1. read the row (one query, with its version, app and connection); do nothing if it is gone,
   not ``pending`` or not due;
2. a connection that went away or was disabled meanwhile cancels the delivery (``pending →
   cancelled``), nothing is sent;
3. claim it: ``UPDATE … SET status='sending' WHERE id=… AND status='pending' AND
   next_attempt_at <= now AND attempt_count = <read>`` — portable to SQLite; the worker that
   updates one row owns the attempt, any other does nothing;
3b. read the destination again from the connection's current settings
   (:func:`current_destination`): a firm that corrected an address, or a demo whose receiver
   moved to another port, is followed by the deliveries already planned; the snapshot on the
   row is updated, so the send history says where the file really went;
4. send with the transport, OUTSIDE any transaction (no lock is held during the network call);
5. in one short transaction, record the attempt and the new status — again conditionally
   (``status='sending' AND claimed_by=<this claim>``): if the sweep took the row back because
   this worker looked dead, the late result is dropped (the next attempt carries the same
   idempotency key, so the partner sees a repeat, not a second document).

A retry goes back to ``pending`` with ``next_attempt_at`` from the policy (``Retry-After``
honoured) and is queued for that time when the task backend can defer; otherwise, and
whenever a message is lost, the sweep queues it when it is due.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.deliveries import policy, rows
from comptoir.deliveries.models import Delivery, DeliveryStatus
from comptoir.deliveries.outbox import enqueue_on_commit
from comptoir.deliveries.routing import destinations_for
from comptoir.deliveries.rows import insert_attempt, load_for_attempt, update_claimed
from comptoir.deliveries.transports import (
    FAILED,
    RETRY,
    Destination,
    OutgoingDocument,
    TransportResult,
    UnknownTransport,
    destination_class,
    get_transport,
)
from comptoir.deliveries.transports.base import clean_text, failed, retry
from comptoir.documents.folders import folder_label
from comptoir.store.schema import COMPANY, reveal_settings

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# What process_delivery answers (the task's return value).
SKIPPED, LOST = "skipped", "lost"


def worker_name() -> str:
    """Who claims: host, process and a fresh nonce (a re-claim never matches an old one)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def load(delivery_id: int) -> Delivery | None:
    """The delivery with everything one attempt needs, in one query (``rows``)."""
    return load_for_attempt(delivery_id)


# --- what to send, and where --------------------------------------------------------------------


def outgoing_document(delivery: Delivery) -> OutgoingDocument:
    version = delivery.version
    document = version.document
    company = delivery.company
    storage, name = version.file.storage, version.file.name or ""
    return OutgoingDocument(
        file_name=version.original_name,
        content_type=version.content_type,
        size=version.size,
        sha256=version.sha256,
        opener=partial(storage.open, name, "rb"),
        metadata={
            "document_id": document.pk,
            "document_name": document.title,
            "version_number": version.number,
            "folder": folder_label(document.folder),
            "company_name": delivery.company_name,
            "company_siret": (company.siret if company else "") or "",
            "company_slug": company.slug if company else "",
            "firm_name": delivery.firm.name,
            "firm_id": delivery.firm_id,
            "uploaded_at": version.created_at.isoformat(),
        },
    )


def _secret_values(delivery: Delivery) -> dict[str, str] | None:
    """The secrets the snapshot points at, decrypted; None when their home is gone."""
    wanted = delivery.destination.get("secrets") or {}
    if not wanted:
        return {}
    installation = delivery.installation
    if installation is None:
        return None
    revealed: dict[str, dict[str, Any]] = {}
    values = {}
    for name, (level, key) in wanted.items():
        if level == COMPANY:
            if delivery.assignment is None:
                return None
            stored = delivery.assignment.settings
        else:
            stored = installation.settings
        if level not in revealed:
            revealed[level] = reveal_settings(installation.app, level, stored)
        values[name] = str(revealed[level].get(key) or "")
    return values


def current_destination(delivery: Delivery) -> dict[str, Any]:
    """The delivery's destination as the connection's settings describe it now (the same
    destination key, planned again by the routing); the stored snapshot when the connection
    is gone or no longer has that destination (the attempt then fails or is cancelled as
    before)."""
    installation, assignment = delivery.installation, delivery.assignment
    key = delivery.destination.get("key")
    if installation is None or assignment is None or not key:
        return delivery.destination
    for planned in destinations_for(
        app=installation.app,
        folder=delivery.folder,
        firm_settings=installation.settings,
        company_settings=assignment.settings,
    ):
        if planned.key == key:
            return planned.snapshot
    return delivery.destination


def follow_destination(delivery: Delivery, claimed: Claim) -> None:
    """Point the claimed delivery at its current destination (row and object)."""
    fresh = current_destination(delivery)
    if fresh == delivery.destination:
        return
    Delivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_by=claimed.worker
    ).update(destination=fresh)
    delivery.destination = fresh


def destination_for(delivery: Delivery, secret_values: Mapping[str, str]) -> Destination:
    """The delivery's destination, typed by its transport, with its secrets' values."""
    destination = destination_class(delivery.kind).from_snapshot(
        delivery.destination, secret_values
    )
    return replace(destination, app_name=delivery.app_name)


def configuration_problem(delivery: Delivery) -> TransportResult | None:
    """A permanent failure the snapshot already shows, with what to do about it."""
    return destination_class(delivery.kind).missing_setting(
        delivery.destination,
        folder_label=delivery.folder_label,
        company_name=delivery.company_name,
        app_name=delivery.app_name,
    )


def send(delivery: Delivery) -> TransportResult:
    """One attempt with the transport; never raises for a delivery failure."""
    problem = configuration_problem(delivery)
    if problem is not None:
        return problem
    secret_values = _secret_values(delivery)
    if secret_values is None:
        return failed(
            _("“%(app)s” was removed from your space before this document could be sent.")
            % {"app": delivery.app_name},
            error_code="app_removed",
            error_params={"app": delivery.app_name},
        )
    try:
        transport = get_transport(delivery.kind)
    except UnknownTransport:
        return failed(
            _(
                "“%(app)s” sends in a way this platform does not support (%(kind)s). Contact "
                "the platform's support."
            )
            % {"app": delivery.app_name, "kind": delivery.kind or "?"},
            error_code="unsupported_transport",
            error_params={"app": delivery.app_name, "kind": delivery.kind or "?"},
        )
    try:
        return transport.send(
            outgoing_document(delivery),
            destination_for(delivery, secret_values),
            idempotency_key=delivery.idempotency_key,
        )
    except Exception:
        logger.exception("Delivery %s: the transport failed unexpectedly", delivery.pk)
        return retry(
            _("An unexpected error stopped the sending; it will be tried again."),
            error_code="internal_error",
            error_params={},
        )


# --- one attempt ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    worker: str
    at: datetime
    number: int


def disconnection_reason(delivery: Delivery) -> str | None:
    """Why this delivery must not be sent any more (its connection is gone or disabled)."""
    assignment = delivery.assignment
    if delivery.installation_id is not None and assignment is not None and assignment.enabled:
        return None
    if assignment is not None and not assignment.enabled:
        return _("The connection to this company was disabled: nothing was sent.")
    return _("The application was taken back from this company: nothing was sent.")


def cancel_if_disconnected(delivery: Delivery, now: datetime) -> bool:
    """Cancel a pending delivery whose connection is gone or disabled. True if cancelled."""
    reason = disconnection_reason(delivery)
    if reason is None:
        return False
    cancelled = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED,
        next_attempt_at=None,
        last_error=reason,
        updated_at=now,
    )
    return bool(cancelled)


def cancel_claimed_if_disconnected(delivery: Delivery, claimed: Claim, now: datetime) -> bool:
    """The same for a delivery the worker loop claimed first: cancelled as if never claimed
    (its attempt count goes back, no attempt is recorded). True if cancelled."""
    reason = disconnection_reason(delivery)
    if reason is None:
        return False
    cancelled = Delivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_by=claimed.worker
    ).update(
        status=DeliveryStatus.CANCELLED,
        next_attempt_at=None,
        claimed_at=None,
        claimed_by="",
        attempt_count=F("attempt_count") - 1,
        last_error=reason,
        updated_at=now,
    )
    return bool(cancelled)


def claim(delivery: Delivery, now: datetime) -> Claim | None:
    """Take the delivery for one attempt; None if another worker was first or it is not due."""
    worker = worker_name()
    taken = Delivery.objects.filter(
        pk=delivery.pk,
        status=DeliveryStatus.PENDING,
        next_attempt_at__lte=now,
        attempt_count=delivery.attempt_count,
    ).update(
        status=DeliveryStatus.SENDING,
        claimed_at=now,
        claimed_by=worker,
        attempt_count=F("attempt_count") + 1,
        updated_at=now,
    )
    if not taken:
        return None
    return Claim(worker=worker, at=now, number=delivery.attempt_count + 1)


def record(
    delivery: Delivery,
    claimed: Claim,
    result: TransportResult,
    *,
    finished: datetime,
    rng: policy.RandomSource | None = None,
    quick_commit: bool = False,
) -> str:
    """Store the attempt and the delivery's new status atomically; what happened.

    In one transaction (an UPDATE conditional on this claim, then the attempt's INSERT); for
    the delivery loop on PostgreSQL (``quick_commit``) in one statement that does both and
    commits without waiting for the disk (``rows``)."""
    plan = policy.plan_after_attempt(result, claimed.number, finished, rng)
    error = clean_text(result.error)
    params = dict(result.error_params)
    if result.outcome == RETRY and plan.status == "failed":
        error = clean_text(
            _("%(error)s Given up after %(count)d attempts.")
            % {"error": error, "count": claimed.number}
        )
        params["given_up"] = claimed.number
    common = {
        "claimed_at": None,
        "claimed_by": "",
        "last_code": result.code,
        "last_error": error if plan.status != "sent" else "",
        "updated_at": finished,
    }

    def attempt_row(outcome: str) -> dict[str, Any]:
        return {
            "firm_id": delivery.firm_id,
            "delivery_id": delivery.pk,
            "number": claimed.number,
            "started_at": claimed.at,
            "finished_at": finished,
            "outcome": FAILED if outcome == DeliveryStatus.FAILED else result.outcome,
            "code": result.code,
            "error": error,
            "error_code": (result.error_code or "")[:40],
            "error_params": params if result.error else None,
            "duration_ms": max(0, int(result.duration_ms)),
            "next_attempt_at": plan.next_attempt_at if outcome == "retry" else None,
            "worker": claimed.worker,
        }

    one_statement = quick_commit and connection.vendor == "postgresql"

    def finish(outcome: str, connected_only: bool = False, **values: Any) -> bool:
        """Set ``values`` if the row is still this claim's, and record the attempt."""
        values = {**values, **common}
        if one_statement:
            with rows.quick_scope(True):
                return rows.finish_in_one_statement(
                    delivery.pk,
                    claimed.worker,
                    values,
                    attempt_row(outcome),
                    connected_only=connected_only,
                )
        if not update_claimed(delivery.pk, claimed.worker, values, connected_only=connected_only):
            return False
        insert_attempt(attempt_row(outcome))
        return True

    outcome = plan.status
    with transaction.atomic() if not one_statement else nullcontext():
        if quick_commit and not one_statement:
            rows.quick_commit()
        if plan.status == "sent":
            done = finish(
                "sent",
                status=DeliveryStatus.SENT,
                next_attempt_at=None,
                sent_at=finished,
                remote_id=clean_text(result.remote_id, 200),
            )
        elif plan.status == "pending":
            # Back in the queue only if the connection still exists; else it ends here.
            done = finish(
                "retry",
                connected_only=True,
                status=DeliveryStatus.PENDING,
                next_attempt_at=plan.next_attempt_at,
                enqueued_at=finished,
            )
            if done:
                outcome = "retry"
            else:
                outcome = DeliveryStatus.CANCELLED
                done = finish(outcome, status=DeliveryStatus.CANCELLED, next_attempt_at=None)
        else:
            done = finish("failed", status=DeliveryStatus.FAILED, next_attempt_at=None)
        if not done:
            logger.warning(
                "Delivery %s: attempt %s ended after the row was taken back; result dropped",
                delivery.pk,
                claimed.number,
            )
            return LOST
        if outcome == "retry":
            enqueue_on_commit([delivery.pk], run_after=plan.next_attempt_at)
    return str(outcome)


def process_delivery(
    delivery_id: int,
    *,
    clock: Clock = timezone.now,
    rng: policy.RandomSource | None = None,
) -> str:
    """One attempt at one delivery (see the module's docstring). Idempotent.

    Answers ``sent``, ``retry``, ``failed``, ``cancelled``, ``skipped`` (gone, not pending,
    not due, or claimed by another worker) or ``lost`` (the sweep took it back meanwhile).
    """
    delivery = load(delivery_id)
    now = clock()
    if (
        delivery is None
        or delivery.status != DeliveryStatus.PENDING
        or delivery.next_attempt_at is None
        or delivery.next_attempt_at > now
    ):
        return SKIPPED
    if cancel_if_disconnected(delivery, now):
        return DeliveryStatus.CANCELLED
    claimed = claim(delivery, now)
    if claimed is None:
        return SKIPPED
    return send_claimed(delivery, claimed, clock=clock, rng=rng)


def send_claimed(
    delivery: Delivery,
    claimed: Claim,
    *,
    clock: Clock = timezone.now,
    rng: policy.RandomSource | None = None,
    quick_commit: bool = False,
) -> str:
    """Steps 3b to 5 for a delivery this worker claimed: follow its destination, send,
    record. What happened (see :func:`process_delivery`)."""
    follow_destination(delivery, claimed)
    result = send(delivery)  # no transaction is open here: the network call holds no lock
    return record(delivery, claimed, result, finished=clock(), rng=rng, quick_commit=quick_commit)


def attempt(
    delivery: Delivery,
    claimed: Claim,
    *,
    clock: Clock = timezone.now,
    rng: policy.RandomSource | None = None,
) -> str:
    """One attempt at a delivery the worker loop claimed (``worker.claim_due``): cancelled
    when its connection went meanwhile, else sent and recorded."""
    if cancel_claimed_if_disconnected(delivery, claimed, clock()):
        return str(DeliveryStatus.CANCELLED)
    return send_claimed(delivery, claimed, clock=clock, rng=rng, quick_commit=rows.quick_commits())


# --- a batch of attempts (the delivery loop) -----------------------------------------------------


@dataclass(frozen=True)
class Finished:
    """One attempt of a batch, sent and not yet recorded: what :func:`record_batch` writes."""

    delivery_id: int
    number: int
    plan_status: str  # sent, pending (a retry) or failed
    values: dict[str, Any]  # rows.FINISH_FIELDS
    attempt: dict[str, Any]  # the attempt's row


def finished_attempt(
    delivery: Delivery,
    claimed: Claim,
    result: TransportResult,
    *,
    finished: datetime,
    rng: policy.RandomSource | None = None,
) -> Finished:
    """What :func:`record` would write for this attempt, kept for the batch's one record."""
    plan = policy.plan_after_attempt(result, claimed.number, finished, rng)
    error = clean_text(result.error)
    params = dict(result.error_params)
    if result.outcome == RETRY and plan.status == "failed":
        error = clean_text(
            _("%(error)s Given up after %(count)d attempts.")
            % {"error": error, "count": claimed.number}
        )
        params["given_up"] = claimed.number
    sent, retrying = plan.status == "sent", plan.status == "pending"
    values = {
        "status": {"sent": DeliveryStatus.SENT, "pending": DeliveryStatus.PENDING}.get(
            plan.status, DeliveryStatus.FAILED
        ),
        "next_attempt_at": plan.next_attempt_at if retrying else None,
        "sent_at": finished if sent else None,
        "remote_id": clean_text(result.remote_id, 200) if sent else None,
        "enqueued_at": finished if retrying else None,
        "last_code": result.code,
        "last_error": "" if sent else error,
        "updated_at": finished,
    }
    attempt = {
        "firm_id": delivery.firm_id,
        "delivery_id": delivery.pk,
        "number": claimed.number,
        "started_at": claimed.at,
        "finished_at": finished,
        "outcome": FAILED if plan.status == "failed" else result.outcome,
        "code": result.code,
        "error": error,
        "error_code": (result.error_code or "")[:40],
        "error_params": params if result.error else None,
        "duration_ms": max(0, int(result.duration_ms)),
        "next_attempt_at": plan.next_attempt_at if retrying else None,
        "worker": claimed.worker,
    }
    return Finished(delivery.pk, claimed.number, plan.status, values, attempt)


def record_batch(
    worker: str, finished: list[Finished], *, unsent: list[int], now: datetime
) -> dict[int, str]:
    """Record the attempts of one claim in ONE transaction (one commit for the batch): the
    deliveries' new statuses in one conditional statement (``rows.finish_many``: a row the
    sweep took back meanwhile is left alone, its late result dropped), their attempts' rows
    in another, and the claimed rows not attempted (``unsent``) given back. What happened
    to each attempt, by delivery id: ``sent``, ``retry``, ``failed``, ``cancelled`` (a retry
    whose connection went meanwhile) or ``lost``."""
    outcomes: dict[int, str] = {}
    if not finished and not unsent:
        return outcomes
    with transaction.atomic():
        if rows.quick_commits():
            rows.quick_commit()
        statuses = rows.finish_many(worker, [(item.delivery_id, item.values) for item in finished])
        attempts, retried = [], []
        for item in finished:
            status = statuses.get(item.delivery_id)
            if status is None:
                logger.warning(
                    "Delivery %s: attempt %s ended after the row was taken back; result dropped",
                    item.delivery_id,
                    item.number,
                )
                outcomes[item.delivery_id] = LOST
                continue
            attempt = item.attempt
            if status == DeliveryStatus.CANCELLED:
                attempt = {**attempt, "next_attempt_at": None}
                outcomes[item.delivery_id] = str(DeliveryStatus.CANCELLED)
            elif status == DeliveryStatus.PENDING:
                outcomes[item.delivery_id] = "retry"
                retried.append(item)
            else:
                outcomes[item.delivery_id] = item.plan_status
            attempts.append(attempt)
        rows.insert_attempts(attempts)
        rows.release_claimed(worker, unsent, now)
        for item in retried:
            enqueue_on_commit([item.delivery_id], run_after=item.values["next_attempt_at"])
    return outcomes
