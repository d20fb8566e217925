"""GET /audit: the firm's audit log (firm admins), newest first, with filters."""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from ninja import Router, Schema

from comptoir.audit.models import AuditEvent
from comptoir.audit.selectors import audit_event_list
from comptoir.core.api import MOMENT, Limit, documented, paginate
from comptoir.core.errors import ValidationFailed
from comptoir.core.ids import Id
from comptoir.tenancy.api import firm_context

router = Router(tags=["audit"])
PAGE_MAX = 200


class TargetOut(Schema):
    type: str
    id: str
    repr: str


class AuditEventOut(Schema):
    id: Id
    action: str
    actor: str | None
    target: TargetOut | None
    details: dict[str, Any]
    ip_address: str | None
    created_at: datetime


class AuditPage(Schema):
    items: list[AuditEventOut]
    next: str | None


def _moment(value: str | None, name: str) -> date | datetime | None:
    if not value:
        return None
    parsed = None
    try:
        parsed = parse_datetime(value) or parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed(
            _("%(name)s must be a date (2026-05-31) or a date and time (2026-05-31T14:00:00Z).")
            % {"name": name},
            code="invalid_date",
            field=name,
        )
    return parsed


def event_out(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "action": event.action,
        "actor": event.actor_email or None,
        "target": (
            {"type": event.target_type, "id": event.target_id, "repr": event.target_repr}
            if event.target_type
            else None
        ),
        "details": event.details or {},
        "ip_address": event.ip_address,
        "created_at": event.created_at,
    }


@router.get("/audit", response=AuditPage, summary="The firm's audit log (admins)")
def audit_list(
    request: HttpRequest,
    action: str | None = None,
    actor: str | None = None,
    since: Annotated[str, documented(**MOMENT)] | None = None,
    until: Annotated[str, documented(**MOMENT)] | None = None,
    limit: Limit | None = None,
    cursor: str | None = None,
):
    context = firm_context(request, admin=True)
    events = audit_event_list(
        firm=context.firm,
        action=action,
        actor=actor,
        since=_moment(since, "since"),
        until=_moment(until, "until"),
    )
    rows, next_cursor = paginate(
        events, limit=limit, cursor=cursor, keys=("-created_at", "-id"), max_limit=PAGE_MAX
    )
    return {"items": [event_out(e) for e in rows], "next": next_cursor}
