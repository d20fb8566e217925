"""API tokens: an expiry chosen at creation (90 days by default), read-only or read-and-write,
optionally pinned to one firm or one company; the list shows all of it and the last use."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.accounts.models import ApiToken
from comptoir.audit.models import AuditEvent
from comptoir.core.errors import ValidationFailed
from comptoir.tenancy.tokens import token_create
from tests.api_errors import assert_api_error
from tests.conftest import client_for
from tests.factories import CompanyFactory, CompanyMembershipFactory, FirmMembershipFactory

pytestmark = pytest.mark.django_db


def api(key, method="get", path="/me", data=None, **headers):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    kwargs = {"content_type": "application/json"} if data is not None else {}
    return getattr(client, method)(f"/api/v1{path}", data, **kwargs, **headers)


def test_defaults_ninety_days_read_and_write(firm_admin):
    token, key = token_create(user=firm_admin, name="script")
    assert token.scope == "write" and token.firm is None and token.company is None
    assert abs(token.expires_at - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)
    assert api(key).status_code == 200
    event = AuditEvent.objects.get(action="identity.token_create")
    assert event.firm.memberships.filter(user=firm_admin).exists()
    assert event.details["scope"] == "write"


def test_an_expired_token_gets_401_token_expired(firm_admin):
    token, key = token_create(user=firm_admin, name="old", expires_in_days=7)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api(key)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "token_expired" and "a expiré le" in error["message"]


def test_a_read_only_token_reads_but_never_writes(firm_admin, company):
    _token, key = token_create(user=firm_admin, name="lecture", scope="read")
    assert api(key, path="/companies").status_code == 200
    for method, path in (
        ("post", "/companies"),
        ("patch", f"/companies/{company.pk}"),
        ("delete", f"/companies/{company.pk}"),
    ):
        response = api(key, method, path, {"name": "Autre nom"})
        assert response.status_code == 403, method
        assert_api_error(response, code="token_read_only")
    company.refresh_from_db()
    assert company.name != "Autre nom"


def test_a_token_pinned_to_a_company_acts_there_only(firm_admin, company):
    other_company = CompanyFactory(firm=company.firm)
    member = CompanyMembershipFactory(company=company, role="administrateur").user
    CompanyMembershipFactory(company=other_company, role="administrateur", user=member)
    _token, key = token_create(user=member, name="pinned", pin=f"company:{company.pk}")
    me = api(key)
    assert me.status_code == 200 and me.json()["context"]["company"] == company.pk
    same = api(key, HTTP_X_COMPTOIR_COMPANY=str(company.pk))
    assert same.status_code == 200
    elsewhere = api(key, HTTP_X_COMPTOIR_COMPANY=str(other_company.pk))
    assert elsewhere.status_code == 403
    assert_api_error(elsewhere, code="token_pinned")
    assert company.name in elsewhere.json()["error"]["message"]


def test_a_token_pinned_to_a_firm_refuses_the_users_other_firm(firm_admin, firm, other_firm):
    FirmMembershipFactory(firm=other_firm, user=firm_admin, role="admin")
    _token, key = token_create(user=firm_admin, name="pinned", pin=f"firm:{firm.slug}")
    assert api(key).json()["context"]["firm"] == firm.slug
    refused = api(key, HTTP_X_COMPTOIR_FIRM=other_firm.slug)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "token_pinned"
    AuditEvent.objects.get(action="identity.token_create", firm=firm)
    assert not AuditEvent.objects.filter(action="identity.token_create", firm=other_firm).exists()


def test_pinning_to_someone_elses_place_is_refused(firm_admin, other_firm, other_company):
    for pin in (f"firm:{other_firm.slug}", f"company:{other_company.pk}", "firm:", "nimporte"):
        with pytest.raises(ValidationFailed) as refused:
            token_create(user=firm_admin, name="x", pin=pin)
        assert refused.value.field == "pin"
    with pytest.raises(ValidationFailed):
        token_create(user=firm_admin, name="x", expires_in_days=1000)
    with pytest.raises(ValidationFailed):
        token_create(user=firm_admin, name="x", scope="admin")


def test_my_account_creates_and_lists_tokens_with_their_limits(firm_admin, firm):
    client = client_for(firm_admin)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "Valable" in page and "Lecture seule" in page and "Agit dans" in page
    response = client.post(
        reverse("accounts:token_create"),
        {
            "name": "Export paie",
            "expires_in_days": "30",
            "scope": "read",
            "pin": f"firm:{firm.slug}",
        },
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="Export paie")
    assert token.scope == "read" and token.firm == firm
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    html = response.content.decode()
    assert token.expires_at.strftime("%d/%m/%Y") in html
    assert "Lecture seule" in html and firm.name in html and "Jamais" in html
    key = response.context["new_key"]
    api(key)
    html = client.get(reverse("accounts:settings")).content.decode()
    assert "Jamais" not in html.split("Export paie")[1].split("</tr>")[0]  # last used is shown

    refused = client.post(
        reverse("accounts:token_create"), {"name": "x", "expires_in_days": "1000"}
    )
    assert refused.status_code == 422

    revoke = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert revoke.status_code == 302
    assert AuditEvent.objects.filter(action="identity.token_revoke", firm=firm).exists()


def test_the_command_takes_the_limits(firm_admin, firm, capsys):
    from django.core.management import call_command

    call_command(
        "create-token", firm_admin.email, "--days", "7", "--read-only", "--pin", f"firm:{firm.slug}"
    )
    token = ApiToken.objects.get(user=firm_admin)
    assert token.scope == "read" and token.firm == firm
    assert capsys.readouterr().out.strip().startswith("cpt_")
