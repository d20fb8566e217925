"""A company's own administrateur manages the users of their company (/entreprise/utilisateurs/
and the API in a company context): invite, change the role, remove; the company keeps one
administrateur; collaborateur and invité get 403; anything of another company is a 404."""

import pytest
from django.core import mail
from django.urls import reverse

from comptoir.accounts.models import Invitation
from comptoir.audit.models import AuditEvent
from comptoir.companies.models import CompanyMembership
from tests.conftest import client_for
from tests.factories import CompanyFactory, CompanyMembershipFactory

pytestmark = pytest.mark.django_db

USERS_PAGE = "assignments:company_users"


def company_client(user, company):
    client = client_for(user)
    client.post(reverse("portal:switch_context"), {"context": f"company:{company.pk}"})
    return client


def api_for(api_as, user, company):
    return api_as(user, HTTP_X_COMPTOIR_COMPANY=str(company.pk))


def role_of(user, company) -> str | None:
    membership = CompanyMembership.objects.filter(user=user, company=company).first()
    return membership.role if membership else None


# --- pages ----------------------------------------------------------------------------------


def test_the_page_shows_the_invite_form_and_each_users_actions(company, company_admin):
    other = CompanyMembershipFactory(company=company, role="invite").user
    page = company_client(company_admin, company).get(reverse(USERS_PAGE))
    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("companies:self_member_invite") in html
    assert reverse("companies:self_member_role", args=[other.pk]) in html
    assert reverse("companies:self_member_remove", args=[other.pk]) in html
    assert "Inviter un utilisateur" in html


def test_invite_sends_the_email_and_applies_the_role(
    company, company_admin, django_capture_on_commit_callbacks
):
    client = company_client(company_admin, company)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("companies:self_member_invite"),
            {"email": "Zoe@Example.test", "full_name": "Zoé", "role": "collaborateur"},
        )
    assert response.status_code == 302 and response["Location"] == reverse(USERS_PAGE)
    # A user of the company once they accept: until then, an invitation with the role.
    assert not CompanyMembership.objects.filter(user__email="zoe@example.test").exists()
    invitation = Invitation.objects.get(user__email="zoe@example.test", company=company)
    assert invitation.role == "collaborateur" and invitation.user.full_name == "Zoé"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zoe@example.test"]
    assert AuditEvent.objects.filter(action="company.member_invite", actor=company_admin).exists()
    html = client.get(reverse(USERS_PAGE)).content.decode()
    assert "Invitation envoyée à zoe@example.test." in html
    assert "Invitations en attente de réponse" in html and "zoe@example.test" in html


def test_a_refused_invitation_stays_on_the_page_and_changes_nothing(
    company, company_admin, company_guest, django_capture_on_commit_callbacks
):
    client = company_client(company_admin, company)
    url = reverse("companies:self_member_invite")
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(url, {"email": company_guest.email, "role": "invite"})
        bad = client.post(url, {"email": "pas-une-adresse", "role": "invite"})
        no_role = client.post(url, {"email": "x@example.test", "role": "chef"})
    assert taken.status_code == 409 and "email" in taken.context["invite_form"].errors
    assert "déjà" in taken.content.decode()
    assert bad.status_code == 422 and "email" in bad.context["invite_form"].errors
    assert no_role.status_code == 422 and "role" in no_role.context["invite_form"].errors
    assert not Invitation.objects.exists() and not mail.outbox
    assert CompanyMembership.objects.filter(company=company).count() == 2


def test_change_role(company, company_admin, company_guest):
    client = company_client(company_admin, company)
    response = client.post(
        reverse("companies:self_member_role", args=[company_guest.pk]), {"role": "administrateur"}
    )
    assert response.status_code == 302 and response["Location"] == reverse(USERS_PAGE)
    assert role_of(company_guest, company) == "administrateur"
    assert AuditEvent.objects.filter(action="company.member_role", actor=company_admin).exists()
    assert "est maintenant Administrateur" in client.get(reverse(USERS_PAGE)).content.decode()


def test_an_unknown_role_is_refused_with_a_message(company, company_admin, company_guest):
    client = company_client(company_admin, company)
    response = client.post(
        reverse("companies:self_member_role", args=[company_guest.pk]), {"role": "chef"}
    )
    assert response.status_code == 302
    assert role_of(company_guest, company) == "invite"
    assert 'class="message message--error"' in client.get(reverse(USERS_PAGE)).content.decode()


def test_remove_asks_for_confirmation_then_removes(company, company_admin, company_guest):
    client = company_client(company_admin, company)
    url = reverse("companies:self_member_remove", args=[company_guest.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Oui, retirer cet utilisateur" in confirm.content.decode()
    assert role_of(company_guest, company) == "invite"
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse(USERS_PAGE)
    assert role_of(company_guest, company) is None
    assert AuditEvent.objects.filter(action="company.member_remove", actor=company_admin).exists()


def test_the_last_administrateur_cannot_demote_or_remove_themself(company, company_admin):
    client = company_client(company_admin, company)
    demote = client.post(
        reverse("companies:self_member_role", args=[company_admin.pk]), {"role": "invite"}
    )
    remove = client.post(reverse("companies:self_member_remove", args=[company_admin.pk]))
    assert demote.status_code == 302 and remove.status_code == 302
    assert role_of(company_admin, company) == "administrateur"
    html = client.get(reverse(USERS_PAGE)).content.decode()
    assert html.count("est le dernier administrateur d") == 2  # "de", or elided before a vowel
    assert not AuditEvent.objects.filter(action__startswith="company.member_").exists()


def test_with_another_administrateur_one_may_step_down(company, company_admin):
    second = CompanyMembershipFactory(company=company, role="administrateur").user
    client = company_client(company_admin, company)
    response = client.post(
        reverse("companies:self_member_role", args=[company_admin.pk]), {"role": "collaborateur"}
    )
    assert response["Location"] == reverse("portal:start")
    assert role_of(company_admin, company) == "collaborateur"
    # The one left cannot leave in turn, but may remove the former administrateur.
    client = company_client(second, company)
    client.post(reverse("companies:self_member_remove", args=[second.pk]))
    assert role_of(second, company) == "administrateur"
    client.post(reverse("companies:self_member_remove", args=[company_admin.pk]))
    assert role_of(company_admin, company) is None


def test_an_administrateur_may_leave_when_another_one_stays(company, company_admin):
    CompanyMembershipFactory(company=company, role="administrateur")
    client = company_client(company_admin, company)
    response = client.post(reverse("companies:self_member_remove", args=[company_admin.pk]))
    assert response["Location"] == reverse("portal:start")
    assert role_of(company_admin, company) is None


@pytest.mark.parametrize("role", ["collaborateur", "invite"])
def test_collaborateur_and_invite_get_403(company, company_admin, role):
    user = CompanyMembershipFactory(company=company, role=role).user
    client = company_client(user, company)
    invite = client.post(
        reverse("companies:self_member_invite"), {"email": "x@example.test", "role": "invite"}
    )
    change = client.post(
        reverse("companies:self_member_role", args=[company_admin.pk]), {"role": "invite"}
    )
    remove_page = client.get(reverse("companies:self_member_remove", args=[company_admin.pk]))
    remove = client.post(reverse("companies:self_member_remove", args=[company_admin.pk]))
    assert [r.status_code for r in (invite, change, remove_page, remove)] == [403] * 4
    assert role_of(company_admin, company) == "administrateur"
    assert not CompanyMembership.objects.filter(user__email="x@example.test").exists()


def test_users_of_another_company_are_404(company, company_admin, other_company):
    sibling_user = CompanyMembershipFactory(
        company=CompanyFactory(firm=company.firm), role="invite"
    ).user
    stranger = CompanyMembershipFactory(company=other_company, role="invite").user
    client = company_client(company_admin, company)
    for user in (sibling_user, stranger):
        role_url = reverse("companies:self_member_role", args=[user.pk])
        remove_url = reverse("companies:self_member_remove", args=[user.pk])
        assert client.post(role_url, {"role": "administrateur"}).status_code == 404
        assert client.get(remove_url).status_code == 404
        assert client.post(remove_url).status_code == 404
    assert role_of(sibling_user, sibling_user.company_memberships.get().company) == "invite"
    assert role_of(stranger, other_company) == "invite"


def test_the_pages_are_404_in_a_firm_context(company, firm_admin, company_guest):
    client = client_for(firm_admin)
    assert client.post(reverse("companies:self_member_invite")).status_code == 404
    url = reverse("companies:self_member_role", args=[company_guest.pk])
    assert client.post(url, {"role": "administrateur"}).status_code == 404
    assert (
        client.get(reverse("companies:self_member_remove", args=[company_guest.pk])).status_code
        == 404
    )
    assert role_of(company_guest, company) == "invite"


# --- API ------------------------------------------------------------------------------------


def test_api_lists_invites_changes_and_removes(
    company, company_admin, company_guest, api_as, django_capture_on_commit_callbacks
):
    api = api_for(api_as, company_admin, company)
    base = f"/companies/{company.pk}/users"
    listed = api.get(base)
    assert listed.status_code == 200
    assert {item["email"] for item in listed.json()["items"]} == {
        company_admin.email,
        company_guest.email,
    }
    with django_capture_on_commit_callbacks(execute=True):
        invited = api.post(base, {"email": "lea@example.test", "role": "invite"})
    assert invited.status_code == 201 and invited.json()["status"] == "invited"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lea@example.test"]
    changed = api.patch(f"{base}/{company_guest.pk}", {"role": "collaborateur"})
    assert changed.status_code == 200 and changed.json()["role"] == "collaborateur"
    assert api.delete(f"{base}/{company_guest.pk}").status_code == 204
    assert role_of(company_guest, company) is None


def test_api_keeps_the_last_administrateur(company, company_admin, api_as):
    api = api_for(api_as, company_admin, company)
    url = f"/companies/{company.pk}/users/{company_admin.pk}"
    for response in (api.patch(url, {"role": "invite"}), api.delete(url)):
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "last_administrator"
        assert "dernier administrateur" in error["message"]
    assert role_of(company_admin, company) == "administrateur"


def test_api_the_firm_is_not_held_by_the_last_administrateur_rule(
    company, company_admin, firm_admin, api_as
):
    api = api_as(firm_admin)
    url = f"/companies/{company.pk}/users/{company_admin.pk}"
    assert api.patch(url, {"role": "invite"}).status_code == 200
    assert role_of(company_admin, company) == "invite"


@pytest.mark.parametrize("role", ["collaborateur", "invite"])
def test_api_collaborateur_and_invite_get_403(company, company_admin, api_as, role):
    user = CompanyMembershipFactory(company=company, role=role).user
    api = api_for(api_as, user, company)
    base = f"/companies/{company.pk}/users"
    responses = [
        api.get(base),
        api.post(base, {"email": "x@example.test", "role": "invite"}),
        api.patch(f"{base}/{company_admin.pk}", {"role": "invite"}),
        api.delete(f"{base}/{company_admin.pk}"),
    ]
    assert [r.status_code for r in responses] == [403] * 4
    assert {r.json()["error"]["code"] for r in responses} == {"company_admin_only"}
    assert role_of(company_admin, company) == "administrateur"


def test_api_another_company_is_404(company, company_admin, other_company, api_as):
    sibling = CompanyFactory(firm=company.firm)
    sibling_user = CompanyMembershipFactory(company=sibling, role="invite").user
    stranger = CompanyMembershipFactory(company=other_company, role="invite").user
    api = api_for(api_as, company_admin, company)
    for target, user in ((sibling, sibling_user), (other_company, stranger)):
        base = f"/companies/{target.pk}/users"
        responses = [
            api.get(base),
            api.post(base, {"email": "x@example.test", "role": "invite"}),
            api.patch(f"{base}/{user.pk}", {"role": "administrateur"}),
            api.delete(f"{base}/{user.pk}"),
        ]
        assert [r.status_code for r in responses] == [404] * 4
        assert {r.json()["error"]["code"] for r in responses} == {"not_found"}
    # A user of another company, through our own company's id: 404 too.
    own = f"/companies/{company.pk}/users/{sibling_user.pk}"
    assert api.patch(own, {"role": "administrateur"}).status_code == 404
    assert api.delete(own).status_code == 404
    assert (
        role_of(sibling_user, sibling) == "invite" and role_of(stranger, other_company) == "invite"
    )
    assert not CompanyMembership.objects.filter(user__email="x@example.test").exists()


def test_api_list_query_count_does_not_grow(
    company, company_admin, api_as, django_assert_num_queries
):
    api = api_for(api_as, company_admin, company)
    url = f"/companies/{company.pk}/users"
    api.get(url)  # warm up
    # The token, the company context, the page of users (with their logins).
    with django_assert_num_queries(3):
        api.get(url)
    CompanyMembershipFactory.create_batch(5, company=company, role="invite")
    with django_assert_num_queries(3):
        assert len(api.get(url).json()["items"]) == 6


# --- services -------------------------------------------------------------------------------


def test_services_check_the_acting_company_admin_themselves(company, company_admin, company_guest):
    from comptoir.companies import services
    from comptoir.core.errors import Forbidden

    membership = CompanyMembership.objects.get(company=company, user=company_admin)
    with pytest.raises(Forbidden):
        services.company_member_remove(
            actor=company_guest, membership=membership, acting_as_company_admin=True
        )
    with pytest.raises(Forbidden):
        services.company_member_change_role(
            actor=company_guest, membership=membership, role="invite", acting_as_company_admin=True
        )
    assert role_of(company_admin, company) == "administrateur"
