"""Single sign-on in Chromium against the real OpenID Connect provider on 127.0.0.1: the
login page finds the firm from the e-mail's domain, the authorization-code flow with PKCE
goes through the provider's own login form, and the staff member lands on the firm home."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from comptoir.sso.models import SsoDomain
from comptoir.sso.services import identity_provider_save
from tests import oidc
from tests.factories import FirmFactory, FirmMembershipFactory
from tests.oidc import IDP_PASSWORD

pytestmark = pytest.mark.browser
oidc_server = oidc.oidc_server  # the fixture


def test_staff_signs_in_with_the_firms_provider(live_server, page, oidc_server, transactional_db):
    firm = FirmFactory(name="Cabinet Aubert")
    admin = FirmMembershipFactory(firm=firm, role="admin").user
    staff = FirmMembershipFactory(
        firm=firm, role="collaborator", user__email="marie@cabinet-aubert.test"
    ).user
    provider = oidc_server("/aubert")
    provider.add_client("comptoir-aubert", "s3cret", [f"{live_server.url}/*"])
    provider.add_user(staff.email, IDP_PASSWORD, name="Marie Aubert")
    identity_provider_save(
        actor=admin,
        firm=firm,
        kind="oidc",
        display_name="Microsoft",
        issuer=provider.issuer,
        client_id="comptoir-aubert",
        client_secret="s3cret",
        domains=["cabinet-aubert.test"],
    )
    SsoDomain.objects.update(verified_at=timezone.now())
    authorizations = []
    page.on(
        "request",
        lambda request: (
            authorizations.append(request.url)
            if request.url.startswith(provider.issuer + "/authorize?")
            else None
        ),
    )

    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(staff.email)
    page.get_by_role("button", name="Continuer avec l’authentification unique").click()  # noqa: RUF001
    expect(page.get_by_role("heading", name="Cabinet Aubert")).to_be_visible()
    page.get_by_role("button", name="Se connecter avec Microsoft").click()

    # The provider's own page (another origin), then back to Comptoir.
    expect(page.get_by_role("heading", name="Fournisseur d'identité")).to_be_visible()
    page.get_by_label("Adresse e-mail").fill(staff.email)
    page.get_by_label("Mot de passe").fill(IDP_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{live_server.url}/cabinet/")

    query = parse_qs(urlsplit(authorizations[0]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert provider.token_requests[-1]["code_verifier"]
    assert provider.logins == [staff.email]
