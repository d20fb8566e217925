"""Deliveries API: the send history, firm-wide or per version, and "Renvoyer".

Firm users see the firm's deliveries and resend them; company users see the deliveries of
their own company's documents, read only (resend answers 403). Anything of another firm or
another company answers 404.
"""

from datetime import date, datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from comptoir.core.api import MOMENT, Limit, documented, errors, paginate
from comptoir.core.errors import ValidationFailed
from comptoir.core.ids import Id, IdFilter
from comptoir.deliveries import selectors, services
from comptoir.deliveries.models import AttemptOutcome, Delivery, DeliveryStatus
from comptoir.documents import selectors as document_selectors
from comptoir.store.models import Transport
from comptoir.tenancy.api import api_context, firm_context

router = Router(tags=["deliveries"])


# --- schemas -----------------------------------------------------------------------------------


class AttemptOut(Schema):
    number: Annotated[int, documented(minimum=1)]
    started_at: datetime
    finished_at: datetime
    outcome: str = documented(enum=list(AttemptOutcome.values))
    outcome_label: str
    code: int | None = Field(description="The partner's answer: HTTP status or SMTP reply code")
    error: str
    error_code: str
    duration_ms: Annotated[int, documented(minimum=0)]
    next_attempt_at: datetime | None


class DocumentRef(Schema):
    id: Id
    title: str


class CompanyRef(Schema):
    id: Id | None = Field(description="null once the company is deleted")
    name: str


class AppRef(Schema):
    installation: Id | None = Field(description="null once the app is removed")
    slug: str
    name: str


class DestinationOut(Schema):
    kind: str = documented(enum=list(Transport.values))
    label: str


class DeliveryOut(Schema):
    id: Id
    status: str = documented(enum=list(DeliveryStatus.values))
    status_label: str
    document: DocumentRef
    version: Annotated[int, documented(minimum=1)]
    folder: str
    folder_label: str
    company: CompanyRef
    app: AppRef
    destination: DestinationOut
    idempotency_key: str
    attempt_count: Annotated[int, documented(minimum=0)]
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str
    last_code: int | None
    resend_of: Id | None
    created_at: datetime
    updated_at: datetime
    attempts: list[AttemptOut]


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next: str | None


# --- serialisation -----------------------------------------------------------------------------


def attempt_out(attempt) -> dict:
    return {
        "number": attempt.number,
        "started_at": attempt.started_at,
        "finished_at": attempt.finished_at,
        "outcome": attempt.outcome,
        "outcome_label": str(attempt.get_outcome_display()),
        "code": attempt.code,
        "error": attempt.error_message,
        "error_code": attempt.error_code,
        "duration_ms": attempt.duration_ms,
        "next_attempt_at": attempt.next_attempt_at,
    }


def delivery_out(delivery: Delivery) -> dict:
    """One delivery; its version, document and attempts must be loaded (no query here)."""
    version = delivery.version
    return {
        "id": delivery.pk,
        "status": delivery.status,
        "status_label": str(delivery.get_status_display()),
        "document": {"id": version.document_id, "title": version.document.title},
        "version": version.number,
        "folder": delivery.folder,
        "folder_label": delivery.folder_label,
        "company": {"id": delivery.company_id, "name": delivery.company_name},
        "app": {
            "installation": delivery.installation_id,
            "slug": delivery.app_slug,
            "name": delivery.app_name,
        },
        "destination": {"kind": delivery.kind, "label": delivery.destination_label},
        "idempotency_key": delivery.idempotency_key,
        "attempt_count": delivery.attempt_count,
        "next_attempt_at": delivery.next_attempt_at,
        "sent_at": delivery.sent_at,
        "last_error": delivery.error_message,
        "last_code": delivery.last_code,
        "resend_of": delivery.resend_of_id,
        "created_at": delivery.created_at,
        "updated_at": delivery.updated_at,
        "attempts": [attempt_out(attempt) for attempt in delivery.attempts.all()],
    }


def delivery_page(queryset, *, limit: int | None, cursor: str | None) -> dict:
    """A cursor page (newest first) with the attempts loaded in one more query."""
    rows, next_cursor = paginate(queryset, limit=limit, cursor=cursor, keys=("-created_at", "-id"))
    return {
        "items": [delivery_out(d) for d in selectors.with_attempts(rows)],
        "next": next_cursor,
    }


# --- query parameters --------------------------------------------------------------------------


def _when(value: str | None, name: str) -> date | datetime | None:
    if not value:
        return None
    text = value.strip()
    parsed: date | datetime | None = None
    try:
        parsed = parse_datetime(text) if "T" in text or " " in text else parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed(
            _("Give “%(name)s” as a date (2026-05-31) or a date and time (2026-05-31T14:00:00Z).")
            % {"name": name},
            code="invalid_date",
            field=name,
        )
    return parsed


def _status(value: str | None) -> str | None:
    if not value:
        return None
    if value not in DeliveryStatus.values:
        raise ValidationFailed(
            _("Unknown status “%(status)s”. Choose one of: %(choices)s.")
            % {"status": value, "choices": ", ".join(DeliveryStatus.values)},
            code="invalid_status",
            field="status",
        )
    return value


# --- endpoints ---------------------------------------------------------------------------------


@router.get("/deliveries", response=DeliveryPage, summary="The send history of the firm")
def delivery_list(
    request: HttpRequest,
    status: Annotated[str, documented(enum=list(DeliveryStatus.values))] | None = None,
    installation: IdFilter = None,
    company: IdFilter = None,
    since: Annotated[str, documented(**MOMENT)] | None = None,
    until: Annotated[str, documented(**MOMENT)] | None = None,
    limit: Limit | None = None,
    cursor: str | None = None,
):
    """Deliveries with their attempts, newest first. ``since``/``until`` filter the time the
    delivery was created (a date includes its whole day). In a company context: that
    company's deliveries only."""
    deliveries = selectors.delivery_list(
        context=api_context(request),
        status=_status(status),
        installation_id=installation,
        company_id=company,
        since=_when(since, "since"),
        until=_when(until, "until"),
    )
    return delivery_page(deliveries, limit=limit, cursor=cursor)


@router.get("/deliveries/{delivery_id}", response=DeliveryOut, summary="One delivery")
def delivery_detail(request: HttpRequest, delivery_id: Id):
    return delivery_out(selectors.delivery_get(context=api_context(request), pk=delivery_id))


@router.get(
    "/documents/{document_id}/versions/{number}/deliveries",
    response=DeliveryPage,
    summary="The send history of one version",
)
def version_deliveries(
    request: HttpRequest,
    document_id: Id,
    number: Id,
    limit: Limit | None = None,
    cursor: str | None = None,
):
    """Every delivery of this version (one per app destination, resends included) with its
    attempts, newest first. Company users see their own company's documents (read only)."""
    document = document_selectors.document_for_context(context=api_context(request), pk=document_id)
    version = document_selectors.version_get(document=document, number=number)
    deliveries = selectors.version_deliveries(version=version)
    return delivery_page(deliveries, limit=limit, cursor=cursor)


@router.post(
    "/deliveries/{delivery_id}/resend",
    response={201: DeliveryOut, **errors(409)},
    summary="Send a finished delivery again (audited)",
)
def delivery_resend(request: HttpRequest, delivery_id: Id):
    """Creates a new delivery (``resend_of`` = this one) with its own idempotency key and the
    destination as configured now. 409 while this delivery or a resend of it is on its way,
    or when the app no longer sends this folder to this company. Firm users only."""
    context = api_context(request)
    delivery = selectors.delivery_get(context=context, pk=delivery_id)
    firm_context(request)  # 403 for company users, after the 404 check
    resend = services.delivery_resend(actor=request.user, delivery=delivery)
    return Status(201, delivery_out(selectors.delivery_get(context=context, pk=resend.pk)))
