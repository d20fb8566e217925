"""Reads of the Store. Every function takes the firm (or the context) and never shows another
firm's rows: another firm's custom app or installation is a 404, as if it did not exist."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from comptoir.assignments import hooks as assignments_hooks
from comptoir.core.lookups import get_or_404
from comptoir.deliveries import hooks as deliveries_hooks
from comptoir.firms.models import Firm
from comptoir.store.models import (
    App,
    AppType,
    Category,
    Installation,
)
from comptoir.store.permissions import is_store_management_allowed

if TYPE_CHECKING:
    from comptoir.tenancy.contexts import TenantContext

_Apps = TypeVar("_Apps", bound="QuerySet[App]")

# Texts that lists never show ("En savoir plus" does): left out of list queries.
_HEAVY_FIELDS = ("long_description", "business_model", "logo_svg")


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("order", "slug")


def _visible_apps(firm: Firm) -> QuerySet[App]:
    """Platform apps and the firm's own custom apps."""
    return App.objects.filter(Q(owner_firm__isnull=True) | Q(owner_firm=firm))


def _filter_apps(
    apps: _Apps,
    *,
    prefix: str = "",
    category: str | None = None,
    type: str | None = None,
    q: str | None = None,
) -> _Apps:
    if category:
        apps = apps.filter(**{f"{prefix}category__slug": category})
    if type in AppType.values:
        apps = apps.filter(**{f"{prefix}type": type})
    q = " ".join((q or "").split())
    if q:
        apps = apps.filter(
            Q(**{f"{prefix}name__icontains": q}) | Q(**{f"{prefix}publisher__icontains": q})
        )
    return apps


def store_app_list(
    *,
    context: TenantContext,
    category: str | None = None,
    type: str | None = None,
    q: str | None = None,
) -> QuerySet[App]:
    """The catalogue as the context sees it, each app annotated with ``installation_id``.

    Admins: every active platform app and their own active custom apps, plus whatever the
    firm installed (even if since deactivated). Collaborators: only the installed ones.
    """
    firm = context.firm
    installed = Installation.objects.filter(firm=firm, app=OuterRef("pk"))
    apps = _visible_apps(firm).annotate(installation_id=Subquery(installed.values("pk")[:1]))
    if is_store_management_allowed(context):  # the apps not in the space are for its admins
        apps = apps.filter(Q(is_active=True) | Q(installation_id__isnull=False))
    else:
        apps = apps.filter(installation_id__isnull=False)
    apps = _filter_apps(apps, category=category, type=type, q=q)
    return apps.select_related("category").order_by("name", "id")


def unused_apps(
    *, firm: Firm, category: str | None = None, type: str | None = None, q: str | None = None
) -> QuerySet[App]:
    """ "Les applications non utilisées": active apps the firm has not installed (admins only)."""
    installed = Installation.objects.filter(firm=firm, app=OuterRef("pk"))
    apps = _visible_apps(firm).filter(is_active=True).filter(~Exists(installed))
    apps = _filter_apps(apps, category=category, type=type, q=q)
    return (
        apps.select_related("category")
        .defer(*_HEAVY_FIELDS)
        .order_by("category__order", "name", "id")
    )


# What an app card of the Store page shows: plain values, no model instances.
_CARD_FIELDS = (
    "slug",
    "name",
    "publisher",
    "short_description",
    "type",
    "audience",
    "logo_version",
    "is_active",
    "owner_firm_id",
    "settings_schema",
    "category__name_fr",
    "category__name_en",
    "category__order",
)


class StoreCards:
    """The Store page's cards as one sequence to page: “Les applications de mon espace” first
    (in the firm's tile order), then, for admins, “Les applications non utilisées” (active
    apps not installed, by category and name).

    One query over the apps (each with its installation, if any) for a page of rows, one
    for both counts, whatever the page and the size of the catalogue. Each row: ``id`` (the
    app's), ``installation`` (None for an unused app) and the ``_CARD_FIELDS``.
    """

    def __init__(
        self,
        *,
        firm: Firm,
        with_unused: bool,
        category: str | None = None,
        type: str | None = None,
        q: str | None = None,
    ) -> None:
        installed = Installation.objects.filter(firm=firm, app=OuterRef("pk"))
        apps = _visible_apps(firm).annotate(
            installation=Subquery(installed.values("pk")[:1]),
            tile_position=Subquery(installed.values("position")[:1]),
        )
        if with_unused:
            apps = apps.filter(Q(installation__isnull=False) | Q(is_active=True))
        else:
            apps = apps.filter(installation__isnull=False)
        self._apps = _filter_apps(apps, category=category, type=type, q=q)
        self._counts: dict[str, int] | None = None

    @property
    def space_count(self) -> int:
        return self._count()["space"]

    @property
    def unused_count(self) -> int:
        return self._count()["unused"]

    def _count(self) -> dict[str, int]:
        if self._counts is None:
            self._counts = self._apps.aggregate(
                space=Count("pk", filter=Q(installation__isnull=False)),
                unused=Count("pk", filter=Q(installation__isnull=True)),
            )
        return self._counts

    def count(self) -> int:
        return self.space_count + self.unused_count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        if not isinstance(window, slice):
            raise TypeError("StoreCards is read by slices (a page)")
        ordered = self._apps.order_by(
            # The space's apps (a position) first, in tile order; then the others.
            F("tile_position").asc(nulls_last=True),
            F("installation").asc(nulls_last=True),
            F("category__order").asc(nulls_first=True),
            "name",
            "id",
        )
        return list(ordered.values("id", "installation", *_CARD_FIELDS)[window])


def app_get(*, context: TenantContext, slug: str) -> App:
    """One app as the context may see it (annotated with ``installation_id``), else 404."""
    app = store_app_list(context=context).filter(slug=str(slug)).first()
    if app is None:
        raise Http404
    return app


def installation_list(*, firm: Firm) -> QuerySet[Installation]:
    return (
        Installation.objects.filter(firm=firm)
        .select_related("app", "app__category", "installed_by")
        .order_by("position", "id")
    )


def installation_get(*, firm: Firm, pk: int | str) -> Installation:
    """One installation of the firm; 404 for another firm's or anything that is not an id."""
    return get_or_404(
        Installation.objects.filter(firm=firm).select_related(
            "app", "app__category", "installed_by"
        ),
        pk=pk,
    )


IMPACT_KEYS = ("companies", "users", "connections", "pending_deliveries")


def compute_impact(installation: Installation) -> dict[str, int]:
    """What removing the app takes away, as the apps above the Store count it (their hooks).

    Each count is one of ``IMPACT_KEYS``, 0 where nothing counts it; a bounded number of
    queries (one per hook).
    """
    totals = dict.fromkeys(IMPACT_KEYS, 0)
    for counts in (
        assignments_hooks.installation_removal_impact(installation),
        deliveries_hooks.installation_removal_impact(installation),
    ):
        for key, value in counts.items():
            if key not in totals:
                raise ValueError(f"removal impact {key!r} is not one of {IMPACT_KEYS}")
            totals[key] += int(value)
    return totals


def removal_impact(*, firm: Firm, installation: Installation) -> dict[str, int]:
    """What removing the app would take away: companies, users, connections, deliveries."""
    if installation.firm_id != firm.pk:
        raise Http404
    return compute_impact(installation)


def initials(name: str) -> str:
    """The placeholder of an app without a logo (as ``App.initials``)."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"
