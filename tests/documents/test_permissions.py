"""Who may do what, on every page and endpoint: 200/201/302, 403 in one's own company, else 404."""

import pytest

from tests.conftest import ApiClient, client_for
from tests.factories import uploaded_file

ACTORS = [
    "firm_admin",
    "firm_collaborator",
    "company_admin",
    "company_collaborator",
    "company_guest",
    "sibling_member",
    "other_firm_admin",
]
# What each actor gets on ``company``'s documents: read, and write.
READ = {
    "firm_admin": "ok",
    "firm_collaborator": "ok",
    "company_admin": "ok",
    "company_collaborator": "ok",
    "company_guest": "ok",
    "sibling_member": 404,
    "other_firm_admin": 404,
}
WRITE = {**READ, "company_guest": 403}
FIRM_ONLY = {actor: ("ok" if actor.startswith("firm_") else 404) for actor in ACTORS}
# /entreprise/documents/ is always the caller's own company: the sibling member gets theirs.
COMPANY_ONLY = {
    actor: ("ok" if actor.startswith("company_") or actor == "sibling_member" else 404)
    for actor in ACTORS
}
COMPANY_ONLY_WRITE = {**COMPANY_ONLY, "company_guest": 403}


def _expect(outcome, ok_status: int) -> int:
    return ok_status if outcome == "ok" else outcome


API_CASES = [
    ("get", "/companies/{company}/folders", None, READ, 200),
    ("get", "/companies/{company}/documents", None, READ, 200),
    ("post", "/companies/{company}/documents", "new", WRITE, 201),
    ("get", "/documents/{document}", None, READ, 200),
    ("post", "/documents/{document}/versions", "version", WRITE, 201),
    ("get", "/documents/{document}/versions/1/file", None, READ, 200),
    ("get", "/documents/{document}/versions/2/file", None, READ, 200),
    ("get", "/documents/{document}/versions/1/deliveries", None, READ, 200),
]


def _payload(kind):
    if kind == "new":
        return {"file": uploaded_file(), "folder": "achats"}
    if kind == "version":
        return {"file": uploaded_file("v3.pdf")}
    return None


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("method", "path", "kind", "table", "ok"), API_CASES)
def test_api_matrix(request, actor, method, path, kind, table, ok, company, document):
    user = request.getfixturevalue(actor)
    api = ApiClient(user)
    url = "/api/v1" + path.format(company=company.pk, document=document.pk)
    response = api.client.get(url) if method == "get" else api.client.post(url, _payload(kind))
    assert response.status_code == _expect(table[actor], ok), (actor, url, response.content[:200])
    if response.status_code in (403, 404):
        assert response.json()["error"]["code"] in ("forbidden", "not_found")


PAGE_CASES = [
    ("get", "documents:firm_company_documents", "company", None, FIRM_ONLY, 200),
    ("post", "documents:firm_company_documents", "company", "new", FIRM_ONLY, 302),
    ("get", "documents:company_documents", None, None, COMPANY_ONLY, 200),
    ("post", "documents:company_documents", None, "new", COMPANY_ONLY_WRITE, 302),
    ("get", "documents:detail", "document", None, READ, 200),
    ("post", "documents:detail", "document", "version", WRITE, 302),
    ("get", "documents:download", "version", None, READ, 200),
]


def _page_url(name, arg, company, document):
    from django.urls import reverse

    if arg == "company":
        return reverse(name, args=[company.pk])
    if arg == "document":
        return reverse(name, args=[document.pk])
    if arg == "version":
        return reverse(name, args=[document.pk, 1])
    return reverse(name)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("method", "name", "arg", "kind", "table", "ok"), PAGE_CASES)
def test_page_matrix(request, actor, method, name, arg, kind, table, ok, company, document):
    user = request.getfixturevalue(actor)
    client = client_for(user)
    url = _page_url(name, arg, company, document)
    response = client.get(url) if method == "get" else client.post(url, _payload(kind))
    assert response.status_code == _expect(table[actor], ok), (actor, url)


def test_guest_sees_no_upload_form(company_guest, document):
    client = client_for(company_guest)
    listing = client.get("/entreprise/documents/")
    detail = client.get(f"/documents/{document.pk}/")
    for response in (listing, detail):
        assert response.status_code == 200
        assert b'enctype="multipart/form-data"' not in response.content
    assert document.title.encode() in listing.content


def test_uploaders_see_the_upload_forms(company_collaborator, document):
    client = client_for(company_collaborator)
    for url in ("/entreprise/documents/", f"/documents/{document.pk}/"):
        assert b'enctype="multipart/form-data"' in client.get(url).content


def test_a_company_page_shows_only_its_own_company(sibling_member, sibling_company, document):
    client = client_for(sibling_member)
    response = client.get("/entreprise/documents/")
    assert response.status_code == 200
    assert document.title.encode() not in response.content
    client.post("/entreprise/documents/", {"file": uploaded_file("mine.pdf"), "folder": "ventes"})
    assert sibling_company.documents.get().title == "mine.pdf"
    assert document.company.documents.count() == 1


# --- cross-firm: every URL answers 404 for another firm's company or document ---------------


def test_every_api_endpoint_is_404_for_another_firm(
    firm_admin, firm_collaborator, company_admin, other_company, other_document
):
    urls = [
        ("get", f"/companies/{other_company.pk}/folders"),
        ("get", f"/companies/{other_company.pk}/documents"),
        ("post", f"/companies/{other_company.pk}/documents"),
        ("get", f"/documents/{other_document.pk}"),
        ("post", f"/documents/{other_document.pk}/versions"),
        ("get", f"/documents/{other_document.pk}/versions/1/file"),
        ("get", f"/documents/{other_document.pk}/versions/1/deliveries"),
    ]
    for user in (firm_admin, firm_collaborator, company_admin):
        api = ApiClient(user)
        for method, path in urls:
            data = {"file": uploaded_file(), "folder": "achats"} if method == "post" else None
            response = getattr(api.client, method)(f"/api/v1{path}", data)
            assert response.status_code == 404, (user, path)
    assert other_document.versions.count() == 1


def test_every_page_is_404_for_another_firm(
    firm_admin, company_admin, other_company, other_document
):
    urls = [
        f"/cabinet/clients/{other_company.pk}/documents/",
        f"/documents/{other_document.pk}/",
        f"/documents/{other_document.pk}/versions/1/fichier/",
    ]
    for user in (firm_admin, company_admin):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
            assert client.post(url, {"file": uploaded_file(), "folder": "achats"}).status_code in (
                404,
                405,
            ), (user, url)
    assert other_document.versions.count() == 1


def test_other_firm_header_is_404(firm_admin, other_firm, company, document):
    api = ApiClient(firm_admin, HTTP_X_COMPTOIR_FIRM=other_firm.slug)
    assert api.client.get(f"/api/v1/documents/{document.pk}").status_code == 404


def test_anonymous_is_sent_to_log_in(company, document, client):
    assert client.get(f"/api/v1/documents/{document.pk}").status_code == 401
    assert client.get(f"/api/v1/companies/{company.pk}/folders").status_code == 401
    for url in (
        f"/cabinet/clients/{company.pk}/documents/",
        "/entreprise/documents/",
        f"/documents/{document.pk}/",
        f"/documents/{document.pk}/versions/1/fichier/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/connexion/" in response["Location"]
