"""The transactional outbox: deliveries planned in the same transaction as a document version.

The documents services call :func:`plan_deliveries_for_version` inside the transaction that
creates a version, so the version and its deliveries are committed together or not at all.
With ``DELIVERY_SENDER=worker`` (the default outside the tests) nothing is queued: the
delivery loop (``comptoir deliveries-worker``, see ``worker``) finds the due rows itself. With
``DELIVERY_SENDER=tasks`` the send tasks are enqueued only once that transaction commits; if
the queue loses them (or the enqueue fails), the sweep finds the due rows and enqueues them
again.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from comptoir.core import request_context
from comptoir.core.request_context import carried
from comptoir.deliveries.models import Delivery, DeliveryStatus
from comptoir.deliveries.routing import PlannedDestination, destinations_for_assignment

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from comptoir.assignments.models import CompanyAssignment
    from comptoir.documents.models import DocumentVersion

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def new_idempotency_key() -> str:
    """A key unique to one delivery, sent on every attempt (Message-ID, webhook-id...)."""
    return f"cpt-{secrets.token_hex(16)}"


# --- enqueueing ---------------------------------------------------------------------------------


def tasks_send() -> bool:
    """Are deliveries sent by one task per attempt (else the delivery loop finds them)?"""
    return getattr(settings, "DELIVERY_SENDER", "tasks") == "tasks"


def _defer_supported() -> bool:
    from comptoir.deliveries.tasks import send_delivery

    return bool(getattr(send_delivery.get_backend(), "supports_defer", False))


def enqueue_send(delivery_id: int, *, run_after: datetime | None = None) -> bool:
    """Queue the send of one delivery; False when it could not be queued.

    A later ``run_after`` is honoured when the task backend supports it; otherwise nothing is
    queued now and the sweep queues the delivery once it is due. A failure to queue is logged,
    never raised: the row stays pending and the sweep will find it.
    """
    from comptoir.deliveries.tasks import send_delivery

    if not tasks_send():
        return True  # the delivery loop claims the row when it is due
    try:
        if run_after is not None and run_after > timezone.now():
            if not _defer_supported():
                return False
            send_delivery.using(run_after=run_after).enqueue(delivery_id, **carried())
        else:
            send_delivery.enqueue(delivery_id, **carried())
    except Exception:
        logger.exception("Could not queue delivery %s; the sweep will queue it", delivery_id)
        return False
    return True


def enqueue_sends(delivery_ids: Iterable[int]) -> int:
    return sum(1 for delivery_id in delivery_ids if enqueue_send(delivery_id))


def enqueue_on_commit(delivery_ids: list[int], *, run_after: datetime | None = None) -> None:
    """Queue the sends once the current transaction commits (at once outside one)."""
    if not delivery_ids or not tasks_send():
        return
    if run_after is None:
        transaction.on_commit(partial(enqueue_sends, list(delivery_ids)))
    else:
        for delivery_id in delivery_ids:
            transaction.on_commit(partial(enqueue_send, delivery_id, run_after=run_after))


# --- planning -----------------------------------------------------------------------------------


def connections_for(*, firm_id: int, company_id: int) -> QuerySet[CompanyAssignment]:
    """The enabled automation connections of a company, with their app. One query."""
    from comptoir.assignments.models import CompanyAssignment

    return (
        CompanyAssignment.objects.filter(
            firm_id=firm_id,
            company_id=company_id,
            enabled=True,
            installation__firm_id=firm_id,
            installation__app__type="automation",
        )
        .select_related("installation__app", "company")
        .order_by("id")
    )


def routable(assignment: CompanyAssignment, folder: str) -> bool:
    """Does this connection take documents of ``folder`` from this company at all?"""
    app = assignment.installation.app
    if folder not in (app.accepted_folders or []):
        return False
    # A partner keyed on SIRET cannot take a dossier without one (it cannot be connected
    # anyway; this covers a SIRET removed after the connection was made).
    return not (app.requires_siret and not assignment.company.siret)


def build_delivery(
    *,
    version: DocumentVersion,
    assignment: CompanyAssignment,
    destination: PlannedDestination,
    now: datetime,
    **extra: Any,
) -> Delivery:
    installation = assignment.installation
    app = installation.app
    return Delivery(
        firm_id=version.firm_id,
        company_id=assignment.company_id,
        company_name=assignment.company.name,
        version=version,
        installation=installation,
        assignment=assignment,
        app_name=app.name,
        app_slug=app.slug,
        destination=destination.snapshot,
        folder=version.document.folder,
        status=DeliveryStatus.PENDING,
        idempotency_key=new_idempotency_key(),
        request_id=request_context.request_id.get() or "",
        next_attempt_at=now,
        enqueued_at=now,
        created_at=now,
        updated_at=now,
        **extra,
    )


def plan_deliveries_for_version(*, version: DocumentVersion) -> list[Delivery]:
    """Create one delivery per destination of the automation apps routed to this version.

    Reads the enabled connections of the version's company whose app accepts the document's
    folder, creates their Delivery rows in the caller's transaction (two queries whatever the
    number of connections) and queues the sends once it commits. Returns the deliveries.
    """
    document = version.document
    folder = document.folder
    now = timezone.now()
    deliveries = []
    for assignment in connections_for(firm_id=version.firm_id, company_id=document.company_id):
        if not routable(assignment, folder):
            continue
        for destination in destinations_for_assignment(assignment, folder):
            deliveries.append(
                build_delivery(
                    version=version, assignment=assignment, destination=destination, now=now
                )
            )
    if not deliveries:
        return []
    Delivery.objects.bulk_create(deliveries, batch_size=BATCH_SIZE)
    enqueue_on_commit([delivery.pk for delivery in deliveries])
    return deliveries
