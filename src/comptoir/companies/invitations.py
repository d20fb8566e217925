"""Joining a client company (or a firm) by invitation, with the invitee's consent.

A firm's tenant is the firm and its client companies. A login that already belongs to that
tenant (a firm user, or a user of another of its companies) is added at once: the firm already
knows them. Any other address, an unknown one or a login of another firm, only gets a pending
invitation: the membership exists once the person accepts it, from the e-mail's link or from
the banner of their own session. The answer is the same in both cases (``invited``, no name),
so that a firm learns nothing about another firm's users, not even that a login exists.

A new membership never becomes the user's default context by itself (see
``tenancy.hooks.user_joining``). Invitations expire, can be revoked by the firm and
declined by the invitee; each step is audited.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import Invitation, User
from comptoir.accounts.services import (
    invitation_claim,
    invitation_create,
    invitation_for_token,
    invitation_set_password,
    normalize_email,
)
from comptoir.accounts.tasks import send_access_notice
from comptoir.assignments import hooks as assignments_hooks
from comptoir.audit.services import audit_record
from comptoir.companies.models import Company, CompanyMembership
from comptoir.companies.roles import clean_company_role
from comptoir.core.errors import Conflict, NotFound
from comptoir.core.request_context import carried
from comptoir.core.wording import of_name
from comptoir.firms.models import Firm, FirmMembership, FirmRole
from comptoir.firms.permissions import is_firm_member
from comptoir.tenancy import hooks as tenancy_hooks


class MemberStatus:
    ACTIVE = "active"
    INVITED = "invited"


@dataclass(frozen=True)
class MemberInvite:
    """What inviting an address did: a membership at once, or an invitation to accept."""

    invitation: Invitation
    membership: CompanyMembership | None

    @property
    def status(self) -> str:
        return MemberStatus.ACTIVE if self.membership is not None else MemberStatus.INVITED

    @property
    def email(self) -> str:
        return self.invitation.user.email


def is_in_firm_tenant(*, user: User, firm: Firm) -> bool:
    """Whether the login is already a user of the firm or of one of its client companies."""
    return (
        is_firm_member(user, firm)
        or CompanyMembership.objects.filter(firm=firm, user=user).exists()
    )


def company_member_invite(
    *, actor: User | None, company: Company, email: str, role: str, full_name: str = ""
) -> MemberInvite:
    """Give an address a role in the company: at once inside the tenant, else by invitation."""
    role = clean_company_role(role)
    email = normalize_email(email)
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is not None:
            _refuse_duplicate(user=user, company=company)
        if user is not None and is_in_firm_tenant(user=user, firm=company.firm):
            invitation, membership = _add_at_once(
                actor=actor, user=user, company=company, role=role
            )
        else:
            if user is None:
                user = User.objects.create_user(email=email, full_name=full_name.strip()[:150])
            invitation = invitation_create(
                actor=actor, user=user, firm=company.firm, company=company, role=role
            )
            membership = None
        result = MemberInvite(invitation=invitation, membership=membership)
        audit_record(
            firm=company.firm,
            actor=actor,
            action="company.member_invite",
            target=company,
            details={"email": email, "role": role, "status": result.status},
        )
    return result


def _refuse_duplicate(*, user: User, company: Company) -> None:
    if CompanyMembership.objects.filter(company=company, user=user).exists():
        raise Conflict(
            _("%(email)s is already a user %(of_company)s.")
            % {"email": user.email, "of_company": of_name(company.name)},
            code="already_member",
            field="email",
        )
    waiting = Invitation.objects.pending().filter(user=user, company=company)
    if waiting.exists():
        raise Conflict(
            _(
                "An invitation to %(email)s is already waiting for an answer. Cancel it first "
                "to send a new one."
            )
            % {"email": user.email},
            code="already_invited",
            field="email",
        )


def _add_at_once(
    *, actor: User | None, user: User, company: Company, role: str
) -> tuple[Invitation, CompanyMembership]:
    """A login of the firm's tenant joins now; the invitation is kept, accepted, as a record."""
    invitation = Invitation.objects.create(
        firm=company.firm,
        company=company,
        user=user,
        role=role,
        invited_by=actor,
        expires_at=timezone.now(),
        accepted_at=timezone.now(),
    )
    membership = _join(user=user, company=company, role=role, actor=actor)
    transaction.on_commit(lambda: send_access_notice.enqueue(invitation.pk, **carried()))
    return invitation, membership


def _join(*, user: User, company: Company, role: str, actor: User | None) -> CompanyMembership:
    """Create the membership, the user's default context kept where it was."""
    tenancy_hooks.user_joining(user)
    try:
        with transaction.atomic():
            membership = CompanyMembership.objects.create(
                firm=company.firm, company=company, user=user, role=role
            )
    except IntegrityError:  # the same person joined at the same moment by another way
        return CompanyMembership.objects.get(company=company, user=user)
    # Role rules ("Personnaliser le portail client") that include users added later.
    assignments_hooks.member_joined(actor=actor, membership=membership)
    return membership


def _join_firm(*, user: User, firm: Firm, role: str) -> None:
    tenancy_hooks.user_joining(user)
    FirmMembership.objects.get_or_create(firm=firm, user=user, defaults={"role": role})


def _accept(invitation: Invitation, *, user: User) -> Invitation:
    """Claim the invitation (once), then make the membership it promised."""
    invitation_claim(invitation=invitation)
    if invitation.company_id is not None:
        assert invitation.company is not None
        _join(user=user, company=invitation.company, role=invitation.role, actor=user)
    else:
        _join_firm(user=user, firm=invitation.firm, role=invitation.role)
    audit_record(
        firm=invitation.firm,
        actor=user,
        action="company.member_join" if invitation.company_id else "firm.member_join",
        target=invitation.company or invitation.firm,
        details={"email": user.email, "role": invitation.role},
    )
    return invitation


@transaction.atomic
def invitation_accept_by_link(*, raw_token: str, password: str, full_name: str = "") -> Invitation:
    """The e-mail's link: a new login chooses its password; then the membership is made."""
    invitation = invitation_for_token(raw_token)
    user = invitation.user
    if not user.has_usable_password():
        invitation_set_password(user=user, password=password, full_name=full_name)
    return _accept(invitation, user=user)


@transaction.atomic
def invitation_decline_by_link(*, raw_token: str) -> Invitation:
    invitation = invitation_for_token(raw_token)
    return _decline(invitation)


def _pending_invitation_of(*, user: User, pk: int) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .filter(user=user, pk=pk)
        .select_related("firm", "company")
        .first()
    )
    if invitation is None:
        raise NotFound()
    if not invitation.is_pending:
        raise Conflict(
            _(
                "This invitation is no longer waiting for an answer. "
                "Ask the firm that sent it for a new one if you still want to join."
            ),
            code="invitation_closed",
        )
    return invitation


@transaction.atomic
def invitation_accept(*, user: User, pk: int) -> Invitation:
    """Accept one of the user's own pending invitations, from their session (banner, API)."""
    return _accept(_pending_invitation_of(user=user, pk=pk), user=user)


@transaction.atomic
def invitation_decline(*, user: User, pk: int) -> Invitation:
    """Say no to one of the user's own pending invitations: nothing of it stays open."""
    return _decline(_pending_invitation_of(user=user, pk=pk))


def _decline(invitation: Invitation) -> Invitation:
    invitation.declined_at = timezone.now()
    invitation.save(update_fields=["declined_at", "updated_at"])
    audit_record(
        firm=invitation.firm,
        actor=invitation.user,
        action="company.invitation_decline" if invitation.company_id else "firm.invitation_decline",
        target=invitation.company or invitation.firm,
        details={"email": invitation.user.email, "role": invitation.role},
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User | None, invitation: Invitation) -> Invitation:
    """The firm (or the company's administrateur) withdraws an invitation not yet answered."""
    if not invitation.is_open:
        raise Conflict(
            _(
                "This invitation was already answered or cancelled: "
                "refresh the page to see where it stands."
            ),
            code="invitation_closed",
        )
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["cancelled_at", "updated_at"])
    audit_record(
        firm=invitation.firm,
        actor=actor,
        action="company.invitation_revoke",
        target=invitation.company or invitation.firm,
        details={"email": invitation.user.email, "role": invitation.role},
    )
    return invitation


def firm_admin_invite(
    *, actor: User | None, firm: Firm, email: str, full_name: str = ""
) -> Invitation:
    """Invite an administrator of the firm (its first one, say): no password is given, the
    existing invitation e-mail goes out and accepting it makes the firm membership."""
    email = normalize_email(email)
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is not None and is_firm_member(user, firm):
            raise Conflict(
                _("%(email)s is already a member %(of_firm)s.")
                % {"email": email, "of_firm": of_name(firm.name)},
                code="already_member",
                field="email",
            )
        if (
            user is not None
            and Invitation.objects.pending()
            .filter(user=user, firm=firm, company__isnull=True)
            .exists()
        ):
            raise Conflict(
                _(
                    "%(email)s is already invited to this firm and has not answered yet. "
                    "Cancel that invitation first to send a new one."
                )
                % {"email": email},
                code="already_invited",
                field="email",
            )
        if user is None:
            user = User.objects.create_user(email=email, full_name=full_name.strip()[:150])
        invitation = invitation_create(
            actor=actor, user=user, firm=firm, company=None, role=FirmRole.ADMIN
        )
        audit_record(
            firm=firm,
            actor=actor,
            action="firm.admin_invite",
            target=firm,
            details={"email": email, "role": FirmRole.ADMIN},
        )
    return invitation
