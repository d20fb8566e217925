"""Single sign-on through a real OpenID Connect provider on 127.0.0.1: the authorization-code
flow with PKCE, and who may come in (comptoir.sso.rules)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp

from comptoir.accounts.models import Invitation, User
from comptoir.audit.models import AuditEvent
from comptoir.firms.models import FirmMembership
from comptoir.sso.models import FirmIdentityProvider
from tests.factories import (
    CompanyMembershipFactory,
    FirmFactory,
    FirmMembershipFactory,
    UserFactory,
)
from tests.oidc import IDP_PASSWORD, connect_firm, sso_sign_in

pytestmark = pytest.mark.django_db


def _session_user(client):
    from django.contrib.auth import get_user

    user = get_user(client)
    return user if user.is_authenticated else None


@pytest.fixture
def idp_setup(oidc_server, firm, firm_admin):
    provider = oidc_server("/cabinet-a")
    idp = connect_firm(provider, firm=firm, admin=firm_admin, domains=["cabinet-a.test"])
    return provider, idp


def test_staff_of_a_verified_domain_signs_in_with_pkce(client, firm, idp_setup):
    provider, idp = idp_setup
    staff = FirmMembershipFactory(
        firm=firm, role="collaborator", user__email="anne@cabinet-a.test"
    ).user
    provider.add_user(staff.email, IDP_PASSWORD, name="Anne")

    response, authorize = sso_sign_in(client, provider, slug=firm.slug, email=staff.email)

    assert response.status_code == 302, response.content[:400]
    assert _session_user(client) == staff
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["client_id"] == [idp.client_id]
    # The token request carried the verifier (the provider checked it against the challenge).
    assert provider.token_requests[-1]["code_verifier"]
    assert SocialAccount.objects.get(user=staff).provider == idp.provider_id
    idp.refresh_from_db()
    assert idp.tested_at is not None
    assert AuditEvent.objects.filter(firm=firm, action="sso.login", actor=staff).exists()
    assert client.get("/").status_code == 302  # in: the start page sends to the firm home


def test_a_second_sign_in_uses_the_linked_account(client, firm, idp_setup):
    provider, _ = idp_setup
    staff = FirmMembershipFactory(firm=firm, user__email="bob@cabinet-a.test").user
    provider.add_user(staff.email, IDP_PASSWORD)
    sso_sign_in(client, provider, slug=firm.slug, email=staff.email)
    client.logout()
    response, _ = sso_sign_in(client, provider, slug=firm.slug, email=staff.email)
    assert response.status_code == 302
    assert _session_user(client) == staff
    assert SocialAccount.objects.filter(user=staff).count() == 1


def test_a_new_address_of_a_verified_domain_becomes_a_collaborator(client, firm, idp_setup):
    provider, _ = idp_setup
    provider.add_user("nouvelle@cabinet-a.test", IDP_PASSWORD, name="Nouvelle Recrue")

    response, _ = sso_sign_in(client, provider, slug=firm.slug, email="nouvelle@cabinet-a.test")

    assert response.status_code == 302, response.content[:400]
    user = User.objects.get(email="nouvelle@cabinet-a.test")
    assert _session_user(client) == user
    assert user.full_name == "Nouvelle Recrue"
    assert not user.has_usable_password()
    assert list(FirmMembership.objects.filter(user=user).values_list("firm_id", "role")) == [
        (firm.pk, "collaborator")
    ]
    assert AuditEvent.objects.filter(firm=firm, action="sso.member_create").exists()


def test_an_invited_address_outside_the_domains_comes_in_and_joins(
    client, firm, firm_admin, idp_setup
):
    provider, _ = idp_setup
    invitee = UserFactory(email="expert@gmail.test")
    invitation = Invitation.objects.create(
        firm=firm,
        user=invitee,
        role="collaborator",
        invited_by=firm_admin,
        expires_at="2999-01-01T00:00:00Z",
    )
    provider.add_user(invitee.email, IDP_PASSWORD)

    response, _ = sso_sign_in(client, provider, slug=firm.slug, email=invitee.email)

    assert response.status_code == 302, response.content[:400]
    assert _session_user(client) == invitee
    assert FirmMembership.objects.filter(firm=firm, user=invitee, role="collaborator").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_an_address_neither_invited_nor_in_a_verified_domain_is_refused(client, firm, idp_setup):
    provider, _ = idp_setup
    provider.add_user("inconnu@gmail.test", IDP_PASSWORD)

    response, _ = sso_sign_in(client, provider, slug=firm.slug, email="inconnu@gmail.test")

    assert response.status_code == 403
    assert "invitation" in response.content.decode()
    assert _session_user(client) is None
    assert not User.objects.filter(email="inconnu@gmail.test").exists()
    assert AuditEvent.objects.filter(
        firm=firm, action="sso.login_refused", details__reason="not_invited"
    ).exists()


def test_an_unverified_domain_creates_nobody(client, oidc_server, firm, firm_admin):
    provider = oidc_server("/pending")
    connect_firm(provider, firm=firm, admin=firm_admin, domains=["attente.test"], verified=False)
    provider.add_user("quelquun@attente.test", IDP_PASSWORD)
    response, _ = sso_sign_in(client, provider, slug=firm.slug, email="quelquun@attente.test")
    assert response.status_code == 403
    assert not User.objects.filter(email="quelquun@attente.test").exists()


def test_a_login_from_a_second_firms_provider_does_not_get_in(client, oidc_server, firm, idp_setup):
    """Firm B's provider asserts the address of firm A's staff: refused, nothing linked."""
    _provider_a, _ = idp_setup
    staff_a = FirmMembershipFactory(firm=firm, user__email="claire@cabinet-a.test").user
    firm_b = FirmFactory()
    admin_b = FirmMembershipFactory(firm=firm_b, role="admin").user
    provider_b = oidc_server("/cabinet-b")
    connect_firm(provider_b, firm=firm_b, admin=admin_b, domains=["cabinet-b.test"])
    provider_b.add_user(staff_a.email, IDP_PASSWORD)

    response, _ = sso_sign_in(client, provider_b, slug=firm_b.slug, email=staff_a.email)

    assert response.status_code == 403
    assert _session_user(client) is None
    assert not SocialAccount.objects.filter(user=staff_a).exists()
    assert not FirmMembership.objects.filter(firm=firm_b, user=staff_a).exists()
    # Nor does firm B's provider sign in a new address of firm A's verified domain.
    provider_b.add_user("nouveau@cabinet-a.test", IDP_PASSWORD)
    response, _ = sso_sign_in(client, provider_b, slug=firm_b.slug, email="nouveau@cabinet-a.test")
    assert response.status_code == 403
    assert not User.objects.filter(email="nouveau@cabinet-a.test").exists()


def test_staff_who_also_works_with_another_firm_is_refused_outside_the_domains(
    client, oidc_server, firm, firm_admin, other_company
):
    provider = oidc_server("/no-domain")
    connect_firm(provider, firm=firm, admin=firm_admin, domains=[])
    both = FirmMembershipFactory(firm=firm, user__email="double@gmail.test").user
    CompanyMembershipFactory(company=other_company, user=both, role="administrateur")
    provider.add_user(both.email, IDP_PASSWORD)

    response, _ = sso_sign_in(client, provider, slug=firm.slug, email=both.email)

    assert response.status_code == 403
    assert AuditEvent.objects.filter(details__reason="other_firm").exists()
    assert _session_user(client) is None


def test_an_answer_from_another_issuer_is_refused(client, oidc_server, firm, firm_admin):
    """The provider's discovery and tokens name an issuer other than the one the firm saved."""
    provider = oidc_server("/moved")
    connect_firm(provider, firm=firm, admin=firm_admin, domains=["cabinet-a.test"])
    staff = FirmMembershipFactory(firm=firm, user__email="eve@cabinet-a.test").user
    provider.add_user(staff.email, IDP_PASSWORD)
    provider.claimed_issuer = "https://login.example/tenant/v2.0"

    response, _ = sso_sign_in(client, provider, slug=firm.slug, email=staff.email)

    assert response.status_code == 403
    assert _session_user(client) is None
    assert AuditEvent.objects.filter(details__reason="wrong_issuer").exists()


def test_a_paused_provider_is_gone(client, firm, firm_admin, idp_setup):
    _provider, idp = idp_setup
    FirmIdentityProvider.objects.filter(pk=idp.pk).update(enabled=False)
    assert client.get(f"/connexion/{firm.slug}/").status_code == 404
    assert client.post(f"/connexion/{firm.slug}/continuer/").status_code == 404
    assert client.post(f"/compte/oidc/{idp.provider_id}/login/").status_code == 404


def test_the_social_app_carries_no_secret(idp_setup):
    _, idp = idp_setup
    app = SocialApp.objects.get(provider_id=idp.provider_id)
    assert app.secret == ""
    assert app.settings["oauth_pkce_enabled"] is True
    assert "secret-" not in idp.client_secret  # encrypted


def test_the_provider_refuses_a_request_without_pkce(oidc_server):
    import requests

    provider = oidc_server("/strict")
    provider.add_client("c", "s", ["http://testserver/*"])
    answer = requests.get(
        provider.issuer + "/authorize",
        params={
            "client_id": "c",
            "redirect_uri": "http://testserver/cb",
            "response_type": "code",
            "scope": "openid email",
            "state": "x",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    assert "error=invalid_request" in answer.headers["Location"]


def test_connecting_the_provider_to_a_logged_in_account_is_refused(client, firm, idp_setup):
    """allauth's "connect" process would let a firm's provider vouch for whoever is logged in."""
    provider, idp = idp_setup
    someone = FirmMembershipFactory(firm=firm, user__email="zoe@cabinet-a.test").user
    provider.add_user(someone.email, IDP_PASSWORD)
    client.force_login(someone)
    start = client.post(f"/compte/oidc/{idp.provider_id}/login/", {"process": "connect"})
    assert start.status_code == 302
    import requests

    authorize = start["Location"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    login = requests.post(
        provider.issuer + "/authorize",
        data={**params, "email": someone.email, "password": IDP_PASSWORD},
        allow_redirects=False,
        timeout=5,
    )
    back = urlsplit(login.headers["Location"])
    response = client.get(f"{back.path}?{back.query}")
    assert response.status_code == 403
    assert not SocialAccount.objects.filter(user=someone).exists()
