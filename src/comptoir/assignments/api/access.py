"""Assignments API: which users of a company see which app, and a company's apps."""

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from comptoir.assignments import selectors, services
from comptoir.assignments.api.schemas import AssignmentOut, UserAppOut, assignment_out
from comptoir.assignments.models import CompanyAssignment
from comptoir.assignments.permissions import is_access_management_allowed
from comptoir.companies.selectors import company_get, company_member_get
from comptoir.core.errors import Forbidden
from comptoir.core.ids import Id
from comptoir.tenancy.api import api_context, firm_context

router = Router()


# --- one user's apps (firm context, or the company's administrateur) ----------------------------


def _managed_company(request, company_id):
    """The company whose users' access the caller manages; 404 outside, 403 without the role."""
    context = api_context(request)
    if context.is_firm:
        company = company_get(firm=context.firm, pk=company_id)
    else:
        if company_id != context.company.pk:
            raise Http404
        company = context.company
    if not is_access_management_allowed(context, company):
        raise Forbidden(
            _("Only the firm or an administrator of the company can choose who sees its apps."),
            code="access_manager_only",
        )
    return company


def _member(company, user_id):
    return company_member_get(company=company, user_id=user_id).user


def _tile_assignment(company, installation_id: int) -> CompanyAssignment:
    for assignment in selectors.company_tile_assignments(company=company):
        if assignment.installation_id == installation_id:
            return assignment
    raise Http404


@router.get(
    "/companies/{company_id}/users/{user_id}/apps",
    response=list[UserAppOut],
    summary="The company's apps and whether this user sees each",
)
def user_app_list(request: HttpRequest, company_id: Id, user_id: Id):
    company = _managed_company(request, company_id)
    return selectors.user_apps(company=company, user=_member(company, user_id))


@router.put(
    "/companies/{company_id}/users/{user_id}/apps/{installation_id}",
    response=UserAppOut,
    summary="Let this user see the app (it must be assigned to the company)",
)
def user_app_grant(request: HttpRequest, company_id: Id, user_id: Id, installation_id: Id):
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
def user_app_revoke(request: HttpRequest, company_id: Id, user_id: Id, installation_id: Id):
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
def company_assignment_list(request: HttpRequest, company_id: Id):
    context = firm_context(request)
    company = company_get(firm=context.firm, pk=company_id)
    return [
        assignment_out(a)
        for a in selectors.company_assignment_list(firm=context.firm, company=company)
    ]
