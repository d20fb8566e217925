"""The custom-app page and the API accept and refuse exactly the same addresses.

Each address goes through the page (``Ajouter une application``, then ``Modifier``) and through
the API (``POST /custom-apps``, then ``PATCH /installations/{id}``); both must store the same
normalised address, or both refuse it with the same message.
"""

import html

import pytest
from django.urls import reverse

from comptoir.store.models import App, Installation
from comptoir.store.urls_safety import URL_MAX_LENGTH
from tests.conftest import client_for
from tests.store.test_urls_safety import HOSTILE_URLS, INTERNET_ADDRESSES, LOCAL_ADDRESSES

PARITY_URLS = [
    *(url for url, _code in HOSTILE_URLS if isinstance(url, str)),
    *(url for url, _code, _demo in LOCAL_ADDRESSES),
    *INTERNET_ADDRESSES,
    # Whitespace: spaces around are dropped by both; anything else is refused by both.
    "  https://www.example.fr/a  ",
    "https://www.example.fr/\t",
    "\thttps://www.example.fr/",
    "https://www.example.fr/\n",
    "\r\nhttps://www.example.fr/",
    "https://www.example.fr/\x0b",
    "https://www.example.fr/\x0c",
    "https://www.example.fr/\u3000",
    "\ufeffhttps://www.example.fr/",
    # Length: the limit counts the address without its surrounding spaces.
    " https://www.example.fr/" + "a" * (URL_MAX_LENGTH - len("https://www.example.fr/")) + " ",
    "https://www.example.fr/" + "a" * (URL_MAX_LENGTH - len("https://www.example.fr/") + 1),
]


def _forget(firm) -> None:
    Installation.objects.filter(firm=firm).delete()
    App.objects.filter(owner_firm=firm).delete()


@pytest.fixture
def admin_page(firm_admin):
    return client_for(firm_admin)


def _through_the_page(client, firm, url: str):
    response = client.post(
        reverse("store:custom_app_create"), {"name": "Agenda", "url": url, "audience": "both"}
    )
    app = App.objects.filter(owner_firm=firm).first()
    if response.status_code == 302:
        assert app is not None
        return ("stored", app.launch_url)
    assert response.status_code == 422, response.status_code
    assert app is None
    return ("refused", response.content.decode())


def _through_the_api(api, firm, url: str):
    response = api.post("/custom-apps", {"name": "Agenda", "url": url, "audience": "both"})
    app = App.objects.filter(owner_firm=firm).first()
    if response.status_code == 201:
        assert app is not None
        assert response.json()["app"]["launch_url"] == app.launch_url
        return ("stored", app.launch_url)
    assert response.status_code == 422, (response.status_code, response.content[:300])
    assert app is None
    error = response.json()["error"]
    return ("refused", error)


def _same_outcome(page, api):
    assert page[0] == api[0], (page[0], api[0])
    if page[0] == "stored":
        assert page[1] == api[1]
    else:
        error = api[1]
        assert error["code"].startswith("url_"), error
        # The page shows the very message the API gives, on the address field.
        assert html.escape(error["message"]) in page[1]
        assert 'class="field field--error' in page[1]


@pytest.mark.parametrize("url", PARITY_URLS)
def test_the_page_and_the_api_decide_the_same(firm, firm_admin, admin_page, api_as, url):
    page = _through_the_page(admin_page, firm, url)
    _forget(firm)
    api = _through_the_api(api_as(firm_admin), firm, url)
    _same_outcome(page, api)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.fr/\t",
        "  https://www.example.fr/a  ",
        "http://127.0.0.1:8000/",
        "http://0x7f000001/",
        "https://8.8.8.8/",
        "https://agenda.example.fr/",
    ],
)
def test_editing_decides_the_same_on_the_page_and_in_the_api(
    firm, firm_admin, admin_page, api_as, url
):
    from comptoir.store import services

    def fresh():
        _forget(firm)
        return services.custom_app_create(
            actor=firm_admin, firm=firm, name="Agenda", url="https://avant.example.fr/"
        )

    installation = fresh()
    response = admin_page.post(
        reverse("store:installation_edit", args=[installation.pk]),
        {"name": "Agenda", "url": url, "audience": "both"},
    )
    on_page = App.objects.get(owner_firm=firm).launch_url
    installation = fresh()
    answer = api_as(firm_admin).patch(f"/installations/{installation.pk}", {"url": url})
    in_api = App.objects.get(owner_firm=firm).launch_url
    assert on_page == in_api
    assert (response.status_code == 302) == (answer.status_code == 200)
    if answer.status_code != 200:
        assert on_page == "https://avant.example.fr/"
        assert html.escape(answer.json()["error"]["message"]) in response.content.decode()


def test_the_demo_setting_applies_to_both(firm, firm_admin, admin_page, api_as, settings):
    settings.TILE_ALLOW_LOCAL_ADDRESSES = True
    url = "http://127.0.0.1:8000/agenda"
    page = _through_the_page(admin_page, firm, url)
    _forget(firm)
    api = _through_the_api(api_as(firm_admin), firm, url)
    assert page == api == ("stored", url)


def test_the_refusal_is_in_french_on_the_page(admin_page):
    response = admin_page.post(
        reverse("store:custom_app_create"),
        {"name": "Box", "url": "http://192.168.1.1/", "audience": "both"},
    )
    assert response.status_code == 422
    assert "« 192.168.1.1 » est une adresse de cet ordinateur ou d’un réseau local" in (  # noqa: RUF001
        response.content.decode()
    )
