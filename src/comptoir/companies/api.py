from datetime import date, datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from comptoir.accounts.models import Invitation, InvitationStatus
from comptoir.companies import invitations, selectors, services
from comptoir.companies.invitations import MemberStatus
from comptoir.companies.models import Company, CompanyMembership, CompanyRole
from comptoir.companies.permissions import ADMINISTRATEUR_ONLY_MESSAGE
from comptoir.core.api import Limit, documented, errors, paginate
from comptoir.core.errors import Forbidden, NotFound
from comptoir.core.ids import Id
from comptoir.firms.models import FirmRole
from comptoir.tenancy.api import api_context, firm_context

router = Router(tags=["companies"])


# What the services check, for the OpenAPI document (a fresh Field for each use).
SIRET_OUT = {"pattern": "^[0-9]{14}$", "description": "14 digits, or null"}
SIRET_IN = {"maxLength": 40, "description": "14 digits (spaces between them are ignored)"}
COMPANY_NAME = {"minLength": 1, "maxLength": services.NAME_MAX}
EMAIL = {"format": "email", "maxLength": 254}
COMPANY_ROLE = {"enum": list(CompanyRole.values)}


class CompanyOut(Schema):
    id: Id
    name: str = documented(**COMPANY_NAME)
    siret: Annotated[str, documented(**SIRET_OUT)] | None
    slug: str = documented(pattern="^[-a-zA-Z0-9_]+$", maxLength=80)
    fiscal_year_start: date
    fiscal_year_end: date
    created_at: datetime


class CompanyIn(Schema):
    name: str = documented(**COMPANY_NAME)
    siret: Annotated[str, documented(**SIRET_IN)] | None = None
    fiscal_year_start: date | None = None
    fiscal_year_end: date | None = None


class CompanyPatch(Schema):
    name: Annotated[str, documented(**COMPANY_NAME)] | None = None
    siret: Annotated[str, documented(**SIRET_IN)] | None = None
    fiscal_year_start: date | None = None
    fiscal_year_end: date | None = None


class CompanyPage(Schema):
    items: list[CompanyOut]
    next: str | None


class MemberOut(Schema):
    id: Id
    email: str = documented(**EMAIL)
    full_name: str = documented(maxLength=150)
    role: str = documented(**COMPANY_ROLE)
    status: str = documented(enum=["active", "invited"])
    joined_at: datetime


class MemberPage(Schema):
    items: list[MemberOut]
    next: str | None


class MemberIn(Schema):
    email: str = documented(**EMAIL)
    role: str = documented(**COMPANY_ROLE)
    full_name: Annotated[str, documented(maxLength=150)] = ""


class MemberPatch(Schema):
    role: str = documented(**COMPANY_ROLE)


class MemberInviteOut(Schema):
    email: str = documented(**EMAIL)
    role: str = documented(**COMPANY_ROLE)
    status: Literal["active", "invited"]
    invitation_id: Id
    user_id: Id | None = Field(description="Only when the user joined at once (active).")
    full_name: str = Field(description="Empty for an invitation: nothing tells who the login is.")


class InvitationOut(Schema):
    id: Id
    email: str = documented(**EMAIL)
    role: str = documented(**COMPANY_ROLE)
    status: Literal["pending", "expired"]
    invited_at: datetime
    expires_at: datetime


class InvitationPage(Schema):
    items: list[InvitationOut]
    next: str | None


class MyInvitationOut(Schema):
    id: Id
    firm: str = Field(description="The inviting firm's name.")
    company: Id | None = Field(description="The company's id, or null for the firm itself.")
    company_name: str | None
    role: str = documented(enum=[*FirmRole.values, *CompanyRole.values])
    status: str = documented(enum=list(InvitationStatus.values))
    expires_at: datetime


def invitation_out(invitation: Invitation) -> dict:
    return {
        "id": invitation.pk,
        "email": invitation.user.email,
        "role": invitation.role,
        "status": invitation.status,
        "invited_at": invitation.created_at,
        "expires_at": invitation.expires_at,
    }


def my_invitation_out(invitation: Invitation) -> dict:
    return {
        "id": invitation.pk,
        "firm": invitation.firm.name,
        "company": invitation.company_id,
        "company_name": invitation.company.name if invitation.company else None,
        "role": invitation.role,
        "status": invitation.status,
        "expires_at": invitation.expires_at,
    }


def member_out(membership: CompanyMembership) -> dict:
    user = membership.user
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "role": membership.role,
        "status": MemberStatus.ACTIVE if user.has_usable_password() else MemberStatus.INVITED,
        "joined_at": membership.created_at,
    }


@router.get("/companies", response=CompanyPage, summary="Client companies of the firm")
def company_list(
    request: HttpRequest,
    q: str | None = None,
    limit: Limit | None = None,
    cursor: str | None = None,
):
    context = firm_context(request)
    rows, next_cursor = paginate(
        selectors.company_list(firm=context.firm, q=q),
        limit=limit,
        cursor=cursor,
        keys=("name", "id"),
    )
    return {"items": rows, "next": next_cursor}


@router.post(
    "/companies", response={201: CompanyOut, **errors(409)}, summary="Create a client company"
)
def company_create(request: HttpRequest, payload: CompanyIn):
    context = firm_context(request)
    company = services.company_create(actor=request.user, firm=context.firm, **payload.dict())
    return Status(201, company)


@router.get("/companies/{company_id}", response=CompanyOut)
def company_detail(request: HttpRequest, company_id: Id):
    context = firm_context(request)
    return selectors.company_get(firm=context.firm, pk=company_id)


@router.patch("/companies/{company_id}", response={200: CompanyOut, **errors(409)})
def company_update(request: HttpRequest, company_id: Id, payload: CompanyPatch):
    context = firm_context(request)
    company = selectors.company_get(firm=context.firm, pk=company_id)
    changes = payload.dict(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        changes["name"] = ""
    return services.company_update(actor=request.user, company=company, **changes)


@router.delete("/companies/{company_id}", response={204: None})
def company_delete(request: HttpRequest, company_id: Id):
    context = firm_context(request)
    company = selectors.company_get(firm=context.firm, pk=company_id)
    firm_context(request, admin=True)  # after the lookup: another firm's company is a 404
    services.company_delete(actor=request.user, company=company)
    return Status(204, None)


def managed_company(request: HttpRequest, company_id: Id) -> tuple[Company, bool]:
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
    if company_id != company.pk:
        raise NotFound()
    if not context.is_company_administrateur:
        raise Forbidden(ADMINISTRATEUR_ONLY_MESSAGE, code="company_admin_only")
    return company, True


@router.get("/companies/{company_id}/users", response=MemberPage)
def member_list(
    request: HttpRequest, company_id: Id, limit: Limit | None = None, cursor: str | None = None
):
    company = managed_company(request, company_id)[0]
    rows, next_cursor = paginate(
        selectors.company_member_list(company=company), limit=limit, cursor=cursor, keys=("id",)
    )
    return {"items": [member_out(m) for m in rows], "next": next_cursor}


@router.post(
    "/companies/{company_id}/users",
    response={201: MemberInviteOut, **errors(409)},
    summary="Invite a user by e-mail",
    description=(
        "A login already in the firm's tenant (the firm or one of its client companies) joins "
        "at once (`status: active`). Any other address gets an invitation to accept "
        "(`status: invited`, no name): the membership exists once the person accepts it."
    ),
)
def member_invite(request: HttpRequest, company_id: Id, payload: MemberIn):
    company = managed_company(request, company_id)[0]
    result = invitations.company_member_invite(
        actor=request.user,
        company=company,
        email=payload.email,
        role=payload.role,
        full_name=payload.full_name,
    )
    membership = result.membership
    return Status(
        201,
        {
            "email": result.email,
            "role": result.invitation.role,
            "status": result.status,
            "invitation_id": result.invitation.pk,
            "user_id": membership.user_id if membership else None,
            "full_name": membership.user.full_name if membership else "",
        },
    )


@router.get(
    "/companies/{company_id}/invitations",
    response=InvitationPage,
    summary="Invitations to the company not answered yet",
)
def invitation_list(
    request: HttpRequest, company_id: Id, limit: Limit | None = None, cursor: str | None = None
):
    company = managed_company(request, company_id)[0]
    rows, next_cursor = paginate(
        selectors.company_invitation_list(company=company),
        limit=limit,
        cursor=cursor,
        keys=("-id",),
    )
    return {"items": [invitation_out(i) for i in rows], "next": next_cursor}


@router.delete(
    "/companies/{company_id}/invitations/{invitation_id}",
    response={204: None, **errors(409)},
    summary="Cancel an invitation not answered yet",
)
def invitation_revoke(request: HttpRequest, company_id: Id, invitation_id: Id):
    company = managed_company(request, company_id)[0]
    invitation = selectors.company_invitation_get(company=company, pk=invitation_id)
    invitations.invitation_revoke(actor=request.user, invitation=invitation)
    return Status(204, None)


# --- the invitee's side: their own invitations, answered from their session -----------------


@router.get(
    "/me/invitations",
    response=list[MyInvitationOut],
    tags=["me"],
    summary="My invitations waiting for an answer",
)
def my_invitations(request: HttpRequest):
    return [my_invitation_out(i) for i in selectors.user_pending_invitations(user=request.user)]


@router.post(
    "/me/invitations/{invitation_id}/accept",
    response={200: MyInvitationOut, **errors(409)},
    tags=["me"],
    summary="Accept one of my invitations",
)
def my_invitation_accept(request: HttpRequest, invitation_id: Id):
    invitation = invitations.invitation_accept(user=request.user, pk=invitation_id)
    return my_invitation_out(invitation)


@router.post(
    "/me/invitations/{invitation_id}/decline",
    response={200: MyInvitationOut, **errors(409)},
    tags=["me"],
    summary="Decline one of my invitations",
)
def my_invitation_decline(request: HttpRequest, invitation_id: Id):
    invitation = invitations.invitation_decline(user=request.user, pk=invitation_id)
    return my_invitation_out(invitation)


@router.patch("/companies/{company_id}/users/{user_id}", response={200: MemberOut, **errors(409)})
def member_change_role(request: HttpRequest, company_id: Id, user_id: Id, payload: MemberPatch):
    company, as_company_admin = managed_company(request, company_id)
    membership = selectors.company_member_get(company=company, user_id=user_id)
    services.company_member_change_role(
        actor=request.user,
        membership=membership,
        role=payload.role,
        acting_as_company_admin=as_company_admin,
    )
    return member_out(membership)


@router.delete("/companies/{company_id}/users/{user_id}", response={204: None, **errors(409)})
def member_remove(request: HttpRequest, company_id: Id, user_id: Id):
    company, as_company_admin = managed_company(request, company_id)
    membership = selectors.company_member_get(company=company, user_id=user_id)
    services.company_member_remove(
        actor=request.user, membership=membership, acting_as_company_admin=as_company_admin
    )
    return Status(204, None)
