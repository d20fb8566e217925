"""The documents API: shapes, errors, downloads."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.documents.models import Document, DocumentVersion
from tests.api_errors import assert_api_error
from tests.documents.conftest import stored_files
from tests.factories import PDF_BYTES, PNG_BYTES, uploaded_file


def post_multipart(api, path, data):
    return api.client.post(f"/api/v1{path}", data)


def test_upload_answers_201_with_the_document_and_version_1(company, firm_collaborator, api_as):
    api = api_as(firm_collaborator)
    response = post_multipart(
        api,
        f"/companies/{company.pk}/documents",
        {
            "file": uploaded_file("Ticket resto.png", PNG_BYTES),
            "folder": "notes_de_frais",
            "fiscal_year": "2026-01-01",
            "month": "2026-04",
            "title": "Déjeuner client",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert isinstance(body["id"], int)
    assert body["company"] == company.pk
    assert body["folder"] == "notes_de_frais"
    assert body["fiscal_year"]["start"] == "2026-01-01"
    assert body["fiscal_year"]["end"] == "2026-12-31"
    assert body["month"] == "2026-04-01"
    assert body["month_label"].startswith("04 - ")
    assert body["title"] == "Déjeuner client"
    assert body["current_version"] == 1
    assert body["created_by"]["id"] == firm_collaborator.pk
    [version] = body["versions"]
    assert version["number"] == 1
    assert version["original_name"] == "Ticket resto.png"
    assert version["size"] == len(PNG_BYTES)
    assert version["content_type"] == "image/png"
    assert version["sha256"] == hashlib.sha256(PNG_BYTES).hexdigest()
    assert version["download_url"] == f"/api/v1/documents/{body['id']}/versions/1/file"


def test_upload_with_only_file_and_folder(company, company_admin, api_as):
    response = post_multipart(
        api_as(company_admin),
        f"/companies/{company.pk}/documents",
        {"file": uploaded_file(), "folder": "achats"},
    )
    assert response.status_code == 201
    assert response.json()["month"] is None


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ({"folder": "achats"}, 422, "file_required"),
        ({"file": "not-a-file", "folder": "achats"}, 422, "file_required"),
        ({"file": True, "folder": "nowhere"}, 422, "invalid_folder"),
        ({"file": True}, 422, "invalid_folder"),
        ({"file": True, "folder": "achats", "month": "2031-01"}, 422, "month_outside_fiscal_years"),
        (
            {"file": True, "folder": "achats", "fiscal_year": "1999-01-01"},
            422,
            "unknown_fiscal_year",
        ),
        ({"file": b"", "folder": "achats"}, 422, "file_empty"),
    ],
)
def test_bad_uploads_are_refused_clearly(
    company, firm_admin, api_as, media_root, data, status, code
):
    if data.get("file") is True:
        data["file"] = uploaded_file()
    elif data.get("file") == b"":
        data["file"] = uploaded_file(content=b"")
    response = post_multipart(api_as(firm_admin), f"/companies/{company.pk}/documents", data)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert Document.objects.count() == 0
    assert stored_files(media_root) == []


def test_too_large_is_413(company, firm_admin, api_as, settings, media_root):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 20
    response = post_multipart(
        api_as(firm_admin),
        f"/companies/{company.pk}/documents",
        {"file": uploaded_file(), "folder": "achats"},
    )
    assert response.status_code == 413
    assert_api_error(response, code="file_too_large")
    assert "20" in response.json()["error"]["message"]
    assert stored_files(media_root) == []


def test_document_detail_lists_its_versions(document, company_guest, api_as):
    response = api_as(company_guest).get(f"/documents/{document.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == document.pk
    assert body["current_version"] == 2
    assert [v["number"] for v in body["versions"]] == [1, 2]
    assert body["versions"][1]["original_name"] == "facture-v2.pdf"


def test_new_version_answers_201(document, company_collaborator, api_as):
    content = PDF_BYTES + b"% v3\n"
    response = post_multipart(
        api_as(company_collaborator),
        f"/documents/{document.pk}/versions",
        {"file": uploaded_file("facture corrigée.pdf", content)},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == 3
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["uploaded_by"]["id"] == company_collaborator.pk
    document.refresh_from_db()
    assert document.current_version == 3


def test_new_version_without_file_is_422(document, firm_admin, api_as):
    response = post_multipart(api_as(firm_admin), f"/documents/{document.pk}/versions", {})
    assert response.status_code == 422
    assert_api_error(response, code="file_required")
    assert DocumentVersion.objects.filter(document=document).count() == 2


@pytest.mark.parametrize("number", [1, 2])
def test_download_returns_the_exact_bytes(document, company_guest, api_as, number):
    response = api_as(company_guest).get(f"/documents/{document.pk}/versions/{number}/file")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    version = document.versions.get(number=number)
    assert hashlib.sha256(data).hexdigest() == version.sha256
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'attachment; filename="facture-v{number}.pdf"'


def test_download_names_are_safe_in_the_header(company, firm_admin, api_as):
    api = api_as(firm_admin)
    created = post_multipart(
        api,
        f"/companies/{company.pk}/documents",
        {"file": uploaded_file('relevé "mars"\r\nX-Evil: 1.pdf'), "folder": "banque"},
    ).json()
    response = api.get(f"/documents/{created['id']}/versions/1/file")
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" in disposition
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_unknown_version_is_404(document, firm_admin, api_as):
    api = api_as(firm_admin)
    for path in (
        f"/documents/{document.pk}/versions/3/file",
        f"/documents/{document.pk}/versions/0/file",
        f"/documents/{document.pk}/versions/abc/file",
        f"/documents/{document.pk}/versions/3/deliveries",
        "/documents/999999",
        "/documents/abc",
    ):
        response = api.get(path)
        assert response.status_code == 404, path
        assert_api_error(response, code="not_found")


def test_missing_stored_file_is_a_clear_404(document, firm_admin, api_as):
    version = document.versions.get(number=1)
    version.file.storage.delete(version.file.name)
    response = api_as(firm_admin).get(f"/documents/{document.pk}/versions/1/file")
    assert response.status_code == 404
    assert_api_error(response, code="file_missing")


def test_deliveries_of_a_version_are_an_empty_page_for_now(document, firm_admin, api_as):
    response = api_as(firm_admin).get(f"/documents/{document.pk}/versions/1/deliveries")
    assert response.status_code == 200
    assert response.json() == {"items": [], "next": None}


def test_document_list_filters_and_paginates(company, firm_admin, api_as):
    api = api_as(firm_admin)
    for i in range(3):
        post_multipart(
            api,
            f"/companies/{company.pk}/documents",
            {"file": uploaded_file(f"a{i}.pdf"), "folder": "achats", "month": "2026-02"},
        )
    post_multipart(
        api, f"/companies/{company.pk}/documents", {"file": uploaded_file(), "folder": "ventes"}
    )

    everything = api.get(f"/companies/{company.pk}/documents").json()
    assert len(everything["items"]) == 4 and everything["next"] is None
    first = api.get(f"/companies/{company.pk}/documents", {"folder": "achats", "limit": 2}).json()
    assert [d["title"] for d in first["items"]] == ["a0.pdf", "a1.pdf"]
    rest = api.get(
        f"/companies/{company.pk}/documents",
        {"folder": "achats", "limit": 2, "cursor": first["next"]},
    ).json()
    assert [d["title"] for d in rest["items"]] == ["a2.pdf"] and rest["next"] is None
    in_month = api.get(
        f"/companies/{company.pk}/documents", {"fiscal_year": "2026-01-01", "month": "2026-02"}
    ).json()
    assert len(in_month["items"]) == 3
    assert api.get(f"/companies/{company.pk}/documents", {"folder": "x"}).status_code == 422


def test_document_list_and_detail_cost_the_same_queries_for_1_or_4_rows(
    company, firm_admin, api_as
):
    api = api_as(firm_admin)
    created = post_multipart(
        api, f"/companies/{company.pk}/documents", {"file": uploaded_file(), "folder": "achats"}
    ).json()
    urls = [f"/companies/{company.pk}/documents", f"/documents/{created['id']}"]

    def counts() -> list[int]:
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert api.get(url).status_code == 200
            result.append(len(queries))
        return result

    one = counts()
    for i in range(3):
        post_multipart(
            api,
            f"/companies/{company.pk}/documents",
            {"file": uploaded_file(f"{i}.pdf"), "folder": "achats"},
        )
        api.client.post(
            f"/api/v1/documents/{created['id']}/versions", {"file": uploaded_file(f"v{i}.pdf")}
        )

    assert len(api.get(urls[0]).json()["items"]) == 4
    assert len(api.get(urls[1]).json()["versions"]) == 4
    assert counts() == one


def test_company_users_act_in_their_company_context(company, company_admin, api_as):
    api = api_as(company_admin, HTTP_X_COMPTOIR_COMPANY=str(company.pk))
    response = post_multipart(
        api, f"/companies/{company.pk}/documents", {"file": uploaded_file(), "folder": "a_classer"}
    )
    assert response.status_code == 201
    assert api.get(f"/companies/{company.pk}/folders").json()["company"] == company.pk


def test_folders_endpoint_shape(company, firm_admin, api_as):
    body = api_as(firm_admin).get(f"/companies/{company.pk}/folders").json()
    assert body["company"] == company.pk
    achats = body["folders"][0]
    assert achats["key"] == "achats" and achats["count"] == 0
    year = achats["fiscal_years"][0]
    assert set(year) == {"start", "end", "label", "current", "count", "root_count", "months"}
    assert year["months"][0] == {
        "month": "2026-01-01",
        "label": year["months"][0]["label"],
        "count": 0,
    }
    assert len(year["months"]) == 12


def test_a_file_spooled_to_disk_keeps_its_exact_bytes(company, firm_admin, api_as, settings):
    # Above FILE_UPLOAD_MAX_MEMORY_SIZE Django hands over a temporary file, which the
    # filesystem storage moves into place: the bytes must survive that path too.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    content = b"%PDF-1.7\n" + bytes(range(256)) * 4096
    api = api_as(firm_admin)
    created = post_multipart(
        api,
        f"/companies/{company.pk}/documents",
        {"file": uploaded_file("gros.pdf", content), "folder": "achats"},
    )
    assert created.status_code == 201
    assert created.json()["versions"][0]["sha256"] == hashlib.sha256(content).hexdigest()
    response = api.get(f"/documents/{created.json()['id']}/versions/1/file")
    assert b"".join(response.streaming_content) == content
