"""Consent before membership: nobody becomes a user of another firm's company without saying yes.

A login already in the firm's tenant joins at once; any other address, known or not, gets a
pending invitation, and the answer does not tell the two apart. The membership exists once the
invitee accepts (e-mail link or the banner of their own session); a new membership never
becomes their default context.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.accounts.models import Invitation, User
from comptoir.audit.models import AuditEvent
from comptoir.companies import invitations
from comptoir.companies.models import CompanyMembership
from comptoir.core.errors import Conflict, NotFound, ValidationFailed
from comptoir.documents.models import Document
from comptoir.tenancy.contexts import resolve_context
from tests.conftest import client_for
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    CompanyMembershipFactory,
    FirmFactory,
    FirmMembershipFactory,
    UserFactory,
    uploaded_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm_a_user():
    """A company administrateur of firm A, at home in "Zinc & Fils" (name sorts last)."""
    firm_a = FirmFactory(name="Cabinet Durand")
    home = CompanyFactory(firm=firm_a, name="Zinc & Fils")
    return CompanyMembershipFactory(company=home, role="administrateur", user__full_name="Ana A.")


@pytest.fixture
def firm_b():
    firm = FirmFactory(name="Fiducia Conseil")
    admin = FirmMembershipFactory(firm=firm, role="admin").user
    company = CompanyFactory(firm=firm, name="Atelier Moreau")  # sorts before "Zinc & Fils"
    return firm, admin, company


def invite(actor, company, email, role="collaborateur", **extra):
    return invitations.company_member_invite(
        actor=actor, company=company, email=email, role=role, **extra
    )


def link_in(message) -> str:
    return re.search(r"https?://\S+(/invitation/\S+/)", message.body).group(1)


# --- the hole this closes ---------------------------------------------------------------------


def test_another_firms_user_is_only_invited_until_they_accept(
    firm_a_user, firm_b, api_as, media_root, django_capture_on_commit_callbacks
):
    _firm, b_admin, b_company = firm_b
    a_user, a_home = firm_a_user.user, firm_a_user.company
    before = resolve_context(a_user).key

    with django_capture_on_commit_callbacks(execute=True):
        known = api_as(b_admin).post(
            f"/companies/{b_company.pk}/users", {"email": a_user.email, "role": "administrateur"}
        )
        unknown = api_as(b_admin).post(
            f"/companies/{b_company.pk}/users",
            {"email": "personne@example.test", "role": "administrateur"},
        )
    assert known.status_code == unknown.status_code == 201
    answers = [known.json(), unknown.json()]
    for answer in answers:
        assert answer["status"] == "invited" and answer["full_name"] == ""
        assert answer["user_id"] is None
    # The same answer: only the address typed and the invitation's number differ.
    hidden = {"email", "invitation_id"}
    assert {k: v for k, v in answers[0].items() if k not in hidden} == {
        k: v for k, v in answers[1].items() if k not in hidden
    }
    assert "Ana" not in known.content.decode()
    assert not CompanyMembership.objects.filter(company=b_company).exists()

    # Firm A's user acts where they did, on the pages and in the API, and uploads land there.
    assert resolve_context(a_user).key == before
    assert api_as(a_user).get("/me").json()["context"]["company"] == a_home.pk
    client = client_for(a_user)
    upload = client.post(
        reverse("documents:company_documents"),
        {"file": uploaded_file("facture.pdf"), "folder": "achats"},
    )
    assert upload.status_code in (200, 302)
    assert list(Document.objects.values_list("company_id", flat=True)) == [a_home.pk]

    # Their own session shows the invitation; they accept; only now are they a user.
    home = client.get(reverse("portal:company_home")).content.decode()
    assert "Fiducia Conseil vous invite à rejoindre Atelier Moreau" in home
    invitation = Invitation.objects.get(user=a_user)
    accepted = client.post(reverse("companies:invitation_accept_mine", args=[invitation.pk]))
    assert accepted.status_code == 302
    membership = CompanyMembership.objects.get(company=b_company, user=a_user)
    assert membership.role == "administrateur"
    assert AuditEvent.objects.filter(
        firm=b_company.firm, action="company.member_join", actor=a_user
    ).exists()
    # The new company is not their default: the API without a header still acts at home.
    a_user.refresh_from_db()
    assert a_user.default_context == before
    assert api_as(a_user).get("/me").json()["context"]["company"] == a_home.pk


def test_inviting_never_changes_the_invitees_name(firm_a_user, firm_b):
    _firm, b_admin, b_company = firm_b
    invite(b_admin, b_company, firm_a_user.user.email, full_name="Quelqu'un d'autre")
    firm_a_user.user.refresh_from_db()
    assert firm_a_user.user.full_name == "Ana A."


def test_the_page_says_the_same_for_a_known_and_an_unknown_address(firm_a_user, firm_b):
    _firm, b_admin, b_company = firm_b
    client = client_for(b_admin)
    url = reverse("companies:users", args=[b_company.pk])
    pages = []
    for email in (firm_a_user.user.email, "personne@example.test"):
        response = client.post(url, {"email": email, "role": "invite"}, follow=True)
        assert response.status_code == 200
        pages.append(response.content.decode().replace(email, "ADDRESS"))
    assert "Invitation envoyée à ADDRESS" in pages[0]
    assert "Ana A." not in pages[0] and "Ana A." not in pages[1]
    # Both are listed as invitations waiting for an answer, by address only.
    assert pages[1].count("ADDRESS") >= 1
    assert not CompanyMembership.objects.filter(company=b_company).exists()
    html = client.get(url).content.decode()
    assert firm_a_user.user.email in html and "personne@example.test" in html
    assert "Invitations en attente de réponse" in html


# --- inside the firm's tenant: at once --------------------------------------------------------


def test_a_user_of_the_firms_tenant_joins_at_once_and_is_told(
    firm, firm_admin, company, sibling_company, django_capture_on_commit_callbacks
):
    colleague = CompanyMembershipFactory(company=sibling_company, role="invite").user
    with django_capture_on_commit_callbacks(execute=True):
        result = invite(firm_admin, company, colleague.email)
    assert result.status == "active" and result.membership.user == colleague
    assert result.invitation.accepted_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [colleague.email]
    assert "/invitation/" not in mail.outbox[0].body  # a notice, not a link to accept
    # Their default stays where it was, even though the new company may sort first.
    colleague.refresh_from_db()
    assert colleague.default_context == f"company:{sibling_company.pk}"


def test_a_firm_user_added_to_a_client_company_keeps_the_firm_as_default(
    firm, firm_collaborator, firm_admin, company
):
    invite(firm_admin, company, firm_collaborator.email)
    assert CompanyMembership.objects.filter(company=company, user=firm_collaborator).exists()
    assert resolve_context(firm_collaborator).is_firm


# --- the invitee's answers --------------------------------------------------------------------


def test_a_new_login_accepts_from_the_link_and_is_a_user_only_then(
    company, firm_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = invite(firm_admin, company, "nina@example.test")
    assert result.status == "invited" and result.membership is None
    assert not User.objects.get(email="nina@example.test").has_usable_password()
    link = link_in(mail.outbox[-1])
    client = Client()
    response = client.post(
        link, {"password": "un-vrai-secret-42", "password_confirm": "un-vrai-secret-42"}
    )
    assert response.status_code == 302
    assert CompanyMembership.objects.filter(company=company, user__email="nina@example.test")
    assert resolve_context(User.objects.get(email="nina@example.test")).company == company


def test_declining_from_the_link_makes_no_membership(
    company, firm_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(firm_admin, company, "non@example.test")
    link = link_in(mail.outbox[-1])
    assert "Refuser l’invitation" in Client().get(link).content.decode()  # noqa: RUF001
    response = Client().post(link, {"decline": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    invitation = Invitation.objects.get(user__email="non@example.test")
    assert invitation.declined_at is not None and invitation.accepted_at is None
    assert not CompanyMembership.objects.filter(company=company).exists()
    assert "refusé" in Client().get(link).content.decode()
    assert AuditEvent.objects.filter(action="company.invitation_decline").exists()
    # The firm may invite again later.
    assert invite(firm_admin, company, "non@example.test").status == "invited"


def test_declining_from_the_banner(firm_a_user, firm_b):
    _firm, b_admin, b_company = firm_b
    invitation = invite(b_admin, b_company, firm_a_user.user.email).invitation
    client = client_for(firm_a_user.user)
    response = client.post(
        reverse("companies:invitation_decline_mine", args=[invitation.pk]), follow=True
    )
    html = response.content.decode()
    assert "Vous avez refusé l’invitation à rejoindre Atelier Moreau" in html  # noqa: RUF001
    assert "vous invite à rejoindre" not in html
    assert not CompanyMembership.objects.filter(company=b_company).exists()


def test_only_the_invitee_may_answer(firm_a_user, firm_b, company_admin):
    _firm, b_admin, b_company = firm_b
    invitation = invite(b_admin, b_company, firm_a_user.user.email).invitation
    someone_else = client_for(company_admin)
    for name in ("companies:invitation_accept_mine", "companies:invitation_decline_mine"):
        assert someone_else.post(reverse(name, args=[invitation.pk])).status_code == 404
    with pytest.raises(NotFound):
        invitations.invitation_accept(user=company_admin, pk=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_an_expired_or_revoked_invitation_cannot_be_accepted(firm_a_user, firm_b):
    _firm, b_admin, b_company = firm_b
    user = firm_a_user.user
    expired = invite(b_admin, b_company, user.email).invitation
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))
    with pytest.raises(Conflict) as error:
        invitations.invitation_accept(user=user, pk=expired.pk)
    assert error.value.code == "invitation_closed"
    client = client_for(user)
    assert "vous invite" not in client.get(reverse("portal:company_home")).content.decode()

    other_company = CompanyFactory(firm=b_company.firm, name="Boulangerie B")
    revoked = invite(b_admin, other_company, user.email).invitation
    invitations.invitation_revoke(actor=b_admin, invitation=revoked)
    response = client.post(
        reverse("companies:invitation_accept_mine", args=[revoked.pk]), follow=True
    )
    assert "n’attend plus de réponse" in response.content.decode()  # noqa: RUF001
    assert not CompanyMembership.objects.filter(firm=b_company.firm, user=user).exists()


def test_a_link_used_after_revocation_says_so(
    company, firm_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(firm_admin, company, "x@example.test").invitation
    link = link_in(mail.outbox[-1])
    client = client_for(firm_admin)
    response = client.post(
        reverse("companies:invitation_revoke", args=[company.pk, invitation.pk]), follow=True
    )
    assert "Invitation à x@example.test annulée" in response.content.decode()
    page = Client().get(link)
    assert page.status_code == 422 and "annulée" in page.content.decode()
    assert AuditEvent.objects.filter(action="company.invitation_revoke", actor=firm_admin)


def test_the_company_administrateur_revokes_their_own_companys_invitations(
    company, company_admin, sibling_company, firm_admin
):
    ours = invite(company_admin, company, "a@example.test").invitation
    theirs = invite(firm_admin, sibling_company, "b@example.test").invitation
    client = client_for(company_admin)
    page = client.get(reverse("assignments:company_users")).content.decode()
    assert "a@example.test" in page and "b@example.test" not in page
    url = reverse("companies:self_invitation_revoke", args=[theirs.pk])
    assert client.post(url).status_code == 404
    client.post(reverse("companies:self_invitation_revoke", args=[ours.pk]))
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.cancelled_at is not None and theirs.is_pending


# --- what cannot be done twice, and bad input --------------------------------------------------


def test_a_member_or_a_waiting_invitation_cannot_be_invited_twice(company, firm_admin):
    invite(firm_admin, company, "a@example.test")
    with pytest.raises(Conflict) as error:
        invite(firm_admin, company, "A@example.test", role="invite")
    assert error.value.code == "already_invited"
    member = CompanyMembershipFactory(company=company).user
    with pytest.raises(Conflict) as error:
        invite(firm_admin, company, member.email)
    assert error.value.code == "already_member"
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize(
    ("email", "role", "code"),
    [
        ("not-an-address", "invite", "invalid_email"),
        ("a@example.test", "owner", "invalid_role"),
        ("", "invite", "invalid_email"),
    ],
)
def test_bad_input_changes_nothing(company, firm_admin, email, role, code):
    with pytest.raises(ValidationFailed) as error:
        invite(firm_admin, company, email, role=role)
    assert error.value.code == code
    assert not CompanyMembership.objects.exists() and not Invitation.objects.exists()
    assert not User.objects.filter(email="a@example.test").exists()
    assert not mail.outbox


def test_an_existing_login_keeps_its_password_when_it_accepts(company, firm_admin):
    existing = UserFactory(email="deja@example.test")
    result = invite(firm_admin, company, "DEJA@example.test", role="invite")
    assert result.invitation.user == existing and User.objects.filter(email=existing.email)
    invitations.invitation_accept(user=existing, pk=result.invitation.pk)
    existing.refresh_from_db()
    assert existing.check_password(DEFAULT_PASSWORD)
    assert CompanyMembership.objects.filter(company=company, user=existing).exists()


def test_choosing_a_context_makes_it_the_default(firm, firm_admin, company):
    CompanyMembershipFactory(company=company, user=firm_admin, role="invite")
    client = client_for(firm_admin)
    assert resolve_context(firm_admin).is_firm
    client.post(reverse("portal:switch_context"), {"context": f"company:{company.pk}"})
    firm_admin.refresh_from_db()
    assert firm_admin.default_context == f"company:{company.pk}"
    assert resolve_context(firm_admin).company == company  # a new session starts there too
