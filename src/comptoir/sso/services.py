"""Connecting a firm's identity provider, and what a sign-in through it may do.

The connection is kept in :class:`FirmIdentityProvider` (the client secret encrypted with
``core.crypto``, like the partners' secrets) and mirrored into allauth's ``SocialApp``
(``provider="openid_connect"``, ``provider_id`` the firm's slug, ``settings={"server_url":
issuer, "oauth_pkce_enabled": True}``), without the secret: the adapter
(``comptoir.sso.adapter``) hands it to allauth, decrypted, only while a sign-in runs.

The issuer goes through the outbound-address guard (``deliveries.netguard``) when saved, and
every request allauth makes to the provider goes through it again (``guarded_session``).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.accounts.services import normalize_email
from comptoir.audit.services import audit_record
from comptoir.core.crypto import decrypt_str, encrypt_str
from comptoir.core.errors import Forbidden, ValidationFailed
from comptoir.deliveries import netguard
from comptoir.firms.models import Firm, FirmMembership, FirmRole
from comptoir.firms.permissions import require_firm_admin
from comptoir.sso.models import (
    ENTRA_ISSUER,
    GOOGLE_ISSUER,
    FirmIdentityProvider,
    ProviderKind,
    SsoDomain,
)
from comptoir.tenancy import hooks as tenancy_hooks

if TYPE_CHECKING:
    import requests

OIDC_PROVIDER = "openid_connect"
MAX_DOMAINS = 20
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
DEFAULT_NAMES: dict[str, str] = {
    ProviderKind.ENTRA.value: "Microsoft",
    ProviderKind.GOOGLE.value: "Google",
    ProviderKind.OIDC.value: "",
}


def clean_domains(raw: str | list[str]) -> list[str]:
    """Lower-case domains, one per line or separated by commas or spaces; refuses bad ones."""
    items = raw if isinstance(raw, list) else re.split(r"[\s,;]+", raw or "")
    domains: list[str] = []
    for item in items:
        text = str(item).strip().lower().removeprefix("@").rstrip(".")
        if not text:
            continue
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError:
            text = "?"
        if not _DOMAIN.match(text):
            raise ValidationFailed(
                _("“%(domain)s” is not an e-mail domain. Write it like cabinet-durand.fr.")
                % {"domain": str(item)[:80]},
                code="bad_domain",
                field="domains",
            )
        if text not in domains:
            domains.append(text)
    if len(domains) > MAX_DOMAINS:
        raise ValidationFailed(
            _("At most %(count)s domains.") % {"count": MAX_DOMAINS},
            code="too_many_domains",
            field="domains",
        )
    return domains


def issuer_for(*, kind: str, tenant: str, issuer: str) -> tuple[str, str]:
    """(issuer, tenant) for the kind of provider; raises ValidationFailed."""
    if kind == ProviderKind.ENTRA:
        try:
            tenant_id = str(uuid.UUID(tenant.strip()))
        except ValueError:
            raise ValidationFailed(
                _(
                    "Enter the Directory (tenant) ID shown on the app registration's overview "
                    "in Microsoft Entra: 8-4-4-4-12 hexadecimal characters."
                ),
                code="bad_tenant",
                field="tenant",
            ) from None
        return ENTRA_ISSUER.format(tenant=tenant_id), tenant_id
    if kind == ProviderKind.GOOGLE:
        return GOOGLE_ISSUER, ""
    if kind == ProviderKind.OIDC:
        text = (issuer or "").strip().rstrip("/")
        if not text:
            raise ValidationFailed(
                _("Enter the provider's issuer URL (its address before /.well-known/)."),
                code="issuer_required",
                field="issuer",
            )
        if "/.well-known/" in text or "?" in text or "#" in text:
            raise ValidationFailed(
                _(
                    "Enter the issuer itself, without /.well-known/openid-configuration, a "
                    "query or a fragment."
                ),
                code="bad_issuer",
                field="issuer",
            )
        return text, ""
    raise ValidationFailed(_("Choose a kind of provider."), code="bad_kind", field="kind")


def vet_issuer(issuer: str) -> None:
    """The outbound guard, as for deliveries: public https (loopback only in the demo)."""
    try:
        netguard.vet_url(issuer, resolver=netguard.timed_resolver(3.0))
    except netguard.Refused as exc:
        raise ValidationFailed(exc.message, code=exc.code, field="issuer") from None
    except netguard.LookupFailed as exc:
        if exc.permanent:
            raise ValidationFailed(exc.message, code="host_not_found", field="issuer") from None


@transaction.atomic
def identity_provider_save(
    *,
    actor: User | None,
    firm: Firm,
    kind: str,
    client_id: str,
    client_secret: str = "",
    display_name: str = "",
    tenant: str = "",
    issuer: str = "",
    domains: str | list[str] = "",
    required: bool = False,
    enabled: bool = True,
) -> FirmIdentityProvider:
    """Connect or change the firm's identity provider. An empty ``client_secret`` keeps the
    stored one. Making SSO mandatory needs one successful sign-in through this exact
    connection first, so that a typo cannot lock the firm's staff out."""
    require_firm_admin(actor, firm, code=Forbidden.code)  # the default refusal
    existing = FirmIdentityProvider.objects.select_for_update().filter(firm=firm).first()
    if kind not in ProviderKind.values:
        raise ValidationFailed(_("Choose a kind of provider."), code="bad_kind", field="kind")
    issuer_url, tenant_id = issuer_for(kind=kind, tenant=tenant, issuer=issuer)
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > 191:
        raise ValidationFailed(
            _("Enter the client ID (application ID) the provider gave you."),
            code="client_id_required",
            field="client_id",
        )
    secret = (client_secret or "").strip()
    if not secret and existing is None:
        raise ValidationFailed(
            _("Enter the client secret the provider gave you."),
            code="client_secret_required",
            field="client_secret",
        )
    if len(secret) > 1000:
        raise ValidationFailed(
            _("This client secret is too long."), code="bad_secret", field="client_secret"
        )
    name = (
        " ".join((display_name or "").split())[:40]
        or (existing.display_name if existing is not None and existing.kind == kind else "")
        or DEFAULT_NAMES.get(kind, "")
    )
    if not name:
        raise ValidationFailed(
            _("Enter the name to show on the button (“Se connecter avec …”)."),
            code="name_required",
            field="display_name",
        )
    wanted_domains = clean_domains(domains)
    if kind == ProviderKind.GOOGLE and not wanted_domains:
        raise ValidationFailed(
            _("Google Workspace needs your domains: only their accounts may sign in."),
            code="domains_required",
            field="domains",
        )
    if existing is None or existing.issuer != issuer_url:
        vet_issuer(issuer_url)
    if existing is None:
        if _provider_id_taken(firm.slug):
            raise ValidationFailed(
                _("This firm's address cannot name a sign-in provider: contact the operator."),
                code="provider_id_taken",
            )
        idp = FirmIdentityProvider(firm=firm, provider_id=firm.slug)
    else:
        idp = existing
    credentials_changed = (
        existing is None
        or existing.issuer != issuer_url
        or existing.client_id != client_id
        or bool(secret)
    )
    before = _snapshot(existing) if existing else {}
    idp.kind = kind
    idp.display_name = name
    idp.tenant = tenant_id
    idp.issuer = issuer_url
    idp.client_id = client_id
    if secret:
        idp.client_secret = encrypt_str(secret)
    idp.enabled = bool(enabled)
    if credentials_changed:
        idp.tested_at = None
    if required and (not idp.enabled or idp.tested_at is None):
        raise ValidationFailed(
            _(
                "Sign in once with “Se connecter avec %(name)s” (this connection, as it is "
                "saved) before making single sign-on mandatory: a mistake in the settings "
                "would otherwise lock your staff out."
            )
            % {"name": name},
            code="sso_untested",
            field="required",
        )
    idp.required = bool(required) and idp.enabled
    idp.save()
    _sync_domains(idp, wanted_domains)
    _sync_social_app(idp)
    after = _snapshot(idp)
    changed = sorted(key for key in after if before.get(key) != after[key])
    if secret and existing is not None:
        changed.append("client_secret")
    audit_record(
        firm=firm,
        actor=actor,
        action="sso.connect" if existing is None else "sso.change",
        target=idp,
        details={**after, "changed": changed},
    )
    return idp


def _provider_id_taken(provider_id: str) -> bool:
    from allauth.socialaccount.models import SocialApp
    from allauth.socialaccount.providers import registry

    return (
        registry.get_class(provider_id) is not None
        or SocialApp.objects.filter(provider_id=provider_id).exists()
    )


def _snapshot(idp: FirmIdentityProvider) -> dict[str, Any]:
    """What the audit keeps of a connection (never the secret)."""
    return {
        "kind": idp.kind,
        "display_name": idp.display_name,
        "issuer": idp.issuer,
        "client_id": idp.client_id,
        "enabled": idp.enabled,
        "required": idp.required,
        "domains": sorted(d.domain for d in idp.domains.all()) if idp.pk else [],
    }


def _sync_domains(idp: FirmIdentityProvider, wanted: list[str]) -> None:
    idp.domains.exclude(domain__in=wanted).delete()
    have = set(idp.domains.values_list("domain", flat=True))
    SsoDomain.objects.bulk_create(
        [SsoDomain(identity_provider=idp, domain=d) for d in wanted if d not in have]
    )


def _sync_social_app(idp: FirmIdentityProvider) -> None:
    """allauth's row for this firm's provider (no secret in it: see the adapter)."""
    from allauth import app_settings as allauth_settings
    from allauth.socialaccount.models import SocialApp

    app = SocialApp.objects.filter(provider=OIDC_PROVIDER, provider_id=idp.provider_id).first()
    app = app or SocialApp(provider=OIDC_PROVIDER, provider_id=idp.provider_id)
    app.name = idp.display_name
    app.client_id = idp.client_id
    app.secret = ""
    app.settings = {
        "server_url": idp.issuer,
        "oauth_pkce_enabled": True,
        "token_auth_method": "client_secret_post",
    }
    app.save()
    if allauth_settings.SITES_ENABLED:
        from django.contrib.sites.models import Site

        app.sites.add(Site.objects.get_current())


@transaction.atomic
def identity_provider_remove(*, actor: User | None, firm: Firm) -> None:
    """Disconnect: the button goes, and the links between logins and this provider too."""
    from allauth.socialaccount.models import SocialAccount, SocialApp

    require_firm_admin(actor, firm, code=Forbidden.code)  # the default refusal
    idp = FirmIdentityProvider.objects.filter(firm=firm).first()
    if idp is None:
        return
    details = _snapshot(idp)
    SocialAccount.objects.filter(provider=idp.provider_id).delete()
    SocialApp.objects.filter(provider=OIDC_PROVIDER, provider_id=idp.provider_id).delete()
    audit_record(firm=firm, actor=actor, action="sso.disconnect", target=idp, details=details)
    idp.delete()


def identity_provider_secret(idp: FirmIdentityProvider) -> str:
    """The plain client secret, for allauth's token request only. Never display."""
    return decrypt_str(idp.client_secret)


@transaction.atomic
def domain_verify(*, actor: User, domain: SsoDomain) -> SsoDomain:
    """The platform operator confirms the firm owns the domain (Django admin)."""
    if not (actor.is_superuser or actor.is_staff):
        raise Forbidden()
    if domain.verified_at is not None:
        return domain
    taken = SsoDomain.objects.filter(domain=domain.domain, verified_at__isnull=False).exclude(
        pk=domain.pk
    )
    if taken.exists():
        raise ValidationFailed(
            _("%(domain)s is already verified for another firm.") % {"domain": domain.domain},
            code="domain_taken",
        )
    domain.verified_at = timezone.now()
    domain.verified_by = actor
    domain.save(update_fields=["verified_at", "verified_by", "updated_at"])
    audit_record(
        firm=domain.identity_provider.firm,
        actor=actor,
        action="sso.domain_verify",
        target=domain.identity_provider,
        details={"domain": domain.domain},
    )
    return domain


# --- sign-ins ----------------------------------------------------------------------------


@transaction.atomic
def sso_member_create(
    *, identity_provider: FirmIdentityProvider, email: str, full_name: str = ""
) -> User:
    """A first sign-in from a verified domain: a new login, collaborator of that firm only."""
    email = normalize_email(email)
    user = User.objects.create_user(email=email, full_name=(full_name or "").strip()[:150])
    tenancy_hooks.user_joining(user)
    FirmMembership.objects.create(
        firm=identity_provider.firm, user=user, role=FirmRole.COLLABORATOR
    )
    audit_record(
        firm=identity_provider.firm,
        actor=user,
        action="sso.member_create",
        target=identity_provider,
        details={"email": email, "role": FirmRole.COLLABORATOR},
    )
    return user


@transaction.atomic
def sso_login_record(*, identity_provider: FirmIdentityProvider, user: User) -> None:
    """A sign-in went through: the connection is proven (mandatory SSO may be turned on)."""
    FirmIdentityProvider.objects.filter(pk=identity_provider.pk).update(tested_at=timezone.now())
    audit_record(
        firm=identity_provider.firm,
        actor=user,
        action="sso.login",
        target=identity_provider,
        details={"email": user.email},
    )


def sso_login_refused_record(
    *, identity_provider: FirmIdentityProvider, email: str, reason: str
) -> None:
    audit_record(
        firm=identity_provider.firm,
        actor=None,
        action="sso.login_refused",
        target=identity_provider,
        details={"email": email[:254], "reason": reason},
    )


def guarded_session() -> requests.Session:
    """A ``requests`` session whose every request (redirects included) passes the outbound
    guard first, with allauth's time-out: a firm's provider cannot make us call our own
    network through its discovery document."""
    import requests
    from requests.adapters import HTTPAdapter

    class GuardedAdapter(HTTPAdapter):
        def send(
            self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
        ) -> requests.Response:
            try:
                url = cast("str", request.url)  # a prepared request being sent has its URL
                netguard.vet_url(url, resolver=netguard.timed_resolver(3.0))
            except (netguard.Refused, netguard.LookupFailed) as exc:
                raise requests.ConnectionError(exc.message, request=request) from None
            return super().send(request, *args, **kwargs)

    session = requests.Session()
    session.mount("http://", GuardedAdapter())
    session.mount("https://", GuardedAdapter())
    timeout = getattr(settings, "SOCIALACCOUNT_REQUESTS_TIMEOUT", 5)
    original = session.request

    def request(method: str, url: str | bytes, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", timeout)
        return original(method, url, **kwargs)

    session.request = request  # type: ignore[method-assign,assignment]
    return session


DISCOVERY_CACHE_SECONDS = 600


def authorization_endpoint(idp: FirmIdentityProvider) -> str | None:
    """The provider's authorization endpoint from its discovery document (kept 10 minutes),
    or None when it cannot be read now."""
    import requests
    from django.core.cache import cache

    if idp.kind != ProviderKind.OIDC:  # Microsoft's and Google's are on the issuer's origin
        return None
    key = "sso:authorize:" + hashlib.sha256(idp.issuer.encode()).hexdigest()
    found = cache.get(key)
    if found is not None:
        return found or None
    try:
        with guarded_session() as session:
            response = session.get(
                idp.issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=3
            )
            response.raise_for_status()
            endpoint = str(response.json().get("authorization_endpoint") or "")
    except (requests.RequestException, ValueError, AttributeError):
        return None
    cache.set(key, endpoint, DISCOVERY_CACHE_SECONDS)
    return endpoint or None
