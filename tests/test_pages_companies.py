"""“Clients”, “Ajouter une entreprise”, the client page and its tab “Utilisateurs”."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from comptoir.accounts.models import Invitation
from comptoir.audit.models import AuditEvent
from comptoir.companies.models import Company, CompanyMembership
from tests.conftest import client_for
from tests.factories import CompanyFactory, CompanyMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def company_urls(company, member_id):
    return [
        reverse("companies:detail", args=[company.pk]),
        reverse("companies:users", args=[company.pk]),
        reverse("companies:delete", args=[company.pk]),
        reverse("companies:member_role", args=[company.pk, member_id]),
        reverse("companies:member_remove", args=[company.pk, member_id]),
    ]


# --- the list -----------------------------------------------------------------------------


def test_client_list_shows_name_siret_fiscal_year_and_user_count(firm, firm_collaborator):
    company = CompanyFactory(firm=firm, name="Boulangerie Martin", siret="73282932000074")
    CompanyMembershipFactory.create_batch(3, company=company)
    CompanyFactory(firm=firm, name="Sans Siret", siret=None)
    response = client_for(firm_collaborator).get(reverse("companies:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Boulangerie Martin" in html
    assert "732 829 320 00074" in html
    assert "01/01/2026 – 31/12/2026" in html  # noqa: RUF001
    row = re.search(r"Boulangerie Martin.*?</tr>", html, re.S).group(0)
    assert '<td class="num">3</td>' in row
    assert "Ajouter une entreprise" in html


def test_client_list_hides_other_firms_companies(firm, firm_admin, other_company):
    html = client_for(firm_admin).get(reverse("companies:list")).content.decode()
    assert other_company.name not in html


@pytest.mark.parametrize("count", [5, 60])
def test_client_list_query_count_does_not_grow_with_companies(
    firm, firm_admin, count, django_assert_num_queries
):
    for company in CompanyFactory.create_batch(count, firm=firm):
        CompanyMembershipFactory(company=company)
    client = client_for(firm_admin)
    client.get(reverse("companies:list"))  # warm the session: it now remembers the context
    # session, user, the context, count, page, the context switcher's one list
    with django_assert_num_queries(6):
        response = client.get(reverse("companies:list"))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [3, 80])
def test_client_list_selector_is_a_plain_count_and_one_page(firm, count, django_assert_num_queries):
    from django.core.paginator import Paginator

    from comptoir.companies.selectors import company_list_with_member_counts
    from comptoir.companies.views import CLIENTS_PER_PAGE

    companies = CompanyFactory.create_batch(count, firm=firm)
    for company in companies[::2]:
        CompanyMembershipFactory.create_batch(2, company=company)
    CompanyMembershipFactory(company=CompanyFactory())  # another firm's
    with django_assert_num_queries(2) as captured:
        page = Paginator(company_list_with_member_counts(firm=firm), CLIENTS_PER_PAGE).get_page(1)
        rows = {company.pk: company.member_count for company in page.object_list}
    assert page.paginator.count == count
    assert len(rows) == min(count, CLIENTS_PER_PAGE)
    expected = {c.pk: 2 if i % 2 == 0 else 0 for i, c in enumerate(companies)}
    assert rows == {pk: expected[pk] for pk in rows}
    count_sql = captured.captured_queries[0]["sql"]
    assert "JOIN" not in count_sql and "GROUP BY" not in count_sql  # no join over every company


def test_search_by_name_and_by_siret_digits(firm, firm_admin):
    CompanyFactory(firm=firm, name="Garage Dupont", siret="73282932000074")
    CompanyFactory(firm=firm, name="Fleuriste Petit")
    client = client_for(firm_admin)

    html = client.get(reverse("companies:list"), {"q": "dupont"}).content.decode()
    assert "Garage Dupont" in html and "Fleuriste Petit" not in html

    html = client.get(reverse("companies:list"), {"q": "732 829"}).content.decode()
    assert "Garage Dupont" in html and "Fleuriste Petit" not in html

    html = client.get(reverse("companies:list"), {"q": "introuvable"}).content.decode()
    assert "Aucun client ne correspond" in html


def test_search_as_you_type_answers_the_results_partial(firm, firm_admin):
    CompanyFactory(firm=firm, name="Garage Dupont")
    response = client_for(firm_admin).get(
        reverse("companies:list"), {"q": "garage"}, **HTMX, HTTP_HX_TARGET="client-results"
    )
    html = response.content.decode()
    assert html.startswith('<div id="client-results"')
    assert "Garage Dupont" in html
    assert "<html" not in html


def test_pagination_50_per_page_keeps_the_search(firm, firm_admin):
    for i in range(120):
        CompanyFactory(firm=firm, name=f"Client {i:03d}")
    CompanyFactory(firm=firm, name="Autre")
    client = client_for(firm_admin)
    first = client.get(reverse("companies:list"), {"q": "client"}).content.decode()
    assert "Client 000" in first and "Client 049" in first and "Client 050" not in first
    assert "Page 1 sur 3" in first
    assert 'href="?q=client&amp;page=2"' in first
    third = client.get(reverse("companies:list"), {"q": "client", "page": 3}).content.decode()
    assert "Client 100" in third and "Client 119" in third and "Client 099" not in third
    # a page past the end shows the last one rather than an error
    beyond = client.get(reverse("companies:list"), {"q": "client", "page": 99})
    assert beyond.status_code == 200 and "Client 119" in beyond.content.decode()


# --- “Ajouter une entreprise” ---------------------------------------------------------------


def test_create_form_renders_with_the_calendar_year(firm_collaborator):
    response = client_for(firm_collaborator).get(reverse("companies:create"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ajouter une entreprise" in html
    assert 'type="date"' in html


def test_bad_siret_shows_on_the_siret_field_and_saves_nothing(firm, firm_collaborator):
    response = client_for(firm_collaborator).post(
        reverse("companies:create"),
        {
            "name": "Garage Dupont",
            "siret": "732 829 320 00075",
            "fiscal_year_start": "2026-01-01",
            "fiscal_year_end": "2026-12-31",
        },
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert "siret" in form.errors
    assert "chiffre de contrôle" in form.errors["siret"][0]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Company.objects.filter(firm=firm).exists()


def test_duplicate_siret_is_a_conflict_on_the_field(firm, firm_admin):
    CompanyFactory(firm=firm, siret="73282932000074")
    response = client_for(firm_admin).post(
        reverse("companies:create"), {"name": "Doublon", "siret": "73282932000074"}
    )
    assert response.status_code == 409
    assert "siret" in response.context["form"].errors
    assert Company.objects.filter(firm=firm).count() == 1


def test_bad_fiscal_year_lands_on_the_end_field(firm, firm_admin):
    response = client_for(firm_admin).post(
        reverse("companies:create"),
        {"name": "X", "fiscal_year_start": "2026-12-31", "fiscal_year_end": "2026-01-01"},
    )
    assert response.status_code == 422
    assert "fiscal_year_end" in response.context["form"].errors
    assert not Company.objects.filter(firm=firm).exists()


def test_create_redirects_to_the_client_page(firm, firm_collaborator):
    response = client_for(firm_collaborator).post(
        reverse("companies:create"),
        {
            "name": "  Garage   Dupont ",
            "siret": "732.829.320 00074",
            "fiscal_year_start": "2026-04-01",
            "fiscal_year_end": "2027-03-31",
        },
        follow=True,
    )
    company = Company.objects.get(firm=firm)
    assert response.redirect_chain == [(reverse("companies:detail", args=[company.pk]), 302)]
    assert company.name == "Garage Dupont" and company.siret == "73282932000074"
    assert str(company.fiscal_year_end) == "2027-03-31"
    assert "Entreprise « Garage Dupont » ajoutée." in response.content.decode()


# --- the client page ------------------------------------------------------------------------


def test_client_page_has_tabs_and_an_edit_form(company, firm_collaborator):
    response = client_for(firm_collaborator).get(reverse("companies:detail", args=[company.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert company.name in html
    assert 'class="tabs"' in html and "Utilisateurs" in html
    assert reverse("companies:delete", args=[company.pk]) not in html  # not for collaborators


def test_client_page_edit_saves_and_refuses_bad_input(company, firm_collaborator):
    client = client_for(firm_collaborator)
    url = reverse("companies:detail", args=[company.pk])
    data = {
        "name": "Nouveau nom",
        "siret": "",
        "fiscal_year_start": "2026-01-01",
        "fiscal_year_end": "2026-12-31",
    }
    assert client.post(url, data)["Location"] == url
    company.refresh_from_db()
    assert company.name == "Nouveau nom" and company.siret is None

    response = client.post(url, {**data, "name": "Autre", "siret": "123"})
    assert response.status_code == 422
    assert "siret" in response.context["form"].errors
    company.refresh_from_db()
    assert company.name == "Nouveau nom"  # nothing half-saved


def test_only_a_firm_admin_deletes_a_company(firm, company, firm_admin, firm_collaborator):
    url = reverse("companies:delete", args=[company.pk])
    collaborator = client_for(firm_collaborator)
    assert collaborator.get(url).status_code == 403
    assert collaborator.post(url).status_code == 403
    assert Company.objects.filter(pk=company.pk).exists()

    admin = client_for(firm_admin)
    assert (
        reverse("companies:delete", args=[company.pk])
        in admin.get(reverse("companies:detail", args=[company.pk])).content.decode()
    )
    page = admin.get(url)
    assert page.status_code == 200 and "Oui, supprimer" in page.content.decode()
    assert admin.post(url)["Location"] == reverse("companies:list")
    assert not Company.objects.filter(pk=company.pk).exists()
    assert AuditEvent.objects.filter(firm=firm, action="company.delete").exists()


def test_every_company_url_of_another_firm_is_404(firm_admin, firm_collaborator, other_company):
    member = CompanyMembershipFactory(company=other_company).user
    for user in (firm_admin, firm_collaborator):
        client = client_for(user)
        for url in company_urls(other_company, member.pk):
            assert client.get(url).status_code == 404, url
            assert (
                client.post(url, {"role": "invite", "email": "x@example.test"}).status_code == 404
            )
    assert CompanyMembership.objects.filter(company=other_company).count() == 1
    assert Company.objects.filter(pk=other_company.pk).exists()


def test_member_urls_for_a_user_outside_the_company_are_404(company, firm_admin):
    stranger = UserFactory()
    client = client_for(firm_admin)
    assert (
        client.post(
            reverse("companies:member_role", args=[company.pk, stranger.pk]), {"role": "invite"}
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("companies:member_remove", args=[company.pk, stranger.pk])).status_code
        == 404
    )


# --- tab “Utilisateurs” ----------------------------------------------------------------------


def test_users_tab_lists_members_with_role_and_status(company, firm_collaborator):
    active = CompanyMembershipFactory(company=company, role="administrateur").user
    invited_user = UserFactory(email="nouveau@example.test")
    invited_user.set_unusable_password()
    invited_user.save()
    CompanyMembershipFactory(company=company, user=invited_user, role="invite")
    html = (
        client_for(firm_collaborator)
        .get(reverse("companies:users", args=[company.pk]))
        .content.decode()
    )
    rows = {
        m.group(1): m.group(0)
        for m in re.finditer(r"<tr>.*?([\w.+-]+@[\w.-]+).*?</tr>", html, re.S)
    }
    assert "Actif" in rows[active.email] and "Administrateur" in rows[active.email]
    assert "Invitation en attente" in rows["nouveau@example.test"]


def test_invite_sends_the_email_and_lists_the_user_as_invited(
    company, firm_collaborator, django_capture_on_commit_callbacks
):
    client = client_for(firm_collaborator)
    url = reverse("companies:users", args=[company.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"email": "Paul@Example.test", "full_name": "Paul", "role": "collaborateur"}
        )
    assert response["Location"] == url
    # Not a user before saying yes: an invitation with the role, listed as waiting.
    assert not CompanyMembership.objects.filter(company=company).exists()
    invitation = Invitation.objects.get(company=company, user__email="paul@example.test")
    assert invitation.role == "collaborateur" and invitation.is_pending
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["paul@example.test"]
    html = client.get(url).content.decode()
    assert "Invitation envoyée à paul@example.test." in html
    assert "Invitations en attente de réponse" in html and "En attente jusqu’au" in html  # noqa: RUF001


def test_invite_errors_stay_on_the_form_and_change_nothing(company, firm_collaborator):
    existing = CompanyMembershipFactory(company=company).user
    client = client_for(firm_collaborator)
    url = reverse("companies:users", args=[company.pk])

    response = client.post(url, {"email": existing.email, "role": "invite"})
    assert response.status_code == 409
    assert "email" in response.context["invite_form"].errors

    response = client.post(url, {"email": "pas-une-adresse", "role": "invite"})
    assert response.status_code == 422
    assert "email" in response.context["invite_form"].errors

    response = client.post(url, {"email": "x@example.test", "role": "chef"})
    assert response.status_code == 422
    assert "role" in response.context["invite_form"].errors

    assert CompanyMembership.objects.filter(company=company).count() == 1
    assert not Invitation.objects.exists() and not mail.outbox


def test_invite_through_htmx_answers_the_members_partial(company, firm_collaborator):
    response = client_for(firm_collaborator).post(
        reverse("companies:users", args=[company.pk]),
        {"email": "lea@example.test", "role": "invite"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="members-area"')
    assert "lea@example.test" in html and "Invitation envoyée" in html
    assert 'value="lea@example.test"' not in html  # the form is empty again

    refused = client_for(firm_collaborator).post(
        reverse("companies:users", args=[company.pk]),
        {"email": "lea@example.test", "role": "invite"},
        **HTMX,
    )
    assert refused.status_code == 409
    assert "déjà" in refused.content.decode()


def test_change_role(company, firm_collaborator):
    member = CompanyMembershipFactory(company=company, role="invite")
    url = reverse("companies:member_role", args=[company.pk, member.user.pk])
    client = client_for(firm_collaborator)

    response = client.post(url, {"role": "administrateur"}, **HTMX)
    assert response.status_code == 200
    assert "est maintenant Administrateur" in response.content.decode()
    member.refresh_from_db()
    assert member.role == "administrateur"

    response = client.post(url, {"role": "patron"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == "administrateur"


def test_remove_asks_for_confirmation_then_cancels_the_invitation(company, firm_collaborator):
    client = client_for(firm_collaborator)
    membership = CompanyMembershipFactory(company=company, role="invite")
    Invitation.objects.create(
        firm=company.firm,
        company=company,
        user=membership.user,
        role="invite",
        expires_at=timezone.now() + timedelta(days=7),
    )
    url = reverse("companies:member_remove", args=[company.pk, membership.user_id])

    page = client.get(url)
    assert page.status_code == 200 and "Oui, retirer" in page.content.decode()
    assert CompanyMembership.objects.filter(pk=membership.pk).exists()

    assert client.post(url)["Location"] == reverse("companies:users", args=[company.pk])
    assert not CompanyMembership.objects.filter(pk=membership.pk).exists()
    assert Invitation.objects.get(user=membership.user).cancelled_at is not None
