"""“Mot de passe oublié ?”: one answer for every address, a link that works once and expires;
the password change in “Mon compte” (current password, validators, other sessions end)."""

import re
import time
from statistics import median

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import Client
from django.urls import reverse

from comptoir.audit.models import AuditEvent
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

RESET = "/mot-de-passe-oublie/"


def _ask(client, email):
    return client.post(RESET, {"email": email}, follow=True)


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/compte/password/reset/key/\S+/)", message.body).group(1)


def test_the_login_page_offers_the_reset():
    html = Client().get(reverse("accounts:login")).content.decode()
    assert "Mot de passe oublié ?" in html and f'href="{RESET}"' in html
    page = Client().get(RESET).content.decode()
    assert "Adresse e-mail" in page and "Courriel :" not in page


def test_known_and_unknown_addresses_get_the_same_answer(firm_admin):
    known = _ask(Client(), firm_admin.email)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [firm_admin.email]
    unknown = _ask(Client(), "personne@nulle-part.test")
    assert len(mail.outbox) == 1  # nothing sent to an address without an account
    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200

    def page(response):  # the answer, without the per-request CSRF token and nonce
        html = response.content.decode()
        html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
        return re.sub(r'(nonce|value|content)="[^"]*"', "", html)

    assert page(known) == page(unknown)
    assert "Nous vous avons envoyé un e-mail" in page(known), page(known)


def test_known_and_unknown_addresses_answer_in_the_same_order_of_time(firm_admin):
    def timed(email):
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            Client().post(RESET, {"email": email})
            samples.append(time.perf_counter() - started)
        return median(samples)

    timed(firm_admin.email), timed("warm@up.test")  # first requests load templates
    known, unknown = timed(firm_admin.email), timed("personne@nulle-part.test")
    print(f"reset request: known {known * 1000:.1f} ms, unknown {unknown * 1000:.1f} ms")
    assert max(known, unknown) < 10 * min(known, unknown), (known, unknown)


def test_the_link_sets_a_new_password_once(firm_admin):
    other_device = client_for(firm_admin)  # (a login after the request would void the link)
    _ask(Client(), firm_admin.email)
    message = mail.outbox[0]
    assert "Choisissez un nouveau mot de passe" in message.subject
    assert "Bonjour" in message.body
    link = _link(message)

    client = Client()
    opened = client.get(link, follow=True)
    assert opened.status_code == 200
    form_url = opened.redirect_chain[-1][0]
    weak = client.post(form_url, {"password1": "123", "password2": "123"})
    assert weak.status_code == 200 and weak.context["form"].errors
    done = client.post(
        form_url, {"password1": "un-nouveau-secret-42", "password2": "un-nouveau-secret-42"}
    )
    assert done.status_code == 302
    firm_admin.refresh_from_db()
    assert firm_admin.check_password("un-nouveau-secret-42")
    # The other sessions are over.
    assert other_device.get(reverse("portal:firm_home")).status_code == 302
    requested = AuditEvent.objects.get(action="identity.password_reset_requested")
    assert requested.target_id == str(firm_admin.pk) and requested.actor is None
    assert AuditEvent.objects.filter(action="identity.password_reset", actor=firm_admin).exists()

    # The same link again: refused, the password stays.
    again = Client()
    reopened = again.get(link, follow=True)
    html = reopened.content.decode()
    assert "password1" not in html
    assert "invalide" in html.lower() or "utilisé" in html.lower()
    firm_admin.refresh_from_db()
    assert firm_admin.check_password("un-nouveau-secret-42")


def test_the_link_expires(firm_admin, settings, monkeypatch):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    _ask(Client(), firm_admin.email)
    link = _link(mail.outbox[0])
    real_now = PasswordResetTokenGenerator._now
    monkeypatch.setattr(
        PasswordResetTokenGenerator,
        "_now",
        lambda self: real_now(self) + __import__("datetime").timedelta(seconds=3601),
    )
    html = Client().get(link, follow=True).content.decode()
    assert "password1" not in html
    firm_admin.refresh_from_db()
    assert firm_admin.check_password(DEFAULT_PASSWORD)


# --- password change ---------------------------------------------------------------------


def test_password_change_needs_the_current_password_and_ends_the_other_sessions(firm_admin):
    other_device = client_for(firm_admin)
    assert other_device.get(reverse("portal:firm_home")).status_code == 200
    client = Client()
    client.post(
        reverse("accounts:login"), {"username": firm_admin.email, "password": DEFAULT_PASSWORD}
    )
    settings_page = client.get(reverse("accounts:settings")).content.decode()
    url = reverse("account_change_password")
    assert f'href="{url}"' in settings_page

    wrong = client.post(
        url,
        {
            "oldpassword": "pas-le-bon",
            "password1": "un-nouveau-42-x",
            "password2": "un-nouveau-42-x",
        },
    )
    assert wrong.status_code == 200 and "oldpassword" in wrong.context["form"].errors
    weak = client.post(
        url, {"oldpassword": DEFAULT_PASSWORD, "password1": "12345678", "password2": "12345678"}
    )
    errors = " ".join(weak.context["form"].errors.get("password1", []))
    assert "courant" in errors or "chiffres" in errors, errors  # Django's validators, in French

    done = client.post(
        url,
        {
            "oldpassword": DEFAULT_PASSWORD,
            "password1": "un-nouveau-secret-42",
            "password2": "un-nouveau-secret-42",
        },
    )
    assert done.status_code == 302
    firm_admin.refresh_from_db()
    assert firm_admin.check_password("un-nouveau-secret-42")
    assert client.get(reverse("portal:firm_home")).status_code == 200  # this one stays in
    assert other_device.get(reverse("portal:firm_home")).status_code == 302  # the other is out
    assert AuditEvent.objects.filter(actor=firm_admin, action="identity.password_change").exists()
