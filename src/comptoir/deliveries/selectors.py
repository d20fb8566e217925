"""Reads of deliveries. Every entry point takes the firm or the tenant context: 404 outside.

A company user sees only the deliveries of their own company's documents (read only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from comptoir.core.lookups import get_or_404
from comptoir.deliveries.models import Delivery, DeliveryAttempt, DeliveryStatus
from comptoir.tenancy.contexts import TenantContext

if TYPE_CHECKING:
    from comptoir.documents.models import DocumentVersion
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
) -> QuerySet[Delivery]:
    """The send history, filtered; newest first (callers may order otherwise)."""
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
    return deliveries.order_by("-created_at", "-id")


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
