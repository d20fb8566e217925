"""The documents pages: the client's “Documents” tab, the company's documents, one document."""

import hashlib

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comptoir.documents import services
from comptoir.documents.models import Document
from tests.documents.conftest import stored_files
from tests.factories import PDF_BYTES, uploaded_file


def client_for(user) -> Client:
    """A logged-in browser that asks for English pages."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_client_page_has_a_documents_tab(firm_admin, company):
    response = client_for(firm_admin).get(f"/cabinet/clients/{company.pk}/")
    assert f'href="/cabinet/clients/{company.pk}/documents/"'.encode() in response.content


def test_firm_documents_tab_shows_the_tree_and_the_upload_form(
    firm_collaborator, company, document
):
    response = client_for(firm_collaborator).get(f"/cabinet/clients/{company.pk}/documents/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-current="page">Documents</a>' in html  # the active tab
    for label in (
        "Purchases",
        "Sales",
        "Expense reports",
        "Administrative",
        "Payroll and HR",
        "Bank",
        "To sort",
    ):
        assert label in html
    assert "Fiscal year 2026" in html and "Fiscal year 2025" in html
    assert "01 - January 2026" in html
    assert document.title in html
    assert f'href="/documents/{document.pk}/"' in html
    assert 'enctype="multipart/form-data"' in html


def test_folder_labels_are_french_for_french_users(company_admin, company):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(company_admin)
    html = client.get("/entreprise/documents/").content.decode()
    for label in (
        "Achats",
        "Ventes",
        "Notes de frais",
        "Administratif",
        "Social",
        "Banque",
        "À classer",
        "01 - Janvier 2026",
    ):
        assert label in html


def test_tree_links_narrow_the_list(firm_admin, company):
    for folder, month in (("achats", "2026-02"), ("ventes", None)):
        services.document_upload(
            actor=firm_admin,
            company=company,
            folder=folder,
            month=month,
            file=uploaded_file(f"{folder}.pdf"),
        )
    client = client_for(firm_admin)
    url = f"/cabinet/clients/{company.pk}/documents/"
    html = client.get(url, {"folder": "achats", "fy": "2026-01-01", "month": "2026-02"}).content
    assert b"achats.pdf" in html and b"ventes.pdf" not in html
    html = client.get(url, {"folder": "ventes"}).content
    assert b"ventes.pdf" in html and b"achats.pdf" not in html
    html = client.get(url, {"folder": "achats", "fy": "2026-01-01", "month": "2026-03"}).content
    assert b"achats.pdf" not in html
    # Unknown places show everything rather than an error.
    html = client.get(url, {"folder": "nope", "fy": "x", "month": "y"}).content
    assert b"achats.pdf" in html and b"ventes.pdf" in html


def test_list_page_query_count_does_not_grow(firm_admin, company):
    client = client_for(firm_admin)
    url = f"/cabinet/clients/{company.pk}/documents/"
    client.get(url)
    counts = []
    for batch in (2, 30):
        for i in range(batch):
            services.document_upload(
                actor=firm_admin, company=company, folder="achats", file=uploaded_file(f"{i}.pdf")
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_upload_from_the_firm_tab(firm_admin, company, media_root):
    client = client_for(firm_admin)
    url = f"/cabinet/clients/{company.pk}/documents/"
    response = client.post(
        url,
        {
            "file": uploaded_file("Facture mars.pdf"),
            "folder": "achats",
            "fiscal_year": "2026-01-01",
            "month": "2026-03",
            "title": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url}?folder=achats&fy=2026-01-01&month=2026-03"
    document = Document.objects.get()
    assert (document.company, document.folder, document.title) == (
        company,
        "achats",
        "Facture mars.pdf",
    )
    page = client.get(response["Location"]).content.decode()
    assert "“Facture mars.pdf” is uploaded." in page
    assert len(stored_files(media_root)) == 1


def test_upload_from_the_company_space(company_admin, company):
    client = client_for(company_admin)
    response = client.post("/entreprise/documents/", {"file": uploaded_file(), "folder": "banque"})
    assert response.status_code == 302
    assert response["Location"].startswith("/entreprise/documents/?folder=banque")
    assert company.documents.get().created_by == company_admin


def test_refused_uploads_show_the_form_again_with_the_message(
    firm_admin, company, settings, media_root
):
    client = client_for(firm_admin)
    url = f"/cabinet/clients/{company.pk}/documents/"
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 10
    response = client.post(url, {"file": uploaded_file(), "folder": "achats"})
    assert response.status_code == 413
    assert "the limit is 10" in response.content.decode()
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1000
    response = client.post(url, {"file": uploaded_file(content=b""), "folder": "achats"})
    assert response.status_code == 422
    assert "The file is empty" in response.content.decode()
    response = client.post(url, {"folder": "achats"})
    assert response.status_code == 422
    response = client.post(url, {"file": uploaded_file(), "folder": "achats", "month": "1999-01"})
    assert response.status_code == 422
    assert Document.objects.count() == 0
    assert stored_files(media_root) == []


def test_document_page_lists_versions_with_their_facts(firm_admin, document):
    response = client_for(firm_admin).get(f"/documents/{document.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    v1, v2 = document.versions.order_by("number")
    versions_html = html[html.index('id="versions-title"') :]
    assert versions_html.index("facture-v2.pdf") < versions_html.index("facture-v1.pdf")
    for version in (v1, v2):
        assert version.sha256[:12] in html
        assert f'href="/documents/{document.pk}/versions/{version.number}/fichier/"' in html
        assert f'id="send-history-{version.number}"' in html
    assert firm_admin.display_name in html
    assert "Nothing sent yet" in html
    assert "Upload a new version" in html
    assert 'aria-current="page">Documents</a>' in html  # inside the client page's tabs


def test_document_page_for_a_company_user(company_guest, document):
    response = client_for(company_guest).get(f"/documents/{document.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/entreprise/documents/' in html
    assert "Upload a new version" not in html


def test_new_version_from_the_document_page(company_collaborator, document, media_root):
    client = client_for(company_collaborator)
    content = PDF_BYTES + b"% v3\n"
    response = client.post(f"/documents/{document.pk}/", {"file": uploaded_file("v3.pdf", content)})
    assert response.status_code == 302
    assert response["Location"] == f"/documents/{document.pk}/"
    document.refresh_from_db()
    assert document.current_version == 3
    assert document.versions.get(number=3).sha256 == hashlib.sha256(content).hexdigest()
    assert len(stored_files(media_root)) == 3
    response = client.post(f"/documents/{document.pk}/", {"file": uploaded_file(content=b"")})
    assert response.status_code == 422
    assert "The file is empty" in response.content.decode()


@pytest.mark.parametrize("number", [1, 2])
def test_download_from_the_page(company_guest, document, number):
    response = client_for(company_guest).get(f"/documents/{document.pk}/versions/{number}/fichier/")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert hashlib.sha256(data).hexdigest() == document.versions.get(number=number).sha256
    assert response["Content-Disposition"] == f'attachment; filename="facture-v{number}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_unknown_version_page_is_404(firm_admin, document):
    client = client_for(firm_admin)
    assert client.get(f"/documents/{document.pk}/versions/9/fichier/").status_code == 404
    assert client.get("/documents/999999/").status_code == 404
