"""Assignments API: companies that have an app, assign to all, role grants."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from comptoir.assignments import imports, selectors, services
from comptoir.assignments.api.schemas import (
    AssignAllIn,
    AssignAllOut,
    AssignIn,
    AssignmentOut,
    AssignmentPage,
    AssignmentPatch,
    AssignResult,
    RoleGrantIn,
    RoleGrantOut,
    RoleGrantPage,
    RoleGrantResult,
    assignment_out,
    grant_out,
)
from comptoir.core.api import Limit, errors, paginate
from comptoir.core.errors import ValidationFailed
from comptoir.core.ids import Id
from comptoir.tenancy.api import firm_context

router = Router()


def _installation(request, installation_id):
    context = firm_context(request)
    return context, selectors.installation_get(firm=context.firm, pk=installation_id)


def _assignment(request, installation_id, company_id):
    context, installation = _installation(request, installation_id)
    return selectors.assignment_get(
        firm=context.firm, installation=installation, company_id=company_id
    )


# --- companies that have an app -----------------------------------------------------------------


@router.get(
    "/installations/{installation_id}/assignments",
    response=AssignmentPage,
    summary="Client companies that have the app",
)
def assignment_list(
    request: HttpRequest,
    installation_id: Id,
    q: str | None = None,
    limit: Limit | None = None,
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
    response={200: AssignResult, 201: AssignResult, **errors(409)},
    summary="Give the app to client companies, with the same company-level settings",
)
def assignment_create(request: HttpRequest, installation_id: Id, payload: AssignIn):
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
    # The rows are echoed back for small calls only; large ones read the list endpoint.
    items = (
        selectors.assignment_list(firm=context.firm, installation=installation).filter(
            company_id__in=[c.pk for c in companies]
        )
        if len(companies) <= 50
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
def assignment_detail(request: HttpRequest, installation_id: Id, company_id: Id):
    return assignment_out(_assignment(request, installation_id, company_id))


@router.patch(
    "/installations/{installation_id}/assignments/{company_id}",
    response=AssignmentOut,
    summary="Change one company's settings or its enabled flag",
)
def assignment_update(
    request: HttpRequest, installation_id: Id, company_id: Id, payload: AssignmentPatch
):
    assignment = _assignment(request, installation_id, company_id)
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
def assignment_delete(request: HttpRequest, installation_id: Id, company_id: Id):
    assignment = _assignment(request, installation_id, company_id)
    services.assignment_unassign(actor=request.user, assignment=assignment)
    return Status(204, None)


# --- all clients, roles -------------------------------------------------------------------------


@router.post(
    "/installations/{installation_id}/assign-all",
    response=AssignAllOut,
    summary="“Affecter à tous les clients” (redirect apps)",
)
def assign_all(request: HttpRequest, installation_id: Id, payload: AssignAllIn):
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
    request: HttpRequest, installation_id: Id, limit: Limit | None = None, cursor: str | None = None
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
def role_grant_create(request: HttpRequest, installation_id: Id, payload: RoleGrantIn):
    context, installation = _installation(request, installation_id)
    if payload.companies == "all":
        companies: Any = services.ALL
    else:
        if len(payload.companies) > services.CHOSEN_COMPANIES_MAX:
            raise services.too_many_companies()
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
def role_grant_stop(request: HttpRequest, installation_id: Id, grant_id: Id):
    context, installation = _installation(request, installation_id)
    grant = selectors.role_grant_get(firm=context.firm, installation=installation, pk=grant_id)
    services.role_grant_stop(actor=request.user, grant=grant)
    grant.company = grant.company if grant.company_id else None
    return grant_out(grant)
