import pytest
from django.test import Client

from comptoir.accounts.models import User
from comptoir.audit.models import AuditEvent
from comptoir.companies.models import Company, CompanyMembership
from tests.api_errors import assert_api_error
from tests.factories import (
    CompanyFactory,
    CompanyMembershipFactory,
    FirmMembershipFactory,
    UserFactory,
    valid_siret,
)

pytestmark = pytest.mark.django_db


assert_error = assert_api_error


def test_me_lists_firms_companies_and_context(firm, firm_admin, company, api_as):
    CompanyMembershipFactory(company=company, user=firm_admin, role="invite")
    body = api_as(firm_admin).get("/me").json()
    assert body["email"] == firm_admin.email
    assert body["firms"] == [{"slug": firm.slug, "name": firm.name, "role": "admin"}]
    assert body["companies"] == [
        {"id": company.pk, "name": company.name, "firm": firm.slug, "role": "invite"}
    ]
    assert body["context"] == {"kind": "firm", "firm": firm.slug, "company": None, "role": "admin"}


def test_context_headers_pick_the_firm_or_company(firm, firm_admin, company, other_firm, api_as):
    FirmMembershipFactory(firm=other_firm, user=firm_admin, role="collaborator")
    CompanyMembershipFactory(company=company, user=firm_admin, role="collaborateur")
    api = api_as(firm_admin)
    assert api.get("/me", HTTP_X_COMPTOIR_FIRM=other_firm.slug).json()["context"]["role"] == (
        "collaborator"
    )
    in_company = api.get("/me", HTTP_X_COMPTOIR_COMPANY=str(company.pk)).json()["context"]
    assert in_company == {
        "kind": "company",
        "firm": firm.slug,
        "company": company.pk,
        "role": "collaborateur",
    }


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_COMPTOIR_FIRM": "not-mine"},
        {"HTTP_X_COMPTOIR_COMPANY": "999999"},
        {"HTTP_X_COMPTOIR_COMPANY": "abc"},
    ],
)
def test_a_context_one_does_not_have_is_404(firm_admin, other_firm, api_as, headers):
    assert_error(api_as(firm_admin).get("/companies", **headers), 404, "not_found")


def test_another_firms_slug_is_404(firm_admin, other_firm, other_firm_admin, api_as):
    # The other firm has members (its admin): a membership check that forgot the caller
    # would find one and answer 200.
    assert_error(api_as(firm_admin).get("/companies", HTTP_X_COMPTOIR_FIRM=other_firm.slug), 404)
    assert api_as(other_firm_admin).get("/companies").status_code == 200


def test_unauthenticated_is_401():
    assert_error(Client().get("/api/v1/companies"), 401, "not_authenticated")
    assert_error(Client(HTTP_AUTHORIZATION="Bearer cpt_wrong").get("/api/v1/me"), 401)


def test_create_returns_201_with_id(firm, firm_admin, api_as):
    response = api_as(firm_admin).post(
        "/companies", {"name": "Fromagerie", "siret": "732 829 320 00074"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["id"] == Company.objects.get(firm=firm).pk
    assert body["siret"] == "73282932000074"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({}, 422, "validation_error"),
        ({"name": 12}, 422, "validation_error"),
        ({"name": ""}, 422, "name_required"),
        ({"name": "A", "siret": "7,32829E+13"}, 422, "siret_scientific_notation"),
        ({"name": "A", "siret": "12345678901234"}, 422, "siret_bad_checksum"),
        (
            {"name": "A", "fiscal_year_start": "2026-13-01", "fiscal_year_end": "2026-12-31"},
            422,
            None,
        ),
    ],
)
def test_create_bad_input(firm_admin, api_as, payload, status, code):
    assert_error(api_as(firm_admin).post("/companies", payload), status, code)
    assert not Company.objects.exists()


def test_malformed_json_is_a_4xx(firm_admin, api_as):
    api = api_as(firm_admin)
    response = api.client.post("/api/v1/companies", "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500


def test_duplicate_siret_is_409(firm, firm_admin, api_as):
    CompanyFactory(firm=firm, siret="73282932000074")
    error = assert_error(
        api_as(firm_admin).post("/companies", {"name": "B", "siret": "73282932000074"}),
        409,
        "siret_taken",
    )
    assert error["details"][0]["field"] == "siret"


def test_errors_follow_accept_language(firm_admin, api_as):
    api = api_as(firm_admin)
    french = api.post("/companies", {"name": "A", "siret": "123"}, HTTP_ACCEPT_LANGUAGE="fr").json()
    english = api.post(
        "/companies", {"name": "A", "siret": "123"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert "14 chiffres" in french["error"]["message"]
    assert "exactly 14" in english["error"]["message"]


def test_list_search_and_cursor_pagination(firm, firm_admin, other_company, api_as):
    names = [f"Société {i:02d}" for i in range(7)]
    for name in names:
        CompanyFactory(firm=firm, name=name)
    api = api_as(firm_admin)
    seen, cursor = [], None
    while True:
        page = api.get("/companies", {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["name"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == names  # every company of the firm once, in order; none of the other firm
    assert [c["name"] for c in api.get("/companies", {"q": "société 03"}).json()["items"]] == [
        "Société 03"
    ]


def test_search_by_siret_digits(firm, firm_admin, api_as):
    target = CompanyFactory(firm=firm, siret=valid_siret(98765432))
    CompanyFactory(firm=firm)
    spaced = f"{target.siret[:3]} {target.siret[3:6]}"
    items = api_as(firm_admin).get("/companies", {"q": spaced}).json()["items"]
    assert [c["id"] for c in items] == [target.pk]


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 201}, {"limit": "x"}, {"cursor": "%%%"}]
)
def test_bad_pagination_is_4xx(firm_admin, api_as, params):
    response = api_as(firm_admin).get("/companies", params)
    assert response.status_code in (400, 422)
    assert "error" in response.json()


def test_list_query_count_does_not_grow(firm, firm_admin, api_as, django_assert_max_num_queries):
    api = api_as(firm_admin)
    api.get("/me")  # the token's first use is recorded once; keep it out of the count
    CompanyFactory.create_batch(3, firm=firm)
    with django_assert_max_num_queries(6) as small:
        api.get("/companies")
    CompanyFactory.create_batch(40, firm=firm)
    with django_assert_max_num_queries(6) as large:
        api.get("/companies")
    assert len(small.captured_queries) == len(large.captured_queries)


def test_patch_and_delete(firm, firm_admin, company, api_as):
    api = api_as(firm_admin)
    response = api.patch(f"/companies/{company.pk}", {"name": "Nouveau"})
    assert response.status_code == 200 and response.json()["name"] == "Nouveau"
    assert_error(api.patch(f"/companies/{company.pk}", {"siret": "1"}), 422, "siret_wrong_length")
    assert api.delete(f"/companies/{company.pk}").status_code == 204
    assert not Company.objects.filter(pk=company.pk).exists()


def test_collaborator_cannot_delete_a_company(firm_collaborator, company, api_as):
    assert_error(api_as(firm_collaborator).delete(f"/companies/{company.pk}"), 403, "admin_only")
    assert Company.objects.filter(pk=company.pk).exists()


def test_company_user_has_no_firm_endpoints(company_admin, company, api_as):
    api = api_as(company_admin)
    assert_error(api.get("/companies"), 404, "not_found")
    assert_error(api.get(f"/companies/{company.pk}"), 404, "not_found")


def test_users_invite_accept_change_role_remove(company, firm_collaborator, api_as):
    api = api_as(firm_collaborator)
    created = api.post(
        f"/companies/{company.pk}/users", {"email": "Nina@Example.test", "role": "invite"}
    )
    assert created.status_code == 201
    invited = created.json()
    assert invited["email"] == "nina@example.test" and invited["status"] == "invited"
    assert invited["user_id"] is None and invited["full_name"] == ""
    assert_error(
        api.post(
            f"/companies/{company.pk}/users", {"email": "nina@example.test", "role": "invite"}
        ),
        409,
        "already_invited",
    )
    assert_error(
        api.post(f"/companies/{company.pk}/users", {"email": "x@example.test", "role": "boss"}),
        422,
        "invalid_role",
    )
    assert_error(
        api.post(f"/companies/{company.pk}/users", {"email": "pas une adresse", "role": "invite"}),
        422,
        "invalid_email",
    )
    # Not a user until they accept: listed among the invitations only.
    assert api.get(f"/companies/{company.pk}/users").json()["items"] == []
    pending = api.get(f"/companies/{company.pk}/invitations").json()["items"]
    assert [(i["id"], i["email"], i["status"]) for i in pending] == [
        (invited["invitation_id"], "nina@example.test", "pending")
    ]
    nina = User.objects.get(email="nina@example.test")
    nina.set_password("un-vrai-secret-42")
    nina.save()
    mine = api_as(nina).get("/me/invitations").json()
    assert [(i["id"], i["company"], i["firm"]) for i in mine] == [
        (invited["invitation_id"], company.pk, company.firm.name)
    ]
    accepted = api_as(nina).post(f"/me/invitations/{invited['invitation_id']}/accept", {})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert api.get(f"/companies/{company.pk}/invitations").json()["items"] == []
    listed = api.get(f"/companies/{company.pk}/users").json()
    assert [m["email"] for m in listed["items"]] == ["nina@example.test"]
    member_id = listed["items"][0]["id"]
    changed = api.patch(f"/companies/{company.pk}/users/{member_id}", {"role": "administrateur"})
    assert changed.json()["role"] == "administrateur"
    assert api.delete(f"/companies/{company.pk}/users/{member_id}").status_code == 204
    assert not CompanyMembership.objects.filter(company=company).exists()


def test_an_invitation_can_be_revoked_and_then_sent_again(company, firm_admin, api_as):
    api = api_as(firm_admin)
    first = api.post(
        f"/companies/{company.pk}/users", {"email": "a@example.test", "role": "invite"}
    )
    invitation_id = first.json()["invitation_id"]
    assert api.delete(f"/companies/{company.pk}/invitations/{invitation_id}").status_code == 204
    assert_error(api.delete(f"/companies/{company.pk}/invitations/{invitation_id}"), 404)
    assert api.get(f"/companies/{company.pk}/invitations").json()["items"] == []
    again = api.post(
        f"/companies/{company.pk}/users", {"email": "a@example.test", "role": "invite"}
    )
    assert again.status_code == 201 and again.json()["invitation_id"] != invitation_id
    assert AuditEvent.objects.filter(action="company.invitation_revoke").count() == 1


def test_every_company_endpoint_is_404_for_another_firm(firm_admin, other_company, api_as):
    api = api_as(firm_admin)
    member = CompanyMembershipFactory(company=other_company)
    base = f"/companies/{other_company.pk}"
    user_path = f"{base}/users/{member.user_id}"
    calls = [
        api.get(base),
        api.patch(base, {"name": "x"}),
        api.delete(base),
        api.get(f"{base}/users"),
        api.post(f"{base}/users", {"email": "a@example.test", "role": "invite"}),
        api.patch(user_path, {"role": "invite"}),
        api.delete(user_path),
    ]
    for response in calls:
        assert_error(response, 404, "not_found")
    other_company.refresh_from_db()
    assert other_company.name != "x"
    assert CompanyMembership.objects.filter(pk=member.pk).exists()


def test_a_member_of_one_company_is_404_through_another(firm, firm_admin, company, api_as):
    elsewhere = CompanyMembershipFactory(company=CompanyFactory(firm=firm))
    path = f"/companies/{company.pk}/users/{elsewhere.user_id}"
    assert_error(api_as(firm_admin).patch(path, {"role": "invite"}), 404)


def test_session_auth_requires_csrf(firm_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(firm_admin)
    assert client.get("/api/v1/me").status_code == 200
    response = client.post("/api/v1/companies", {"name": "A"}, content_type="application/json")
    assert response.status_code == 403
    assert_api_error(response, code="csrf_failed")
    assert "rechargez la page" in response.json()["error"]["message"]
    assert not Company.objects.exists()


def test_an_unreadable_body_is_400_with_a_clear_message(api_as, firm_admin):
    response = api_as(firm_admin).client.post(
        "/api/v1/companies", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Le corps de la requête est illisible : envoyez du JSON valide."
    )
    assert not Company.objects.exists()


def test_openapi_and_docs_are_served(firm_admin):
    client = Client()
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/companies" in schema["paths"]
    client.force_login(firm_admin)
    assert client.get("/api/v1/docs").status_code == 200


def test_user_with_no_membership_gets_a_clear_403(api_as):
    loner = UserFactory()
    assert_error(api_as(loner).get("/me"), 403, "no_context")


def test_forged_cursor_values_are_a_4xx(firm_admin, api_as):
    import base64
    import json

    forged = base64.urlsafe_b64encode(json.dumps(["x", "not-an-id"]).encode()).decode()
    response = api_as(firm_admin).get("/companies", {"cursor": forged})
    assert_error(response, 422, "invalid_cursor")


def test_descending_keys_page_newest_first(firm, firm_admin, api_as):
    from comptoir.audit.models import AuditEvent
    from comptoir.core.api import paginate

    for i in range(5):
        AuditEvent.objects.create(firm=firm, action=f"test.{i}")
    seen, cursor = [], None
    while True:
        rows, cursor = paginate(
            AuditEvent.objects.filter(firm=firm),
            limit=2,
            cursor=cursor,
            keys=("-created_at", "-id"),
        )
        seen += [row.action for row in rows]
        if cursor is None:
            break
    assert seen == [f"test.{i}" for i in reversed(range(5))]
