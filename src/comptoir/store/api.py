"""Store API: catalogue, installations, custom apps, removal impact, home tiles."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status

from comptoir.companies.models import CompanyRole
from comptoir.core.api import Limit, documented, errors, paginate
from comptoir.core.errors import Forbidden
from comptoir.core.ids import Id
from comptoir.store import selectors, services
from comptoir.store.models import App, Installation, Transport
from comptoir.store.permissions import ADMIN_ONLY_MESSAGE, is_store_management_allowed
from comptoir.store.schema import FIRM, firm_fields, public_settings, schema_fields
from comptoir.tenancy.api import firm_context
from comptoir.tenancy.contexts import TenantContext

router = Router(tags=["store"])

AppTypeName = Literal["redirect", "automation"]
AudienceName = Literal["firm", "company", "both"]


SLUG = {"pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 80}


class CategoryOut(Schema):
    slug: str = documented(**SLUG)
    name: str
    name_fr: str
    name_en: str
    order: Annotated[int, documented(minimum=0)]


class CategoryPage(Schema):
    items: list[CategoryOut]
    next: str | None


class CategoryRef(Schema):
    slug: str
    name: str


class AppOut(Schema):
    slug: str = documented(**SLUG)
    name: str
    publisher: str
    category: CategoryRef | None
    short_description: str
    type: AppTypeName
    audience: AudienceName
    logo: str | None
    is_custom: bool
    is_active: bool
    requires_siret: bool
    transport: Annotated[str, documented(enum=list(Transport.values))] | None
    needs_firm_settings: bool
    installed: bool
    installation: Id | None


class AppPage(Schema):
    items: list[AppOut]
    next: str | None


class AppDetailOut(AppOut):
    long_description: str
    business_model: str
    launch_url: str | None
    accepted_folders: list[str]
    accepted_file_types: list[str]
    max_file_size: Annotated[int, documented(minimum=0)] | None
    settings_schema: list[dict[str, Any]]


class InstallationOut(Schema):
    id: Id
    app: AppDetailOut
    settings: dict[str, Any]
    position: Annotated[int, documented(minimum=0)]
    installed_at: datetime
    installed_by: str | None


class InstallationPage(Schema):
    items: list[InstallationOut]
    next: str | None


class InstallationIn(Schema):
    app: str = documented(**SLUG, description="The app's slug in the Store")
    settings: dict[str, Any] = {}


# What the services check, for the OpenAPI document (a fresh Field for each use).
APP_NAME = {"minLength": 1, "maxLength": services.NAME_MAX}
APP_URL = {"format": "uri", "maxLength": 2000, "description": "An https:// address"}
DESCRIPTION = {"maxLength": services.DESCRIPTION_MAX}


class InstallationPatch(Schema):
    settings: dict[str, Any] | None = None
    # Custom apps only:
    name: Annotated[str, documented(**APP_NAME)] | None = None
    url: Annotated[str, documented(**APP_URL)] | None = None
    description: Annotated[str, documented(**DESCRIPTION)] | None = None
    audience: AudienceName | None = None


class CustomAppIn(Schema):
    name: str = documented(**APP_NAME)
    url: str = documented(**APP_URL)
    description: Annotated[str, documented(**DESCRIPTION)] = ""
    audience: AudienceName = "both"
    assign_to_all_companies: bool = False
    roles: list[Annotated[str, documented(enum=list(CompanyRole.values))]] = []


class ImpactOut(Schema):
    companies: Annotated[int, documented(minimum=0)]
    users: Annotated[int, documented(minimum=0)]
    connections: Annotated[int, documented(minimum=0)]
    pending_deliveries: Annotated[int, documented(minimum=0)]


class ReorderIn(Schema):
    order: list[Id]


class ReorderOut(Schema):
    order: list[Id]


def app_out(app: App, installation_id: int | None) -> dict[str, Any]:
    category = app.category
    return {
        "slug": app.slug,
        "name": app.name,
        "publisher": app.publisher,
        "category": {"slug": category.slug, "name": category.name} if category else None,
        "short_description": app.short_description,
        "type": app.type,
        "audience": app.audience,
        "logo": app.logo_url,
        "is_custom": app.is_custom,
        "is_active": app.is_active,
        "requires_siret": app.requires_siret,
        "transport": app.transport or None,
        "needs_firm_settings": bool(firm_fields(app)),
        "installed": installation_id is not None,
        "installation": installation_id,
    }


def app_detail_out(app: App, installation_id: int | None) -> dict[str, Any]:
    return {
        **app_out(app, installation_id),
        "long_description": app.long_description,
        "business_model": app.business_model,
        "launch_url": app.launch_url or None,
        "accepted_folders": list(app.accepted_folders or []),
        "accepted_file_types": list(app.accepted_file_types or []),
        "max_file_size": app.max_file_size,
        "settings_schema": [spec.as_dict() for spec in schema_fields(app)],
    }


def installation_out(installation: Installation) -> dict[str, Any]:
    app = installation.app
    installed_by = installation.installed_by
    return {
        "id": installation.pk,
        "app": app_detail_out(app, installation.pk),
        "settings": public_settings(app, FIRM, installation.settings),
        "position": installation.position,
        "installed_at": installation.created_at,
        "installed_by": installed_by.email if installed_by else None,
    }


def _require_admin(context: TenantContext) -> None:
    """403 in the Store's words unless the context may manage the Store (firm admins)."""
    if not is_store_management_allowed(context):
        raise Forbidden(ADMIN_ONLY_MESSAGE, code="admin_only")


# --- catalogue ----------------------------------------------------------------------------------


@router.get("/store/categories", response=CategoryPage, summary="Store categories")
def category_list(request: HttpRequest):
    firm_context(request)
    return {"items": list(selectors.category_list()), "next": None}


@router.get("/store/apps", response=AppPage, summary="The catalogue as the caller may see it")
def app_list(
    request: HttpRequest,
    category: str | None = None,
    type: AppTypeName | None = None,
    q: str | None = None,
    limit: Limit | None = None,
    cursor: str | None = None,
):
    context = firm_context(request)
    apps = selectors.store_app_list(context=context, category=category, type=type, q=q)
    rows, next_cursor = paginate(apps, limit=limit, cursor=cursor, keys=("name", "id"))
    return {"items": [app_out(app, app.installation_id) for app in rows], "next": next_cursor}


@router.get("/store/apps/{slug}", response=AppDetailOut, summary="One app of the catalogue")
def app_detail(request: HttpRequest, slug: str):
    context = firm_context(request)
    app = selectors.app_get(context=context, slug=slug)
    return app_detail_out(app, app.installation_id)


# --- installations ------------------------------------------------------------------------------


@router.get("/installations", response=InstallationPage, summary="Apps in the firm's space")
def installation_list(request: HttpRequest, limit: Limit | None = None, cursor: str | None = None):
    context = firm_context(request)
    rows, next_cursor = paginate(
        selectors.installation_list(firm=context.firm),
        limit=limit,
        cursor=cursor,
        keys=("position", "id"),
    )
    return {"items": [installation_out(i) for i in rows], "next": next_cursor}


@router.post(
    "/installations",
    response={201: InstallationOut, **errors(409)},
    summary="Add an app (admins)",
)
def installation_add(request: HttpRequest, payload: InstallationIn):
    context = firm_context(request)
    _require_admin(context)
    app = selectors.app_get(context=context, slug=payload.app)
    installation = services.installation_add(
        actor=request.user, firm=context.firm, app=app, settings=payload.settings
    )
    return Status(201, installation_out(installation))


@router.post("/installations/reorder", response=ReorderOut, summary="Order the tiles (admins)")
def installation_reorder(request: HttpRequest, payload: ReorderIn):
    context = firm_context(request)
    _require_admin(context)
    order = services.tile_reorder(
        actor=request.user, firm=context.firm, installation_ids=payload.order
    )
    return {"order": order}


@router.get("/installations/{installation_id}", response=InstallationOut)
def installation_detail(request: HttpRequest, installation_id: Id):
    context = firm_context(request)
    return installation_out(selectors.installation_get(firm=context.firm, pk=installation_id))


@router.patch(
    "/installations/{installation_id}",
    response=InstallationOut,
    summary="Change firm-level settings (or a custom app's name, URL...) (admins)",
)
def installation_update(request: HttpRequest, installation_id: Id, payload: InstallationPatch):
    context = firm_context(request)
    installation = selectors.installation_get(firm=context.firm, pk=installation_id)
    _require_admin(context)
    changes = payload.dict(exclude_unset=True)
    settings = changes.pop("settings", None)
    custom = {k: ("" if v is None and k == "description" else v) for k, v in changes.items()}
    services.installation_update(
        actor=request.user, installation=installation, settings=settings, **custom
    )
    return installation_out(selectors.installation_get(firm=context.firm, pk=installation.pk))


@router.delete("/installations/{installation_id}", response={204: None}, summary="Remove (admins)")
def installation_remove(request: HttpRequest, installation_id: Id):
    context = firm_context(request)
    installation = selectors.installation_get(firm=context.firm, pk=installation_id)
    _require_admin(context)
    services.installation_remove(actor=request.user, installation=installation)
    return Status(204, None)


@router.get(
    "/installations/{installation_id}/removal-impact",
    response=ImpactOut,
    summary="What removing this app would take away",
)
def installation_removal_impact(request: HttpRequest, installation_id: Id):
    context = firm_context(request)
    installation = selectors.installation_get(firm=context.firm, pk=installation_id)
    return selectors.removal_impact(firm=context.firm, installation=installation)


@router.post("/custom-apps", response={201: InstallationOut}, summary="Create a custom app")
def custom_app_create(request: HttpRequest, payload: CustomAppIn):
    context = firm_context(request)
    _require_admin(context)
    installation = services.custom_app_create(
        actor=request.user, firm=context.firm, **payload.dict()
    )
    return Status(
        201, installation_out(selectors.installation_get(firm=context.firm, pk=installation.pk))
    )
