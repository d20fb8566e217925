"""The firm's single sign-on settings, the login page's e-mail step, mandatory SSO."""

import pytest
from django.utils import timezone

from comptoir.audit.models import AuditEvent
from comptoir.core.crypto import decrypt_str
from comptoir.sso.models import FirmIdentityProvider, SsoDomain
from comptoir.sso.services import identity_provider_save
from tests.factories import DEFAULT_PASSWORD, FirmMembershipFactory
from tests.oidc import IDP_PASSWORD, connect_firm, sso_sign_in

pytestmark = pytest.mark.django_db

URL = "/cabinet/parametres/authentification-unique/"


def _form(**overrides):
    data = {
        "kind": "entra",
        "tenant": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "client_id": "app-123",
        "client_secret": "tres-secret",
        "display_name": "",
        "domains": "Cabinet-A.test\n@autre.test",
        "enabled": "on",
    }
    data.update(overrides)
    return data


def test_a_firm_admin_connects_microsoft_entra(client, firm, firm_admin):
    client.force_login(firm_admin)
    assert client.get(URL).status_code == 200
    response = client.post(URL, _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    idp = FirmIdentityProvider.objects.get(firm=firm)
    assert (
        idp.issuer == "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"
    )
    assert idp.display_name == "Microsoft"
    assert idp.client_secret != "tres-secret" and decrypt_str(idp.client_secret) == "tres-secret"
    assert sorted(d.domain for d in idp.domains.all()) == ["autre.test", "cabinet-a.test"]
    assert not any(d.is_verified for d in idp.domains.all())  # the operator verifies
    event = AuditEvent.objects.get(firm=firm, action="sso.connect")
    assert "tres-secret" not in str(event.details)
    page = client.get(URL).content.decode()
    assert "/compte/oidc/" in page and "tres-secret" not in page
    # An empty secret keeps the saved one; the change is audited with what changed.
    assert (
        client.post(URL, _form(client_secret="", display_name="Microsoft 365")).status_code == 302
    )
    idp.refresh_from_db()
    assert decrypt_str(idp.client_secret) == "tres-secret"
    change = AuditEvent.objects.get(firm=firm, action="sso.change")
    assert change.details["changed"] == ["display_name"]


@pytest.mark.parametrize(
    "overrides, field_text",
    [
        ({"tenant": "contoso"}, "8-4-4-4-12"),
        ({"kind": "oidc", "issuer": "http://10.0.0.5/realms/x"}, "https://"),
        ({"kind": "oidc", "issuer": "https://127.0.0.1/realms/x"}, "127.0.0.1"),
        ({"kind": "oidc", "issuer": "https://idp.invalid"}, "idp.invalid"),
        ({"kind": "google", "domains": ""}, "Google Workspace"),
        ({"domains": "pas un domaine"}, "pas"),
        ({"client_id": ""}, ""),
    ],
)
def test_bad_settings_are_refused_in_a_form(client, firm, firm_admin, overrides, field_text):
    client.force_login(firm_admin)
    response = client.post(URL, _form(**overrides))
    assert response.status_code in (409, 422), response.status_code
    assert field_text in response.content.decode()
    assert not FirmIdentityProvider.objects.filter(firm=firm).exists()


def test_only_a_firm_admin_sees_the_settings(client, firm_collaborator, company_admin):
    client.force_login(firm_collaborator)
    assert client.get(URL).status_code == 403
    assert client.post(URL, _form()).status_code == 403
    client.force_login(company_admin)
    assert client.get(URL).status_code == 404


def test_each_firm_sees_and_changes_only_its_own_connection(
    client, firm, firm_admin, other_firm, settings
):
    other_admin = FirmMembershipFactory(firm=other_firm, role="admin").user
    theirs = identity_provider_save(
        actor=other_admin,
        firm=other_firm,
        kind="google",
        client_id="their-client",
        client_secret="their-secret",
        domains=["leur-cabinet.test"],
    )
    client.force_login(firm_admin)
    page = client.get(URL).content.decode()
    assert "their-client" not in page and "leur-cabinet.test" not in page
    client.post(URL, _form())
    client.post(URL + "deconnecter/")
    theirs.refresh_from_db()
    assert theirs.client_id == "their-client"
    assert not FirmIdentityProvider.objects.filter(firm=firm).exists()


def test_the_email_step_finds_the_firm_of_a_verified_domain(client, firm, firm_admin):
    identity_provider_save(
        actor=firm_admin,
        firm=firm,
        kind="google",
        client_id="c",
        client_secret="s",
        domains=["cabinet-a.test", "pas-encore.test"],
    )
    SsoDomain.objects.filter(domain="cabinet-a.test").update(verified_at=timezone.now())
    response = client.post("/connexion/sso/", {"username": "Anne@Cabinet-A.test", "password": ""})
    assert response.status_code == 302
    assert response["Location"].startswith(f"/connexion/{firm.slug}/?email=anne%40cabinet-a.test")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Google" in page.content.decode()
    # The browser must be allowed to follow the button's form to the provider.
    assert "https://accounts.google.com" in page["Content-Security-Policy"]
    for email in ("x@pas-encore.test", "x@gmail.test", "pas-une-adresse"):
        answer = client.post("/connexion/sso/", {"username": email})
        assert answer.status_code == 422, email
    assert client.get("/connexion/sso/").status_code == 200


def test_a_firm_without_sso_has_no_login_address(client, firm):
    assert client.get(f"/connexion/{firm.slug}/").status_code == 404
    assert client.get("/connexion/nobody-here/").status_code == 404
    assert client.post(f"/connexion/{firm.slug}/continuer/").status_code == 404


def test_mandatory_sso_needs_one_sign_in_then_refuses_the_staff_passwords(
    client, oidc_server, firm, firm_admin, company_admin
):
    provider = oidc_server("/mandatory")
    idp = connect_firm(provider, firm=firm, admin=firm_admin, domains=["cabinet-a.test"])
    kwargs = dict(
        actor=firm_admin,
        firm=firm,
        kind="oidc",
        issuer=provider.issuer,
        client_id=idp.client_id,
        domains=["cabinet-a.test"],
        required=True,
    )
    from comptoir.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        identity_provider_save(**kwargs)
    assert refused.value.code == "sso_untested"
    # The admin signs in once through the provider, then makes it mandatory.
    firm_admin.email = "admin@cabinet-a.test"
    firm_admin.save(update_fields=["email"])
    provider.add_user(firm_admin.email, IDP_PASSWORD)
    response, _ = sso_sign_in(client, provider, slug=firm.slug, email=firm_admin.email)
    assert response.status_code == 302
    identity_provider_save(**kwargs)
    client.logout()

    staff = FirmMembershipFactory(firm=firm, role="collaborator").user
    answer = client.post("/connexion/", {"username": staff.email, "password": DEFAULT_PASSWORD})
    assert answer.status_code == 200
    assert answer.context["form"].has_error("__all__", code="sso_required")
    assert "_auth_user_id" not in client.session
    # A client company's user is not the firm's staff: the password still works.
    answer = client.post(
        "/connexion/", {"username": company_admin.email, "password": DEFAULT_PASSWORD}
    )
    assert answer.status_code == 302
    # SSO still signs the staff in.
    client.logout()
    provider.add_user("collab@cabinet-a.test", IDP_PASSWORD)
    response, _ = sso_sign_in(client, provider, slug=firm.slug, email="collab@cabinet-a.test")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        firm=firm, action="sso.change", details__required=True
    ).exists()
