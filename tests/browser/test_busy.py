"""A form on its way says it is working and cannot be sent twice (static/comptoir/busy.js),
on the removal of an app; and the removal still goes through."""

import pytest
from playwright.sync_api import expect

from comptoir.store.models import Installation
from tests.browser.conftest import log_in
from tests.factories import FirmFactory, FirmMembershipFactory
from tests.store.factories import AppFactory, InstallationFactory

pytestmark = pytest.mark.browser

# Two clicks in a row on the form's button. The navigation is cancelled by a listener on the
# window, which sees a submit after busy.js's: it counts the submits that would have gone.
TWO_CLICKS = """() => {
    const form = document.querySelector('main form[method=post]');
    const button = form.querySelector('button[type=submit]');
    let sent = 0;
    window.addEventListener('submit', event => { event.preventDefault(); sent += 1; });
    button.click();
    button.click();
    return {
        sent: sent,
        busy: form.getAttribute('aria-busy'),
        note: form.querySelector('[role=status]').textContent,
        disabled: button.getAttribute('aria-disabled'),
    };
}"""


def test_a_removal_is_sent_once_and_says_it_is_working(live_server, page, transactional_db):
    firm = FirmFactory()
    admin = FirmMembershipFactory(firm=firm, role="admin").user
    installation = InstallationFactory(firm=firm, app=AppFactory(name="Vieil Outil"))
    log_in(page, live_server.url, admin, landing="/cabinet/")
    page.goto(f"{live_server.url}/cabinet/parametres/applications/{installation.pk}/retirer/")

    state = page.evaluate(TWO_CLICKS)
    assert state == {"sent": 1, "busy": "true", "note": "En cours…", "disabled": "true"}

    page.reload()  # a fresh page: the form is free, and a real click removes the app
    page.get_by_role("button", name="Oui, retirer Vieil Outil").click()
    expect(page).to_have_url(f"{live_server.url}/cabinet/parametres/applications/")
    assert not Installation.objects.filter(pk=installation.pk).exists()
