"""Writes of the Store: add, configure, remove apps, create custom apps, order tiles, launches.

Each service checks that the actor is an administrator of the firm, owns its transaction and
writes one audit event. Secrets never reach the audit log: only the names of changed settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from comptoir.assignments import hooks as assignments_hooks
from comptoir.audit.services import audit_record
from comptoir.companies.roles import clean_company_roles
from comptoir.core.cleaning import clean_name
from comptoir.core.errors import Conflict, NotFound, ValidationFailed
from comptoir.core.ids import parse_ids
from comptoir.deliveries import hooks as deliveries_hooks
from comptoir.firms.models import Firm
from comptoir.firms.permissions import require_firm_admin
from comptoir.store.logos import clean_uploaded_logo, logo_version
from comptoir.store.models import App, AppType, Audience, Category, Installation, LaunchEvent
from comptoir.store.permissions import ADMIN_ONLY_MESSAGE
from comptoir.store.schema import FIRM, changed_keys
from comptoir.store.selectors import compute_impact
from comptoir.store.settings_validation import validate_settings
from comptoir.store.urls_safety import validate_tile_url

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from comptoir.accounts.models import User
    from comptoir.tenancy.contexts import TenantContext

CUSTOM_SLUG_PREFIX = "perso-"
CUSTOM_CATEGORY_SLUG = "autres"
NAME_MAX = 120
DESCRIPTION_MAX = 2000
SHORT_DESCRIPTION_MAX = 300
_UNSET: Any = object()


def _next_position(firm: Firm) -> int:
    top = Installation.objects.filter(firm=firm).aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


def installation_add(
    *, actor: User, firm: Firm, app: App, settings: dict[str, Any] | None = None
) -> Installation:
    """Put a Store app in the firm's space, with its firm-level settings when it has some."""
    require_firm_admin(actor, firm, message=ADMIN_ONLY_MESSAGE)
    if app.owner_firm_id not in (None, firm.pk):
        raise NotFound(code="app_not_found")
    if not app.is_active:
        raise Conflict(
            _("“%(app)s” is no longer offered in the Store.") % {"app": app.name},
            code="app_inactive",
        )
    stored = validate_settings(app, FIRM, settings or {})
    with transaction.atomic():
        if Installation.objects.filter(firm=firm, app=app).exists():
            raise Conflict(
                _("“%(app)s” is already in your space.") % {"app": app.name},
                code="already_installed",
            )
        try:
            with transaction.atomic():
                installation = Installation.objects.create(
                    firm=firm,
                    app=app,
                    settings=stored,
                    position=_next_position(firm),
                    installed_by=actor,
                )
        except IntegrityError:
            raise Conflict(
                _("“%(app)s” was added at the same moment by someone else.") % {"app": app.name},
                code="already_installed",
            ) from None
        audit_record(
            firm=firm,
            actor=actor,
            action="installation.add",
            target=installation,
            details={"app": app.slug, "settings": sorted(stored)},
        )
    return installation


def installation_update_settings(
    *, actor: User, installation: Installation, settings: dict[str, Any] | None
) -> Installation:
    """Change firm-level settings: keys left out keep their value, an empty secret too."""
    require_firm_admin(actor, installation.firm, message=ADMIN_ONLY_MESSAGE)
    app = installation.app
    before = dict(installation.settings or {})
    after = validate_settings(app, FIRM, settings or {}, before)
    changed = changed_keys(before, after)
    if not changed:
        return installation
    with transaction.atomic():
        installation.settings = after
        installation.save(update_fields=["settings", "updated_at"])
        audit_record(
            firm=installation.firm,
            actor=actor,
            action="installation.settings_update",
            target=installation,
            details={"app": app.slug, "changed": changed},
        )
    return installation


def installation_remove(*, actor: User, installation: Installation) -> dict[str, int]:
    """Remove the app for the firm and all its clients; returns what was taken away.

    What hangs below the installation goes first, in this order: the pending deliveries
    (``deliveries.hooks``), then the connections, assignments, user accesses, role grants and
    rules (``assignments.hooks``); send history and launches stay. A custom app is retired
    with its installation (it belongs to nobody else).
    """
    firm = installation.firm
    require_firm_admin(actor, firm, message=ADMIN_ONLY_MESSAGE)
    app = installation.app
    with transaction.atomic():
        impact = compute_impact(installation)
        cancelled = {
            "deliveries": deliveries_hooks.installation_removing(
                actor=actor, installation=installation
            ),
            "assignments": assignments_hooks.installation_removing(
                actor=actor, installation=installation
            ),
        }
        audit_record(
            firm=firm,
            actor=actor,
            action="installation.remove",
            target=installation,
            details={
                "app": app.slug,
                "app_name": app.name,
                "impact": impact,
                "cancelled": cancelled,
            },
        )
        installation.delete()
        if app.is_custom:
            app.is_active = False
            app.save(update_fields=["is_active", "updated_at"])
    return impact


# --- custom apps --------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    return clean_name(name, max_chars=NAME_MAX, required_message=_("Enter the application's name."))


def _clean_description(description: str | None) -> str:
    cleaned = str(description or "").strip()
    if len(cleaned) > DESCRIPTION_MAX:
        raise ValidationFailed(
            _("The description is too long (%(max)d characters at most).")
            % {"max": DESCRIPTION_MAX},
            code="description_too_long",
            field="description",
        )
    return cleaned


def _short(description: str) -> str:
    line = " ".join(description.split())
    if len(line) <= SHORT_DESCRIPTION_MAX:
        return line
    return line[: SHORT_DESCRIPTION_MAX - 1].rstrip() + "…"


def _clean_audience(audience: str) -> str:
    if audience not in Audience.values:
        raise ValidationFailed(
            _("Choose who sees the application: firm, company or both."),
            code="invalid_audience",
            field="audience",
        )
    return audience


def _custom_slug(firm: Firm, name: str) -> str:
    base = f"{CUSTOM_SLUG_PREFIX}{firm.pk}-{slugify(name)[:50] or 'app'}"
    taken = set(App.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug


def _set_logo(app: App, logo: File) -> None:
    content = clean_uploaded_logo(logo)
    data = content.read()
    content.seek(0)
    version = logo_version(data)
    app.logo_file.save(f"{version}.png", content, save=False)
    app.logo_svg = ""
    app.logo_version = version


def custom_app_apply_options(*, actor: User, installation: Installation) -> None:
    """Apply "assign to all dossiers" and the company roles chosen at creation.

    The options are kept on the app (``App.custom_options``). Assigning to companies and
    granting to company users belong to the assignments app: this is the one place that
    hands them over (``assignments.hooks.custom_app_created``).
    """
    assignments_hooks.custom_app_created(actor=actor, installation=installation)


def custom_app_create(
    *,
    actor: User,
    firm: Firm,
    name: str,
    url: str,
    description: str = "",
    audience: str = Audience.BOTH,
    logo: File | None = None,
    assign_to_all_companies: bool = False,
    roles: Sequence[str] = (),
) -> Installation:
    """ "Ajouter une application": a redirect app of the firm's own, installed at once."""
    require_firm_admin(actor, firm, message=ADMIN_ONLY_MESSAGE)
    name = _clean_name(name)
    launch_url = validate_tile_url(url, field="url")
    description = _clean_description(description)
    audience = _clean_audience(audience)
    roles = clean_company_roles(roles, required=False)
    options = {"assign_to_all_companies": bool(assign_to_all_companies), "roles": roles}
    with transaction.atomic():
        app = App(
            slug=_custom_slug(firm, name),
            name=name,
            publisher=firm.name,
            category=Category.objects.filter(slug=CUSTOM_CATEGORY_SLUG).first(),
            short_description=_short(description),
            long_description=description,
            type=AppType.REDIRECT,
            audience=audience,
            launch_url=launch_url,
            owner_firm=firm,
            custom_options=options,
        )
        if logo:
            _set_logo(app, logo)
        app.save()
        installation = Installation.objects.create(
            firm=firm, app=app, position=_next_position(firm), installed_by=actor
        )
        audit_record(
            firm=firm,
            actor=actor,
            action="custom_app.create",
            target=installation,
            details={
                "app": app.slug,
                "name": name,
                "url": launch_url,
                "audience": audience,
                "logo": bool(logo),
                **options,
            },
        )
        custom_app_apply_options(actor=actor, installation=installation)
    return installation


def custom_app_update(
    *,
    actor: User,
    installation: Installation,
    name: str = _UNSET,
    url: str = _UNSET,
    description: str = _UNSET,
    audience: str = _UNSET,
    logo: File | None = None,
    remove_logo: bool = False,
) -> Installation:
    """Change a custom app's name, address, description, audience or logo."""
    firm = installation.firm
    require_firm_admin(actor, firm, message=ADMIN_ONLY_MESSAGE)
    app = installation.app
    if app.owner_firm_id != firm.pk:
        raise ValidationFailed(
            _("Only the applications your firm created can be edited this way."),
            code="not_custom_app",
        )
    changes: dict[str, Any] = {}
    if name is not _UNSET:
        changes["name"] = _clean_name(name)
    if url is not _UNSET:
        changes["launch_url"] = validate_tile_url(url, field="url")
    if description is not _UNSET:
        cleaned = _clean_description(description)
        changes["long_description"] = cleaned
        changes["short_description"] = _short(cleaned)
    if audience is not _UNSET:
        changes["audience"] = _clean_audience(audience)
    changed = {k: v for k, v in changes.items() if getattr(app, k) != v}
    before = {k: getattr(app, k) for k in changed}
    if logo:
        _set_logo(app, logo)
        changed["logo"] = True
    elif remove_logo and app.has_logo:
        app.logo_file = ""
        app.logo_version = ""
        changed["logo"] = False
    if not changed:
        return installation
    with transaction.atomic():
        for field, value in changed.items():
            if field != "logo":
                setattr(app, field, value)
        app.save()
        audit_record(
            firm=firm,
            actor=actor,
            action="custom_app.update",
            target=installation,
            details={
                "app": app.slug,
                "changed": {
                    k: ({"before": before[k], "after": v} if k in before else v)
                    for k, v in changed.items()
                },
            },
        )
    return installation


def installation_update(
    *,
    actor: User,
    installation: Installation,
    settings: dict[str, Any] | None = None,
    **custom: Any,
) -> Installation:
    """One edit of an installation: a custom app's fields and/or its firm-level settings.

    Both parts are saved together or not at all (a refused setting keeps the new name out).
    """
    require_firm_admin(actor, installation.firm, message=ADMIN_ONLY_MESSAGE)
    if custom and not installation.app.is_custom:
        raise ValidationFailed(
            _("Name, address and description can only be changed for your own applications."),
            code="not_custom_app",
            field=next(iter(custom)),
        )
    with transaction.atomic():
        if custom:
            custom_app_update(actor=actor, installation=installation, **custom)
        if settings is not None:
            installation_update_settings(actor=actor, installation=installation, settings=settings)
    return installation


# --- tiles and launches -------------------------------------------------------------------------


def tile_reorder(*, actor: User, firm: Firm, installation_ids: list[Any]) -> list[int]:
    """Put the listed installations first, in that order; the others keep theirs after them."""
    require_firm_admin(actor, firm, message=ADMIN_ONLY_MESSAGE)
    ids = parse_ids(installation_ids)
    if ids is None:
        raise ValidationFailed(
            _("Give the installations as a list of ids."), code="invalid_order", field="order"
        )
    if len(set(ids)) != len(ids):
        raise ValidationFailed(
            _("Each installation may appear only once."), code="invalid_order", field="order"
        )
    with transaction.atomic():
        installations = {i.pk: i for i in Installation.objects.filter(firm=firm)}
        if any(pk not in installations for pk in ids):
            raise NotFound(code="installation_not_found")
        rest = sorted(
            (i for pk, i in installations.items() if pk not in set(ids)),
            key=lambda i: (i.position, i.pk),
        )
        order = [installations[pk] for pk in ids] + rest
        moved = []
        for position, installation in enumerate(order):
            if installation.position != position:
                installation.position = position
                moved.append(installation)
        if moved:
            Installation.objects.bulk_update(moved, ["position"])
            audit_record(
                firm=firm,
                actor=actor,
                action="tiles.reorder",
                target=None,
                details={"order": [i.pk for i in order]},
            )
    return [i.pk for i in order]


def tile_move(*, actor: User, installation: Installation, offset: int) -> list[int]:
    """Move a redirect app one place up (-1) or down (+1) among the firm's tiles."""
    firm = installation.firm
    require_firm_admin(actor, firm, message=ADMIN_ONLY_MESSAGE)
    rows = list(
        Installation.objects.filter(firm=firm)
        .order_by("position", "id")
        .values_list("pk", "app__type")
    )
    order = [pk for pk, _type in rows]
    tiles = [pk for pk, app_type in rows if app_type == AppType.REDIRECT]
    if installation.pk not in tiles:
        raise ValidationFailed(
            _("Only applications shown as tiles can be moved."), code="not_a_tile"
        )
    index = tiles.index(installation.pk)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(tiles):
        return order
    tiles[index], tiles[target] = tiles[target], tiles[index]
    slots = iter(tiles)
    new_order = [next(slots) if pk in set(tiles) else pk for pk in order]
    return tile_reorder(actor=actor, firm=firm, installation_ids=new_order)


def launch_record(
    *,
    user: User | AnonymousUser | None,
    context: TenantContext | None,
    installation: Installation,
) -> LaunchEvent:
    """Remember who opened which tile, when, and from which company (usage statistics)."""
    return LaunchEvent.objects.create(
        firm_id=installation.firm_id,
        installation=installation,
        app=installation.app,
        app_name=installation.app.name,
        user=user if user is not None and user.is_authenticated else None,
        company=context.company if context is not None else None,
    )
