"""Every file of the corpus through the API: applied with the right counts, or refused with
every error and not one row changed. No file gives a 500."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from comptoir.assignments.imports import error_report_csv, read_table
from comptoir.assignments.models import CompanyAssignment
from comptoir.audit.models import AuditEvent
from comptoir.companies.models import Company
from tests.assignments.corpus import FOREIGN_SIRET, cases, known_sirets
from tests.factories import CompanyFactory

CASES = cases()


def test_the_corpus_is_large_and_varied():
    assert len(CASES) >= 40
    assert sum(1 for c in CASES if c.ok) >= 15 and sum(1 for c in CASES if not c.ok) >= 25
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.fixture
def corpus_firm(firm, other_firm):
    Company.objects.bulk_create(
        [
            Company(
                firm=firm,
                name=f"Dossier {i:03d}",
                slug=f"dossier-{i}",
                siret=siret,
                fiscal_year_start="2026-01-01",
                fiscal_year_end="2026-12-31",
            )
            for i, siret in enumerate(known_sirets())
        ]
    )
    CompanyFactory(firm=other_firm, siret=FOREIGN_SIRET)
    return firm


def snapshot():
    return (
        sorted(
            (a.company_id, a.installation_id, json.dumps(a.settings, sort_keys=True), a.enabled)
            for a in CompanyAssignment.objects.all()
        ),
        AuditEvent.objects.count(),
    )


def upload(api, installation, name, content, dry_run=False):
    return api.client.post(
        f"/api/v1/installations/{installation.pk}/assignments/import?dry_run={str(dry_run).lower()}",
        {"file": SimpleUploadedFile(name, content)},
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_file(case, corpus_firm, firm_admin, connector, api_as):
    api = api_as(firm_admin)
    if case.prepare is not None:
        assert upload(api, connector, "prepare.csv", case.prepare).status_code == 200
    before = snapshot()

    preview = upload(api, connector, case.filename, case.content, dry_run=True)
    assert preview.status_code == case.status, preview.content[:500]
    assert snapshot() == before  # a preview never writes

    response = upload(api, connector, case.filename, case.content)
    assert response.status_code == case.status, response.content[:500]
    body = response.json()
    if case.ok:
        assert (body["created"], body["updated"], body["unchanged"]) == case.counts
        assert body["dry_run"] is False
        assert body["extra_columns"] == case.extra_columns
        assert len(body["rows"]) == sum(case.counts)
        assert preview.json()["created"] == case.counts[0]
        again = upload(api, connector, case.filename, case.content).json()
        assert (again["created"], again["updated"]) == (0, 0)  # re-importing changes nothing
        return
    assert snapshot() == before  # all or nothing
    error = body["error"]
    details = error["details"]
    assert details and error["message"]
    assert all(set(d) >= {"row", "column", "value", "code", "message"} for d in details)
    codes = {d["code"] for d in details}
    assert case.codes <= codes, (codes, details)
    if case.rows:
        assert case.rows <= {d["row"] for d in details}, details
    assert all(d["message"] for d in details)


def test_unknown_siret_message_is_the_same_for_another_firm_and_nobody(
    corpus_firm, firm_admin, connector, api_as
):
    case = next(c for c in CASES if c.name == "unknown_same_message_for_foreign_and_nobody")
    details = upload(api_as(firm_admin), connector, "a.csv", case.content).json()["error"][
        "details"
    ]
    assert len({d["message"] for d in details}) == 1
    assert "Check the number" in details[0]["message"] or "Vérifiez" in details[0]["message"]


def test_scientific_notation_is_explained(corpus_firm, firm_admin, connector, api_as):
    case = next(c for c in CASES if c.name == "every_kind_of_bad_row")
    details = upload(api_as(firm_admin), connector, "a.csv", case.content).json()["error"][
        "details"
    ]
    scientific = next(d for d in details if d["code"] == "siret_scientific_notation")
    assert scientific["row"] == 6 and scientific["value"] == "7,32829E+13"
    assert "Excel" in scientific["message"]
    huge = next(d for d in details if d["code"] == "cell_too_long")
    assert len(huge["value"]) <= 120  # the value shown is cut, not the whole 5000 characters
    assert not any(d["row"] == 14 and d["code"] == "required" for d in details)


def test_the_error_report_neutralises_formulas(corpus_firm, connector):
    case = next(c for c in CASES if c.name == "formula_payloads_in_siret")
    from comptoir.assignments.services import check_import

    errors = check_import(installation=connector, table=read_table(case.content, "a.csv")).errors
    report = error_report_csv(errors)
    assert report.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(report.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + len(errors)
    for cells in rows[1:]:
        for cell in cells:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    values = [cells[2] for cells in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in values and "'-2+3" in values
