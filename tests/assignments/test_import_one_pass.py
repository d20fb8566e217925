"""The import reads the file once per request, and refuses a preview that went stale.

The reader is spied on where the import service calls it: every page and API request of the
import parses the file exactly once (it was parsed three times, the first result thrown away).
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comptoir.assignments import services
from comptoir.assignments.imports import reader
from comptoir.assignments.models import AssignmentImport, CompanyAssignment
from comptoir.assignments.services import imports as import_services
from comptoir.audit.models import AuditEvent
from tests.conftest import client_for
from tests.factories import CompanyFactory


@pytest.fixture
def parses(monkeypatch):
    """How many times the file was parsed since the last reset (``parses.clear()``)."""
    calls: list[str] = []

    def spy(data, filename=""):
        calls.append(filename)
        return reader.read_table(data, filename)

    monkeypatch.setattr(import_services, "read_table", spy)
    return calls


@pytest.fixture
def content(firm):
    companies = [CompanyFactory(firm=firm), CompanyFactory(firm=firm)]
    lines = ["siret;code_dossier;email_achats"]
    lines += [f"{c.siret};D{i};achats{i}@x.example" for i, c in enumerate(companies)]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_each_page_of_the_import_parses_the_file_once(firm_admin, connector, content, parses):
    client = client_for(firm_admin)
    upload = client.post(
        reverse("assignments:import", args=[connector.pk]),
        {"file": SimpleUploadedFile("clients.csv", content)},
    )
    assert upload.status_code == 302
    assert len(parses) == 1
    stored = AssignmentImport.objects.get()

    parses.clear()
    preview = client.get(upload["Location"])
    assert preview.status_code == 200 and len(parses) == 1
    token = re.search(r'name="preview" value="([0-9a-f]{32})"', preview.content.decode()).group(1)

    parses.clear()
    report = client.get(reverse("assignments:import_errors", args=[connector.pk, stored.pk]))
    assert report.status_code == 200 and len(parses) == 1

    parses.clear()
    applied = client.post(
        reverse("assignments:import_apply", args=[connector.pk, stored.pk]), {"preview": token}
    )
    assert applied.status_code == 302 and len(parses) == 1
    assert CompanyAssignment.objects.count() == 2


def test_each_api_import_parses_the_file_once(api_as, firm_admin, connector, content, parses):
    api = api_as(firm_admin)
    url = f"/api/v1/installations/{connector.pk}/assignments/import"

    def post(query):
        parses.clear()
        response = api.client.post(url + query, {"file": SimpleUploadedFile("a.csv", content)})
        assert len(parses) == 1, (query, parses)
        return response

    dry = post("?dry_run=true")
    assert dry.status_code == 200 and dry.json()["created"] == 2
    applied = post(f"?dry_run=false&preview={dry.json()['preview']}")
    assert applied.status_code == 200 and applied.json()["created"] == 2
    again = post("?dry_run=false")
    assert again.status_code == 200 and again.json()["unchanged"] == 2


def test_a_file_with_errors_is_parsed_once_by_the_api(api_as, firm_admin, connector, parses):
    api = api_as(firm_admin)
    url = f"/api/v1/installations/{connector.pk}/assignments/import"
    bad = b"siret;code_dossier;email_achats\r\n12345;D1;nope\r\n"
    response = api.client.post(url, {"file": SimpleUploadedFile("a.csv", bad)})
    assert response.status_code == 422 and len(parses) == 1
    [detail] = [d for d in response.json()["error"]["details"] if d["column"] == "siret"]
    assert set(detail) == {"row", "column", "value", "code", "message"}


def test_the_service_refuses_a_stale_preview_and_writes_nothing(firm_admin, connector, content):
    stored = services.assignment_import_store(
        actor=firm_admin, installation=connector, data=content, filename="a.csv"
    )
    token = services.check_file(installation=connector, data=content, filename="a.csv").token
    # A colleague gives one of the two companies the app in the meantime.
    services.assignment_import_apply(
        actor=firm_admin,
        installation=connector,
        data=content.splitlines(keepends=True)[0] + content.splitlines(keepends=True)[1],
        filename="b.csv",
    )
    before = (CompanyAssignment.objects.count(), AuditEvent.objects.count())
    with pytest.raises(services.ImportStale) as refused:
        services.assignment_import_apply(
            actor=firm_admin,
            installation=connector,
            data=content,
            filename="a.csv",
            stored=stored,
            expected_preview=token,
        )
    assert refused.value.code == "import_preview_stale" and refused.value.status == 409
    assert (CompanyAssignment.objects.count(), AuditEvent.objects.count()) == before
    stored.refresh_from_db()
    assert stored.applied_at is None
    fresh = services.check_file(installation=connector, data=content, filename="a.csv")
    assert fresh.token != token and (fresh.created, fresh.unchanged) == (1, 1)
    summary = services.assignment_import_apply(
        actor=firm_admin,
        installation=connector,
        data=content,
        filename="a.csv",
        stored=stored,
        expected_preview=fresh.token,
    )
    assert (summary.created, summary.unchanged) == (1, 1)


def test_the_same_row_error_for_the_preview_the_report_and_the_api(connector, firm):
    bad = b"siret;code_dossier;email_achats\r\n=1+2;D1;a@x.example\r\n"
    check = services.check_file(installation=connector, data=bad, filename="a.csv")
    [error] = check.errors
    assert isinstance(error, services.imports.RowError)
    assert (error.row, error.column, error.value) == (2, "siret", "=1+2")
    assert error.as_detail() == {
        "row": 2,
        "column": "siret",
        "value": "=1+2",
        "code": error.code,
        "message": error.message,
    }
