"""The OpenAPI document tells the truth about errors, ids and the context headers (the
Schemathesis run checks the answers against it; these check the document itself)."""

import pytest

from comptoir.core.ids import MAX_ID


@pytest.fixture
def document(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_declares_the_common_errors_in_the_error_shape(document):
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for label, operation in operations(document):
        responses = operation["responses"]
        for status in ("401", "403", "404"):
            assert responses[status]["content"] == error, (label, status)
        has_body = "requestBody" in operation
        has_query = any(p.get("in") == "query" for p in operation["parameters"])
        assert ("422" in responses) == (has_body or has_query), label
        assert ("400" in responses) == has_body, label
        assert ("413" in responses) == has_body, label
        assert all(responses[s]["content"] == error for s in responses if int(s) >= 400)


def test_conflicts_are_declared_where_services_answer_them(document):
    for label in (
        "POST /api/v1/companies",
        "PATCH /api/v1/companies/{company_id}",
        "POST /api/v1/companies/{company_id}/users",
        "PATCH /api/v1/companies/{company_id}/users/{user_id}",
        "DELETE /api/v1/companies/{company_id}/users/{user_id}",
        "POST /api/v1/installations",
        "POST /api/v1/installations/{installation_id}/assignments",
        "POST /api/v1/documents/{document_id}/versions",
        "POST /api/v1/deliveries/{delivery_id}/resend",
    ):
        method, path = label.split(" ")
        assert "409" in document["paths"][path][method.lower()]["responses"], label
    assert "409" not in document["paths"]["/api/v1/home"]["get"]["responses"]


def test_the_error_shape_is_in_the_components(document):
    schemas = document["components"]["schemas"]
    assert schemas["ErrorOut"]["required"] == ["error"]
    assert set(schemas["ErrorInfo"]["required"]) == {"code", "message", "details"}


def test_ids_in_paths_are_64_bit_integers_and_optional_parameters_are_never_null(document):
    seen = 0
    for label, operation in operations(document):
        for parameter in operation["parameters"]:
            if "$ref" in parameter:
                continue
            schema = parameter["schema"]
            assert "anyOf" not in schema, (label, parameter["name"])  # no "null" in a query
            if parameter["in"] == "path" and parameter["name"] != "slug":
                seen += 1
                assert schema["type"] == "integer", (label, parameter)
                assert (schema["minimum"], schema["maximum"]) == (1, MAX_ID)
    assert seen > 30


def test_the_context_headers_are_declared_on_every_operation(document):
    headers = document["components"]["parameters"]
    assert headers["ContextFirm"]["name"] == "X-Comptoir-Firm"
    assert headers["ContextCompany"]["schema"]["maximum"] == MAX_ID
    for label, operation in operations(document):
        references = [p.get("$ref") for p in operation["parameters"]]
        assert "#/components/parameters/ContextCompany" in references, label


def test_inputs_state_their_rules(document):
    schemas = document["components"]["schemas"]
    assert schemas["MemberIn"]["properties"]["role"]["enum"] == [
        "administrateur",
        "collaborateur",
        "invite",
    ]
    assert schemas["MemberIn"]["properties"]["email"]["format"] == "email"
    assert schemas["CompanyIn"]["properties"]["name"]["maxLength"] == 200
    assert schemas["AssignIn"]["properties"]["companies"]["items"]["minimum"] == 1
    deliveries = {
        p["name"]: p["schema"]
        for p in document["paths"]["/api/v1/deliveries"]["get"]["parameters"]
        if "name" in p
    }
    assert deliveries["status"]["enum"] == ["pending", "sending", "sent", "failed", "cancelled"]
    assert (deliveries["limit"]["minimum"], deliveries["limit"]["maximum"]) == (1, 200)
    upload = document["paths"]["/api/v1/companies/{company_id}/documents"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file", "folder"]
    assert "achats" in form["properties"]["folder"]["enum"]
