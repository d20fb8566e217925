"""Who may come in through a firm's identity provider.

A firm's provider vouches for the people of that firm, nothing more. For the e-mail ``E`` the
provider asserts (and the login ``U`` with that e-mail, if any):

1. ``E``'s domain is one the platform operator verified for this firm: the firm owns those
   mailboxes (it could reset their passwords anyway). ``U`` may come in if they are the firm's
   staff or invited to join it; with no login yet, a new login is created, collaborator of
   this firm (audited). A login of a verified domain that is neither staff nor invited is
   refused: the firm invites them first.
2. Any other e-mail: only a member of the firm's staff, or a login with a pending invitation
   to join the firm, and only if the login reaches no other firm (no membership there, no
   invitation from there): this firm's provider cannot vouch for another firm's user.
3. Never the platform operator, never an inactive login; an e-mail the provider says is not
   verified is refused; through Google, a verified domain's account must carry that domain in
   ``hd`` (a Google Workspace account, not a personal account using the address).

The checks run on every sign-in, not only the first: a member removed since, or a firm that
joined another since, is refused the next time.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from comptoir.accounts.models import Invitation, User
from comptoir.core.wording import of_name
from comptoir.firms.models import FirmMembership
from comptoir.sso.models import FirmIdentityProvider, ProviderKind
from comptoir.sso.selectors import (
    domain_is_verified,
    email_domain,
    has_access_outside,
    open_firm_invitation,
)


@dataclass(frozen=True)
class Admission:
    allowed: bool
    reason: str = ""  # a code, for the audit
    message: str = ""  # shown to the person
    create: bool = False  # a new login from a verified domain
    invitation: Invitation | None = None  # to accept on the way in


def _refuse(reason: str, message: str) -> Admission:
    return Admission(False, reason=reason, message=message)


def admit(
    *,
    identity_provider: FirmIdentityProvider,
    email: str,
    email_verified: object,
    claims: dict,
    user: User | None,
) -> Admission:
    firm = identity_provider.firm
    not_invited = _(
        "Your account is not a member %(of_firm)s. Ask the firm's administrator for an "
        "invitation, then sign in again."
    ) % {"of_firm": of_name(firm.name)}
    if not email or "@" not in email:
        return _refuse("no_email", _("The identity provider did not give an e-mail address."))
    if email_verified is False or str(email_verified).lower() == "false":
        return _refuse(
            "email_unverified",
            _("The identity provider says this e-mail address is not verified."),
        )
    verified_domain = domain_is_verified(identity_provider=identity_provider, email=email)
    if identity_provider.kind == ProviderKind.GOOGLE:
        if email_verified is not True:
            return _refuse(
                "email_unverified",
                _("The identity provider says this e-mail address is not verified."),
            )
        if verified_domain and str(claims.get("hd", "")).lower() != email_domain(email):
            return _refuse(
                "not_workspace",
                _("Sign in with your Google Workspace account of %(domain)s.")
                % {"domain": email_domain(email)},
            )
    if user is None:
        if verified_domain:
            return Admission(True, create=True)
        return _refuse("not_invited", not_invited)
    if not user.is_active or user.is_superuser or user.is_staff:
        return _refuse(
            "not_allowed",
            _("This account cannot sign in with the firm's provider: use your password."),
        )
    staff = FirmMembership.objects.filter(firm=firm, user=user).exists()
    invitation = None if staff else open_firm_invitation(user=user, firm=firm)
    if not staff and invitation is None:
        return _refuse("not_invited", not_invited)
    if not verified_domain and has_access_outside(user=user, firm=firm):
        return _refuse(
            "other_firm",
            _(
                "Your account also works with another firm, so the provider %(of_firm)s cannot "
                "sign it in: use your e-mail and password."
            )
            % {"of_firm": of_name(firm.name)},
        )
    return Admission(True, invitation=invitation)
