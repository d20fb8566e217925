"""The Store API: /store/*, /installations*, /custom-apps, /home."""

import pytest

from comptoir.store.models import Installation
from tests.api_errors import assert_api_error
from tests.factories import CompanyMembershipFactory, FirmMembershipFactory
from tests.store.factories import (
    AppFactory,
    AutomationAppFactory,
    CategoryFactory,
    InstallationFactory,
)

API_SETTINGS = {"api_url": "https://api.partner.example/v1", "api_key": "cle-secrete-42"}


@pytest.fixture
def admin_api(api_as, firm_admin):
    return api_as(firm_admin)


@pytest.fixture
def collaborator_api(api_as, firm_collaborator):
    return api_as(firm_collaborator)


def error_code(response):
    return assert_api_error(response)["code"]


# --- catalogue ---------------------------------------------------------------------------------


def test_admins_see_every_active_app_with_installed_flags(
    admin_api, firm, other_firm, installation
):
    unused = AppFactory(name="Zèbre Compta")
    AppFactory(name="Retirée", is_active=False)
    own = AppFactory(name="Mon blog", owner_firm=firm)
    AppFactory(name="Leur blog", owner_firm=other_firm)
    response = admin_api.get("/store/apps")
    assert response.status_code == 200
    items = {item["slug"]: item for item in response.json()["items"]}
    assert set(items) == {installation.app.slug, unused.slug, own.slug}
    assert items[installation.app.slug]["installed"] is True
    assert items[installation.app.slug]["installation"] == installation.pk
    assert items[unused.slug]["installed"] is False
    assert items[own.slug]["is_custom"] is True


def test_collaborators_see_only_installed_apps(collaborator_api, installation):
    AppFactory()
    response = collaborator_api.get("/store/apps")
    assert [item["slug"] for item in response.json()["items"]] == [installation.app.slug]


def test_filters_by_category_type_and_name(admin_api):
    banks = CategoryFactory(slug="banques")
    AppFactory(name="Banque Alpha", category=banks)
    AutomationAppFactory(name="Automatiser Banque Alpha", category=banks)
    AppFactory(name="Agenda")

    def slugs(**query):
        return sorted(i["name"] for i in admin_api.get("/store/apps", query).json()["items"])

    assert slugs(category="banques") == ["Automatiser Banque Alpha", "Banque Alpha"]
    assert slugs(type="automation") == ["Automatiser Banque Alpha"]
    assert slugs(q="agen") == ["Agenda"]
    assert slugs(category="banques", type="redirect") == ["Banque Alpha"]
    assert admin_api.get("/store/apps", {"type": "robot"}).status_code == 422


def test_apps_are_paginated(admin_api):
    AppFactory.create_batch(5)
    first = admin_api.get("/store/apps", {"limit": 3}).json()
    second = admin_api.get("/store/apps", {"limit": 3, "cursor": first["next"]}).json()
    assert len(first["items"]) == 3 and len(second["items"]) == 2 and second["next"] is None
    names = [i["slug"] for i in first["items"] + second["items"]]
    assert len(set(names)) == 5


def test_one_app_with_its_schema(admin_api, automation_app):
    response = admin_api.get(f"/store/apps/{automation_app.slug}")
    assert response.status_code == 200
    body = response.json()
    assert body["business_model"] == "Abonnement mensuel."
    assert [f["key"] for f in body["settings_schema"]] == [
        "api_url",
        "api_key",
        "mode",
        "dossier_code",
        "email_achats",
    ]
    assert body["needs_firm_settings"] is True


def test_another_firms_custom_app_is_404(admin_api, other_firm):
    custom = AppFactory(owner_firm=other_firm)
    assert admin_api.get(f"/store/apps/{custom.slug}").status_code == 404
    response = admin_api.post("/installations", {"app": custom.slug})
    assert response.status_code == 404


def test_a_collaborator_gets_404_for_an_app_not_in_the_space(collaborator_api, redirect_app):
    assert collaborator_api.get(f"/store/apps/{redirect_app.slug}").status_code == 404


def test_categories(admin_api):
    CategoryFactory(slug="b", order=2)
    CategoryFactory(slug="a", order=1)
    response = admin_api.get("/store/categories")
    assert [c["slug"] for c in response.json()["items"]] == ["a", "b"]


def test_company_users_have_no_store(api_as, company_admin):
    response = api_as(company_admin).get("/store/apps")
    assert response.status_code == 404
    assert error_code(response) == "not_found"


# --- installations -----------------------------------------------------------------------------


def test_add_an_automation_app_with_settings_and_never_see_the_secret(admin_api, automation_app):
    response = admin_api.post(
        "/installations", {"app": automation_app.slug, "settings": API_SETTINGS}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["id"] and body["app"]["slug"] == automation_app.slug
    assert body["settings"]["api_key"] == {"secret_set": True}
    assert body["settings"]["api_url"] == "https://api.partner.example/v1"
    assert "cle-secrete-42" not in response.content.decode()
    listed = admin_api.get("/installations").content.decode()
    detail = admin_api.get(f"/installations/{body['id']}").content.decode()
    assert "cle-secrete-42" not in listed and "cle-secrete-42" not in detail
    stored = Installation.objects.get(pk=body["id"]).settings
    assert "cle-secrete-42" not in str(stored)


def test_bad_settings_answer_422_with_every_detail(admin_api, automation_app):
    response = admin_api.post(
        "/installations",
        {"app": automation_app.slug, "settings": {"api_url": "javascript:x", "nope": 1}},
    )
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"settings.api_url", "settings.nope", "settings.api_key"}
    assert not Installation.objects.exists()


def test_adding_twice_is_409(admin_api, installation):
    response = admin_api.post("/installations", {"app": installation.app.slug})
    assert response.status_code == 409
    assert error_code(response) == "already_installed"


def test_unknown_app_is_404(admin_api):
    assert admin_api.post("/installations", {"app": "nope"}).status_code == 404


def test_collaborators_may_read_but_not_change(collaborator_api, installation, redirect_app):
    assert collaborator_api.get("/installations").status_code == 200
    assert collaborator_api.get(f"/installations/{installation.pk}").status_code == 200
    assert (
        collaborator_api.get(f"/installations/{installation.pk}/removal-impact").status_code == 200
    )
    other = AppFactory()
    forbidden = [
        collaborator_api.post("/installations", {"app": other.slug}),
        collaborator_api.patch(f"/installations/{installation.pk}", {"settings": {}}),
        collaborator_api.delete(f"/installations/{installation.pk}"),
        collaborator_api.post("/custom-apps", {"name": "X", "url": "https://x.example"}),
        collaborator_api.post("/installations/reorder", {"order": [installation.pk]}),
    ]
    assert [r.status_code for r in forbidden] == [403] * 5
    assert {error_code(r) for r in forbidden} == {"admin_only"}
    assert Installation.objects.count() == 1


def test_other_firms_installations_are_404(admin_api, other_installation):
    pk = other_installation.pk
    responses = [
        admin_api.get(f"/installations/{pk}"),
        admin_api.patch(f"/installations/{pk}", {"settings": {}}),
        admin_api.delete(f"/installations/{pk}"),
        admin_api.get(f"/installations/{pk}/removal-impact"),
        admin_api.post("/installations/reorder", {"order": [pk]}),
        admin_api.get("/installations/not-a-number"),
    ]
    assert [r.status_code for r in responses] == [404] * 6
    assert Installation.objects.filter(pk=pk).exists()


def test_a_collaborator_gets_404_not_403_for_another_firm(collaborator_api, other_installation):
    assert collaborator_api.delete(f"/installations/{other_installation.pk}").status_code == 404


def test_patch_settings(admin_api, firm, firm_admin, automation_app):
    created = admin_api.post(
        "/installations", {"app": automation_app.slug, "settings": API_SETTINGS}
    ).json()
    response = admin_api.patch(
        f"/installations/{created['id']}", {"settings": {"mode": "production"}}
    )
    assert response.status_code == 200
    assert response.json()["settings"]["mode"] == "production"
    assert response.json()["settings"]["api_key"] == {"secret_set": True}
    bad = admin_api.patch(f"/installations/{created['id']}", {"settings": {"mode": "x"}})
    assert bad.status_code == 422


def test_patch_name_only_for_custom_apps(admin_api, installation):
    response = admin_api.patch(f"/installations/{installation.pk}", {"name": "Renamed"})
    assert response.status_code == 422
    assert error_code(response) == "not_custom_app"


def test_delete_then_the_impact_is_gone(admin_api, installation):
    impact = admin_api.get(f"/installations/{installation.pk}/removal-impact")
    assert impact.json() == {"companies": 0, "users": 0, "connections": 0, "pending_deliveries": 0}
    assert admin_api.delete(f"/installations/{installation.pk}").status_code == 204
    assert admin_api.get(f"/installations/{installation.pk}").status_code == 404


def test_reorder(admin_api, firm):
    a, b = InstallationFactory(firm=firm, position=0), InstallationFactory(firm=firm, position=1)
    response = admin_api.post("/installations/reorder", {"order": [b.pk, a.pk]})
    assert response.json() == {"order": [b.pk, a.pk]}


# --- custom apps -------------------------------------------------------------------------------


def test_create_a_custom_app(admin_api, firm):
    response = admin_api.post(
        "/custom-apps",
        {
            "name": "Prendre rendez-vous",
            "url": "https://agenda.cabinet.example/rdv",
            "description": "Réservez un créneau.",
            "audience": "company",
            "assign_to_all_companies": True,
            "roles": ["invite"],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["id"] and body["app"]["is_custom"] and body["app"]["type"] == "redirect"
    assert body["app"]["launch_url"] == "https://agenda.cabinet.example/rdv"
    renamed = admin_api.patch(
        f"/installations/{body['id']}", {"name": "Agenda", "url": "https://agenda.example"}
    )
    assert renamed.json()["app"]["name"] == "Agenda"


def test_a_refused_setting_keeps_the_new_name_out(admin_api, firm):
    created = admin_api.post("/custom-apps", {"name": "Agenda", "url": "https://agenda.example"})
    pk = created.json()["id"]
    response = admin_api.patch(f"/installations/{pk}", {"name": "Renamed", "settings": {"x": 1}})
    assert response.status_code == 422
    assert error_code(response) == "invalid_settings"
    assert Installation.objects.get(pk=pk).app.name == "Agenda"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"url": "javascript:alert(1)"}, 422, "url_scheme"),
        ({"url": "https://a:b@evil.example"}, 422, "url_credentials"),
        ({"audience": "everyone"}, 422, "validation_error"),
        ({"roles": ["chef"]}, 422, "invalid_role"),
        ({"name": ""}, 422, "name_required"),
    ],
)
def test_bad_custom_apps_are_refused(admin_api, payload, status, code):
    body = {"name": "Blog", "url": "https://blog.example", **payload}
    response = admin_api.post("/custom-apps", body)
    assert response.status_code == status
    assert error_code(response) == code
    assert not Installation.objects.exists()


# --- home --------------------------------------------------------------------------------------


def test_home_lists_the_firms_redirect_tiles_in_order(admin_api, firm, other_installation):
    second = InstallationFactory(firm=firm, position=5, app=AppFactory(name="B", audience="firm"))
    first = InstallationFactory(firm=firm, position=1, app=AppFactory(name="A", audience="both"))
    InstallationFactory(firm=firm, app=AppFactory(audience="company"))
    InstallationFactory(firm=firm, app=AutomationAppFactory(audience="both"))
    response = admin_api.get("/home")
    assert response.status_code == 200
    assert response.json() == [
        {
            "installation": first.pk,
            "name": "A",
            "logo": first.app.logo_url,
            "url_open": f"/apps/{first.pk}/open",
        },
        {
            "installation": second.pk,
            "name": "B",
            "logo": second.app.logo_url,
            "url_open": f"/apps/{second.pk}/open",
        },
    ]


def test_home_for_a_company_user_is_empty_until_apps_are_assigned(api_as, company, installation):
    user = CompanyMembershipFactory(company=company).user
    assert api_as(user).get("/home").json() == []


# --- query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/store/apps", "/installations", "/home"])
def test_list_endpoints_use_a_constant_number_of_queries(
    django_assert_max_num_queries, admin_api, firm, path
):
    def make(n):
        for _ in range(n):
            InstallationFactory(firm=firm, app=AppFactory(category=CategoryFactory()))
            AppFactory(category=CategoryFactory())

    make(2)
    admin_api.get(path)  # warm up: token, context
    with django_assert_max_num_queries(20) as small:
        assert admin_api.get(path).status_code == 200
    make(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert admin_api.get(path).status_code == 200


def test_multi_firm_user_picks_the_firm_by_header(api_as, firm, other_firm, installation):
    user = FirmMembershipFactory(firm=firm, role="admin").user
    FirmMembershipFactory(firm=other_firm, user=user, role="admin")
    client = api_as(user, HTTP_X_COMPTOIR_FIRM=other_firm.slug)
    assert client.get(f"/installations/{installation.pk}").status_code == 404
    client = api_as(user, HTTP_X_COMPTOIR_FIRM=firm.slug)
    assert client.get(f"/installations/{installation.pk}").status_code == 200


def test_the_store_endpoints_are_documented(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/store/apps",
        "/api/v1/store/apps/{slug}",
        "/api/v1/store/categories",
        "/api/v1/installations",
        "/api/v1/installations/{installation_id}",
        "/api/v1/installations/{installation_id}/removal-impact",
        "/api/v1/custom-apps",
        "/api/v1/home",
        "/api/v1/audit",
    ):
        assert path in paths, path
