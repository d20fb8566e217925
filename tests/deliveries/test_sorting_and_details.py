"""The send history sorted by its columns (``?tri=``), and its technical details (each
attempt, the server's reply code) behind a "Détails" disclosure, on the firm-wide list and on
the document page."""

import re

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.deliveries.connections import connect, email_app, sent_failed_pending, upload
from tests.factories import CompanyFactory

INDEX = reverse("deliveries:index")

pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture
def history(firm_admin, connection, company, http_server, smtp_server):
    """Facture 0 sent, Facture 1 failed, Facture 2 pending (one company, one app), then a
    delivery of another company to another app."""
    deliveries = sent_failed_pending(firm_admin, company, http_server, refusal="dossier inconnu")
    sibling = CompanyFactory(firm=company.firm, name="Aaa Garage")
    connect(sibling, email_app(), company_settings={"email_achats": "a@box.example"})
    upload(firm_admin, sibling, title="Facture garage")
    return deliveries


def rows(response):
    assert response.status_code == 200
    return list(response.context["page"].object_list)


@pytest.mark.parametrize(
    ("key", "sort_key"),
    [
        ("date", lambda d: (d.created_at, d.pk)),
        ("status", lambda d: (d.status, d.pk)),
        ("company", lambda d: (d.company_name, d.pk)),
        ("app", lambda d: (d.app_name, d.pk)),
    ],
)
def test_sorted_by_each_column_both_ways(firm_admin, history, key, sort_key):
    client = client_for(firm_admin)
    ascending = rows(client.get(INDEX, {"tri": key}))
    assert len(ascending) == 4
    assert [d.pk for d in ascending] == [d.pk for d in sorted(ascending, key=sort_key)]
    response = client.get(INDEX, {"tri": f"-{key}"})
    assert [d.pk for d in rows(response)] == [d.pk for d in reversed(ascending)]
    html = response.content.decode()
    assert html.count("aria-sort=") == 1 and 'aria-sort="descending"' in html


@pytest.mark.parametrize("bad", ["id", "-", "version__document__title", "x" * 300])
def test_bad_sort_falls_back_to_newest_first(firm_admin, history, bad):
    response = client_for(firm_admin).get(INDEX, {"tri": bad})
    listed = rows(response)
    assert [d.pk for d in listed] == sorted((d.pk for d in listed), reverse=True)
    assert 'aria-sort="descending"' in response.content.decode()


def test_sort_keeps_the_filters_and_the_export_follows_it(firm_admin, history):
    client = client_for(firm_admin)
    response = client.get(INDEX, {"tri": "status", "company": "garage"})
    links = re.findall(r'class="sort-link" href="([^"]*)"', response.content.decode())
    assert links and all("company=garage" in link for link in links)
    export = client.get(reverse("deliveries:export"), {"format": "csv", "tri": "status"})
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert body.index("Facture 1") < body.index("Facture 2") < body.index("Facture 0")


def _outside_details(html: str) -> str:
    return re.sub(r"<details.*?</details>", "", html, flags=re.S)


def test_reply_codes_are_behind_details_on_the_list(firm_admin, history):
    html = client_for(firm_admin).get(INDEX).content.decode()
    assert "<summary>Détails" in html
    assert re.search(r"\(\d{3}\)", html)  # the reply code is still there...
    assert not re.search(r"\(\d{3}\)", _outside_details(html))  # ...but only inside "Détails"
    assert "Envoyé" in _outside_details(html) and "Échec" in _outside_details(html)


def test_document_page_keeps_type_and_attempts_behind_details(firm_admin, history):
    document = history[0]
    html = client_for(firm_admin).get(reverse("documents:detail", args=[document.pk])).content
    html = html.decode()
    assert "application/pdf" in html and "application/pdf" not in _outside_details(html)
    assert re.search(r"\(\d{3}\)", html) and not re.search(r"\(\d{3}\)", _outside_details(html))
    assert "Envoyé" in _outside_details(html)
