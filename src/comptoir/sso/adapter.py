"""allauth's social-account adapter for the firms' identity providers.

- the per-firm ``SocialApp`` rows carry no secret: ``list_apps`` adds the decrypted one while a
  sign-in runs, and leaves out a paused provider (its addresses then answer 404);
- no provider is ever listed on a page by allauth (``list_providers`` is empty): a firm's
  button appears only on its own login page, never the list of every firm;
- every request to a provider goes through the outbound guard (``guarded_session``);
- ``pre_social_login`` applies :mod:`comptoir.sso.rules` on every sign-in and refuses with a
  French page (403), audited; the ID token's issuer must be the one the firm saved;
- sign-up is closed except for a first sign-in admitted from a verified domain, which creates
  the login and its collaborator membership through ``sso_member_create``.
"""

from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.shortcuts import render
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.accounts.selectors import user_get_by_email
from comptoir.accounts.services import normalize_email
from comptoir.companies.invitations import invitation_accept
from comptoir.core.crypto import DecryptionError
from comptoir.sso import rules
from comptoir.sso.models import GOOGLE_ISSUER, FirmIdentityProvider, ProviderKind
from comptoir.sso.selectors import identity_provider_by_provider_id
from comptoir.sso.services import (
    OIDC_PROVIDER,
    guarded_session,
    identity_provider_secret,
    sso_login_record,
    sso_login_refused_record,
    sso_member_create,
)

_ADMITTED = "_comptoir_sso_admitted"


def _refused(request, idp: FirmIdentityProvider | None, message: str):
    return ImmediateHttpResponse(
        render(
            request,
            "sso/refused.html",
            {"message": message, "identity_provider": idp},
            status=403,
        )
    )


def _issuer_matches(idp: FirmIdentityProvider, issuer: object) -> bool:
    text = str(issuer or "").rstrip("/")
    if idp.kind == ProviderKind.GOOGLE:
        return text in (GOOGLE_ISSUER, "accounts.google.com")
    return text == idp.issuer.rstrip("/")


class FirmSocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_requests_session(self):
        return guarded_session()

    def list_providers(self, request):
        return []

    def list_apps(self, request, provider=None, client_id=None):
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        ids = [app.provider_id for app in apps if app.provider == OIDC_PROVIDER]
        ours = {
            idp.provider_id: idp
            for idp in FirmIdentityProvider.objects.filter(provider_id__in=ids, enabled=True)
        }
        kept = []
        for app in apps:
            if app.provider == OIDC_PROVIDER:
                idp = ours.get(app.provider_id)
                if idp is None:
                    continue
                try:
                    app.secret = identity_provider_secret(idp)
                except DecryptionError:
                    continue  # unreadable with this installation's keys: enter it again
            kept.append(app)
        return kept

    def pre_social_login(self, request, sociallogin):
        idp = identity_provider_by_provider_id(sociallogin.account.provider)
        if idp is None or not idp.enabled:
            raise _refused(request, None, _("This single sign-on is not available."))
        if sociallogin.state.get("process") not in (None, "login"):
            # Only signing in: no "connect this provider to my account" (a firm's provider
            # would then vouch for whoever is logged in) nor allauth's bare redirect.
            raise _refused(request, idp, _("This single sign-on is not available."))
        data = sociallogin.account.extra_data or {}
        id_token = data.get("id_token") or {}
        userinfo = data.get("userinfo") or {}
        if not _issuer_matches(idp, id_token.get("iss")):
            sso_login_refused_record(identity_provider=idp, email="", reason="wrong_issuer")
            raise _refused(
                request, idp, _("The identity provider's answer is not from its issuer.")
            )
        claims = {**userinfo, **id_token}
        raw_email = str(claims.get("email") or "")
        if not raw_email and idp.kind == ProviderKind.ENTRA:
            # Entra sends ``email`` only when the account has a mailbox address; the user
            # principal name's domain is one the tenant had to verify.
            upn = str(claims.get("preferred_username") or "")
            raw_email = upn if "@" in upn else ""
        email = normalize_email(raw_email) if raw_email else ""
        verified = claims.get("email_verified")
        if sociallogin.is_existing:
            user: User | None = sociallogin.user
            assert user is not None
            if email and user.email != email:
                sso_login_refused_record(identity_provider=idp, email=email, reason="email_changed")
                raise _refused(
                    request,
                    idp,
                    _(
                        "The identity provider now gives another e-mail address for this "
                        "account. Ask your firm's administrator."
                    ),
                )
        else:
            user = user_get_by_email(email) if email else None
        admission = rules.admit(
            identity_provider=idp,
            email=email,
            email_verified=verified,
            claims=claims,
            user=user,
        )
        if not admission.allowed:
            sso_login_refused_record(identity_provider=idp, email=email, reason=admission.reason)
            raise _refused(request, idp, admission.message)
        if admission.create:
            setattr(sociallogin, _ADMITTED, idp)
            sociallogin.user.email = email
            return
        assert user is not None
        if admission.invitation is not None:
            invitation_accept(user=user, pk=admission.invitation.pk)
        if not sociallogin.is_existing:
            sociallogin.connect(request, user)
        sso_login_record(identity_provider=idp, user=user)

    def is_open_for_signup(self, request, sociallogin):
        return getattr(sociallogin, _ADMITTED, None) is not None

    def is_auto_signup_allowed(self, request, sociallogin):
        return self.is_open_for_signup(request, sociallogin)

    def populate_user(self, request, sociallogin, data):
        user = sociallogin.user
        email = str(data.get("email") or "")
        user.email = normalize_email(email) if email else ""
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        user.full_name = str(name or "")[:150]
        return user

    def save_user(self, request, sociallogin, form=None):
        idp = getattr(sociallogin, _ADMITTED, None)
        if idp is None:  # only the admitted path signs up (is_open_for_signup)
            raise _refused(request, None, _("This single sign-on is not available."))
        user = sso_member_create(
            identity_provider=idp,
            email=sociallogin.user.email,
            full_name=sociallogin.user.full_name,
        )
        sociallogin.user = user
        sociallogin.save(request, connect=True)
        sso_login_record(identity_provider=idp, user=user)
        return user
