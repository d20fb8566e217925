"""Ids are parsed in one place (comptoir.core.ids): ASCII digits 1..2⁶³-1 in their one written
form, everything else is not an id — 404 in a path or a context header, 422 in a filter or a
body, never a 500."""

from urllib.parse import quote

import pytest
from django.http import Http404
from django.urls import Resolver404, resolve, reverse
from pydantic import TypeAdapter, ValidationError

from comptoir.core.ids import MAX_ID, Id, IdConverter, parse_id, parse_ids, require_id
from tests.api_errors import assert_api_error
from tests.conftest import client_for
from tests.factories import CompanyMembershipFactory

VALID = [
    ("1", 1),
    ("42", 42),
    ("9223372036854775807", MAX_ID),  # 2⁶³ - 1, the database's largest
    (7, 7),
    (MAX_ID, MAX_ID),
]
NOT_IDS = [
    "",
    "0",
    "00",
    "007",  # leading zeros: one id has one written form
    "01",
    "-1",
    "+1",
    " 1",
    "1 ",
    "1\n",
    "1 2",
    "1_000",  # int() reads it as 1000
    "1.0",
    "1e3",
    "0x1f",
    "²",  # str.isdigit() says yes, int() raises
    "③",
    "\uff15",  # fullwidth: int() reads it as 5
    "١٢",  # Arabic-Indic digits: int() reads them as 12
    "\U0001d7d7",  # mathematical bold nine
    "9223372036854775808",  # 2⁶³
    "18446744073709551616",  # 2⁶⁴
    "9" * 20,
    "9" * 5000,  # past Python's int-from-text limit: int() raises
    0,
    -5,
    2**63,
    True,
    False,
    1.0,
    None,
    [1],
    b"1",
]


def short(value) -> str:
    return repr(value)[:24]


@pytest.mark.parametrize(("value", "expected"), VALID)
def test_an_id_is_read(value, expected):
    assert parse_id(value) == expected
    assert require_id(value) == expected


@pytest.mark.parametrize("value", NOT_IDS, ids=short)
def test_anything_else_is_not_an_id(value):
    assert parse_id(value) is None
    with pytest.raises(Http404):
        require_id(value)


def test_an_id_and_its_text_round_trip():
    for text in ("1", "10", "9223372036854775807"):
        assert str(parse_id(text)) == text


def test_a_list_of_ids_is_all_ids_or_none():
    assert parse_ids(["3", 1, "2"]) == [3, 1, 2]
    assert parse_ids([]) == []
    assert parse_ids(["3", "²"]) is None
    assert parse_ids([1, True]) is None
    assert parse_ids("12") is None  # a text is not a list of its digits
    assert parse_ids(None) is None


@pytest.mark.parametrize("value", ["12", 12])
def test_the_api_type_reads_ids(value):
    assert TypeAdapter(Id).validate_python(value) == 12


@pytest.mark.parametrize("value", NOT_IDS, ids=short)
def test_the_api_type_refuses_the_rest(value):
    with pytest.raises(ValidationError) as error:
        TypeAdapter(Id).validate_python(value)
    assert error.value.errors()[0]["type"] == "invalid_id"


def test_the_api_type_is_documented_as_a_64_bit_id():
    assert TypeAdapter(Id).json_schema() == {
        "type": "integer",
        "format": "int64",
        "minimum": 1,
        "maximum": MAX_ID,
    }


def test_the_path_converter_matches_only_ids():
    converter = IdConverter()
    assert converter.to_python("12") == 12
    assert converter.to_url(12) == "12"
    for value in ("007", "0", str(2**63)):
        with pytest.raises(ValueError):
            converter.to_python(value)
    with pytest.raises(ValueError):
        converter.to_url(0)


@pytest.mark.parametrize("value", ["²", "\uff15", "007", "0", "-1", str(2**63), "9" * 30])
def test_a_page_url_with_a_bad_id_does_not_resolve(value):
    with pytest.raises(Resolver404):
        resolve(f"/cabinet/clients/{quote(value)}/")
    assert resolve(f"/cabinet/clients/{MAX_ID}/").kwargs == {"pk": MAX_ID}


# --- requests ------------------------------------------------------------------------------

BAD_PATH_IDS = ["²", "③", "\uff15", "-1", "+1", "0", "007", " 1", "1.5", str(2**63), "9" * 5000]


def _is_error(response, status: int, code: str) -> None:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    assert_api_error(response, code=code)


@pytest.fixture
def world(firm, firm_admin, company, media_root):
    from tests.assignments.conftest import install, make_app
    from tests.deliveries.connections import connect_https, upload

    member = CompanyMembershipFactory(company=company)
    installation = install(firm, make_app())
    connect_https(company, "https://partenaire.example/hooks/comptoir")
    document = upload(firm_admin, company)
    return {
        "company": company.pk,
        "user": member.user.pk,
        "installation": installation.pk,
        "document": document.pk,
    }


def api_paths(world, bad):
    return [
        f"/companies/{bad}",
        f"/companies/{bad}/users",
        f"/companies/{world['company']}/users/{bad}/apps",
        f"/companies/{bad}/folders",
        f"/companies/{bad}/documents",
        f"/companies/{bad}/assignments",
        f"/installations/{bad}",
        f"/installations/{bad}/removal-impact",
        f"/installations/{bad}/assignments",
        f"/installations/{world['installation']}/assignments/{bad}",
        f"/installations/{bad}/role-grants",
        f"/documents/{bad}",
        f"/documents/{world['document']}/versions/{bad}/file",
        f"/documents/{world['document']}/versions/{bad}/deliveries",
        f"/deliveries/{bad}",
    ]


@pytest.mark.parametrize("bad", BAD_PATH_IDS, ids=short)
def test_a_bad_id_in_an_api_path_is_404(world, firm_admin, api_as, bad):
    api = api_as(firm_admin)
    for path in api_paths(world, quote(bad)):
        _is_error(api.get(path), 404, "not_found")
    bad = quote(bad)
    company, user = world["company"], world["user"]
    _is_error(api.patch(f"/companies/{bad}", {"name": "X"}), 404, "not_found")
    _is_error(api.patch(f"/companies/{company}/users/{bad}", {"role": "invite"}), 404, "not_found")
    _is_error(api.delete(f"/companies/{company}/users/{bad}"), 404, "not_found")
    _is_error(api.put(f"/companies/{company}/users/{user}/apps/{bad}", {}), 404, "not_found")
    _is_error(api.delete(f"/installations/{bad}"), 404, "not_found")
    _is_error(api.post(f"/deliveries/{bad}/resend", {}), 404, "not_found")


def test_the_largest_id_is_a_plain_404(world, firm_admin, api_as):
    api = api_as(firm_admin)
    for path in api_paths(world, MAX_ID):
        _is_error(api.get(path), 404, "not_found")


@pytest.mark.parametrize(
    "bad", ["²", "\uff15", "-1", "0", "007", " 1", str(2**63), "9" * 5000], ids=short
)
def test_a_bad_company_header_is_404(world, firm_admin, company, api_as, bad):
    CompanyMembershipFactory(company=company, user=firm_admin)
    api = api_as(firm_admin)
    _is_error(api.get("/me", HTTP_X_COMPTOIR_COMPANY=bad), 404, "not_found")
    assert api.get("/me", HTTP_X_COMPTOIR_COMPANY=str(company.pk)).json()["context"] == {
        "kind": "company",
        "firm": company.firm.slug,
        "company": company.pk,
        "role": "collaborateur",
    }


@pytest.mark.parametrize(
    "bad", ["²", "\uff15", "-1", "0", "abc", "1.5", str(2**63), "9" * 5000], ids=short
)
@pytest.mark.parametrize("name", ["company", "installation"])
def test_a_bad_id_in_a_filter_is_422(world, firm_admin, api_as, name, bad):
    response = api_as(firm_admin).get("/deliveries", {name: bad})
    _is_error(response, 422, "invalid_id")
    assert response.json()["error"]["details"][0]["field"] == name


def test_a_good_id_in_a_filter_filters(world, firm_admin, api_as):
    api = api_as(firm_admin)
    assert len(api.get("/deliveries", {"company": world["company"]}).json()["items"]) == 1
    assert api.get("/deliveries", {"company": MAX_ID}).json()["items"] == []
    # Empty, as a form sends it, is no filter (like the other filters).
    assert len(api.get("/deliveries", {"company": "", "installation": ""}).json()["items"]) == 1


@pytest.mark.parametrize(
    "bad", ["²", "\uff15", "-1", 0, -1, True, 1.5, 2**63, "9" * 5000, None], ids=short
)
def test_a_bad_id_in_a_body_is_422(world, firm_admin, api_as, bad):
    api = api_as(firm_admin)
    installation = world["installation"]
    for path, body in (
        (f"/installations/{installation}/assignments", {"companies": [world["company"], bad]}),
        (
            f"/installations/{installation}/role-grants",
            {"companies": [bad], "roles": ["invite"]},
        ),
        ("/installations/reorder", {"order": [bad]}),
    ):
        response = api.post(path, body)
        assert response.status_code == 422, (path, bad, response.content[:300])
        assert response.json()["error"]["code"] in ("invalid_id", "validation_error")


def test_an_id_of_nothing_in_a_body_is_404(world, firm_admin, api_as):
    response = api_as(firm_admin).post(
        f"/installations/{world['installation']}/assignments", {"companies": [MAX_ID]}
    )
    _is_error(response, 404, "not_found")


@pytest.mark.parametrize("bad", ["²", "\uff15", "007", str(2**63), "9" * 30])
def test_a_bad_id_in_a_page_url_is_404(world, firm_admin, bad):
    client = client_for(firm_admin)
    for url in (
        f"/cabinet/clients/{quote(bad)}/",
        f"/documents/{quote(bad)}/",
        f"/apps/{quote(bad)}/open",
        f"/cabinet/envois/{quote(bad)}/renvoyer/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("companies:detail", args=[world["company"]])).status_code == 200


@pytest.mark.parametrize("bad", ["²", "-1", "007", str(2**63), str(2**64), "9" * 30], ids=short)
def test_a_bad_id_ticked_on_a_page_is_refused_on_the_form(world, firm_admin, bad):
    from comptoir.assignments.models import CompanyAssignment, RoleGrant

    client = client_for(firm_admin)
    pk, company, user = world["installation"], world["company"], world["user"]
    before = (CompanyAssignment.objects.count(), RoleGrant.objects.count())
    response = client.post(
        reverse("assignments:add_companies", args=[pk]), {"companies": [company, bad]}
    )
    assert response.status_code == 422
    assert "companies" in response.context["add_form"].errors
    response = client.post(
        reverse("assignments:portal", args=[pk]),
        {"scope": "chosen", "companies": [bad], "roles": ["invite"]},
    )
    assert response.status_code == 422
    assert "companies" in response.context["form"].errors
    assert (CompanyAssignment.objects.count(), RoleGrant.objects.count()) == before
    response = client.post(
        reverse("assignments:firm_user_apps", args=[company, user]), {"apps": [bad]}
    )
    assert response.status_code in (200, 302, 422)
