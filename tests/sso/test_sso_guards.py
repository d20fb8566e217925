"""The guards around a sign-in: the outbound guard on every request to the provider, a
provider that does not answer, the rules for Google Workspace, the passkey path of mandatory
SSO, and a domain verified for one firm only."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.utils import timezone

from comptoir.accounts.adapter import AccountAdapter
from comptoir.core.errors import ValidationFailed
from comptoir.firms.models import FirmMembership
from comptoir.sso import rules
from comptoir.sso.models import FirmIdentityProvider, SsoDomain
from comptoir.sso.services import domain_verify, identity_provider_save
from tests.factories import FirmMembershipFactory, UserFactory
from tests.oidc import IDP_PASSWORD, connect_firm

pytestmark = pytest.mark.django_db


def test_a_discovery_that_points_at_our_network_is_not_followed(
    client, oidc_server, firm, firm_admin
):
    provider = oidc_server("/ssrf")
    connect_firm(provider, firm=firm, admin=firm_admin, domains=["cabinet-a.test"])
    staff = FirmMembershipFactory(firm=firm, user__email="max@cabinet-a.test").user
    provider.add_user(staff.email, IDP_PASSWORD)
    document = provider.discovery()
    provider.discovery = lambda: {**document, "token_endpoint": "http://169.254.169.254/token"}

    start = client.post(f"/connexion/{firm.slug}/continuer/")
    authorize = start["Location"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    login = requests.post(
        provider.issuer + "/authorize",
        data={**params, "email": staff.email, "password": IDP_PASSWORD},
        allow_redirects=False,
        timeout=5,
    )
    back = urlsplit(login.headers["Location"])
    response = client.get(f"{back.path}?{back.query}")

    assert response.status_code == 401  # allauth's failure page, ours (French)
    assert 'id="sso-error"' in response.content.decode()
    assert provider.token_requests == []  # nothing was sent anywhere
    assert "_auth_user_id" not in client.session


def test_a_provider_that_does_not_answer_gets_a_french_page(client, oidc_server, firm, firm_admin):
    from allauth.socialaccount.models import SocialApp

    from comptoir.demo.sinks import free_port

    provider = oidc_server("/down")
    connect_firm(provider, firm=firm, admin=firm_admin)
    nobody = f"http://127.0.0.1:{free_port()}/down"  # nothing listens there
    FirmIdentityProvider.objects.filter(firm=firm).update(issuer=nobody)
    app = SocialApp.objects.get(provider_id=firm.slug)
    app.settings = {**app.settings, "server_url": nobody}
    app.save()
    response = client.post(f"/connexion/{firm.slug}/continuer/")
    assert response.status_code == 502
    assert "ne répond pas" in response.content.decode()


@pytest.fixture
def google(firm, firm_admin):
    idp = identity_provider_save(
        actor=firm_admin,
        firm=firm,
        kind="google",
        client_id="g",
        client_secret="s",
        domains=["cabinet-a.test"],
    )
    SsoDomain.objects.update(verified_at=timezone.now())
    return idp


def test_google_needs_the_workspace_domain_and_a_verified_address(google):
    def admit(email, verified, claims):
        return rules.admit(
            identity_provider=google, email=email, email_verified=verified, claims=claims, user=None
        )

    assert admit("a@cabinet-a.test", True, {"hd": "cabinet-a.test"}).create
    # A personal Google account that uses the address (no hd): refused.
    assert admit("a@cabinet-a.test", True, {}).reason == "not_workspace"
    assert admit("a@cabinet-a.test", None, {"hd": "cabinet-a.test"}).reason == "email_unverified"
    assert admit("a@cabinet-a.test", False, {"hd": "cabinet-a.test"}).reason == "email_unverified"


def test_the_platform_operator_never_signs_in_through_a_firm(google, firm):
    operator = UserFactory(email="ops@cabinet-a.test", is_staff=True, is_superuser=True)
    FirmMembership.objects.create(firm=firm, user=operator, role="admin")
    result = rules.admit(
        identity_provider=google,
        email=operator.email,
        email_verified=True,
        claims={"hd": "cabinet-a.test"},
        user=operator,
    )
    assert not result.allowed and result.reason == "not_allowed"


def test_a_passkey_login_of_mandatory_sso_staff_is_refused_too(firm, google):
    FirmIdentityProvider.objects.filter(pk=google.pk).update(
        required=True, tested_at=timezone.now()
    )
    staff = FirmMembershipFactory(firm=firm).user
    request = RequestFactory().post("/compte/2fa/webauthn/login/")
    request.session = {}
    request._messages = FallbackStorage(request)
    response = AccountAdapter(request).pre_login(
        request,
        staff,
        email_verification="none",
        signal_kwargs=None,
        email=None,
        signup=False,
        redirect_url=None,
    )
    assert response is not None and response.status_code == 302
    assert response["Location"] == "/connexion/"
    # Through the firm's provider (allauth passes the sociallogin), the same login goes on.
    passes = AccountAdapter(request).pre_login(
        request,
        staff,
        email_verification="none",
        signal_kwargs={"sociallogin": object()},
        email=None,
        signup=False,
        redirect_url=None,
    )
    assert passes is None


def test_a_domain_is_verified_for_one_firm_only(google, other_firm):
    operator = UserFactory(is_staff=True, is_superuser=True)
    other_admin = FirmMembershipFactory(firm=other_firm, role="admin").user
    theirs = identity_provider_save(
        actor=other_admin,
        firm=other_firm,
        kind="google",
        client_id="g2",
        client_secret="s",
        domains=["cabinet-a.test"],
    )
    claim = SsoDomain.objects.get(identity_provider=theirs)
    with pytest.raises(ValidationFailed):
        domain_verify(actor=operator, domain=claim)
    claim.refresh_from_db()
    assert claim.verified_at is None
