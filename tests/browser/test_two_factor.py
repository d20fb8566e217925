"""Passkeys in Chromium, through DevTools' virtual authenticator (the WebAuthn domain): a firm
admin registers one from "Mon compte", then logs in with it without a password, and uses it as
the second factor after a password. WebAuthn needs a secure context: the live server is
http://localhost (not 127.0.0.1, which cannot be a relying party)."""

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, FirmFactory, FirmMembershipFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def firm_admin(transactional_db):
    firm = FirmFactory(name="Cabinet Lefèvre & Associés")
    return FirmMembershipFactory(firm=firm, role="admin").user


@pytest.fixture
def authenticator(page):
    """A platform authenticator (like Touch ID or Windows Hello) that says yes."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    def credentials():
        return cdp.send("WebAuthn.getCredentials", {"authenticatorId": added["authenticatorId"]})[
            "credentials"
        ]

    return credentials


def log_in_with_password(page, base_url, user):
    page.goto(f"{base_url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()


def log_out(page):
    page.get_by_role("button", name="Se déconnecter", exact=True).click()
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()


def test_register_a_passkey_then_log_in_with_it(
    live_server, page, firm_admin, authenticator, screenshot
):
    assert live_server.url.startswith("http://localhost:")
    log_in_with_password(page, live_server.url, firm_admin)
    expect(page).to_have_url(f"{live_server.url}/cabinet/")

    # Mon compte → Double authentification → Ajouter une clé d'accès.
    page.goto(f"{live_server.url}/compte/")
    page.get_by_role("link", name="Activer la double authentification").click()
    expect(page.get_by_role("heading", name="Double authentification")).to_be_visible()
    page.get_by_role("link", name="Ajouter une clé d’accès").click()  # noqa: RUF001
    # allauth asks to confirm the password before adding a factor.
    page.get_by_label("Mot de passe").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page.get_by_role("heading", name="Ajouter une clé d’accès")).to_be_visible()  # noqa: RUF001
    page.get_by_label("Nom de la clé").fill("Ordinateur du bureau")
    expect(
        page.get_by_label("Me connecter aussi avec cette clé, sans mon mot de passe")
    ).to_be_checked()
    screenshot("passkey-add")
    page.get_by_role("button", name="Ajouter la clé").click()

    # The first factor comes with recovery codes, shown at once.
    expect(page.get_by_role("heading", name="Codes de secours")).to_be_visible()
    expect(page.locator("#recovery-codes-list li")).to_have_count(10)
    passkey = Authenticator.objects.get(user=firm_admin, type="webauthn")
    assert passkey.data["name"] == "Ordinateur du bureau"
    assert passkey.wrap().is_passwordless is True
    assert len(authenticator()) == 1  # a resident credential, on the authenticator

    # Log in without a password: the passkey alone.
    log_out(page)
    expect(page.get_by_text("Ou, sans mot de passe :")).to_be_visible()
    page.locator("#passkey_login").click()
    expect(page).to_have_url(f"{live_server.url}/cabinet/")
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None

    # With the password, the passkey is then asked for as the second factor.
    log_out(page)
    log_in_with_password(page, live_server.url, firm_admin)
    expect(page.get_by_role("heading", name="Double authentification")).to_be_visible()
    screenshot("passkey-second-factor")
    page.get_by_role("button", name="Utiliser une clé d’accès").click()  # noqa: RUF001
    expect(page).to_have_url(f"{live_server.url}/cabinet/")


def test_set_up_an_authenticator_app_under_the_policy(live_server, page, firm_admin, screenshot):
    """The QR code is a data: image, the page runs no inline script: the CSP guard watches."""
    from tests.test_two_factor import totp_now

    log_in_with_password(page, live_server.url, firm_admin)
    page.goto(f"{live_server.url}/compte/2fa/")
    page.get_by_role("link", name="Configurer une application d’authentification").click()  # noqa: RUF001
    page.get_by_label("Mot de passe").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    qr = page.get_by_role("img", name="QR code à scanner avec votre application d’authentification")  # noqa: RUF001
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot("totp-activate")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code affiché par l’application").fill(totp_now(secret))  # noqa: RUF001
    page.get_by_role("button", name="Activer").click()
    expect(page.get_by_role("heading", name="Codes de secours")).to_be_visible()
    expect(page.get_by_role("button", name="Imprimer")).to_be_visible()  # shown by two_factor.js
    screenshot("recovery-codes")
    assert Authenticator.objects.filter(user=firm_admin, type="totp").exists()
