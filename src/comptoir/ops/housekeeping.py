"""Housekeeping: what ``comptoir housekeeping`` clears, and the retention rules it applies.

Each rule is a :class:`Rule` that counts what it would touch (``--dry-run``) or does it in
batches of ``batch_size`` rows, one short transaction per batch, so that a large table is
never locked by one giant DELETE. The retention periods come from settings (environment
variables documented in the README):

- expired sessions: deleted (Django's own expiry date);
- invitations whose link stopped working (expired, answered or cancelled) more than
  ``INVITATION_RETENTION_DAYS`` ago: deleted;
- finished task results (``django_tasks_db``, successful or failed) older than
  ``TASK_RESULT_RETENTION_DAYS``: deleted;
- delivery details older than ``DELIVERY_DETAIL_RETENTION_DAYS``: the partner's reply kept
  on each attempt (``error``: the message of its answer, and ``error_params``, what it is
  rendered from) and on finished deliveries
  (``last_error``) is blanked; the outcome, the HTTP code, the error code and the dates stay,
  so the send history still says what happened;
- audit events older than ``AUDIT_RETENTION_DAYS`` (365 by default, never less): deleted,
  and one audit event per firm records how many went and up to when.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from comptoir.accounts.models import Invitation
from comptoir.audit.models import AuditEvent
from comptoir.audit.services import audit_record
from comptoir.deliveries.models import FINAL_STATUSES, Delivery, DeliveryAttempt
from comptoir.firms.models import Firm

AUDIT_FLOOR_DAYS = 365
DEFAULT_BATCH = 1000


class HousekeepingError(Exception):
    """A retention setting that cannot be applied; the message is one line."""


@dataclass(frozen=True)
class Outcome:
    kind: str
    count: int
    verb: str  # "deleted", "blanked"
    dry_run: bool

    def line(self) -> str:
        verb = f"would be {self.verb}" if self.dry_run else self.verb
        return f"{self.kind}: {self.count} {verb}"


def _days(name: str, *, minimum: int) -> int:
    value = getattr(settings, name)
    if not isinstance(value, int) or value < minimum:
        raise HousekeepingError(
            f"{name}={value} is below the minimum of {minimum} day(s)"
            + (
                ": audit events are kept at least a year."
                if name == "AUDIT_RETENTION_DAYS"
                else "."
            )
        )
    return value


def check_settings() -> dict[str, int]:
    """Every retention period, checked before anything is touched."""
    return {
        "invitations": _days("INVITATION_RETENTION_DAYS", minimum=1),
        "tasks": _days("TASK_RESULT_RETENTION_DAYS", minimum=1),
        "deliveries": _days("DELIVERY_DETAIL_RETENTION_DAYS", minimum=1),
        "audit": _days("AUDIT_RETENTION_DAYS", minimum=AUDIT_FLOOR_DAYS),
    }


def delete_in_batches(queryset: QuerySet, *, batch_size: int) -> int:
    """Delete the rows of ``queryset``, ``batch_size`` primary keys at a time."""
    model = queryset.model
    label = model._meta.label
    total = 0
    while True:
        pks = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not pks:
            return total
        with transaction.atomic():
            _deleted, per_model = model._base_manager.filter(pk__in=pks).delete()
        total += per_model.get(label, 0)
        if len(pks) < batch_size:
            return total


def update_in_batches(queryset: QuerySet, *, batch_size: int, **values: Any) -> int:
    """Update the rows of ``queryset`` in batches. ``values`` must take each row out of it."""
    model = queryset.model
    total = 0
    while True:
        pks = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not pks:
            return total
        total += model._base_manager.filter(pk__in=pks).update(**values)
        if len(pks) < batch_size:
            return total


# --- the rules ----------------------------------------------------------------------------------


def expired_sessions(now: datetime) -> QuerySet | None:
    """Expired rows of the database session store, or None when sessions live elsewhere."""
    if "django.contrib.sessions" not in settings.INSTALLED_APPS:
        return None
    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        return None
    from django.contrib.sessions.models import Session

    return Session.objects.filter(expire_date__lt=now)


def stale_invitations(now: datetime, days: int) -> QuerySet:
    """Invitations whose link has not worked for ``days`` days.

    A link works until ``expires_at`` at the latest (accepting, declining or cancelling only
    ends it sooner), so ``expires_at`` alone says when every kind of invitation is finished.
    """
    return Invitation.objects.filter(expires_at__lt=now - timedelta(days=days))


def finished_task_results(now: datetime, days: int) -> QuerySet | None:
    if "django_tasks_db" not in settings.INSTALLED_APPS:
        return None
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.finished().filter(finished_at__lt=now - timedelta(days=days))


def old_attempt_details(now: datetime, days: int) -> QuerySet:
    return DeliveryAttempt.objects.filter(finished_at__lt=now - timedelta(days=days)).exclude(
        error=""
    )


def old_delivery_details(now: datetime, days: int) -> QuerySet:
    return Delivery.objects.filter(
        status__in=FINAL_STATUSES, updated_at__lt=now - timedelta(days=days)
    ).exclude(last_error="")


def old_audit_events(now: datetime, days: int) -> QuerySet:
    return AuditEvent.objects.filter(created_at__lt=now - timedelta(days=days))


def _prune_audit(queryset: QuerySet, *, days: int, now: datetime, batch_size: int) -> int:
    """Delete old audit events and leave, per firm, one event saying so."""
    counts = queryset.order_by().values("firm_id").annotate(n=Count("id"))
    per_firm = {row["firm_id"]: row["n"] for row in counts}
    deleted = delete_in_batches(queryset, batch_size=batch_size)
    cutoff = (now - timedelta(days=days)).isoformat()
    for firm in Firm.objects.filter(pk__in=per_firm):
        audit_record(
            firm=firm,
            actor=None,
            action="audit.retention",
            details={"deleted": per_firm[firm.pk], "before": cutoff, "retention_days": days},
        )
    return deleted


def run(*, dry_run: bool = False, batch_size: int = DEFAULT_BATCH) -> list[Outcome]:
    """Apply every rule (or count, with ``dry_run``); one :class:`Outcome` per kind."""
    days = check_settings()
    now = timezone.now()
    outcomes: list[Outcome] = []

    def apply(kind: str, queryset: QuerySet | None, act: Callable[[QuerySet], int], verb: str):
        if queryset is None:
            return
        count = queryset.count() if dry_run else act(queryset)
        outcomes.append(Outcome(kind=kind, count=count, verb=verb, dry_run=dry_run))

    def delete(queryset: QuerySet) -> int:
        return delete_in_batches(queryset, batch_size=batch_size)

    sessions = expired_sessions(now)
    if sessions is None and not dry_run:
        engine = import_module(settings.SESSION_ENGINE)
        engine.SessionStore.clear_expired()  # a cache or file store: its own way
    apply("expired sessions", sessions, delete, "deleted")
    apply(
        f"invitations finished more than {days['invitations']} days ago",
        stale_invitations(now, days["invitations"]),
        delete,
        "deleted",
    )
    apply(
        f"finished task results older than {days['tasks']} days",
        finished_task_results(now, days["tasks"]),
        delete,
        "deleted",
    )
    apply(
        f"delivery attempts' partner replies older than {days['deliveries']} days",
        old_attempt_details(now, days["deliveries"]),
        lambda qs: update_in_batches(
            qs, batch_size=batch_size, error="", error_params=None, updated_at=now
        ),
        "blanked",
    )
    apply(
        f"finished deliveries' last errors older than {days['deliveries']} days",
        old_delivery_details(now, days["deliveries"]),
        lambda qs: update_in_batches(qs, batch_size=batch_size, last_error=""),
        "blanked",
    )
    apply(
        f"audit events older than {days['audit']} days",
        old_audit_events(now, days["audit"]),
        lambda qs: _prune_audit(qs, days=days["audit"], now=now, batch_size=batch_size),
        "deleted",
    )
    return outcomes
