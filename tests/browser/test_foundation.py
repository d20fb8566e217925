"""The foundation in a real browser: a firm admin logs in, adds a client company (a bad
SIRET first), invites a user who then sets a password and reaches the company home page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from comptoir.companies.models import Company, CompanyMembership
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    CompanyMembershipFactory,
    FirmFactory,
    FirmMembershipFactory,
)

pytestmark = pytest.mark.browser

GOOD_SIRET = "732 829 320 00074"
BAD_SIRET = "732 829 320 00075"


@pytest.fixture
def firm_admin(transactional_db):
    firm = FirmFactory(name="Cabinet Lefèvre & Associés", brand_colour="#0f766e")
    for name in ("Boulangerie Martin", "Garage du Centre", "Pharmacie des Lilas"):
        company = CompanyFactory(firm=firm, name=name)
        CompanyMembershipFactory.create_batch(2, company=company)
    CompanyFactory(firm=firm, name="SCI Les Tilleuls", siret=None)
    return FirmMembershipFactory(firm=firm, role="admin").user


def test_firm_admin_adds_a_company_and_invites_a_user(
    live_server, page, browser, firm_admin, screenshot
):
    # Log in through the form, in French.
    page.goto(f"{live_server.url}/connexion/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    screenshot("login")
    page.get_by_label("Adresse e-mail").fill(firm_admin.email)
    page.get_by_label("Mot de passe").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/cabinet/")
    expect(page.locator("section#tiles")).to_be_visible()

    # “Clients”: the list, then the search as you type.
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Clients"
    ).click()
    expect(page.get_by_role("heading", name="Clients", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Garage du Centre")).to_be_visible()
    screenshot("clients-list")
    page.get_by_label("Rechercher par nom ou SIRET").fill("garage")
    expect(page.get_by_role("link", name="Boulangerie Martin")).to_have_count(0)
    expect(page.get_by_role("link", name="Garage du Centre")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/cabinet/clients/\?q=garage$"))

    # “Ajouter une entreprise” with a bad SIRET: the error shows on the field, nothing saved.
    page.get_by_role("link", name="Ajouter une entreprise").first.click()
    expect(page.get_by_role("heading", name="Ajouter une entreprise")).to_be_visible()
    page.get_by_label("Nom de l’entreprise").fill("Menuiserie Dubois")  # noqa: RUF001
    page.get_by_label("SIRET").fill(BAD_SIRET)
    page.get_by_role("button", name="Ajouter l’entreprise").click()  # noqa: RUF001
    siret = page.get_by_label("SIRET")
    expect(siret).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("son chiffre de contrôle est faux")).to_be_visible()
    assert not Company.objects.filter(name="Menuiserie Dubois").exists()
    screenshot("add-company-error")

    # A valid SIRET: the client page opens.
    siret.fill(GOOD_SIRET)
    page.get_by_role("button", name="Ajouter l’entreprise").click()  # noqa: RUF001
    expect(page.get_by_role("heading", name="Menuiserie Dubois", level=1)).to_be_visible()
    expect(page.get_by_text("Entreprise « Menuiserie Dubois » ajoutée.")).to_be_visible()
    company = Company.objects.get(name="Menuiserie Dubois")
    assert company.siret == "73282932000074"
    expect(page).to_have_url(f"{live_server.url}/cabinet/clients/{company.pk}/")

    # Tab “Utilisateurs”: invite a user with a role; they wait among the invitations.
    page.get_by_role("navigation", name="Rubriques de la fiche client").get_by_role(
        "link", name="Utilisateurs"
    ).click()
    page.get_by_label("Adresse e-mail").fill("claire.dubois@example.test")
    page.get_by_label("Nom complet").fill("Claire Dubois")
    page.get_by_label("Rôle", exact=True).select_option("administrateur")
    page.get_by_role("button", name="Envoyer l’invitation").click()  # noqa: RUF001
    expect(page.get_by_text("Invitation envoyée à claire.dubois@example.test.")).to_be_visible()
    invitations = page.get_by_role("table", name="Invitations en attente de réponse")
    row = invitations.get_by_role("row").filter(has_text="claire.dubois@example.test")
    expect(row.get_by_text("En attente jusqu’au")).to_be_visible()  # noqa: RUF001
    expect(row.get_by_text("Administrateur")).to_be_visible()
    screenshot("client-users")
    assert not CompanyMembership.objects.filter(company=company).exists()

    # The invitation e-mail went out; its link lets Claire choose a password and log in.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["claire.dubois@example.test"]
    link = re.search(r"https?://\S+(/invitation/\S+/)", message.body).group(1)

    claire = browser.new_context(locale="fr-FR")
    try:
        invited = claire.new_page()
        invited.goto(f"{live_server.url}{link}")
        expect(invited.get_by_role("heading", name="Rejoindre Menuiserie Dubois")).to_be_visible()
        expect(invited.get_by_label("Nom complet")).to_have_value("Claire Dubois")
        invited.get_by_label("Mot de passe", exact=True).fill("un-vrai-secret-42")
        invited.get_by_label("Confirmation du mot de passe").fill("un-vrai-secret-42")
        invited.get_by_role("button", name="Créer mon accès").click()
        expect(invited).to_have_url(f"{live_server.url}/entreprise/")
        expect(invited.get_by_role("heading", name="Menuiserie Dubois", level=1)).to_be_visible()
        expect(invited.get_by_text("Bienvenue !")).to_be_visible()
    finally:
        claire.close()

    # Back in the firm's tab, Claire is now an active user, with the role she was invited to.
    membership = CompanyMembership.objects.get(
        company=company, user__email="claire.dubois@example.test"
    )
    assert membership.role == "administrateur"
    page.reload()
    expect(invitations).to_have_count(0)
    expect(
        page.get_by_role("row").filter(has_text="claire.dubois@example.test").get_by_text("Actif")
    ).to_be_visible()
