"""Reads of deliveries. Every entry point takes the firm or the tenant context: 404 outside.

A company user sees only the deliveries of their own company's documents (read only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from comptoir.core.lookups import get_or_404
from comptoir.deliveries.models import (
    ACTIVE_STATUSES,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
)
from comptoir.tenancy.contexts import TenantContext

# The send history's sortable columns (``?tri=``): key → fields, ascending. "status" sorts
# by the status code, which groups each status's deliveries together.
DELIVERY_SORTS = {
    "date": ("created_at",),
    "status": ("status",),
    "company": ("company_name",),
    "app": ("app_name",),
}
DELIVERY_DEFAULT_SORT = "-date"

if TYPE_CHECKING:
    from comptoir.documents.models import Document, DocumentVersion
    from comptoir.store.models import Installation


def _attempts() -> Prefetch:
    return Prefetch("attempts", queryset=DeliveryAttempt.objects.order_by("number"))


def deliveries_for_context(context: TenantContext) -> QuerySet[Delivery]:
    """The deliveries the caller may see: the firm's, or their own company's."""
    deliveries = Delivery.objects.filter(firm=context.firm)
    if not context.is_firm:
        membership = context.company_membership
        if membership is None:
            return deliveries.none()
        deliveries = deliveries.filter(company_id=membership.company_id)
    return deliveries


def delivery_get(*, context: TenantContext, pk: int | str) -> Delivery:
    """One delivery the caller may see, with its version, document and attempts; else 404."""
    return get_or_404(
        deliveries_for_context(context)
        .select_related("version__document", "firm", "requested_by")
        .prefetch_related(_attempts()),
        pk=pk,
    )


def _day_start(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.combine(value, time.min))


def _day_end(value: date | datetime) -> datetime:
    """The end of ``until``: a date includes its whole day."""
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return _day_start(value + timedelta(days=1))


def delivery_list(
    *,
    context: TenantContext,
    status: str | None = None,
    installation_id: int | None = None,
    company_id: int | None = None,
    app_slug: str | None = None,
    company_name: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    order_by: Sequence[str] = ("-created_at", "-id"),
) -> QuerySet[Delivery]:
    """The send history, filtered; newest first, or ``order_by`` (checked by the caller
    against ``DELIVERY_SORTS``)."""
    deliveries = deliveries_for_context(context).select_related("version__document")
    if status:
        deliveries = deliveries.filter(status=status)
    if installation_id is not None:
        deliveries = deliveries.filter(installation_id=installation_id)
    if company_id is not None:
        deliveries = deliveries.filter(company_id=company_id)
    if app_slug:
        deliveries = deliveries.filter(app_slug=app_slug)
    if company_name:
        deliveries = deliveries.filter(company_name__icontains=company_name.strip())
    if since is not None:
        deliveries = deliveries.filter(created_at__gte=_day_start(since))
    if isinstance(until, datetime):
        deliveries = deliveries.filter(created_at__lte=_day_end(until))
    elif until is not None:
        deliveries = deliveries.filter(created_at__lt=_day_end(until))
    return deliveries.order_by(*order_by)


def with_attempts(deliveries: Iterable[Delivery] | QuerySet[Delivery]) -> list[Delivery]:
    """Load the attempts of these deliveries in one query."""
    from django.db.models import prefetch_related_objects

    rows = list(deliveries)
    prefetch_related_objects(rows, _attempts())
    return rows


def version_deliveries(*, version: DocumentVersion) -> QuerySet[Delivery]:
    """The send history of one version (the caller already reached the version)."""
    return (
        Delivery.objects.filter(version=version)
        .select_related("version__document", "requested_by")
        .prefetch_related(_attempts())
        .order_by("app_name", "created_at", "id")
    )


def history_for_versions(version_ids: Iterable[int]) -> dict[int, list[Delivery]]:
    """The deliveries of several versions with their attempts, by version id. Two queries."""
    ids = list(version_ids)
    if not ids:
        return {}
    by_version: dict[int, list[Delivery]] = defaultdict(list)
    deliveries = (
        Delivery.objects.filter(version_id__in=ids)
        .select_related("requested_by")
        .prefetch_related(_attempts())
        .order_by("app_name", "created_at", "id")
    )
    for delivery in deliveries:
        by_version[delivery.version_id].append(delivery)
    return dict(by_version)


# A document's send status, worst first: what the documents list shows for its latest version.
SEND_RANK_FAILED = 4
SEND_RANK_ACTIVE = 3  # pending or sending
SEND_RANK_SENT = 2
SEND_RANK_CANCELLED = 1
SEND_RANK_NONE = 0  # no delivery


def with_send_status(documents: QuerySet[Document]) -> QuerySet[Document]:
    """The documents, each annotated with ``send_rank``: the worst status among the deliveries
    of its latest version (failed > pending or sending > sent > cancelled; 0 when none). A
    delivery that was resent counts through its resend only. One subquery in the list's own
    query: the page costs no query more, whatever its number of documents."""
    superseded = Delivery.objects.filter(resend_of=OuterRef("pk"))
    rank = Case(
        When(status=DeliveryStatus.FAILED, then=Value(SEND_RANK_FAILED)),
        When(status__in=ACTIVE_STATUSES, then=Value(SEND_RANK_ACTIVE)),
        When(status=DeliveryStatus.SENT, then=Value(SEND_RANK_SENT)),
        default=Value(SEND_RANK_CANCELLED),
        output_field=IntegerField(),
    )
    latest = (
        Delivery.objects.filter(
            version__document=OuterRef("pk"), version__number=OuterRef("current_version")
        )
        .exclude(Exists(superseded))
        .order_by()
        .values("version_id")
        .annotate(rank=Max(rank))
        .values("rank")
    )
    return documents.annotate(send_rank=Subquery(latest[:1], output_field=IntegerField()))


def app_choices(*, context: TenantContext) -> list[tuple[str, str]]:
    """(slug, name) of the apps that appear in the caller's send history. One query."""
    rows = (
        deliveries_for_context(context)
        .order_by("app_name", "app_slug")
        .values_list("app_slug", "app_name")
        .distinct()
    )
    seen: dict[str, str] = {}
    for slug, name in rows:
        seen.setdefault(slug, name)
    return sorted(seen.items(), key=lambda item: item[1].lower())


def pending_count_for_installation(*, installation: Installation) -> int:
    return Delivery.objects.filter(installation=installation, status=DeliveryStatus.PENDING).count()
