"""Two-factor authentication: TOTP with codes computed here (RFC 6238), recovery codes,
reauthentication to remove a factor, the audit log, and "Exiger la double authentification"."""

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.urls import reverse

from comptoir.audit.models import AuditEvent
from comptoir.core.errors import Forbidden, ValidationFailed
from comptoir.firms.services import firm_require_two_factor
from tests.api_errors import assert_api_error
from tests.conftest import client_for
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    CompanyMembershipFactory,
    FirmMembershipFactory,
)

pytestmark = pytest.mark.django_db


def totp_now(secret: str, *, at: float | None = None, step: int = 0) -> str:
    """The 6-digit TOTP code of ``secret`` (base32), RFC 6238 with SHA-1 and 30 s steps."""
    counter = int((time.time() if at is None else at) // 30) + step
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def test_our_totp_matches_rfc_6238_test_vector():
    # RFC 6238, appendix B: the SHA-1 secret "12345678901234567890" at T = 59 s → 94287082
    # (8 digits); its last 6 digits are the 6-digit code.
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp_now(secret, at=59) == "287082"


def log_in(client: Client, user) -> object:
    """Log in through the real login page (allauth records the authentication)."""
    return client.post(
        reverse("account_login"), {"username": user.email, "password": DEFAULT_PASSWORD}
    )


def confirm_password(client: Client) -> None:
    """allauth asks to confirm one's password before adding or removing a factor."""
    response = client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.content[:500]


def totp_secret(user) -> str:
    from comptoir.core.crypto import decrypt_str

    return decrypt_str(Authenticator.objects.get(user=user, type="totp").data["secret"])


def activate_totp(client: Client, user) -> str:
    """Set up an authenticator app through the pages; returns its secret."""
    confirm_password(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302, response.content[:500]
    return secret


def give_totp(user) -> str:
    """An authenticator app for ``user`` without the pages (for the rules' tests)."""
    secret = base64.b32encode(b"0123456789abcdefghij").decode()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


# --- TOTP and recovery codes ----------------------------------------------------------------


def test_set_up_an_authenticator_app_then_log_in_with_its_code(firm_admin):
    client = Client()
    assert log_in(client, firm_admin).status_code == 302
    # Adding a factor asks to confirm one's password first.
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    confirm_password(client)
    page = client.get(reverse("mfa_activate_totp"))
    html = page.content.decode()
    assert "Configurer une application d’authentification" in html  # noqa: RUF001
    # The QR code is an inline data: image (the Content-Security-Policy allows img-src data:).
    assert 'src="data:image/svg+xml;base64,' in html
    secret = page.context["form"].secret
    assert secret in html  # the key to type instead of scanning

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=firm_admin).exists()

    done = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert done.status_code == 302
    assert done["Location"] == reverse("mfa_view_recovery_codes")
    stored = Authenticator.objects.get(user=firm_admin, type="totp")
    assert secret not in str(stored.data)  # kept encrypted (core.crypto), not in the clear
    assert totp_secret(firm_admin) == secret
    codes_page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    codes = RecoveryCodes(Authenticator.objects.get(user=firm_admin, type="recovery_codes"))
    assert len(codes.get_unused_codes()) == 10
    assert all(code in codes_page for code in codes.get_unused_codes())

    # Next login: the password is not enough, the code is asked for.
    client.post(reverse("account_logout"))
    second = Client()
    response = log_in(second, firm_admin)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert second.get(reverse("portal:firm_home")).status_code == 302  # not logged in yet
    assert "_auth_user_id" not in second.session

    refused = second.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert refused.status_code == 200
    assert "_auth_user_id" not in second.session
    failed = AuditEvent.objects.get(action="identity.two_factor_failed")
    assert failed.actor_id == firm_admin.pk and failed.details == {"type": "totp"}
    code = totp_now(secret)
    accepted = second.post(reverse("mfa_authenticate"), {"code": code})
    assert accepted.status_code == 302
    assert second.get(reverse("portal:firm_home")).status_code == 200

    # The same code cannot be replayed for another login.
    third = Client()
    log_in(third, firm_admin)
    replay = third.post(reverse("mfa_authenticate"), {"code": code})
    assert replay.status_code == 200
    assert "_auth_user_id" not in third.session


def test_a_recovery_code_logs_in_once(firm_admin):
    give_totp(firm_admin)
    code = RecoveryCodes(
        Authenticator.objects.get(user=firm_admin, type="recovery_codes")
    ).get_unused_codes()[3]

    first = Client()
    log_in(first, firm_admin)
    assert first.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert first.get(reverse("portal:firm_home")).status_code == 200
    left = RecoveryCodes(Authenticator.objects.get(user=firm_admin, type="recovery_codes"))
    assert code not in left.get_unused_codes() and len(left.get_unused_codes()) == 9

    again = Client()
    log_in(again, firm_admin)
    assert again.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200
    assert "_auth_user_id" not in again.session


def test_recovery_codes_download_and_print(firm_admin):
    give_totp(firm_admin)
    client = Client()
    log_in(client, firm_admin)
    client.post(reverse("mfa_authenticate"), {"code": totp_now(totp_secret(firm_admin))})
    # Seeing the codes again asks to confirm one's password first.
    asked = client.get(reverse("mfa_download_recovery_codes"))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    confirm_password(client)
    unused = RecoveryCodes(
        Authenticator.objects.get(user=firm_admin, type="recovery_codes")
    ).get_unused_codes()
    download = client.get(reverse("mfa_download_recovery_codes"))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/plain")
    assert "attachment" in download["Content-Disposition"]
    text = download.content.decode()
    assert firm_admin.email in text
    assert re.findall(r"^\d{8}$", text, flags=re.M) == unused
    page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert "data-print" in page  # the print button (static two_factor.js)
    assert "<script>" not in page and "onclick" not in page


def test_removing_a_factor_asks_to_confirm_first(firm_admin):
    secret = give_totp(firm_admin)
    client = Client()
    client.force_login(firm_admin)  # a session without a recent authentication
    response = client.get(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert client.post(reverse("mfa_deactivate_totp")).status_code == 302
    assert Authenticator.objects.filter(user=firm_admin, type="totp").exists()

    # Confirm with a code from the app, then remove it.
    confirm = client.post(reverse("mfa_reauthenticate"), {"code": totp_now(secret)})
    assert confirm.status_code == 302
    removed = client.post(reverse("mfa_deactivate_totp"))
    assert removed.status_code == 302
    assert not Authenticator.objects.filter(user=firm_admin).exists()  # codes went with it
    events = AuditEvent.objects.filter(action="identity.two_factor_removed", actor=firm_admin)
    assert {event.details["type"] for event in events} == {"totp", "recovery_codes"}
    assert {event.ip_address for event in events} == {"127.0.0.1"}


def test_setting_up_and_removing_are_audited_in_each_of_the_users_firms(
    firm, other_firm, django_capture_on_commit_callbacks
):
    user = FirmMembershipFactory(firm=firm, role="collaborator").user
    CompanyMembershipFactory(company=CompanyFactory(firm=other_firm), user=user)
    client = Client()
    log_in(client, user)
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals after commit
        activate_totp(client, user)
    for each in (firm, other_firm):
        added = AuditEvent.objects.filter(firm=each, action="identity.two_factor_added")
        assert {e.details["type"] for e in added} == {"totp", "recovery_codes"}
        assert all(e.actor_id == user.pk and e.target_id == str(user.pk) for e in added)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("mfa_generate_recovery_codes")).status_code == 302
    assert AuditEvent.objects.filter(
        firm=other_firm, action="identity.recovery_codes_regenerated"
    ).exists()


def test_the_two_factor_page_is_in_french_and_linked_from_my_account(firm_admin):
    client = client_for(firm_admin)
    account = client.get(reverse("accounts:settings")).content.decode()
    assert reverse("mfa_index") in account
    page = client.get(reverse("mfa_index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Double authentification" in html
    assert "Application d’authentification" in html  # noqa: RUF001
    assert "Clés d’accès" in html  # noqa: RUF001


# --- "Exiger la double authentification" ----------------------------------------------------


def test_only_an_admin_with_two_factor_may_require_it(firm, firm_admin, firm_collaborator):
    with pytest.raises(Forbidden):
        firm_require_two_factor(actor=firm_collaborator, firm=firm, required=True)
    with pytest.raises(ValidationFailed) as refused:
        firm_require_two_factor(actor=firm_admin, firm=firm, required=True)
    assert refused.value.code == "two_factor_needed_first"
    firm.refresh_from_db()
    assert not firm.require_two_factor

    give_totp(firm_admin)
    firm_require_two_factor(actor=firm_admin, firm=firm, required=True)
    firm_require_two_factor(actor=firm_admin, firm=firm, required=True)  # no change: no event
    firm.refresh_from_db()
    assert firm.require_two_factor
    events = AuditEvent.objects.filter(firm=firm, action__startswith="firm.two_factor")
    assert [e.action for e in events] == ["firm.two_factor_required"]
    firm_require_two_factor(actor=firm_admin, firm=firm, required=False)
    assert AuditEvent.objects.filter(firm=firm, action="firm.two_factor_not_required").exists()


def test_another_firms_admin_cannot_require_it_for_us(firm, other_firm_admin):
    give_totp(other_firm_admin)
    with pytest.raises(Forbidden):
        firm_require_two_factor(actor=other_firm_admin, firm=firm, required=True)


def test_the_security_page_sets_the_requirement(firm, firm_admin, firm_collaborator):
    client = client_for(firm_admin)
    url = reverse("firms:security")
    page = client.get(url).content.decode()
    assert "Exiger la double authentification" in page
    assert firm_collaborator.email in page
    refused = client.post(url, {"require_two_factor": "on"})
    assert refused.status_code == 422
    assert "votre propre compte" in refused.content.decode()

    give_totp(firm_admin)
    response = client.post(url, {"require_two_factor": "on"})
    assert response.status_code == 302
    firm.refresh_from_db()
    assert firm.require_two_factor
    assert client_for(firm_collaborator).get(url).status_code in (302, 403)


def test_collaborators_do_not_see_the_security_page(firm_collaborator):
    assert client_for(firm_collaborator).get(reverse("firms:security")).status_code == 403


@pytest.fixture
def requiring_firm(firm, firm_admin):
    give_totp(firm_admin)
    firm_require_two_factor(actor=firm_admin, firm=firm, required=True)
    return firm


def test_a_user_without_two_factor_is_led_to_set_it_up(requiring_firm, firm_collaborator):
    client = Client()
    response = log_in(client, firm_collaborator)
    assert response.status_code == 302
    landing = client.get(response["Location"], follow=True)
    assert landing.redirect_chain[-1][0] == reverse("mfa_index")
    html = landing.content.decode()
    assert "Votre cabinet exige la double authentification" in html
    for name in ("portal:firm_home", "companies:list", "accounts:settings", "store:index"):
        blocked = client.get(reverse(name))
        assert blocked.status_code == 302 and blocked["Location"] == reverse("mfa_index"), name
    htmx = client.get(reverse("companies:list"), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == reverse("mfa_index")
    # The set-up pages stay open (after confirming one's password, as allauth asks).
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(asked["Location"]).status_code == 200
    confirm_password(client)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.get(reverse("mfa_add_webauthn")).status_code == 200

    activate_totp(client, firm_collaborator)
    assert client.get(reverse("portal:firm_home")).status_code == 200
    assert client.get(reverse("companies:list")).status_code == 200


def test_the_last_factor_cannot_be_removed_while_the_firm_requires_it(
    requiring_firm, firm_collaborator
):
    client = Client()
    log_in(client, firm_collaborator)
    activate_totp(client, firm_collaborator)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert "ajoutez une autre application" in response.content.decode()
    assert Authenticator.objects.filter(user=firm_collaborator, type="totp").exists()


def test_company_users_are_not_concerned(requiring_firm, company_admin):
    client = client_for(company_admin)
    assert client.get(reverse("portal:company_home")).status_code == 200


def test_a_firm_that_does_not_require_it_leaves_its_users_alone(requiring_firm, other_firm_admin):
    assert client_for(other_firm_admin).get(reverse("portal:firm_home")).status_code == 200


def test_the_api_answers_403_two_factor_required(requiring_firm, firm_collaborator, api_as):
    api = api_as(firm_collaborator)
    response = api.get("/companies")
    assert response.status_code == 403
    assert_api_error(response, code="two_factor_required")
    assert "double authentification" in response.json()["error"]["message"]
    assert api.get("/me").status_code == 403
    give_totp(firm_collaborator)
    assert api.get("/companies").status_code == 200


def test_a_firm_user_of_a_requiring_firm_may_still_work_for_another_firms_client(
    requiring_firm, other_firm, api_as
):
    """Julie's case: collaborator of a firm that requires two-factor, and administrateur of a
    client company of another firm. The requirement protects the firm that set it."""
    julie = FirmMembershipFactory(firm=requiring_firm, role="collaborator").user
    company = CompanyFactory(firm=other_firm)
    CompanyMembershipFactory(company=company, user=julie, role="administrateur")
    api = api_as(julie, HTTP_X_COMPTOIR_COMPANY=str(company.pk))
    assert api.get(f"/companies/{company.pk}/users").status_code == 200
    assert api_as(julie).get("/companies").status_code == 403


def test_a_colleagues_passkey_is_404_even_after_confirming(firm, firm_admin, firm_collaborator):
    from tests.passkeys import passkey_create

    theirs = passkey_create(firm_collaborator)
    client = Client()
    log_in(client, firm_admin)
    confirm_password(client)
    for name in ("mfa_remove_webauthn", "mfa_edit_webauthn"):
        url = reverse(name, kwargs={"pk": theirs.pk})
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "Volée"}).status_code == 404
    too_big = "/compte/2fa/webauthn/keys/99999999999999999999999/remove/"
    assert client.get(too_big).status_code == 404
    theirs.refresh_from_db()
    assert theirs.data["name"] == "Clé de test"


def test_the_security_page_lists_members_in_a_bounded_number_of_queries(
    firm, firm_admin, django_assert_max_num_queries
):
    client = client_for(firm_admin)
    url = reverse("firms:security")
    client.get(url)
    FirmMembershipFactory.create_batch(2, firm=firm)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    FirmMembershipFactory.create_batch(15, firm=firm)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).content.decode().count("Non configurée") == 18


def test_a_token_pinned_to_the_firm_is_refused_too(requiring_firm, firm_collaborator):
    from comptoir.tenancy.tokens import token_create

    _, key = token_create(user=firm_collaborator, name="pinned", pin=f"firm:{requiring_firm.slug}")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.get("/api/v1/companies")
    assert response.status_code == 403
    assert_api_error(response, code="two_factor_required")


def test_with_only_a_passkey_the_second_step_offers_it_and_recovery_codes(firm_admin):
    from tests.passkeys import passkey_create

    passkey_create(firm_admin)
    RecoveryCodes.activate(firm_admin)
    client = Client()
    assert log_in(client, firm_admin)["Location"] == reverse("mfa_authenticate")
    html = client.get(reverse("mfa_authenticate")).content.decode()
    assert "Utilisez votre clé d’accès ci-dessous" in html  # noqa: RUF001
    assert "Code de secours" in html
    assert "data-passkey-get" in html


def test_removing_a_passkey_asks_to_confirm_and_keeps_the_last_one_when_required(
    firm, firm_admin, firm_collaborator
):
    from tests.passkeys import passkey_create

    passkey = passkey_create(firm_collaborator)
    client = Client()
    client.force_login(firm_collaborator)
    url = reverse("mfa_remove_webauthn", kwargs={"pk": passkey.pk})
    asked = client.post(url)
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    assert Authenticator.objects.filter(pk=passkey.pk).exists()

    give_totp(firm_admin)
    firm_require_two_factor(actor=firm_admin, firm=firm, required=True)
    confirm_password(client)
    kept = client.post(url, follow=True)
    assert Authenticator.objects.filter(pk=passkey.pk).exists()
    assert "ajoutez une autre application" in kept.content.decode()

    firm_require_two_factor(actor=firm_admin, firm=firm, required=False)
    assert client.post(url).status_code == 302
    assert not Authenticator.objects.filter(pk=passkey.pk).exists()
    removed = AuditEvent.objects.get(firm=firm, action="identity.two_factor_removed")
    assert removed.details == {"type": "webauthn", "name": "Clé de test", "passkey": True}
