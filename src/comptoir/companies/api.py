from datetime import date, datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from comptoir.companies import selectors, services
from comptoir.companies.models import Company, CompanyMembership, CompanyRole
from comptoir.core.api import api_context, firm_context, paginate
from comptoir.core.errors import NotFound

router = Router(tags=["companies"])


class CompanyOut(Schema):
    id: int
    name: str
    siret: str | None
    slug: str
    fiscal_year_start: date
    fiscal_year_end: date
    created_at: datetime


class CompanyIn(Schema):
    name: str
    siret: str | None = None
    fiscal_year_start: date | None = None
    fiscal_year_end: date | None = None


class CompanyPatch(Schema):
    name: str | None = None
    siret: str | None = None
    fiscal_year_start: date | None = None
    fiscal_year_end: date | None = None


class CompanyPage(Schema):
    items: list[CompanyOut]
    next: str | None


class MemberOut(Schema):
    id: int
    email: str
    full_name: str
    role: str
    status: str
    joined_at: datetime


class MemberPage(Schema):
    items: list[MemberOut]
    next: str | None


class MemberIn(Schema):
    email: str
    role: str
    full_name: str = ""


class MemberPatch(Schema):
    role: str


def member_out(membership: CompanyMembership) -> dict:
    user = membership.user
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "role": membership.role,
        "status": "active" if user.has_usable_password() else "invited",
        "joined_at": membership.created_at,
    }


@router.get("/companies", response=CompanyPage, summary="Client companies of the firm")
def company_list(
    request: HttpRequest, q: str | None = None, limit: int | None = None, cursor: str | None = None
):
    context = firm_context(request)
    rows, next_cursor = paginate(
        selectors.company_list(firm=context.firm, q=q),
        limit=limit,
        cursor=cursor,
        keys=("name", "id"),
    )
    return {"items": rows, "next": next_cursor}


@router.post("/companies", response={201: CompanyOut}, summary="Create a client company")
def company_create(request: HttpRequest, payload: CompanyIn):
    context = firm_context(request)
    company = services.company_create(actor=request.user, firm=context.firm, **payload.dict())
    return Status(201, company)


@router.get("/companies/{company_id}", response=CompanyOut)
def company_detail(request: HttpRequest, company_id: str):
    context = firm_context(request)
    return selectors.company_get(firm=context.firm, pk=company_id)


@router.patch("/companies/{company_id}", response=CompanyOut)
def company_update(request: HttpRequest, company_id: str, payload: CompanyPatch):
    context = firm_context(request)
    company = selectors.company_get(firm=context.firm, pk=company_id)
    changes = payload.dict(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        changes["name"] = ""
    return services.company_update(actor=request.user, company=company, **changes)


@router.delete("/companies/{company_id}", response={204: None})
def company_delete(request: HttpRequest, company_id: str):
    context = firm_context(request)
    company = selectors.company_get(firm=context.firm, pk=company_id)
    firm_context(request, admin=True)  # after the lookup: another firm's company is a 404
    services.company_delete(actor=request.user, company=company)
    return Status(204, None)


def managed_company(request: HttpRequest, company_id: str) -> tuple[Company, bool]:
    """The company whose users the caller may manage, and whether they act as its own admin.

    In a firm context: any client company of the firm. In a company context: only that
    company (any other is a 404, as for another firm's), and only for its administrateur
    (403 for a collaborateur or an invité).
    """
    context = api_context(request)
    if context.is_firm:
        return selectors.company_get(firm=context.firm, pk=company_id), False
    company = context.company
    assert company is not None
    if str(company_id) != str(company.pk):
        raise NotFound()
    if context.company_role != CompanyRole.ADMINISTRATEUR:
        raise services.company_admin_only()
    return company, True


@router.get("/companies/{company_id}/users", response=MemberPage)
def member_list(
    request: HttpRequest, company_id: str, limit: int | None = None, cursor: str | None = None
):
    company = managed_company(request, company_id)[0]
    rows, next_cursor = paginate(
        selectors.company_member_list(company=company), limit=limit, cursor=cursor, keys=("id",)
    )
    return {"items": [member_out(m) for m in rows], "next": next_cursor}


@router.post("/companies/{company_id}/users", response={201: MemberOut})
def member_invite(request: HttpRequest, company_id: str, payload: MemberIn):
    company = managed_company(request, company_id)[0]
    membership = services.company_member_invite(
        actor=request.user,
        company=company,
        email=payload.email,
        role=payload.role,
        full_name=payload.full_name,
    )
    return Status(201, member_out(membership))


@router.patch("/companies/{company_id}/users/{user_id}", response=MemberOut)
def member_change_role(request: HttpRequest, company_id: str, user_id: str, payload: MemberPatch):
    company, as_company_admin = managed_company(request, company_id)
    membership = selectors.company_member_get(company=company, user_id=user_id)
    services.company_member_change_role(
        actor=request.user,
        membership=membership,
        role=payload.role,
        acting_as_company_admin=as_company_admin,
    )
    return member_out(membership)


@router.delete("/companies/{company_id}/users/{user_id}", response={204: None})
def member_remove(request: HttpRequest, company_id: str, user_id: str):
    company, as_company_admin = managed_company(request, company_id)
    membership = selectors.company_member_get(company=company, user_id=user_id)
    services.company_member_remove(
        actor=request.user, membership=membership, acting_as_company_admin=as_company_admin
    )
    return Status(204, None)
