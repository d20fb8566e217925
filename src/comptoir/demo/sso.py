"""The demo's single sign-on: Fiducia Conseil signs in through the local OpenID Connect
provider that ``comptoir rundemo`` starts (``demo.oidc_provider.OidcSink``).

When the provider starts, it learns the demo's client and its users (the two Fiducia staff
logins with the demo password, and a newcomer of the verified domain ``fiducia.test`` who
has no login yet: their first sign-in creates one, collaborator of Fiducia Conseil); the firm's
connection is created once (through the service, audited) and then only pointed at the port
the provider listens on this time.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.demo.data import DEMO_PASSWORD
from comptoir.firms.models import Firm
from comptoir.sso.models import FirmIdentityProvider, SsoDomain
from comptoir.sso.services import _sync_social_app, identity_provider_save

DEMO_FIRM_SLUG = "fiducia-conseil"
DEMO_DOMAIN = "fiducia.test"
DEMO_CLIENT_ID = "comptoir-demo"
DEMO_CLIENT_SECRET = "comptoir-demo-oidc-secret"  # noqa: S105 (a local stand-in's)
DEMO_ADMIN = "claire.fontaine@fiducia.test"
DEMO_PROVIDER_USERS = [
    ("claire.fontaine@fiducia.test", "Claire Fontaine"),
    ("hugo.lefebvre@fiducia.test", "Hugo Lefebvre"),
    ("nina.garnier@fiducia.test", "Nina Garnier"),  # no login yet: created at first sign-in
]
DEMO_SSO_HINT = (
    f"{', '.join(email for email, _ in DEMO_PROVIDER_USERS)} — mot de passe {DEMO_PASSWORD}"
)


def configure_demo_provider(provider) -> bool:
    """Register the demo client and users at ``provider`` and point Fiducia Conseil's
    connection at its issuer. False when the demo firm does not exist (not seeded)."""
    # Any port of this machine: the demo's web server may run on another one (PORT=8001).
    provider.add_client(
        DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, ["http://127.0.0.1:*", "http://localhost:*"]
    )
    for email, name in DEMO_PROVIDER_USERS:
        provider.add_user(email, DEMO_PASSWORD, name=name)
    firm = Firm.objects.filter(slug=DEMO_FIRM_SLUG).first()
    if firm is None:
        return False
    with transaction.atomic():
        idp = FirmIdentityProvider.objects.filter(firm=firm).first()
        if idp is None:
            admin = User.objects.filter(email=DEMO_ADMIN).first()
            idp = identity_provider_save(
                actor=admin,
                firm=firm,
                kind="oidc",
                display_name="Microsoft",
                issuer=provider.issuer,
                client_id=DEMO_CLIENT_ID,
                client_secret=DEMO_CLIENT_SECRET,
                domains=[DEMO_DOMAIN],
            )
        elif idp.issuer != provider.issuer:
            idp.issuer = provider.issuer
            idp.save(update_fields=["issuer", "updated_at"])
            _sync_social_app(idp)
        operator = User.objects.filter(is_superuser=True).order_by("pk").first()
        SsoDomain.objects.filter(
            identity_provider=idp, domain=DEMO_DOMAIN, verified_at__isnull=True
        ).update(verified_at=timezone.now(), verified_by=operator)
    return True
