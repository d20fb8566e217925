"""The Store in a real browser: an admin reads "En savoir plus", adds an app (it moves to
"Les applications de mon espace"), opens its tile from the firm home page in a new tab (a
local HTTP server plays the partner), creates a custom app and removes an app after reading
the impact; a collaborator sees no unused list."""

import re

import pytest
from playwright.sync_api import expect

from comptoir.store.models import App, Installation, LaunchEvent
from tests.browser.conftest import log_in, open_tile
from tests.factories import FirmFactory, FirmMembershipFactory
from tests.store.factories import AppFactory, CategoryFactory, InstallationFactory

pytestmark = pytest.mark.browser

STORE_PATH = "/cabinet/parametres/applications/"


@pytest.fixture
def partner_url(partner_site):
    """A real local web site for the tile to open."""
    return partner_site("Agenda partenaire", "Agenda partenaire", "/agenda")


@pytest.fixture
def store(transactional_db, partner_url):
    firm = FirmFactory(name="Cabinet Lefèvre & Associés", brand_colour="#0f766e")
    admin = FirmMembershipFactory(firm=firm, role="admin").user
    collaborator = FirmMembershipFactory(firm=firm, role="collaborator").user
    category = CategoryFactory(slug="gestion-interne", name_fr="Gestion interne du cabinet")
    agenda = AppFactory(
        slug="agenda-partenaire",
        name="Agenda Partenaire",
        category=category,
        audience="firm",
        launch_url=partner_url,
        long_description="Planifiez les rendez-vous du cabinet.",
        business_model="Abonnement de 15 € HT par agenda et par mois.",
    )
    old = InstallationFactory(
        firm=firm, app=AppFactory(slug="vieil-outil", name="Vieil Outil", category=category)
    )
    return {"admin": admin, "collaborator": collaborator, "agenda": agenda, "old": old}


def card(page, section, slug):
    """An app's row (the compact view, the default) or card (``?vue=cartes``)."""
    return page.locator(f"#{section} [data-app='{slug}']")


def test_admin_manages_the_store(live_server, page, store, partner_url, screenshot):
    log_in(page, live_server.url, store["admin"], landing="/cabinet/")
    page.goto(f"{live_server.url}/cabinet/parametres/")
    page.locator(f".subnav a[href='{STORE_PATH}']").click()
    expect(page).to_have_url(f"{live_server.url}{STORE_PATH}")
    expect(card(page, "my-space", "vieil-outil")).to_be_visible()
    expect(card(page, "unused", "agenda-partenaire")).to_be_visible()
    screenshot("store")

    # Search by name: the lists refresh in place (htmx) and the address keeps the filter.
    page.locator("#store-q").fill("agenda")
    expect(card(page, "my-space", "vieil-outil")).to_have_count(0)
    expect(card(page, "unused", "agenda-partenaire")).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?.*q=agenda"))
    page.locator("#store-q").fill("")
    expect(card(page, "my-space", "vieil-outil")).to_be_visible()

    # "En savoir plus": the long description and the business model.
    card(page, "unused", "agenda-partenaire").locator(
        "a[href$='/catalogue/agenda-partenaire/']"
    ).click()
    expect(page.get_by_role("heading", name="Agenda Partenaire")).to_be_visible()
    expect(page.get_by_text("Planifiez les rendez-vous du cabinet.")).to_be_visible()
    expect(page.get_by_text("Abonnement de 15 € HT par agenda et par mois.")).to_be_visible()
    screenshot("store-learn-more")

    # The add button of the unused list: the app moves to my space.
    page.goto(f"{live_server.url}{STORE_PATH}")
    card(page, "unused", "agenda-partenaire").locator("button[type=submit]").click()
    expect(card(page, "my-space", "agenda-partenaire")).to_be_visible()
    expect(card(page, "unused", "agenda-partenaire")).to_have_count(0)
    installation = Installation.objects.get(app=store["agenda"])

    # Its tile on the firm home page opens the partner in a new tab.
    page.goto(f"{live_server.url}/cabinet/")
    screenshot("firm-home-tiles")
    popup = open_tile(page, installation.pk)
    assert popup.url == partner_url
    expect(popup.get_by_role("heading", name="Agenda partenaire")).to_be_visible()
    popup.close()
    assert LaunchEvent.objects.filter(installation=installation).count() == 1

    # "Ajouter une application": a custom app, with a refused address first.
    page.goto(f"{live_server.url}{STORE_PATH}")
    page.locator("a[href$='/applications/nouvelle/']").click()
    page.locator("#id_name").fill("Notre blog")
    page.locator("#id_url").fill("javascript:alert(1)")
    page.locator("button[type=submit].button:not(.button--ghost)").last.click()
    expect(page.locator(".field--error")).to_have_count(1)
    page.locator("#id_url").fill("https://blog.cabinet-lefevre.example/")
    page.locator("input[name=roles][value=invite]").check()
    page.locator("button[type=submit].button:not(.button--ghost)").last.click()
    expect(page).to_have_url(f"{live_server.url}{STORE_PATH}")
    custom = App.objects.get(owner_firm__isnull=False)
    expect(card(page, "my-space", custom.slug)).to_be_visible()
    assert custom.custom_options["roles"] == ["invite"]

    # Remove an app after reading what goes with it.
    card(page, "my-space", "vieil-outil").locator("a[href$='/retirer/']").click()
    impact = page.locator("#removal-impact")
    expect(impact.locator("li")).to_have_count(4)
    expect(impact.locator("[data-impact=companies] strong")).to_have_text("0")
    screenshot("store-remove")
    page.locator("button.button--danger").click()
    expect(page).to_have_url(f"{live_server.url}{STORE_PATH}")
    expect(card(page, "my-space", "vieil-outil")).to_have_count(0)
    expect(card(page, "unused", "vieil-outil")).to_be_visible()
    assert not Installation.objects.filter(pk=store["old"].pk).exists()


def test_collaborator_sees_no_unused_list(live_server, page, store):
    log_in(page, live_server.url, store["collaborator"], landing="/cabinet/")
    page.goto(f"{live_server.url}{STORE_PATH}")
    expect(card(page, "my-space", "vieil-outil")).to_be_visible()
    expect(page.locator("#unused")).to_have_count(0)
    expect(page.locator("a[href$='/applications/nouvelle/']")).to_have_count(0)
    response = page.goto(f"{live_server.url}{STORE_PATH}nouvelle/")
    assert response.status == 403
