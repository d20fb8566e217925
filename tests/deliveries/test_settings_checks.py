"""Destinations are checked when a firm saves them, by the guard that sending uses.

An HTTPS API address, an SFTP host and port, a host-key fingerprint: refused at once, in
French, on the page (form error) and in the API (422, the field named), never connected to.
"""

import base64
import hashlib
import socket
import time
from pathlib import Path

import asyncssh
import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation

from comptoir.assignments.models import CompanyAssignment
from comptoir.assignments.services import assignment_create
from comptoir.core.errors import ValidationFailed
from comptoir.deliveries import netguard, settings_checks
from comptoir.store import services as store_services
from comptoir.store.catalog import catalog_load
from comptoir.store.models import App, Installation
from comptoir.store.schema import FIRM
from comptoir.store.settings_validation import validate_settings
from tests.conftest import client_for
from tests.deliveries.connections import https_app, new_secret

# What the names of these tests resolve to (the autouse _test_dns fixture answers the rest).
NAMES = {
    "intranet.partenaire.test": ["10.1.2.3"],
    "mixte.partenaire.test": ["93.184.215.14", "192.168.0.10"],
    "metadonnees.partenaire.test": ["169.254.169.254"],
    "api.partenaire.test": ["93.184.215.14"],
    "sftp.partenaire.test": ["93.184.215.14"],
}


@pytest.fixture
def lookups(monkeypatch):
    """A table resolver behind the guard's system resolver; the names looked up."""
    calls: list[str] = []
    real = netguard.system_resolver

    def resolver(host, port):
        calls.append(host)
        if host in NAMES:
            return NAMES[host]
        return real(host, port)

    monkeypatch.setattr(netguard, "system_resolver", resolver)
    return calls


@pytest.fixture
def french():
    with translation.override("fr"):
        yield


def refusal(app, values, level=FIRM, existing=None) -> dict[str, dict]:
    with pytest.raises(ValidationFailed) as caught:
        validate_settings(app, level, values, existing)
    return {detail["key"]: detail for detail in caught.value.details}


def fingerprint_of(data: bytes) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")


@pytest.fixture
def sftp_app(db):
    catalog_load(path=Path(django_settings.PROJECT_DIR) / "catalog")
    return App.objects.get(slug="iscribe-achats")


def sftp_settings(**overrides):
    values = {
        "sftp_host": "sftp.partenaire.test",
        "sftp_port": "",
        "sftp_login": "cabinet",
        "sftp_password": "mot-de-passe",
        "sftp_host_key": fingerprint_of(b"the server's public key"),
    }
    values.update(overrides)
    return values


# --- HTTPS addresses -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "code", "words"),
    [
        ("https://intranet.partenaire.test/hooks", "address_refused", "réseau privé"),
        ("https://mixte.partenaire.test/hooks", "address_refused", "réseau privé"),
        ("https://metadonnees.partenaire.test/", "address_refused", "lien-local"),
        ("https://10.0.0.8/hooks", "address_refused", "réseau privé"),
        ("https://127.0.0.1:8443/hooks", "address_refused", "ce serveur"),
        ("https://[::1]/hooks", "address_refused", "ce serveur"),
        ("https://metadata.google.internal/", "address_refused", "lien-local"),
        ("https://api.partenaire.test:25/", "address_refused", "Le port 25"),
        ("http://api.partenaire.test/hooks", "bad_url", "https://"),
        ("https://introuvable.invalid/hooks", "host_not_found", "introuvable"),
    ],
)
def test_an_api_address_the_guard_refuses_is_refused_when_saved(
    db, lookups, outbound, french, url, code, words
):
    problems = refusal(https_app(), {"api_url": url, "api_key": new_secret()})

    assert set(problems) == {"api_url"}
    assert problems["api_url"]["field"] == "settings.api_url"
    assert problems["api_url"]["code"] == code
    assert words in problems["api_url"]["message"]
    assert outbound.attempts == []  # looked up, never connected to


def test_a_public_address_is_accepted_after_its_lookup(db, lookups, outbound):
    stored = validate_settings(
        https_app(), FIRM, {"api_url": "https://api.partenaire.test/v2", "api_key": new_secret()}
    )

    assert stored["api_url"] == "https://api.partenaire.test/v2"
    assert lookups == ["api.partenaire.test"]
    assert outbound.attempts == []


def test_a_saved_address_is_not_looked_up_again_when_another_setting_changes(db, lookups):
    app = https_app()
    stored = validate_settings(
        app, FIRM, {"api_url": "https://api.partenaire.test/v2", "api_key": new_secret()}
    )
    lookups.clear()
    settings_checks.forget_lookups()  # a new lookup would show in ``lookups``

    validate_settings(
        app, FIRM, {"api_url": "https://api.partenaire.test/v2", "api_key": "x"}, stored
    )

    assert lookups == []


def test_loopback_is_accepted_only_when_the_demo_allows_it(db, settings):
    app = https_app()
    values = {"api_url": "http://127.0.0.1:8025/hooks/horizon", "api_key": new_secret()}
    settings.DELIVERY_ALLOW_LOOPBACK = False
    assert refusal(app, values)["api_url"]["code"] == "address_refused"
    settings.DELIVERY_ALLOW_LOOPBACK = True
    assert validate_settings(app, FIRM, values)["api_url"] == values["api_url"]


def test_a_slow_dns_server_does_not_hold_the_form(db, monkeypatch):
    def stuck(host, port):
        time.sleep(5)
        raise AssertionError("the lookup was waited for")

    monkeypatch.setattr(netguard, "system_resolver", stuck)
    monkeypatch.setattr(settings_checks, "DNS_TIMEOUT_SECONDS", 0.3)
    started = time.monotonic()

    stored = validate_settings(
        https_app(), FIRM, {"api_url": "https://lent.partenaire.test/", "api_key": new_secret()}
    )

    assert time.monotonic() - started < 2
    # Accepted: a passing lookup failure; the guard runs again before each send.
    assert stored["api_url"] == "https://lent.partenaire.test/"


def test_many_rows_with_one_stuck_name_wait_for_it_once(db, monkeypatch):
    calls = []

    def stuck(host, port):
        calls.append(host)
        time.sleep(2)
        raise AssertionError("the lookup was waited for")

    monkeypatch.setattr(netguard, "system_resolver", stuck)
    monkeypatch.setattr(settings_checks, "DNS_TIMEOUT_SECONDS", 0.3)
    app = https_app()
    started = time.monotonic()
    for row in range(50):  # an import of 50 dossiers pointing at the same partner
        validate_settings(
            app, FIRM, {"api_url": f"https://lent.partenaire.test/{row}", "api_key": "k"}
        )
    assert time.monotonic() - started < 2
    assert calls == ["lent.partenaire.test"]


def test_a_passing_lookup_failure_is_accepted(db, monkeypatch):
    def failing(host, port):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(netguard, "system_resolver", failing)
    stored = validate_settings(
        https_app(), FIRM, {"api_url": "https://api.partenaire.test/", "api_key": new_secret()}
    )
    assert stored["api_url"] == "https://api.partenaire.test/"


def test_a_company_level_api_address_is_checked_too(firm_admin, company, lookups, french):
    schema = [
        {"key": "api_url", "label_fr": "URL", "label_en": "URL", "kind": "url", "level": "company"},
        {"key": "api_key", "label_fr": "Clé", "label_en": "Key", "kind": "secret", "level": "firm"},
    ]
    app = https_app(settings_schema=schema)
    installation = Installation.objects.create(
        firm=company.firm, app=app, settings=validate_settings(app, FIRM, {"api_key": "k"})
    )
    with pytest.raises(ValidationFailed) as caught:
        assignment_create(
            actor=firm_admin,
            installation=installation,
            company=company,
            settings={"api_url": "https://intranet.partenaire.test/dossier/42"},
        )
    [detail] = caught.value.details
    assert (detail["field"], detail["code"]) == ("settings.api_url", "address_refused")
    assert not CompanyAssignment.objects.filter(company=company).exists()


# --- the page and the API ------------------------------------------------------------------------


def test_the_settings_page_shows_the_refusal_on_the_field(firm_admin, firm, lookups, french):
    app = https_app()
    page = client_for(firm_admin)
    response = page.post(
        reverse("store:install", args=[app.slug]),
        {"api_url": "https://intranet.partenaire.test/hooks", "api_key": "cle"},
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "La destination intranet.partenaire.test n\u2019est pas autorisée" in html
    assert "réseau privé" in html
    assert not Installation.objects.filter(firm=firm).exists()


def test_the_api_answers_422_naming_the_field(api_as, firm_admin, firm, lookups, french):
    app = https_app()
    response = api_as(firm_admin).post(
        "/installations",
        {"app": app.slug, "settings": {"api_url": "https://10.0.0.8/", "api_key": "cle"}},
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_settings"
    [detail] = error["details"]
    assert detail["field"] == "settings.api_url"
    assert detail["code"] == "address_refused"
    assert "réseau privé" in detail["message"]
    assert not Installation.objects.filter(firm=firm).exists()


def test_changing_an_installed_address_is_checked(api_as, firm_admin, firm, lookups):
    app = https_app()
    installation = store_services.installation_add(
        actor=firm_admin,
        firm=firm,
        app=app,
        settings={"api_url": "https://api.partenaire.test/v2", "api_key": "cle"},
    )
    response = api_as(firm_admin).patch(
        f"/installations/{installation.pk}",
        {"settings": {"api_url": "https://metadonnees.partenaire.test/"}},
    )

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "settings.api_url"
    installation.refresh_from_db()
    assert installation.settings["api_url"] == "https://api.partenaire.test/v2"


# --- SFTP hosts, ports and host keys -------------------------------------------------------------


def test_a_public_sftp_host_with_a_fingerprint_is_accepted(sftp_app, lookups, outbound):
    stored = validate_settings(sftp_app, FIRM, sftp_settings(sftp_port="2222"))

    assert stored["sftp_host"] == "sftp.partenaire.test"
    assert lookups == ["sftp.partenaire.test"]
    assert outbound.attempts == []


@pytest.mark.parametrize(
    ("overrides", "key", "code"),
    [
        ({"sftp_host": "intranet.partenaire.test"}, "sftp_host", "address_refused"),
        ({"sftp_host": "192.168.1.20"}, "sftp_host", "address_refused"),
        ({"sftp_host": "127.0.0.1"}, "sftp_host", "address_refused"),
        ({"sftp_host": "metadata.google.internal"}, "sftp_host", "address_refused"),
        ({"sftp_host": "sftp.introuvable.invalid"}, "sftp_host", "host_not_found"),
        ({"sftp_host": "sftp partenaire"}, "sftp_host", "bad_url"),
        ({"sftp_port": "25"}, "sftp_port", "bad_port"),
        ({"sftp_port": "\uff12\uff12"}, "sftp_port", "bad_port"),
        ({"sftp_port": "99999"}, "sftp_port", "bad_port"),
        ({"sftp_port": "port"}, "sftp_port", "bad_port"),
        ({"sftp_host_key": "SHA256:trop-court"}, "sftp_host_key", "bad_host_key"),
        ({"sftp_host_key": "MD5:12:34:56:78"}, "sftp_host_key", "bad_host_key"),
        (
            {"sftp_host_key": "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99"},
            "sftp_host_key",
            "bad_host_key",
        ),
        # 43 characters whose last one carries bits beyond the 32 bytes of a SHA-256
        ({"sftp_host_key": "SHA256:" + "A" * 42 + "B"}, "sftp_host_key", "bad_host_key"),
    ],
)
def test_a_bad_sftp_destination_is_refused_when_saved(
    sftp_app, lookups, outbound, french, overrides, key, code
):
    problems = refusal(sftp_app, sftp_settings(**overrides))

    assert set(problems) == {key}
    assert problems[key]["code"] == code
    assert problems[key]["field"] == f"settings.{key}"
    assert outbound.attempts == []


def test_the_fingerprint_message_says_how_to_get_one(sftp_app, lookups, french):
    message = refusal(sftp_app, sftp_settings(sftp_host_key="SHA256:x"))["sftp_host_key"]["message"]
    assert "ssh-keygen -lf" in message and "SHA256:" in message
    assert message.startswith("Ce n\u2019est pas une empreinte")


@pytest.mark.parametrize("form", ["fingerprint", "padded", "public key line"])
def test_host_keys_as_openssh_prints_them_are_accepted(sftp_app, lookups, form):
    key = asyncssh.generate_private_key("ssh-ed25519")
    value = {
        "fingerprint": key.get_fingerprint("sha256"),
        "padded": key.get_fingerprint("sha256") + "=",
        "public key line": key.export_public_key().decode().strip(),
    }[form]

    stored = validate_settings(sftp_app, FIRM, sftp_settings(sftp_host_key=value))

    assert stored["sftp_host_key"] == value


def test_the_sftp_page_form_names_the_refused_field(firm_admin, firm, sftp_app, lookups, french):
    response = client_for(firm_admin).post(
        reverse("store:install", args=[sftp_app.slug]),
        sftp_settings(sftp_host="intranet.partenaire.test"),
    )

    assert response.status_code == 422
    assert "réseau privé" in response.content.decode()
    assert not Installation.objects.filter(firm=firm).exists()
