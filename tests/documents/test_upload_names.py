"""Long and odd file names, and requests Django refuses while reading them, on document upload.

Raw multipart bodies, as a browser or curl sends them (the test client's own encoder would
clean the name first). The document is kept under a cleaned name whenever one can be made;
what cannot be received gets the API's error shape or a French page, never a 500 nor
Django's English "Bad Request (400)".
"""

import pytest
from django.test import Client

from comptoir.documents.models import Document, DocumentVersion
from tests.api_errors import assert_api_error
from tests.conftest import client_for
from tests.documents.conftest import stored_files
from tests.factories import PDF_BYTES

BOUNDARY = "----comptoirBoundary7MA4YWxkTrZu0gW"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if filename is not None:
        head += "Content-Type: application/pdf\r\n"
    return head.encode() + b"\r\n" + value + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def upload_body(filename: str, **fields: str) -> bytes:
    extra = [part(k, v.encode()) for k, v in fields.items()]
    return body(part("folder", b"achats"), *extra, part("file", PDF_BYTES, filename))


def api_post(api, company, data: bytes, content_type: str = MULTIPART):
    return api.client.post(
        f"/api/v1/companies/{company.pk}/documents",
        data,
        content_type=content_type,
        HTTP_ACCEPT_LANGUAGE="fr",
    )


def page_post(client, company, data: bytes, content_type: str = MULTIPART):
    return client.post(
        f"/cabinet/clients/{company.pk}/documents/",
        data,
        content_type=content_type,
        HTTP_ACCEPT_LANGUAGE="fr",
    )


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("a" * 800 + ".pdf", "a" * 146 + ".pdf"),  # long: truncated, the extension kept
        ("é" * 300 + ".pdf", "é" * 146 + ".pdf"),  # 600 bytes of UTF-8
        ("fac\x01\x02ture\x07.pdf", "facture.pdf"),  # control characters
        ("facture\u202efdp.exe", "facturefdp.exe"),  # right-to-left override
        ("../../etc/passwd.pdf", "passwd.pdf"),  # path separators: the last part only
        ("C:\\Users\\moi\\relevé.pdf", "relevé.pdf"),
        ("....", "document"),  # nothing left but dots
        ("  relevé   de   mars .pdf  ", "relevé de mars .pdf"),
        ('fa<c>t:u"r|e?*.pdf', "fa_c_t_u_r_e__.pdf"),
    ],
)
def test_odd_names_are_cleaned_and_the_document_kept(
    company, firm_admin, api_as, sent, kept, media_root
):
    response = api_post(api_as(firm_admin), company, upload_body(sent))
    assert response.status_code == 201, response.content
    version = response.json()["versions"][0]
    assert version["original_name"] == kept
    assert len(stored_files(media_root)) == 1


@pytest.mark.parametrize("sent", ["..", ".", "\u202e", "\x01\x02"])
def test_names_that_cannot_be_made_safe_say_so_in_french(company, firm_admin, api_as, sent):
    response = api_post(api_as(firm_admin), company, upload_body(sent))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "file_required"
    assert "son nom n’a pas pu être lu" in error["message"]  # noqa: RUF001
    assert not Document.objects.exists()


@pytest.mark.parametrize("sent", ["..", "\u202e"])
def test_on_the_page_too(company, firm_admin, sent):
    response = page_post(client_for(firm_admin), company, upload_body(sent))
    assert response.status_code == 422
    assert "son nom n’a pas pu être lu" in response.content.decode()  # noqa: RUF001
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("a" * 800 + ".pdf", "a" * 146 + ".pdf"), ("facture\u202efdp.exe", "facturefdp.exe")],
)
def test_odd_names_are_cleaned_on_the_page(company, firm_admin, sent, kept):
    response = page_post(client_for(firm_admin), company, upload_body(sent))
    assert response.status_code == 302
    assert Document.objects.get().versions.get().original_name == kept


@pytest.mark.parametrize("length", [1_000, 5_000, 60_000])
def test_a_thousand_character_name_is_a_json_error_on_the_api(
    company, firm_admin, api_as, length, media_root
):
    response = api_post(api_as(firm_admin), company, upload_body("n" * length + ".pdf"))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "file_name_too_long"
    assert error["message"].startswith("Le fichier n’a pas pu être reçu")  # noqa: RUF001
    assert error["details"] == []
    assert not DocumentVersion.objects.exists() and stored_files(media_root) == []


def test_a_thousand_character_name_is_a_french_page_on_the_site(company, firm_admin, media_root):
    response = page_post(client_for(firm_admin), company, upload_body("n" * 1_200 + ".pdf"))
    assert response.status_code == 400
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert 'lang="fr"' in html and "Requête non reçue" in html
    assert "Renommez le fichier avec un nom plus court" in html
    assert f'href="/cabinet/clients/{company.pk}/documents/"' in html
    assert "Bad Request" not in html
    assert stored_files(media_root) == []


def test_the_page_answers_the_same_with_the_csrf_check_on(company, firm_admin):
    # In production the CSRF middleware reads the body first, before the view.
    client = Client(enforce_csrf_checks=True)
    client.force_login(firm_admin)
    token = "a" * 32  # a browser's CSRF cookie, repeated in the form as Django's tag does
    client.cookies["csrftoken"] = token
    data = body(
        part("csrfmiddlewaretoken", token.encode()),
        part("folder", b"achats"),
        part("file", PDF_BYTES, "n" * 1_200 + ".pdf"),
    )
    response = page_post(client, company, data)
    assert response.status_code == 400
    assert "Requête non reçue" in response.content.decode()
    # The same form with a usual name passes the CSRF check and is uploaded.
    data = data.replace(b"n" * 1_200 + b".pdf", b"facture.pdf")
    assert page_post(client, company, data).status_code == 302
    assert Document.objects.get().title == "facture.pdf"


def test_a_malformed_multipart_body_is_a_json_400(company, firm_admin, api_as):
    api = api_as(firm_admin)
    response = api_post(api, company, upload_body("a.pdf"), content_type="multipart/form-data")
    assert response.status_code == 400
    assert_api_error(response, code="malformed_upload")
    truncated = upload_body("a.pdf")[:-30]
    response = api_post(api, company, truncated)
    assert response.status_code in (400, 422)
    assert response["Content-Type"].startswith("application/json")


def test_data_upload_limits_answer_413_in_the_error_shape(company, firm_admin, api_as, settings):
    api = api_as(firm_admin)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = api_post(api, company, upload_body("a.pdf", title="t" * 500))
    assert response.status_code == 413
    assert_api_error(response, code="request_too_large")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    many = body(part("folder", b"achats"), *(part("file", PDF_BYTES, f"{i}.pdf") for i in range(3)))
    response = api_post(api, company, many)
    assert response.status_code == 413
    assert_api_error(response, code="too_many_parts")
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    fields = body(*(part(f"f{i}", b"x") for i in range(5)), part("file", PDF_BYTES, "a.pdf"))
    response = api_post(api, company, fields)
    assert response.status_code == 413
    assert response.json()["error"]["message"].startswith("La requête contient trop")
    assert not Document.objects.exists()


def test_data_upload_limits_are_a_french_page_on_the_site(company, firm_admin, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = page_post(client_for(firm_admin), company, upload_body("a.pdf", title="t" * 500))
    assert response.status_code == 413
    assert "Raccourcissez ce que vous avez saisi" in response.content.decode()


def test_data_upload_limits_are_json_even_with_debug_on(company, firm_admin, api_as, settings):
    # The demo runs with DEBUG on, where Django would answer its HTML debug page.
    settings.DEBUG = True
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = api_post(api_as(firm_admin), company, upload_body("a.pdf", title="t" * 500))
    assert response.status_code == 413
    assert_api_error(response, code="request_too_large")
