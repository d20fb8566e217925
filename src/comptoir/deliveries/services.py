"""Writes of deliveries outside the engine: "Renvoyer", and cancellations when a connection goes.

- :func:`delivery_resend` — a firm user sends a finished delivery (sent, failed, cancelled)
  again. It creates a NEW delivery, linked by ``resend_of``, with its own idempotency key:
  the first one keeps its status and attempts (the history is never rewritten), and a
  partner that deduplicates on the key takes the resend as the deliberate new send it is.
  The destination is read again from the current settings, so a corrected address or URL is
  used. Refused (409) while the delivery or an earlier resend of it is still on its way, and
  when the app is no longer connected to the company or no longer sends that folder there.
- :func:`deliveries_cancel_for_assignment` — when an app is taken back from one company
  (``assignment_unassign``, through ``deliveries.hooks.assignment_removing``);
  :func:`deliveries_cancel_for_installation` — when an app leaves the firm's space
  (``installation_remove``, through ``deliveries.hooks.installation_removing``). Both cancel
  only ``pending`` deliveries, inside the caller's transaction, and return how many; the
  caller's audit event records that count.

The race, and why it is fine: a delivery already ``sending`` when its connection goes is not
cancelled — its attempt runs to its end. If the partner took it, it is ``sent`` (it really
was). If the attempt asks for a retry, the engine sees the connection gone (its foreign keys
are now empty) and ends it ``cancelled`` instead of planning another try.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.assignments.models import CompanyAssignment
from comptoir.audit.services import audit_record
from comptoir.core.errors import Conflict
from comptoir.deliveries.models import ACTIVE_STATUSES, Delivery, DeliveryStatus
from comptoir.deliveries.outbox import build_delivery, enqueue_on_commit, routable
from comptoir.deliveries.permissions import FIRM_ONLY_MESSAGE
from comptoir.deliveries.routing import destinations_for_assignment
from comptoir.firms.permissions import require_firm_member

if TYPE_CHECKING:
    from comptoir.accounts.models import User
    from comptoir.store.models import Installation


def _still_connected(delivery: Delivery) -> CompanyAssignment:
    """The delivery's connection as it is now (with its app and company), or a Conflict."""
    assignment = None
    if delivery.assignment_id is not None and delivery.installation_id is not None:
        assignment = (
            CompanyAssignment.objects.filter(pk=delivery.assignment_id)
            .select_related("installation__app", "company")
            .first()
        )
    if assignment is None:
        raise Conflict(
            _(
                "“%(app)s” is no longer connected to %(company)s: nothing can be sent again. "
                "Connect the application to the company first."
            )
            % {"app": delivery.app_name, "company": delivery.company_name},
            code="not_connected",
        )
    if not assignment.enabled:
        raise Conflict(
            _(
                "The connection of “%(app)s” to %(company)s is disabled. Enable it, then send "
                "the document again."
            )
            % {"app": delivery.app_name, "company": delivery.company_name},
            code="connection_disabled",
        )
    return assignment


def delivery_resend(*, actor: User | None, delivery: Delivery) -> Delivery:
    """Send a finished delivery again, as a new delivery linked to it (see the module)."""
    require_firm_member(actor, delivery.firm_id, message=FIRM_ONLY_MESSAGE)
    with transaction.atomic():
        # Serialise concurrent clicks on the same row (PostgreSQL; SQLite serialises writers).
        status = (
            Delivery.objects.select_for_update()
            .filter(pk=delivery.pk)
            .values_list("status", flat=True)
            .first()
        )
        if status is None:
            raise Conflict(_("This delivery no longer exists."), code="delivery_gone")
        if status in ACTIVE_STATUSES:
            raise Conflict(
                _("This document is already on its way to “%(app)s”: wait for the outcome.")
                % {"app": delivery.app_name},
                code="already_under_way",
            )
        if Delivery.objects.filter(resend_of=delivery, status__in=ACTIVE_STATUSES).exists():
            raise Conflict(
                _("It is already being sent again to “%(app)s”: wait for the outcome.")
                % {"app": delivery.app_name},
                code="resend_under_way",
            )
        assignment = _still_connected(delivery)
        version = delivery.version
        key = delivery.destination.get("key")
        destinations = (
            destinations_for_assignment(assignment, delivery.folder)
            if routable(assignment, delivery.folder)
            else []
        )
        destination = next((d for d in destinations if d.key == key), None)
        if destination is None:
            raise Conflict(
                _(
                    "“%(app)s” no longer receives the “%(folder)s” folder of %(company)s. Check "
                    "the application's settings for this company."
                )
                % {
                    "app": delivery.app_name,
                    "folder": delivery.folder_label,
                    "company": delivery.company_name,
                },
                code="not_routed",
            )
        resend = build_delivery(
            version=version,
            assignment=assignment,
            destination=destination,
            now=timezone.now(),
            resend_of=delivery,
            requested_by=actor,
        )
        resend.save()
        audit_record(
            firm=delivery.firm,
            actor=actor,
            action="delivery.resend",
            target=delivery,
            details={
                "delivery": delivery.pk,
                "resend": resend.pk,
                "previous_status": status,
                "app": delivery.app_slug,
                "company": delivery.company_id,
                "document": version.document_id,
                "version": version.number,
                "destination": resend.destination_label,
            },
        )
        enqueue_on_commit([resend.pk])
    return resend


def _cancel_pending(deliveries: QuerySet[Delivery], reason: str) -> int:
    now = timezone.now()
    with transaction.atomic():
        return deliveries.filter(status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.CANCELLED, next_attempt_at=None, last_error=reason, updated_at=now
        )


def deliveries_cancel_for_assignment(*, assignment: CompanyAssignment) -> int:
    """Cancel the pending deliveries of one connection (the app taken back from a company)."""
    return _cancel_pending(
        Delivery.objects.filter(assignment=assignment),
        _("Cancelled: the application was taken back from this company."),
    )


def deliveries_cancel_for_installation(*, installation: Installation) -> int:
    """Cancel the pending deliveries of an app leaving the firm's space."""
    return _cancel_pending(
        Delivery.objects.filter(installation=installation),
        _("Cancelled: the application was removed from the firm's space."),
    )
