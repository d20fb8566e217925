"""The form style in a real browser, on "Personnaliser le portail client": clicking the words of
a choice ticks it, the choice made stays after "Affecter", the page fits a 1366 px window with
role rules listed, the rules name the roles in French, and the required marker is drawn on the
question only."""

import pytest
from playwright.sync_api import expect

from tests.assignments.conftest import install, make_app
from tests.browser.conftest import log_in
from tests.factories import CompanyFactory, FirmFactory, FirmMembershipFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def setup(transactional_db):
    firm = FirmFactory(name="Cabinet Moreau")
    admin = FirmMembershipFactory(firm=firm, role="admin").user
    companies = [
        CompanyFactory(firm=firm, name=f"Société au nom assez long numéro {n}") for n in range(12)
    ]
    bank = install(firm, make_app(slug="banque", name="Banque Partenaire", audience="both"))
    return {"admin": admin, "companies": companies, "bank": bank}


def marker(page, selector: str) -> str:
    """The ``content`` of the ::after of the first element matching ``selector``."""
    return page.locator(selector).first.evaluate(
        "element => getComputedStyle(element, '::after').content"
    )


def test_the_client_portal_form(live_server, page, setup, screenshot):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server.url, setup["admin"], landing="/cabinet/")
    page.goto(
        f"{live_server.url}/cabinet/parametres/applications/{setup['bank'].pk}/portail-client/"
    )

    # The words of a choice tick it: the radio "… cochées ci-dessous", a company, two roles.
    page.get_by_text("Les entreprises clientes cochées ci-dessous").click()
    expect(page.locator("input[name=scope][value=chosen]")).to_be_checked()
    first = setup["companies"][0]
    page.get_by_text(first.name).click()
    expect(page.locator(f"input[name=companies][value='{first.pk}']")).to_be_checked()
    page.get_by_text("Collaborateur", exact=True).click()
    page.get_by_text("Invité", exact=True).click()

    # The marker (*) is on the question, not on its options.
    assert "*" in marker(page, "fieldset.field--required > legend")
    assert marker(page, "li.choice label") in ("none", "normal")
    screenshot("client-portal-form")

    page.locator("#grant-roles").click()
    expect(page.locator("#role-grants tbody tr")).to_have_count(1)
    # The choice stays: the same radio, company and roles are ticked.
    expect(page.locator("input[name=scope][value=chosen]")).to_be_checked()
    expect(page.locator(f"input[name=companies][value='{first.pk}']")).to_be_checked()
    expect(page.locator("input[name=roles][value=collaborateur]")).to_be_checked()
    expect(page.locator("input[name=roles][value=invite]")).to_be_checked()
    expect(page.locator("input[name=roles][value=administrateur]")).not_to_be_checked()

    # A second rule for all companies, every role and the users who join later (its row gets
    # a "stop" button): the table names the roles in French.
    page.get_by_text("Toutes les entreprises clientes").click()
    page.get_by_text("Administrateur", exact=True).click()
    page.get_by_text("Ainsi que les utilisateurs qui arriveront plus tard avec ces rôles").click()
    page.locator("#grant-roles").click()
    expect(page.locator("#role-grants tbody tr")).to_have_count(2)
    expect(page.locator("#role-grants")).to_contain_text("Administrateur, Collaborateur, Invité")
    screenshot("client-portal-rules")

    # Nothing scrolls sideways at 1366 px.
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    wrap = page.evaluate(
        "(() => { const w = document.querySelector('#role-grants').closest('.table-wrap');"
        " return [w.scrollWidth, w.clientWidth]; })()"
    )
    assert wrap[0] <= wrap[1], f"the rules' table scrolls: {wrap}"
