"""The login page: the demo's logins in the demo only; its errors in good French."""

import copy

import pytest
from django.test import Client
from django.urls import reverse

from comptoir.demo import data
from tests.subprocess_env import clean_env, read_settings

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
PROCESSOR = "comptoir.demo.context_processors.demo_logins"


def french() -> Client:
    client = Client()
    client.cookies["django_language"] = "fr"
    return client


@pytest.fixture
def demo_templates(settings):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["context_processors"].append(PROCESSOR)
    settings.TEMPLATES = templates


def test_the_demo_login_page_shows_the_logins_to_try(demo_templates):
    html = french().get(LOGIN).content.decode()

    assert 'id="demo-logins"' in html and "Démo : les identifiants à essayer" in html
    assert f"<code>{data.DEMO_PASSWORD}</code>" in html
    for login in data.LOGINS:
        assert login.email in html
    assert "Administrateur du cabinet" in html and "Invité de l’entreprise" in html  # noqa: RUF001


def test_only_the_login_page_gets_them(demo_templates):
    response = french().get(reverse("account_reset_password"))
    assert "demo_logins" not in response.context
    assert 'id="demo-logins"' not in response.content.decode()


def test_outside_the_demo_the_login_page_shows_no_login():
    html = french().get(LOGIN).content.decode()
    assert 'id="demo-logins"' not in html and data.DEMO_PASSWORD not in html


def test_the_demo_settings_add_the_hint_and_production_does_not(tmp_path):
    demo = read_settings(clean_env(tmp_path, COMPTOIR_MODE="demo"), "TEMPLATES")
    production = read_settings(
        clean_env(tmp_path, COMPTOIR_MODE="production", SECRET_KEY="k" * 50), "TEMPLATES"
    )
    assert PROCESSOR in demo["TEMPLATES"][0]["OPTIONS"]["context_processors"]
    assert PROCESSOR not in production["TEMPLATES"][0]["OPTIONS"]["context_processors"]


def test_a_wrong_password_is_said_in_good_french(firm_admin):
    response = french().post(LOGIN, {"username": firm_admin.email, "password": "pas le bon"})

    html = response.content.decode()
    assert "L’adresse e-mail ou le mot de passe est incorrect." in html  # noqa: RUF001
    assert "Saisissez un adresse" not in html and "sensible à la casse" not in html


def test_an_address_that_is_not_one_is_said_with_the_products_words():
    response = french().post(LOGIN, {"username": "pas-une-adresse", "password": "x"})

    html = response.content.decode()
    assert "Saisissez une adresse e-mail valide, par exemple prenom.nom@exemple.fr." in html
    assert "courriel" not in html
