"""The Content-Security-Policy in Chromium: the pages with scripts work and report nothing.

Every browser test already fails on a violation (``no_csp_violation`` in conftest.py); these
visit the pages whose scripts are not ours (the Django admin, the API docs' Swagger UI) and the
htmx pages, and check that the guard itself notices a violation.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    FirmFactory,
    FirmMembershipFactory,
    UserFactory,
)


@pytest.fixture
def firm_admin(transactional_db):
    firm = FirmFactory(name="Cabinet Lefèvre & Associés", brand_colour="#0f766e")
    for name in ("Boulangerie Martin", "Garage des Tilleuls", "Menuiserie Dubois"):
        CompanyFactory(firm=firm, name=name)
    return FirmMembershipFactory(firm=firm, role="admin").user


def test_the_brand_colour_and_htmx_search_work_under_the_policy(live_server, page, firm_admin):
    log_in(page, live_server.url, firm_admin, landing="/cabinet/")
    topbar = page.locator(".topbar")
    expect(topbar).to_have_css("background-color", "rgb(15, 118, 110)")  # #0f766e, nonce'd
    page.goto(f"{live_server.url}/cabinet/clients/")
    page.get_by_role("searchbox").fill("Garage")
    expect(page.get_by_role("link", name="Garage des Tilleuls")).to_be_visible()
    expect(page.get_by_role("link", name="Boulangerie Martin")).to_have_count(0)


def test_the_api_docs_render_under_the_policy(live_server, page, firm_admin):
    log_in(page, live_server.url, firm_admin, landing="/cabinet/")
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Comptoir API")
    expect(page.locator(".opblock").first).to_be_visible()
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()


def test_the_django_admin_works_under_the_policy(live_server, page, transactional_db):
    operator = UserFactory(email="operateur@comptoir.test")
    operator.is_staff = operator.is_superuser = True
    operator.save(update_fields=["is_staff", "is_superuser"])
    FirmFactory(name="Fiducia Conseil")
    page.goto(f"{live_server.url}/admin/")
    page.locator("#id_username").fill(operator.email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#user-tools")).to_be_visible()
    page.goto(f"{live_server.url}/admin/firms/firm/")
    expect(page.get_by_role("link", name="Fiducia Conseil")).to_be_visible()
    page.goto(f"{live_server.url}/admin/store/app/add/")
    expect(page.locator("#app_form")).to_be_visible()
    # The admin's own scripts run: the nav sidebar's filter is theirs.
    page.locator("#nav-filter").fill("firm")
    expect(page.locator("#nav-sidebar")).to_contain_text("Firm")


def test_the_guard_notices_a_violation(live_server, page, firm_admin, no_csp_violation):
    log_in(page, live_server.url, firm_admin, landing="/cabinet/")
    page.evaluate("document.head.insertAdjacentHTML('beforeend', '<style>body{}</style>')")
    page.wait_for_timeout(300)
    assert any("style" in v for v in no_csp_violation), no_csp_violation
    no_csp_violation.clear()  # seen, and expected: the test passes
