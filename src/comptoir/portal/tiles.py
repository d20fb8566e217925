"""The home page tiles and who may see and open them: the one home of that rule.

A tile is a redirect app of the firm's space. In a firm context the firm's users see the
installations meant for the firm. In a company context a user sees the apps meant for companies
that the assignments gave them: assigned to their company, enabled, and an access of theirs
(given by hand or by a role grant). The launcher (``portal.views.open_app``) and the app logos
(``portal.views.logo``) apply the same rule, so a tile that is not shown cannot be opened.
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from comptoir.assignments.models import UserAccess
from comptoir.core.compiled import CompiledQuery
from comptoir.core.lookups import get_or_404
from comptoir.core.navigation import UrlPattern
from comptoir.store.models import COMPANY_AUDIENCES, FIRM_AUDIENCES, App, AppType, Installation
from comptoir.store.selectors import initials
from comptoir.tenancy.contexts import TenantContext


class TileUrls:
    """The addresses of tiles: one reversal of each pattern per page, not two per tile."""

    def __init__(self) -> None:
        self.open = UrlPattern("portal:open")
        self.logo = UrlPattern("portal:logo", 2)

    def tile(self, row: dict[str, Any]) -> dict[str, Any]:
        """A tile from a row with ``installation``, ``app_id``, ``name``, ``logo_version``."""
        version = row["logo_version"]
        return {
            "installation": row["installation"],
            "name": row["name"],
            "logo_url": self.logo.format(row["app_id"], version) if version else None,
            "initials": initials(row["name"]),
            "url_open": self.open.format(row["installation"]),
        }


TILE_FIELDS = ("pk", "app_id", "app__name", "app__logo_version")


def tile_rows(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Tiles of rows of ``TILE_FIELDS`` (already filtered and ordered)."""
    urls = TileUrls()
    return [
        urls.tile({"installation": pk, "app_id": app_id, "name": name, "logo_version": version})
        for pk, app_id, name, version in rows
    ]


# --- who sees which tile ------------------------------------------------------------------------


def _visible_to(*, company_id: int, user_id: int) -> QuerySet[UserAccess]:
    return UserAccess.objects.filter(
        assignment__installation=OuterRef("pk"),
        assignment__company_id=company_id,
        assignment__enabled=True,
        user_id=user_id,
    )


def _company_tile_filter(*, firm_id: int, company_id: int, user_id: int) -> QuerySet[Installation]:
    return (
        Installation.objects.filter(
            firm_id=firm_id, app__type=AppType.REDIRECT, app__audience__in=COMPANY_AUDIENCES
        )
        .filter(Exists(_visible_to(company_id=company_id, user_id=user_id)))
        .order_by("position", "id")
    )


def _membership_ids(context: TenantContext) -> dict[str, int]:
    # The membership's ids, not its user or company: no query to load them.
    membership = context.company_membership
    assert membership is not None, "a company context"
    return {
        "firm_id": context.firm.pk,
        "company_id": membership.company_id,
        "user_id": membership.user_id,
    }


def company_tile_installations(*, context: TenantContext) -> QuerySet[Installation]:
    return _company_tile_filter(**_membership_ids(context)).select_related("app")


# The home pages' two tile queries, compiled once (the rules above and below, not a copy).
_FIRM_TILES = CompiledQuery(
    lambda firm_id: (
        Installation.objects.filter(
            firm_id=firm_id, app__type=AppType.REDIRECT, app__audience__in=FIRM_AUDIENCES
        )
        .order_by("position", "id")
        .values_list(*TILE_FIELDS)
    ),
    int,
)
_COMPANY_TILES = CompiledQuery(
    lambda firm_id, company_id, user_id: _company_tile_filter(
        firm_id=firm_id, company_id=company_id, user_id=user_id
    ).values_list(*TILE_FIELDS),
    int,
    int,
    int,
)


def is_tile_opening_allowed(context: TenantContext | None, installation: Installation) -> bool:
    """May the user of ``context`` see this installation's tile and open it?

    Only redirect apps are tiles. In a firm context: the firm's own installations whose
    audience includes the firm. In a company context: apps whose audience includes companies
    and that the company user was given: the app is assigned to the company and enabled, and
    the user has an access (given by hand or by a role grant); one query.
    """
    if context is None or installation.firm_id != context.firm.pk:
        return False
    app = installation.app
    if app.type != AppType.REDIRECT:
        return False
    if context.is_firm:
        return app.audience in FIRM_AUDIENCES
    if app.audience not in COMPANY_AUDIENCES:
        return False
    return company_tile_installations(context=context).filter(pk=installation.pk).exists()


# --- the tiles of a home page -------------------------------------------------------------------


def firm_home_tiles(*, context: TenantContext) -> list[dict[str, Any]]:
    """The firm's redirect apps meant for the firm, in the firm's order. One query."""
    return tile_rows(_FIRM_TILES.rows(context.firm.pk))


def company_tiles(*, context: TenantContext) -> list[dict[str, Any]]:
    """A company user's tiles: redirect apps for companies, in the firm's space, assigned and
    enabled for the company, that this user was given. One query of plain values."""
    if context is None or context.is_firm or context.company_membership is None:
        return []
    ids = _membership_ids(context)
    return tile_rows(_COMPANY_TILES.rows(ids["firm_id"], ids["company_id"], ids["user_id"]))


def home_tiles(*, context: TenantContext | None) -> list[dict[str, Any]]:
    if context is None:
        return []
    if context.is_firm:
        return firm_home_tiles(context=context)
    return company_tiles(context=context)


# --- opening a tile and its logo ----------------------------------------------------------------


def installation_for_open(*, context: TenantContext | None, pk: int | str) -> Installation:
    """The installation behind a tile, if the context may open it; else 404."""
    if context is None:
        raise Http404
    installation = get_or_404(
        Installation.objects.filter(firm=context.firm).select_related("app"), pk=pk
    )
    if not is_tile_opening_allowed(context, installation):
        raise Http404
    return installation


def app_logo_get(*, context: TenantContext | None, app_id: int | str) -> App:
    """An app's logo, for a context that may see the app; else 404.

    Firm context: the catalogue's apps (the Store shows them to the firm; their logos are the
    platform's, the same for every firm) and the firm's own custom apps. Company context: only
    an app behind a tile the user may open (``is_tile_opening_allowed``, the launcher's rule), so
    a company user learns nothing of the firm's other apps, custom or not. No context: 404.
    """
    if context is None:
        raise Http404
    if context.is_firm:
        app = get_or_404(
            App.objects.filter(Q(owner_firm__isnull=True) | Q(owner_firm_id=context.firm.pk)).only(
                "id", "logo_svg", "logo_file", "logo_version", "owner_firm"
            ),
            pk=app_id,
        )
    else:
        installation = get_or_404(
            Installation.objects.filter(firm=context.firm).select_related("app"), app_id=app_id
        )
        if not is_tile_opening_allowed(context, installation):
            raise Http404
        app = installation.app
    if not app.has_logo:
        raise Http404
    return app
