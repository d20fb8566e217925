"""Assignments API: companies that have an app, CSV/XLSX import, assign to all, role grants,
and which users of a company see which app."""

from datetime import datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from comptoir.assignments import imports, selectors, services
from comptoir.assignments.models import CompanyAssignment, RoleGrant
from comptoir.assignments.permissions import can_manage_user_access
from comptoir.core.api import api_context, firm_context, paginate
from comptoir.core.errors import Forbidden, ValidationFailed
from comptoir.store.schema import COMPANY, public_settings

router = Router(tags=["assignments"])


class CompanyRef(Schema):
    id: int
    name: str
    siret: str | None


class AssignmentOut(Schema):
    installation: int
    app: str
    company: CompanyRef
    enabled: bool
    settings: dict[str, Any]
    users: int | None = None
    created_at: datetime
    updated_at: datetime


class AssignmentPage(Schema):
    items: list[AssignmentOut]
    next: str | None


class AssignIn(Schema):
    companies: list[int]
    settings: dict[str, Any] = {}


class AssignResult(Schema):
    created: int
    updated: int
    unchanged: int
    items: list[AssignmentOut]


class AssignmentPatch(Schema):
    settings: dict[str, Any] | None = None
    enabled: bool | None = None


class AssignAllIn(Schema):
    include_future_companies: bool = False


class AssignAllOut(Schema):
    created: int
    already_assigned: int
    total: int
    include_future_companies: bool


class ImportRow(Schema):
    row: int
    siret: str
    company_id: int
    company: str
    action: Literal["created", "updated", "unchanged"]
    changed: list[str]


class ImportOut(Schema):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    rows: list[ImportRow]
    columns: list[str]
    extra_columns: list[str]


class RoleGrantIn(Schema):
    companies: list[int] | Literal["all"]
    roles: list[str]
    include_future_users: bool = False


class RoleGrantOut(Schema):
    id: int
    installation: int
    company: CompanyRef | None
    roles: list[str]
    include_future_users: bool
    created_at: datetime


class RoleGrantPage(Schema):
    items: list[RoleGrantOut]
    next: str | None


class RoleGrantResult(Schema):
    grants: list[int]
    companies: int
    assigned: int
    users_granted: int


class UserAppOut(Schema):
    installation: int
    name: str
    enabled: bool
    granted: bool
    by_rule: bool


def _company_ref(company) -> dict[str, Any]:
    return {"id": company.pk, "name": company.name, "siret": company.siret}


def assignment_out(assignment: CompanyAssignment, app=None) -> dict[str, Any]:
    app = app or assignment.installation.app
    return {
        "installation": assignment.installation_id,
        "app": app.slug,
        "company": _company_ref(assignment.company),
        "enabled": assignment.enabled,
        "settings": public_settings(app, COMPANY, assignment.settings),
        "users": getattr(assignment, "user_count", None),
        "created_at": assignment.created_at,
        "updated_at": assignment.updated_at,
    }


def grant_out(grant: RoleGrant) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "installation": grant.installation_id,
        "company": _company_ref(grant.company) if grant.company_id else None,
        "roles": list(grant.roles),
        "include_future_users": grant.include_future_users,
        "created_at": grant.created_at,
    }


def _installation(request, installation_id):
    context = firm_context(request)
    return context, selectors.installation_get(firm=context.firm, pk=installation_id)


# --- companies that have an app -----------------------------------------------------------------
# Literal paths (template.csv, import) come before /{company_id} so that they win the match.


@router.get(
    "/installations/{installation_id}/assignments/template.csv",
    summary="The CSV template: siret, then the app's company-level setting keys",
    openapi_extra={
        "responses": {
            200: {
                "description": "CSV (UTF-8 with BOM, ';')",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def import_template(request: HttpRequest, installation_id: str):
    _context, installation = _installation(request, installation_id)
    from comptoir.assignments.permissions import require_assignable

    require_assignable(installation.app)
    response = HttpResponse(
        imports.template_csv(installation.app), content_type="text/csv; charset=utf-8"
    )
    filename = imports.template_filename(installation.app)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.post(
    "/installations/{installation_id}/assignments/import",
    response={200: ImportOut},
    summary="Import assignments from a CSV or XLSX file keyed by SIRET (all rows or none)",
)
def import_file(
    request: HttpRequest,
    installation_id: str,
    dry_run: bool = False,
    file: File[UploadedFile] = None,  # type: ignore[assignment]
):
    _context, installation = _installation(request, installation_id)
    data, filename = services.read_upload(file)
    check = services.check_file(installation=installation, data=data, filename=filename)
    if not check.ok:
        raise services.ImportRejected(
            _("Nothing was imported: the file has %(count)d error(s).")
            % {"count": len(check.errors)},
            details=check.errors,
        )
    summary = check.summary()
    if not dry_run:
        summary = services.assignment_import_apply(
            actor=request.user, installation=installation, data=data, filename=filename
        )
    return {
        "dry_run": dry_run,
        "created": summary["created"],
        "updated": summary["updated"],
        "unchanged": summary["unchanged"],
        "rows": check.rows,
        "columns": check.columns,
        "extra_columns": check.extra_columns,
    }


@router.get(
    "/installations/{installation_id}/assignments",
    response=AssignmentPage,
    summary="Client companies that have the app",
)
def assignment_list(
    request: HttpRequest,
    installation_id: str,
    q: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
):
    context, installation = _installation(request, installation_id)
    rows, next_cursor = paginate(
        selectors.assignment_list(firm=context.firm, installation=installation, q=q),
        limit=limit,
        cursor=cursor,
        keys=("id",),
    )
    return {"items": [assignment_out(a, installation.app) for a in rows], "next": next_cursor}


@router.post(
    "/installations/{installation_id}/assignments",
    response={200: AssignResult, 201: AssignResult},
    summary="Give the app to client companies, with the same company-level settings",
)
def assignment_create(request: HttpRequest, installation_id: str, payload: AssignIn):
    context, installation = _installation(request, installation_id)
    if not payload.companies:
        raise ValidationFailed(
            _("Choose at least one client company."), code="companies_required", field="companies"
        )
    if len(payload.companies) > imports.MAX_DATA_ROWS:
        raise ValidationFailed(
            _("Give at most %(max)d companies per call.") % {"max": imports.MAX_DATA_ROWS},
            code="too_many_companies",
            field="companies",
        )
    companies = selectors.companies_by_ids(firm=context.firm, ids=payload.companies)
    result = services.assignments_upsert(
        actor=request.user,
        installation=installation,
        entries=[services.Entry(company=c, settings=dict(payload.settings)) for c in companies],
    )
    ids = {c.pk for c in companies}
    items = (
        [
            a
            for a in selectors.assignment_list(firm=context.firm, installation=installation)
            if a.company_id in ids
        ]
        if len(ids) <= 50
        else []
    )
    body = {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "items": [assignment_out(a, installation.app) for a in items],
    }
    return Status(201 if result.created else 200, body)


@router.get(
    "/installations/{installation_id}/assignments/{company_id}",
    response=AssignmentOut,
    summary="One company's assignment (its settings: the connection for automation apps)",
)
def assignment_detail(request: HttpRequest, installation_id: str, company_id: str):
    context, installation = _installation(request, installation_id)
    return assignment_out(
        selectors.assignment_get(
            firm=context.firm, installation=installation, company_id=company_id
        )
    )


@router.patch(
    "/installations/{installation_id}/assignments/{company_id}",
    response=AssignmentOut,
    summary="Change one company's settings or its enabled flag",
)
def assignment_update(
    request: HttpRequest, installation_id: str, company_id: str, payload: AssignmentPatch
):
    context, installation = _installation(request, installation_id)
    assignment = selectors.assignment_get(
        firm=context.firm, installation=installation, company_id=company_id
    )
    changes = payload.dict(exclude_unset=True)
    if changes.get("enabled", True) is None:
        changes.pop("enabled")
    services.assignment_update(actor=request.user, assignment=assignment, **changes)
    return assignment_out(assignment)


@router.delete(
    "/installations/{installation_id}/assignments/{company_id}",
    response={204: None},
    summary="Unassign: the company's user accesses and connection go",
)
def assignment_delete(request: HttpRequest, installation_id: str, company_id: str):
    context, installation = _installation(request, installation_id)
    assignment = selectors.assignment_get(
        firm=context.firm, installation=installation, company_id=company_id
    )
    services.assignment_unassign(actor=request.user, assignment=assignment)
    return Status(204, None)


# --- all clients, roles -------------------------------------------------------------------------


@router.post(
    "/installations/{installation_id}/assign-all",
    response=AssignAllOut,
    summary="“Affecter à tous les clients” (redirect apps)",
)
def assign_all(request: HttpRequest, installation_id: str, payload: AssignAllIn):
    _context, installation = _installation(request, installation_id)
    return services.assign_all(
        actor=request.user,
        installation=installation,
        include_future_companies=payload.include_future_companies,
    )


@router.get(
    "/installations/{installation_id}/role-grants",
    response=RoleGrantPage,
    summary="Role grants made for the app (“Personnaliser le portail client”)",
)
def role_grant_list(
    request: HttpRequest, installation_id: str, limit: int | None = None, cursor: str | None = None
):
    context, installation = _installation(request, installation_id)
    rows, next_cursor = paginate(
        selectors.role_grant_list(firm=context.firm, installation=installation),
        limit=limit,
        cursor=cursor,
        keys=("id",),
    )
    return {"items": [grant_out(g) for g in rows], "next": next_cursor}


@router.post(
    "/installations/{installation_id}/role-grants",
    response={201: RoleGrantResult},
    summary="“Personnaliser le portail client”: users of these roles get the app",
)
def role_grant_create(request: HttpRequest, installation_id: str, payload: RoleGrantIn):
    context, installation = _installation(request, installation_id)
    if payload.companies == "all":
        companies: Any = services.ALL
    else:
        if len(payload.companies) > services.access.CHOSEN_COMPANIES_MAX:
            raise services.access.too_many_companies()
        companies = selectors.companies_by_ids(firm=context.firm, ids=payload.companies)
    result = services.role_grant_create(
        actor=request.user,
        installation=installation,
        companies=companies,
        roles=payload.roles,
        include_future_users=payload.include_future_users,
    )
    return Status(201, result)


@router.post(
    "/installations/{installation_id}/role-grants/{grant_id}/stop",
    response=RoleGrantOut,
    summary="Stop giving the app to users who join later (accesses given stay)",
)
def role_grant_stop(request: HttpRequest, installation_id: str, grant_id: str):
    context, installation = _installation(request, installation_id)
    grant = selectors.role_grant_get(firm=context.firm, installation=installation, pk=grant_id)
    services.role_grant_stop(actor=request.user, grant=grant)
    grant.company = grant.company if grant.company_id else None
    return grant_out(grant)


# --- one user's apps (firm context, or the company's administrateur) ----------------------------


def _managed_company(request, company_id):
    """The company whose users' access the caller manages; 404 outside, 403 without the role."""
    context = api_context(request)
    if context.is_firm:
        from comptoir.companies.selectors import company_get

        company = company_get(firm=context.firm, pk=company_id)
    else:
        if str(company_id) != str(context.company.pk):
            raise Http404
        company = context.company
    if not can_manage_user_access(context, company):
        raise Forbidden(
            _("Only the firm or an administrator of the company can choose who sees its apps."),
            code="access_manager_only",
        )
    return company


def _member(company, user_id):
    from comptoir.companies.selectors import company_member_get

    return company_member_get(company=company, user_id=user_id).user


def _tile_assignment(company, installation_id) -> CompanyAssignment:
    if not str(installation_id).isdigit():
        raise Http404
    for assignment in selectors.company_tile_assignments(company=company):
        if assignment.installation_id == int(installation_id):
            return assignment
    raise Http404


@router.get(
    "/companies/{company_id}/users/{user_id}/apps",
    response=list[UserAppOut],
    summary="The company's apps and whether this user sees each",
)
def user_app_list(request: HttpRequest, company_id: str, user_id: str):
    company = _managed_company(request, company_id)
    return selectors.user_apps(company=company, user=_member(company, user_id))


@router.put(
    "/companies/{company_id}/users/{user_id}/apps/{installation_id}",
    response=UserAppOut,
    summary="Let this user see the app (it must be assigned to the company)",
)
def user_app_grant(request: HttpRequest, company_id: str, user_id: str, installation_id: str):
    company = _managed_company(request, company_id)
    user = _member(company, user_id)
    assignment = _tile_assignment(company, installation_id)
    services.user_access_grant(actor=request.user, assignment=assignment, user=user)
    return next(
        a
        for a in selectors.user_apps(company=company, user=user)
        if a["installation"] == assignment.installation_id
    )


@router.delete(
    "/companies/{company_id}/users/{user_id}/apps/{installation_id}",
    response={204: None},
    summary="This user no longer sees the app",
)
def user_app_revoke(request: HttpRequest, company_id: str, user_id: str, installation_id: str):
    company = _managed_company(request, company_id)
    user = _member(company, user_id)
    assignment = _tile_assignment(company, installation_id)
    services.user_access_revoke(actor=request.user, assignment=assignment, user=user)
    return Status(204, None)


@router.get(
    "/companies/{company_id}/assignments",
    response=list[AssignmentOut],
    summary="The apps a client company has (the client page's Applications tab)",
)
def company_assignment_list(request: HttpRequest, company_id: str):
    from comptoir.companies.selectors import company_get

    context = firm_context(request)
    company = company_get(firm=context.firm, pk=company_id)
    return [
        assignment_out(a)
        for a in selectors.company_assignment_list(firm=context.firm, company=company)
    ]
