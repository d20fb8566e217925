"""The product's own error pages (404, 403, CSRF, 400, 500): French, with a way back; and the
demo shows them too (DEBUG off there, static files still served)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for
from tests.subprocess_env import clean_env, read_settings

pytestmark = pytest.mark.django_db


def french(client: Client) -> Client:
    client.cookies["django_language"] = "fr"
    return client


@pytest.mark.parametrize("who", ["anonymous", "firm_admin", "company_admin"])
def test_an_unknown_address_is_our_french_404_with_a_way_back(who, request):
    client = Client() if who == "anonymous" else client_for(request.getfixturevalue(who))
    response = french(client).get("/nulle-part/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page introuvable</h1>" in html
    assert f'href="{reverse("portal:start")}"' in html and "Retour à l’accueil" in html  # noqa: RUF001
    assert "URLconf" not in html and "Using the URLconf" not in html  # not Django's debug page


def test_a_refused_page_is_our_french_403(firm_collaborator):
    response = french(client_for(firm_collaborator)).get(reverse("audit:index"))

    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>Accès refusé</h1>" in html and "Retour à l’accueil" in html  # noqa: RUF001


def test_a_form_sent_without_its_csrf_token_is_our_french_page(firm_admin):
    client = french(Client(enforce_csrf_checks=True))
    client.force_login(firm_admin)

    response = client.post(reverse("companies:create"), {"name": "X"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>La page a expiré</h1>" in html and 'href="/"' in html
    assert "CSRF" not in html


def test_a_request_django_refuses_is_our_french_400():
    response = french(Client()).get("/connexion/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1>Requête non reçue</h1>" in html and 'href="/connexion/"' in html


def test_a_server_error_is_our_page_with_a_way_back(settings):
    settings.ROOT_URLCONF = "tests.ops.boom_urls"

    response = Client(raise_request_exception=False).get("/boom/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Une erreur s’est produite" in html and 'href="/"' in html  # noqa: RUF001
    assert "PartnerExploded" not in html and "Traceback" not in html


def test_the_demo_shows_the_products_pages_and_still_serves_its_static_files(tmp_path):
    values = read_settings(
        clean_env(tmp_path, COMPTOIR_MODE="demo"),
        "DEBUG",
        "WHITENOISE_USE_FINDERS",
        "WHITENOISE_AUTOREFRESH",
    )

    assert values["DEBUG"] is False
    assert values["WHITENOISE_USE_FINDERS"] is True and values["WHITENOISE_AUTOREFRESH"] is True


def test_production_serves_only_collected_static_files(tmp_path):
    env = clean_env(tmp_path, COMPTOIR_MODE="production", SECRET_KEY="k" * 50)
    values = read_settings(env, "DEBUG", "WHITENOISE_USE_FINDERS")
    assert values == {"DEBUG": False, "WHITENOISE_USE_FINDERS": False}


def test_with_the_demos_settings_the_stylesheets_are_served_without_debug(settings):
    settings.DEBUG = False
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

    client = Client()  # a new handler: WhiteNoise reads its settings when it starts
    for path in ("/static/comptoir/app.css", "/static/comptoir/error.css"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("text/css")
