"""The assignments API: shapes, rules, and 404 for everything of another firm or company."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from comptoir.assignments import services
from comptoir.assignments.models import AssignAllRule, CompanyAssignment, RoleGrant, UserAccess
from tests.api_errors import assert_api_error
from tests.assignments.conftest import connector_settings, install
from tests.factories import CompanyFactory, CompanyMembershipFactory


@pytest.fixture
def admin_api(api_as, firm_admin):
    return api_as(firm_admin)


def test_assign_list_patch_delete(admin_api, firm, company, connector):
    response = admin_api.post(
        f"/installations/{connector.pk}/assignments",
        {"companies": [company.pk], "settings": connector_settings(mot_de_passe="s3cret")},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (1, 0, 0)
    item = body["items"][0]
    assert item["company"] == {"id": company.pk, "name": company.name, "siret": company.siret}
    assert item["settings"]["mot_de_passe"] == {"secret_set": True}  # never shown back
    assert "s3cret" not in response.content.decode()

    again = admin_api.post(
        f"/installations/{connector.pk}/assignments",
        {"companies": [company.pk], "settings": connector_settings()},
    )
    assert again.status_code == 200 and again.json()["unchanged"] == 1

    listing = admin_api.get(f"/installations/{connector.pk}/assignments").json()
    assert [i["company"]["id"] for i in listing["items"]] == [company.pk]
    assert listing["next"] is None

    detail = admin_api.get(f"/installations/{connector.pk}/assignments/{company.pk}")
    assert detail.status_code == 200 and detail.json()["enabled"] is True

    patched = admin_api.patch(
        f"/installations/{connector.pk}/assignments/{company.pk}",
        {"enabled": False, "settings": {"code_dossier": "XYZ"}},
    )
    assert patched.status_code == 200
    assert patched.json()["enabled"] is False
    assert patched.json()["settings"]["code_dossier"] == "XYZ"

    bad = admin_api.patch(
        f"/installations/{connector.pk}/assignments/{company.pk}",
        {"settings": {"email_achats": "non"}},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "settings.email_achats"

    assert (
        admin_api.delete(f"/installations/{connector.pk}/assignments/{company.pk}").status_code
        == 204
    )
    assert not CompanyAssignment.objects.exists()


def test_assign_refusals(admin_api, firm, company, connector, firm_only_app):
    empty = admin_api.post(f"/installations/{connector.pk}/assignments", {"companies": []})
    assert empty.status_code == 422
    invalid = admin_api.post(
        f"/installations/{connector.pk}/assignments", {"companies": [company.pk], "settings": {}}
    )
    assert invalid.status_code == 422
    assert {d["key"] for d in invalid.json()["error"]["details"]} == {
        "code_dossier",
        "email_achats",
    }
    firm_only = install(firm, firm_only_app)
    refused = admin_api.post(
        f"/installations/{firm_only.pk}/assignments", {"companies": [company.pk]}
    )
    assert refused.status_code == 422
    assert_api_error(refused, code="firm_only_app")
    template = admin_api.get(f"/installations/{firm_only.pk}/assignments/template.csv")
    assert template.status_code == 422
    assert not CompanyAssignment.objects.exists()


def test_template_csv(admin_api, connector):
    response = admin_api.get(f"/installations/{connector.pk}/assignments/template.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content == (
        b"\xef\xbb\xbfsiret;code_dossier;email_achats;email_ventes;mot_de_passe;frequence\r\n"
    )


def test_import_dry_run_then_apply(admin_api, firm, connector):
    company = CompanyFactory(firm=firm)
    content = f"siret;code_dossier;email_achats;nom\r\n{company.siret};D1;a@b.example;X\r\n"
    url = f"/api/v1/installations/{connector.pk}/assignments/import"

    def post(query):
        return admin_api.client.post(
            url + query, {"file": SimpleUploadedFile("f.csv", content.encode())}
        )

    dry = post("?dry_run=true")
    assert dry.status_code == 200
    assert len(dry.json().pop("preview")) == 32
    assert dry.json() | {"preview": None} == {
        "dry_run": True,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rows": [
            {
                "row": 2,
                "siret": company.siret,
                "company_id": company.pk,
                "company": company.name,
                "action": "created",
                "changed": ["code_dossier", "email_achats"],
            }
        ],
        "columns": ["siret", "code_dossier", "email_achats"],
        "extra_columns": ["nom"],
        "preview": None,
    }
    assert not CompanyAssignment.objects.exists()
    applied = post("?dry_run=false")
    assert applied.status_code == 200 and applied.json()["created"] == 1
    assert CompanyAssignment.objects.get().settings == {
        "code_dossier": "D1",
        "email_achats": "a@b.example",
    }
    missing = admin_api.client.post(url)
    assert missing.status_code == 422
    assert_api_error(missing, code="file_required")


def test_assign_all_endpoint(admin_api, firm, redirect_installation, connector):
    CompanyFactory.create_batch(3, firm=firm)
    response = admin_api.post(
        f"/installations/{redirect_installation.pk}/assign-all", {"include_future_companies": True}
    )
    assert response.status_code == 200
    assert response.json() == {
        "created": 3,
        "already_assigned": 0,
        "total": 3,
        "include_future_companies": True,
    }
    assert AssignAllRule.objects.get().include_future_companies
    refused = admin_api.post(f"/installations/{connector.pk}/assign-all", {})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "redirect_only"


def test_role_grants_endpoint(admin_api, firm, company, redirect_installation):
    user = CompanyMembershipFactory(company=company, role="collaborateur").user
    response = admin_api.post(
        f"/installations/{redirect_installation.pk}/role-grants",
        {"companies": [company.pk], "roles": ["collaborateur"], "include_future_users": True},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["users_granted"] == 1 and response.json()["assigned"] == 1
    assert UserAccess.objects.filter(user=user).exists()
    everyone = admin_api.post(
        f"/installations/{redirect_installation.pk}/role-grants",
        {"companies": "all", "roles": ["invite"]},
    )
    assert everyone.status_code == 201
    listing = admin_api.get(f"/installations/{redirect_installation.pk}/role-grants").json()
    assert [g["company"] is None for g in listing["items"]] == [False, True]
    grant = RoleGrant.objects.get(company=company)
    stopped = admin_api.post(
        f"/installations/{redirect_installation.pk}/role-grants/{grant.pk}/stop"
    )
    assert stopped.status_code == 200 and stopped.json()["include_future_users"] is False
    bad = admin_api.post(
        f"/installations/{redirect_installation.pk}/role-grants",
        {"companies": "some", "roles": ["invite"]},
    )
    assert bad.status_code == 422
    bad_role = admin_api.post(
        f"/installations/{redirect_installation.pk}/role-grants",
        {"companies": "all", "roles": ["patron"]},
    )
    assert bad_role.status_code == 422 and bad_role.json()["error"]["code"] == "invalid_role"


def test_user_apps_from_the_firm(
    admin_api, firm_admin, company, company_guest, redirect_installation, connector
):
    services.assignment_create(
        actor=firm_admin, installation=redirect_installation, company=company
    )
    services.assignment_create(
        actor=firm_admin, installation=connector, company=company, settings=connector_settings()
    )
    base = f"/companies/{company.pk}/users/{company_guest.pk}/apps"
    listing = admin_api.get(base)
    assert listing.status_code == 200
    assert listing.json() == [
        {
            "installation": redirect_installation.pk,
            "name": redirect_installation.app.name,
            "enabled": True,
            "granted": False,
            "by_rule": False,
        }
    ]
    granted = admin_api.put(f"{base}/{redirect_installation.pk}")
    assert granted.status_code == 200 and granted.json()["granted"] is True
    assert admin_api.put(f"{base}/{connector.pk}").status_code == 404  # no tile: no access
    assert admin_api.delete(f"{base}/{redirect_installation.pk}").status_code == 204
    assert not UserAccess.objects.exists()


def test_user_apps_from_the_company_admin(
    api_as, firm_admin, company, company_admin, company_guest, redirect_installation
):
    services.assignment_create(
        actor=firm_admin, installation=redirect_installation, company=company
    )
    api = api_as(company_admin, HTTP_X_COMPTOIR_COMPANY=str(company.pk))
    base = f"/companies/{company.pk}/users/{company_guest.pk}/apps"
    assert api.put(f"{base}/{redirect_installation.pk}").status_code == 200
    assert api.get(base).json()[0]["granted"] is True
    # Another company of the same firm, even with the right ids: 404.
    sibling = CompanyFactory(firm=company.firm)
    sibling_user = CompanyMembershipFactory(company=sibling).user
    services.assignment_create(
        actor=firm_admin, installation=redirect_installation, company=sibling
    )
    for call in (
        lambda: api.get(f"/companies/{sibling.pk}/users/{sibling_user.pk}/apps"),
        lambda: api.put(
            f"/companies/{sibling.pk}/users/{sibling_user.pk}/apps/{redirect_installation.pk}"
        ),
        lambda: api.delete(
            f"/companies/{sibling.pk}/users/{sibling_user.pk}/apps/{redirect_installation.pk}"
        ),
        lambda: api.get(f"/companies/{company.pk}/users/{sibling_user.pk}/apps"),
    ):
        assert call().status_code == 404
    # The company context cannot use the firm endpoints: they answer 404 there.
    assert api.get(f"/installations/{redirect_installation.pk}/assignments").status_code == 404


@pytest.mark.parametrize("role", ["collaborateur", "invite"])
def test_company_collaborators_and_guests_cannot_manage_access(
    api_as, firm_admin, company, company_admin, redirect_installation, role
):
    services.assignment_create(
        actor=firm_admin, installation=redirect_installation, company=company
    )
    user = CompanyMembershipFactory(company=company, role=role).user
    api = api_as(user, HTTP_X_COMPTOIR_COMPANY=str(company.pk))
    base = f"/companies/{company.pk}/users/{user.pk}/apps"
    assert api.get(base).status_code == 403
    assert api.put(f"{base}/{redirect_installation.pk}").status_code == 403
    assert api.delete(f"{base}/{redirect_installation.pk}").status_code == 403
    assert not UserAccess.objects.exists()


def test_home_returns_the_company_tiles(
    api_as, firm_admin, company, company_guest, redirect_installation
):
    assignment = services.assignment_create(
        actor=firm_admin, installation=redirect_installation, company=company
    )
    api = api_as(company_guest, HTTP_X_COMPTOIR_COMPANY=str(company.pk))
    assert api.get("/home").json() == []
    services.user_access_grant(actor=firm_admin, assignment=assignment, user=company_guest)
    tiles = api.get("/home").json()
    assert [t["installation"] for t in tiles] == [redirect_installation.pk]
    assert tiles[0]["url_open"] == f"/apps/{redirect_installation.pk}/open"


def test_company_assignments_endpoint(admin_api, firm_admin, company, connector):
    services.assignment_create(
        actor=firm_admin, installation=connector, company=company, settings=connector_settings()
    )
    response = admin_api.get(f"/companies/{company.pk}/assignments")
    assert response.status_code == 200
    assert [a["installation"] for a in response.json()] == [connector.pk]


# --- another firm: 404 everywhere ---------------------------------------------------------------


def other_firm_calls(installation, company, user):
    """Every endpoint, aimed at another firm's installation, company and user."""
    i, c, u = installation.pk, company.pk, user.pk
    upload = {"file": SimpleUploadedFile("f.csv", b"siret\r\n73282932000074\r\n")}
    return [
        ("get", f"/installations/{i}/assignments", None),
        ("post", f"/installations/{i}/assignments", {"companies": [c]}),
        ("get", f"/installations/{i}/assignments/{c}", None),
        ("patch", f"/installations/{i}/assignments/{c}", {"enabled": False}),
        ("delete", f"/installations/{i}/assignments/{c}", None),
        ("get", f"/installations/{i}/assignments/template.csv", None),
        ("multipart", f"/installations/{i}/assignments/import?dry_run=true", upload),
        ("post", f"/installations/{i}/assign-all", {"include_future_companies": True}),
        ("get", f"/installations/{i}/role-grants", None),
        ("post", f"/installations/{i}/role-grants", {"companies": "all", "roles": ["invite"]}),
        ("post", f"/installations/{i}/role-grants/1/stop", None),
        ("get", f"/companies/{c}/users/{u}/apps", None),
        ("put", f"/companies/{c}/users/{u}/apps/{i}", None),
        ("delete", f"/companies/{c}/users/{u}/apps/{i}", None),
        ("get", f"/companies/{c}/assignments", None),
    ]


def call(api, method, path, data):
    if method == "multipart":
        return api.client.post(f"/api/v1{path}", data)
    if method in ("get", "delete"):
        return getattr(api, method)(path)
    return getattr(api, method)(path, data)


def test_another_firms_objects_are_404_on_every_endpoint(
    admin_api, other_user, other_installation, other_company
):
    before = (
        CompanyAssignment.objects.count(),
        RoleGrant.objects.count(),
        UserAccess.objects.count(),
        AssignAllRule.objects.count(),
    )
    for method, path, data in other_firm_calls(other_installation, other_company, other_user):
        response = call(admin_api, method, path, data)
        assert response.status_code == 404, (method, path, response.status_code)
    after = (
        CompanyAssignment.objects.count(),
        RoleGrant.objects.count(),
        UserAccess.objects.count(),
        AssignAllRule.objects.count(),
    )
    assert before == after


def test_own_installation_with_another_firms_company_is_404(
    admin_api, redirect_installation, other_company
):
    i, c = redirect_installation.pk, other_company.pk
    assert admin_api.post(f"/installations/{i}/assignments", {"companies": [c]}).status_code == 404
    assert (
        admin_api.post(
            f"/installations/{i}/role-grants", {"companies": [c], "roles": ["invite"]}
        ).status_code
        == 404
    )
    assert admin_api.get(f"/installations/{i}/assignments/{c}").status_code == 404
    assert not CompanyAssignment.objects.exists()


def test_the_endpoints_are_in_the_openapi_document(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/installations/{installation_id}/assignments",
        "/installations/{installation_id}/assignments/{company_id}",
        "/installations/{installation_id}/assignments/template.csv",
        "/installations/{installation_id}/assignments/import",
        "/installations/{installation_id}/assign-all",
        "/installations/{installation_id}/role-grants",
        "/companies/{company_id}/users/{user_id}/apps",
        "/companies/{company_id}/users/{user_id}/apps/{installation_id}",
    ):
        assert f"/api/v1{path}" in paths
