"""The documents list shows each document's latest send status (of its latest version), read
in the list's own query: the page's query count does not grow with its documents."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.assignments.models import CompanyAssignment
from comptoir.deliveries.models import Delivery
from comptoir.documents.services import document_upload, document_version_add
from comptoir.store.models import App, Installation
from tests.conftest import client_for
from tests.factories import uploaded_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def plug(firm, company):
    app = App.objects.create(
        slug="automatiser-test",
        name="Automatiser Test",
        type="automation",
        audience="firm",
        transport="email",
        accepted_folders=["achats"],
    )
    installation = Installation.objects.create(firm=firm, app=app)
    assignment = CompanyAssignment.objects.create(
        firm=firm, installation=installation, company=company
    )
    counter = iter(range(10_000))

    def deliver(version, status, **extra):
        return Delivery.objects.create(
            firm=firm,
            company=company,
            company_name=company.name,
            version=version,
            installation=installation,
            assignment=assignment,
            app_name=app.name,
            app_slug=app.slug,
            destination={"kind": "email"},
            folder="achats",
            status=status,
            idempotency_key=f"key-{next(counter)}",
            **extra,
        )

    return deliver


def _upload(actor, company, name):
    return document_upload(actor=actor, company=company, folder="achats", file=uploaded_file(name))


def _row(html: str, title: str) -> str:
    start = html.index(f">{title}</a>")
    return html[start : html.index("</tr>", start)]


def test_each_row_shows_the_worst_status_of_the_latest_version(
    firm_admin, company, plug, media_root
):
    sent = _upload(firm_admin, company, "sent.pdf")
    plug(sent.versions.get(number=1), "sent")
    waiting = _upload(firm_admin, company, "waiting.pdf")
    plug(waiting.versions.get(number=1), "sent")
    plug(waiting.versions.get(number=1), "pending")
    failed = _upload(firm_admin, company, "failed.pdf")
    plug(failed.versions.get(number=1), "sent")
    plug(failed.versions.get(number=1), "failed")
    resent = _upload(firm_admin, company, "resent.pdf")
    first = plug(resent.versions.get(number=1), "failed")
    plug(resent.versions.get(number=1), "sent", resend_of=first)
    newer = _upload(firm_admin, company, "newer.pdf")
    plug(newer.versions.get(number=1), "failed")
    document_version_add(actor=firm_admin, document=newer, file=uploaded_file("newer.pdf"))
    never = _upload(firm_admin, company, "never.pdf")

    client = client_for(firm_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = client.get(reverse("documents:firm_company_documents", args=[company.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<th scope="col">Envoi</th>' in html
    assert "Envoyé" in _row(html, sent.title)
    assert "En attente" in _row(html, waiting.title)
    assert "Échec" in _row(html, failed.title)
    # A failure sent again since: its resend counts.
    assert "Envoyé" in _row(html, resent.title) and "Échec" not in _row(html, resent.title)
    # Version 2 has no delivery: the failure of version 1 is not its status.
    assert "Non envoyé" in _row(html, newer.title)
    assert "Non envoyé" in _row(html, never.title)


def test_company_user_sees_the_status_in_english(company_admin, company, plug, media_root):
    document = _upload(company_admin, company, "facture.pdf")
    plug(document.versions.get(number=1), "failed")
    client = client_for(company_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get(reverse("documents:company_documents")).content.decode()
    assert "Failed" in _row(html, document.title)


def test_no_column_when_nothing_was_ever_sent(firm_admin, company, media_root):
    _upload(firm_admin, company, "seul.pdf")
    client = client_for(firm_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(reverse("documents:firm_company_documents", args=[company.pk]))
    assert page.status_code == 200
    assert "seul" in page.content.decode()
    assert "Not sent" not in page.content.decode()


def test_list_query_count_does_not_grow_with_documents(firm_admin, company, plug, media_root):
    client = client_for(firm_admin)
    url = reverse("documents:firm_company_documents", args=[company.pk])
    counts = []
    for batch in (2, 25):
        for i in range(batch):
            document = _upload(firm_admin, company, f"{batch}-{i}.pdf")
            plug(document.versions.get(number=1), ("sent", "failed", "pending")[i % 3])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count("badge badge--") == batch + (2 if batch == 25 else 0)
        counts.append(len(queries))
    assert counts[0] == counts[1]
