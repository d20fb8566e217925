"""Invitations, the user's settings page, API tokens and the create-token command."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.accounts.models import ApiToken, Invitation
from comptoir.companies.invitations import company_member_invite
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Invite through the service, send the e-mail; returns the path of the e-mail's link."""

    def invite(company, actor, email="new@example.test", role="collaborateur"):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            company_member_invite(actor=actor, company=company, email=email, role=role)
        return re.search(r"https?://\S+(/invitation/\S+/)", mail.outbox[-1].body).group(1)

    return invite


def test_new_user_sets_a_password_and_lands_on_the_company_home(invite, company, firm_admin):
    link = invite(company, firm_admin)
    client = Client()
    page = client.get(link)
    assert page.status_code == 200
    assert "Choisissez votre mot de passe" in page.content.decode()

    response = client.post(
        link,
        {
            "full_name": "Nina Petit",
            "password": "un-vrai-secret-42",
            "password_confirm": "un-vrai-secret-42",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("portal:company_home")
    assert company.name in response.content.decode()
    user = User.objects.get(email="new@example.test")
    assert user.full_name == "Nina Petit" and user.check_password("un-vrai-secret-42")
    assert Invitation.objects.get(user=user).accepted_at is not None

    # The link works once.
    again = Client().get(link)
    assert again.status_code == 422
    assert "déjà été utilisée" in again.content.decode()
    # And the password logs in.
    assert Client().login(email="new@example.test", password="un-vrai-secret-42")


def test_weak_or_mismatched_password_is_refused_and_nothing_changes(invite, company, firm_admin):
    link = invite(company, firm_admin)
    client = Client()
    weak = client.post(link, {"full_name": "", "password": "123", "password_confirm": "123"})
    assert weak.status_code == 422
    assert "password" in weak.context["form"].errors
    mismatch = client.post(
        link, {"password": "un-vrai-secret-42", "password_confirm": "un-autre-secret-42"}
    )
    assert mismatch.status_code == 422
    assert "password_confirm" in mismatch.context["form"].errors
    user = User.objects.get(email="new@example.test")
    assert not user.has_usable_password()
    assert Invitation.objects.get(user=user).accepted_at is None
    assert "_auth_user_id" not in client.session


def test_existing_login_confirms_and_then_logs_in_as_usual(invite, company, firm_admin):
    existing = UserFactory(email="deja@example.test")
    link = invite(company, firm_admin, email=existing.email)
    client = Client()
    page = client.get(link)
    assert "Accepter l’invitation" in page.content.decode()  # noqa: RUF001
    response = client.post(link)
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert Invitation.objects.get(user=existing).accepted_at is not None
    existing.refresh_from_db()
    assert existing.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, 422, "a expiré"),
        ({"accepted_at": timezone.now()}, 422, "déjà été utilisée"),
        ({"cancelled_at": timezone.now()}, 422, "a été annulée"),
    ],
)
def test_unusable_links_say_why_and_change_nothing(
    invite, company, firm_admin, change, status, message
):
    link = invite(company, firm_admin)
    Invitation.objects.update(**change)
    for response in (
        Client().get(link),
        Client().post(
            link, {"password": "un-vrai-secret-42", "password_confirm": "un-vrai-secret-42"}
        ),
    ):
        assert response.status_code == status
        assert message in response.content.decode()
    assert not User.objects.get(email="new@example.test").has_usable_password()


def test_unknown_link_is_404_with_a_message():
    response = Client().get(reverse("companies:invitation_accept", args=["n-importe-quoi"]))
    assert response.status_code == 404
    assert "n’est pas valide" in response.content.decode()  # noqa: RUF001


# --- settings page and tokens -----------------------------------------------------------------


def test_settings_page_updates_the_name(firm_admin):
    client = client_for(firm_admin)
    page = client.get(reverse("accounts:settings"))
    assert page.status_code == 200
    assert "Jetons d’API" in page.content.decode()  # noqa: RUF001
    response = client.post(reverse("accounts:settings"), {"full_name": "  Alice   Martin "})
    assert response["Location"] == reverse("accounts:settings")
    firm_admin.refresh_from_db()
    assert firm_admin.full_name == "Alice Martin"


def test_settings_page_works_for_company_users(company_guest):
    assert client_for(company_guest).get(reverse("accounts:settings")).status_code == 200


def test_token_is_shown_once_authenticates_and_stops_when_revoked(firm_admin):
    client = client_for(firm_admin)
    response = client.post(reverse("accounts:token_create"), {"name": "Export compta"})
    assert response.status_code == 200
    html = response.content.decode()
    key = re.search(r'id="new-key"[^>]*value="(cpt_[^"]+)"', html).group(1)
    assert "ne sera plus affichée" in html

    later = client.get(reverse("accounts:settings")).content.decode()
    assert key not in later and key[:10] in later and "Export compta" in later

    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    me = api.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["email"] == firm_admin.email

    token = ApiToken.objects.get(user=firm_admin)
    assert client.post(reverse("accounts:token_revoke", args=[token.pk]))["Location"] == reverse(
        "accounts:settings"
    )
    assert api.get("/api/v1/me").status_code == 401
    assert "Révoqué le" in client.get(reverse("accounts:settings")).content.decode()


def test_token_needs_a_name(firm_admin):
    response = client_for(firm_admin).post(reverse("accounts:token_create"), {"name": " "})
    assert response.status_code == 422
    assert "name" in response.context["token_form"].errors
    assert not ApiToken.objects.exists()


def test_someone_elses_token_cannot_be_revoked(firm_admin, firm_collaborator):
    client_for(firm_collaborator).post(reverse("accounts:token_create"), {"name": "x"})
    token = ApiToken.objects.get(user=firm_collaborator)
    response = client_for(firm_admin).post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_create_token_command_prints_a_working_key_once(firm_admin):
    out, err = io.StringIO(), io.StringIO()
    call_command("create-token", firm_admin.email.upper(), "--name", "CI", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("cpt_") and "\n" not in key
    assert "ne sera" not in err.getvalue()  # operator messages stay in English
    token = ApiToken.objects.get(user=firm_admin)
    assert token.name == "CI" and key not in token.key_hash
    me = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/me")
    assert me.status_code == 200


def test_create_token_command_refuses_unknown_users():
    with pytest.raises(CommandError, match="No user"):
        call_command("create-token", "personne@example.test")


# --- Django admin -----------------------------------------------------------------------------


def test_admin_lists_render_for_the_platform_operator(company, firm_admin):
    operator = User.objects.create_superuser("ops@example.test", DEFAULT_PASSWORD)
    client = client_for(operator)
    for model in (
        "accounts/user",
        "accounts/apitoken",
        "accounts/invitation",
        "firms/firm",
        "firms/firmmembership",
        "companies/company",
        "companies/companymembership",
        "audit/auditevent",
    ):
        assert client.get(f"/admin/{model}/").status_code == 200, model
    assert client.get("/admin/accounts/user/add/").status_code == 200
    assert client.get(f"/admin/accounts/user/{firm_admin.pk}/change/").status_code == 200
    assert client.get(f"/admin/companies/company/{company.pk}/change/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
