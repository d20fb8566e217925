"""Reads of the audit log: always one firm's events, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from comptoir.audit.models import AuditEvent

if TYPE_CHECKING:
    from comptoir.firms.models import Firm

# The log's sortable columns (``?tri=``): key → fields, ascending. "action" groups by the
# action's code (so the same action's events come together), not by its translated label.
AUDIT_SORTS = {"date": ("created_at",), "actor": ("actor_email",), "action": ("action",)}
AUDIT_DEFAULT_SORT = "-date"


def _as_datetime(value: date | datetime, *, end: bool = False) -> datetime:
    """A date means the whole day: ``since`` from its start, ``until`` to its end."""
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.combine(value + timedelta(days=1) if end else value, time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def audit_event_list(
    *,
    firm: Firm,
    action: str | None = None,
    actor: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    order_by: Sequence[str] = ("-created_at", "-id"),
) -> QuerySet[AuditEvent]:
    """The firm's events. ``action`` is an exact action (``installation.add``) or a prefix
    (``installation``); ``actor`` matches part of the actor's e-mail address; ``since`` and
    ``until`` are inclusive (a date covers the whole day). Newest first, or ``order_by``
    (checked by the caller against ``AUDIT_SORTS``)."""
    events = AuditEvent.objects.filter(firm=firm)
    action = (action or "").strip()
    if action:
        if "." in action:
            events = events.filter(action=action)
        else:
            events = events.filter(action__startswith=f"{action}.")
    actor = (actor or "").strip()
    if actor:
        events = events.filter(actor_email__icontains=actor)
    if since:
        events = events.filter(created_at__gte=_as_datetime(since))
    if until:
        if isinstance(until, datetime):
            events = events.filter(created_at__lte=_as_datetime(until))
        else:
            events = events.filter(created_at__lt=_as_datetime(until, end=True))
    return events.order_by(*order_by)


def audit_action_list(*, firm: Firm) -> list[str]:
    """The actions that appear in the firm's log, for the filter."""
    return sorted(AuditEvent.objects.filter(firm=firm).values_list("action", flat=True).distinct())
