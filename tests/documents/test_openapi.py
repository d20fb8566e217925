"""The documents endpoints appear in the OpenAPI document."""


def test_openapi_lists_the_documents_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/companies/{company_id}/folders",
        "/api/v1/companies/{company_id}/documents",
        "/api/v1/documents/{document_id}",
        "/api/v1/documents/{document_id}/versions",
        "/api/v1/documents/{document_id}/versions/{number}/file",
        "/api/v1/documents/{document_id}/versions/{number}/deliveries",
    ):
        assert path in paths, path
    upload = paths["/api/v1/companies/{company_id}/documents"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
