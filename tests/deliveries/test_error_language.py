"""A delivery error reads in the reader's language: the attempt keeps its code and parameters,
and the message is rendered from them when shown; the text stored in the worker's language
(French by default) is only the fallback for rows written before."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from comptoir.deliveries import engine
from comptoir.deliveries.errors import MESSAGES, error_message
from comptoir.deliveries.models import Delivery, DeliveryAttempt
from tests.conftest import client_for
from tests.deliveries.connections import later, upload
from tests.deliveries.servers import Reply

pytestmark = pytest.mark.usefixtures("media_root")

ENGLISH = "The partner answered HTTP 400. dossier inconnu"
FRENCH = "Le partenaire a répondu HTTP 400. dossier inconnu"


@pytest.fixture
def refused(firm_admin, connection, company, http_server):
    """One upload refused by the partner (HTTP 400), the attempt made by a French worker."""
    document = upload(firm_admin, company, title="Facture refusée")
    delivery = Delivery.objects.get()
    http_server.script(Reply(status=400, body=json.dumps({"message": "dossier inconnu"}).encode()))
    with translation.override("fr"):
        engine.process_delivery(delivery.pk, clock=later)
    return document


def _page(user, document, language: str) -> str:
    client = client_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.get(reverse("documents:detail", args=[document.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_attempt_keeps_its_code_and_parameters(refused):
    attempt = DeliveryAttempt.objects.get()
    assert attempt.error == FRENCH  # as the worker wrote it
    assert attempt.error_code == "http_status"
    assert attempt.error_params == {"status": 400, "detail": "dossier inconnu"}


@pytest.mark.parametrize(
    ("language", "shown", "hidden"), [("en", ENGLISH, FRENCH), ("fr", FRENCH, ENGLISH)]
)
def test_the_reader_sees_the_error_in_their_language(firm_admin, refused, language, shown, hidden):
    html = _page(firm_admin, refused, language)
    assert shown in html
    assert hidden not in html


def test_the_firm_history_too(firm_admin, refused):
    client = client_for(firm_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get(reverse("deliveries:index")).content.decode()
    assert ENGLISH in html and FRENCH not in html


def test_the_api_gives_the_code_and_the_message_in_the_callers_language(
    firm_admin, refused, api_as
):
    for language, expected in (("en", ENGLISH), ("fr", FRENCH)):
        response = api_as(firm_admin, HTTP_ACCEPT_LANGUAGE=language).get("/deliveries")
        assert response.status_code == 200, response.content
        (item,) = response.json()["items"]
        assert item["last_error"] == expected
        assert item["attempts"][0]["error"] == expected
        assert item["attempts"][0]["error_code"] == "http_status"


def test_an_older_row_without_parameters_shows_its_stored_text(firm_admin, refused):
    DeliveryAttempt.objects.update(error_params=None)
    html = _page(firm_admin, refused, "en")
    assert FRENCH in html


def test_a_cancellation_reason_is_not_an_attempts_message(firm_admin, refused):
    Delivery.objects.update(last_error="Annulé à la main.")
    html = _page(firm_admin, refused, "en")
    assert "Annulé à la main." in html


def test_given_up_and_sizes_in_the_readers_language():
    params = {"host": "api.example.fr", "given_up": 5}
    with translation.override("en"):
        assert error_message("timeout", params, "x") == (
            "The partner api.example.fr did not answer in time. Given up after 5 attempts."
        )
        big = error_message("file_too_large", {"size": 3 * 1024 * 1024, "limit": 1024}, "x")
        assert "3.0\xa0MB" in big and "1.0\xa0KB" in big
    with translation.override("fr"):
        text = error_message("timeout", params, "x")
        assert "api.example.fr" in text and "5" in text and "did not answer" not in text


def test_unknown_codes_and_missing_parameters_fall_back():
    assert error_message("bad_configuration", {}, "stocké") == "stocké"
    assert error_message("timeout", {}, "stocké") == "stocké"  # no host kept
    assert error_message("timeout", None, "stocké") == "stocké"


def test_every_message_has_its_french_translation():
    with translation.override("en"):
        english = {key: str(message) for key, message in MESSAGES.items()}
    with translation.override("fr"):
        untranslated = [key for key, message in MESSAGES.items() if str(message) == english[key]]
    assert untranslated == []


def test_a_blanked_error_stays_blank(firm_admin, refused):
    """Housekeeping blanks an old reply's text: it is not rendered again from anything."""
    DeliveryAttempt.objects.update(error="")
    Delivery.objects.update(last_error="")
    attempt = DeliveryAttempt.objects.get()
    assert attempt.error_message == ""
    assert "dossier inconnu" not in _page(firm_admin, refused, "en")
