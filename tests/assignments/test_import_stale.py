"""A preview that went stale before "Importer": a clear error, and nothing applied.

The scenario a tester reported as "0 ajouté": two people preview files that give the same
clients the app; one imports; the other's preview still says "2 to add", and importing it said
"0 added, 2 unchanged" as if it had worked. Now the second import is refused and the page
shows the new preview.
"""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from comptoir.assignments import services
from comptoir.assignments.models import AssignmentImport, CompanyAssignment
from comptoir.assignments.services import Entry
from comptoir.audit.models import AuditEvent
from tests.conftest import client_for
from tests.factories import CompanyFactory


@pytest.fixture
def two_companies(firm):
    return CompanyFactory(firm=firm), CompanyFactory(firm=firm)


def csv_for(companies, code="D") -> bytes:
    lines = ["siret;code_dossier;email_achats"]
    lines += [f"{c.siret};{code}{i};achats{i}@x.example" for i, c in enumerate(companies)]
    return ("\r\n".join(lines) + "\r\n").encode()


def snapshot():
    return (
        sorted(
            (a.company_id, json.dumps(a.settings, sort_keys=True))
            for a in CompanyAssignment.objects.all()
        ),
        AuditEvent.objects.count(),
    )


def upload_and_preview(client, installation, content):
    upload = client.post(
        reverse("assignments:import", args=[installation.pk]),
        {"file": SimpleUploadedFile("clients.csv", content)},
    )
    assert upload.status_code == 302
    preview = client.get(upload["Location"])
    assert preview.status_code == 200
    token = re.search(r'name="preview" value="([0-9a-f]{32})"', preview.content.decode())
    assert token, "the preview page sends its plan back with Importer"
    return AssignmentImport.objects.order_by("-id").first(), token.group(1)


def apply(client, installation, stored, token):
    return client.post(
        reverse("assignments:import_apply", args=[installation.pk, stored.pk]),
        {"preview": token},
        HTTP_ACCEPT_LANGUAGE="fr",
    )


def test_page_refuses_a_preview_that_another_import_made_stale(
    firm_admin, firm_collaborator, connector, two_companies
):
    alice, bob = client_for(firm_admin), client_for(firm_collaborator)
    content = csv_for(two_companies)
    first, first_token = upload_and_preview(alice, connector, content)
    second, second_token = upload_and_preview(bob, connector, content)
    assert first_token == second_token  # the same plan: 2 to add

    done = apply(bob, connector, second, second_token)
    assert done.status_code == 302 and CompanyAssignment.objects.count() == 2
    before = snapshot()

    with translation.override("fr"):
        refused = apply(alice, connector, first, first_token)
    preview_url = reverse("assignments:import_preview", args=[connector.pk, first.pk])
    assert refused.status_code == 302 and refused["Location"] == preview_url
    page = alice.get(preview_url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Rien n\u2019a été importé" in page and "aperçu" in page
    assert snapshot() == before
    first.refresh_from_db()
    assert first.applied_at is None
    # The new preview says what importing would do now: nothing to add, 2 unchanged.
    summary = page[page.index('id="import-summary"') :]
    assert re.findall(r"<strong>(\d+)</strong>", summary)[:3] == ["0", "0", "2"]
    fresh = re.search(r'name="preview" value="([0-9a-f]{32})"', page).group(1)
    assert fresh != first_token
    again = apply(alice, connector, first, fresh)
    assert again["Location"] == reverse("assignments:installation", args=[connector.pk])
    first.refresh_from_db()
    assert first.result == {"created": 0, "updated": 0, "unchanged": 2, "rows": 2}


def test_page_refuses_a_preview_after_a_colleague_changed_a_setting(
    firm_admin, connector, two_companies
):
    client = client_for(firm_admin)
    services.assignments_upsert(
        actor=firm_admin,
        installation=connector,
        entries=[
            Entry(company=c, settings={"code_dossier": "D0", "email_achats": "a@x.example"})
            for c in two_companies
        ],
    )
    stored, token = upload_and_preview(client, connector, csv_for(two_companies))
    # In the meantime, someone edits the second company's assignment by hand.
    services.assignments_upsert(
        actor=firm_admin,
        installation=connector,
        entries=[
            Entry(
                company=two_companies[1],
                settings={"code_dossier": "D1", "email_achats": "achats1@x.example"},
            )
        ],
    )
    before = snapshot()
    refused = apply(client, connector, stored, token)
    assert refused.status_code == 302
    assert snapshot() == before


def test_applying_the_same_stored_file_twice_is_refused_once_applied(
    firm_admin, connector, two_companies
):
    stored = services.assignment_import_store(
        actor=firm_admin, installation=connector, data=csv_for(two_companies), filename="a.csv"
    )
    kwargs = {
        "actor": firm_admin,
        "installation": connector,
        "data": bytes(stored.content),
        "filename": "a.csv",
    }
    services.assignment_import_apply(**kwargs, stored=stored)
    before = snapshot()
    stale_copy = AssignmentImport.objects.get(pk=stored.pk)
    stale_copy.applied_at = None  # what a second tab loaded before the first one applied
    with pytest.raises(services.ImportAlreadyApplied):
        services.assignment_import_apply(**kwargs, stored=stale_copy)
    assert snapshot() == before


def test_api_dry_run_token_refuses_a_stale_apply_with_409(
    api_as, firm_admin, connector, two_companies
):
    api = api_as(firm_admin)
    url = f"/api/v1/installations/{connector.pk}/assignments/import"
    content = csv_for(two_companies)

    def post(query):
        return api.client.post(
            url + query,
            {"file": SimpleUploadedFile("clients.csv", content)},
            HTTP_ACCEPT_LANGUAGE="fr",
        )

    dry = post("?dry_run=true")
    assert dry.status_code == 200 and dry.json()["created"] == 2
    token = dry.json()["preview"]
    # Someone imports one of the two clients in the meantime (another file).
    other = post("?dry_run=false")
    assert other.status_code == 200 and other.json()["created"] == 2
    CompanyAssignment.objects.filter(company=two_companies[0]).delete()
    before = snapshot()

    stale = post(f"?dry_run=false&preview={token}")
    assert stale.status_code == 409, stale.content
    error = stale.json()["error"]
    assert error["code"] == "import_preview_stale"
    assert error["message"].startswith("Rien n\u2019a été importé")
    assert snapshot() == before

    fresh = post("?dry_run=true").json()
    assert fresh["created"] == 1 and fresh["preview"] != token
    applied = post(f"?dry_run=false&preview={fresh['preview']}")
    assert applied.status_code == 200 and applied.json()["created"] == 1


def test_api_a_file_that_became_wrong_is_422_with_its_rows(
    api_as, firm_admin, connector, two_companies
):
    api = api_as(firm_admin)
    url = f"/api/v1/installations/{connector.pk}/assignments/import"
    content = csv_for(two_companies)
    dry = api.client.post(url + "?dry_run=true", {"file": SimpleUploadedFile("a.csv", content)})
    token = dry.json()["preview"]
    two_companies[1].delete()
    before = snapshot()
    applied = api.client.post(
        url + f"?dry_run=false&preview={token}", {"file": SimpleUploadedFile("a.csv", content)}
    )
    assert applied.status_code == 422
    [detail] = applied.json()["error"]["details"]
    assert (detail["row"], detail["code"]) == (3, "siret_unknown")
    assert snapshot() == before
