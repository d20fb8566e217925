"""document_upload and document_version_add: numbering, immutability, limits, storage."""

import hashlib
from datetime import date

import pytest
from django.db import connection

from comptoir.audit.models import AuditEvent
from comptoir.core.errors import Conflict, TooLarge, ValidationFailed
from comptoir.deliveries import outbox
from comptoir.documents import services
from comptoir.documents.models import Document, DocumentVersion, ImmutableVersionError
from tests.documents.conftest import stored_files
from tests.factories import PDF_BYTES, PNG_BYTES, uploaded_file


def test_upload_creates_the_document_and_its_version_1(company, firm_admin, media_root):
    document = services.document_upload(
        actor=firm_admin,
        company=company,
        folder="achats",
        file=uploaded_file("Facture EDF.pdf", PDF_BYTES, content_type="text/html"),
    )
    document.refresh_from_db()
    assert (document.firm_id, document.company_id) == (company.firm_id, company.pk)
    assert document.folder == "achats"
    assert document.title == "Facture EDF.pdf"
    assert document.current_version == 1
    assert document.created_by == firm_admin
    # Without a fiscal year or a month: the current fiscal year's root.
    assert (document.fiscal_year_start, document.fiscal_year_end) == (
        company.fiscal_year_start,
        company.fiscal_year_end,
    )
    assert document.month is None

    version = document.versions.get()
    assert version.number == 1
    assert version.firm_id == company.firm_id
    assert version.original_name == "Facture EDF.pdf"
    assert version.size == len(PDF_BYTES)
    assert version.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert version.content_type == "application/pdf"  # the bytes, not the client's header
    assert version.uploaded_by == firm_admin

    # Stored under firm/company ids and a random name, never the user's file name.
    assert version.file.name.startswith(f"documents/{company.firm_id}/{company.pk}/")
    assert "EDF" not in version.file.name and "Facture" not in version.file.name
    assert version.file.name.endswith(".pdf")
    with version.file.open("rb") as stored:
        assert stored.read() == PDF_BYTES
    assert len(stored_files(media_root)) == 1


def test_random_storage_names_differ_for_the_same_file(company, firm_admin):
    first = services.document_upload(
        actor=firm_admin, company=company, folder="ventes", file=uploaded_file("a.pdf")
    )
    second = services.document_upload(
        actor=firm_admin, company=company, folder="ventes", file=uploaded_file("a.pdf")
    )
    assert first.versions.get().file.name != second.versions.get().file.name


def test_versions_are_numbered_one_by_one(company, company_admin, media_root):
    document = services.document_upload(
        actor=company_admin, company=company, folder="ventes", file=uploaded_file("devis.pdf")
    )
    contents = [PDF_BYTES + f"% v{n}\n".encode() for n in (2, 3)]
    v2 = services.document_version_add(
        actor=company_admin, document=document, file=uploaded_file("devis-2.pdf", contents[0])
    )
    v3 = services.document_version_add(
        actor=company_admin, document=document, file=uploaded_file("devis-3.png", PNG_BYTES)
    )
    assert (v2.number, v3.number) == (2, 3)
    assert document.current_version == 3
    document.refresh_from_db()
    assert document.current_version == 3
    assert list(document.versions.values_list("number", flat=True)) == [1, 2, 3]
    assert v3.content_type == "image/png"
    assert v2.sha256 == hashlib.sha256(contents[0]).hexdigest()
    # Every version keeps its own bytes.
    for version, data in zip(
        document.versions.order_by("number"), [PDF_BYTES, contents[0], PNG_BYTES], strict=True
    ):
        with version.file.open("rb") as stored:
            assert stored.read() == data
    assert len(stored_files(media_root)) == 3


def test_versions_are_immutable(document):
    version = document.versions.get(number=1)
    version.original_name = "changed.pdf"
    with pytest.raises(ImmutableVersionError):
        version.save()
    with pytest.raises(ImmutableVersionError):
        DocumentVersion.objects.filter(pk=version.pk).update(original_name="changed.pdf")
    version.refresh_from_db()
    assert version.original_name == "facture-v1.pdf"
    assert not hasattr(services, "document_version_update")


def test_both_services_write_audit_events(document, firm_admin):
    events = AuditEvent.objects.filter(target_id=str(document.pk)).order_by("id")
    assert [e.action for e in events] == ["document.upload", "document.version_add"]
    upload_event = events[0]
    assert upload_event.firm_id == document.firm_id
    assert upload_event.actor == firm_admin
    assert upload_event.details["folder"] == "achats"
    assert upload_event.details["version"] == 1
    assert upload_event.details["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert events[1].details["version"] == 2


def test_the_outbox_hook_sees_each_new_version_inside_the_transaction(
    company, firm_admin, monkeypatch
):
    seen = []

    def plan(*, version):
        # Called inside the service's transaction, after the version row exists.
        seen.append((version.number, version.pk is not None, connection.in_atomic_block))
        return []

    monkeypatch.setattr(outbox, "plan_deliveries_for_version", plan)
    document = services.document_upload(
        actor=firm_admin, company=company, folder="achats", file=uploaded_file()
    )
    services.document_version_add(actor=firm_admin, document=document, file=uploaded_file())
    assert seen == [(1, True, True), (2, True, True)]


def test_the_outbox_stub_plans_nothing_yet(document):
    assert outbox.plan_deliveries_for_version(version=document.versions.first()) == []


# --- refusals: nothing half-saved -----------------------------------------------------------


def _nothing_saved(media_root, documents=0, versions=0):
    assert Document.objects.count() == documents
    assert DocumentVersion.objects.count() == versions
    assert len(stored_files(media_root)) == versions


def test_empty_file_is_refused(company, firm_admin, media_root):
    with pytest.raises(ValidationFailed) as error:
        services.document_upload(
            actor=firm_admin, company=company, folder="achats", file=uploaded_file("vide.pdf", b"")
        )
    assert error.value.code == "file_empty"
    assert error.value.field == "file"
    _nothing_saved(media_root)


def test_missing_file_is_refused(company, firm_admin, media_root):
    with pytest.raises(ValidationFailed) as error:
        services.document_upload(actor=firm_admin, company=company, folder="achats", file=None)
    assert error.value.code == "file_required"
    _nothing_saved(media_root)


def test_size_limit_comes_from_settings(company, firm_admin, media_root, settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = len(PDF_BYTES)
    services.document_upload(
        actor=firm_admin, company=company, folder="achats", file=uploaded_file()
    )
    with pytest.raises(TooLarge) as error:
        services.document_upload(
            actor=firm_admin,
            company=company,
            folder="achats",
            file=uploaded_file(content=PDF_BYTES + b"x"),
        )
    assert error.value.status == 413
    assert error.value.code == "file_too_large"
    assert "limit" in str(error.value.message)
    _nothing_saved(media_root, documents=1, versions=1)


def test_a_new_version_over_the_limit_is_refused(document, firm_admin, media_root, settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 10
    with pytest.raises(TooLarge):
        services.document_version_add(actor=firm_admin, document=document, file=uploaded_file())
    with pytest.raises(ValidationFailed):
        services.document_version_add(
            actor=firm_admin, document=document, file=uploaded_file(content=b"")
        )
    _nothing_saved(media_root, documents=1, versions=2)


def test_default_limit_is_20_mib(settings):
    from comptoir import settings as project_settings

    assert project_settings.DOCUMENT_MAX_UPLOAD_BYTES == 20 * 1024 * 1024


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("../../../etc/passwd", "passwd"),
        ("C:\\fakepath\\relevé\n.csv", "relevé .csv"),
        ("\u202efdp.exe", "fdp.exe"),
    ],
)
def test_file_names_are_sanitised(company, firm_admin, raw, stored):
    document = services.document_upload(
        actor=firm_admin, company=company, folder="banque", file=uploaded_file(raw, b"a;b\n1;2\n")
    )
    version = document.versions.get()
    assert version.original_name == stored
    assert document.title == stored
    assert "/" not in version.original_name and "\\" not in version.original_name


def test_title_is_cleaned_and_capped(company, firm_admin):
    document = services.document_upload(
        actor=firm_admin,
        company=company,
        folder="social",
        file=uploaded_file(),
        title="  Bulletins\n de   paie " + "x" * 300,
    )
    assert document.title.startswith("Bulletins de paie x")
    assert len(document.title) == 200


def test_unknown_folder_is_refused(company, firm_admin, media_root):
    with pytest.raises(ValidationFailed) as error:
        services.document_upload(
            actor=firm_admin, company=company, folder="Achats", file=uploaded_file()
        )
    assert error.value.field == "folder"
    assert "achats" in str(error.value.message)
    _nothing_saved(media_root)


def test_rollback_deletes_the_stored_file(company, firm_admin, media_root, monkeypatch):
    def fail(*, version):
        raise RuntimeError("delivery planning failed")

    monkeypatch.setattr(outbox, "plan_deliveries_for_version", fail)
    with pytest.raises(RuntimeError):
        services.document_upload(
            actor=firm_admin, company=company, folder="achats", file=uploaded_file()
        )
    _nothing_saved(media_root)


def test_rollback_of_a_new_version_deletes_its_file(document, firm_admin, media_root, monkeypatch):
    def fail(*, version):
        raise RuntimeError("delivery planning failed")

    monkeypatch.setattr(outbox, "plan_deliveries_for_version", fail)
    with pytest.raises(RuntimeError):
        services.document_version_add(actor=firm_admin, document=document, file=uploaded_file())
    document.refresh_from_db()
    assert document.current_version == 2
    _nothing_saved(media_root, documents=1, versions=2)


def test_a_version_number_taken_concurrently_is_a_conflict(document, firm_admin, media_root):
    # Another writer created version 3 without bumping current_version yet: the unique
    # constraint refuses ours, and our stored file goes away with the transaction.
    stray = DocumentVersion(
        firm_id=document.firm_id,
        document=document,
        number=3,
        original_name="x.pdf",
        size=1,
        content_type="application/pdf",
        sha256="0" * 64,
        file="documents/x.pdf",
    )
    stray.save()
    with pytest.raises(Conflict):
        services.document_version_add(actor=firm_admin, document=document, file=uploaded_file())
    document.refresh_from_db()
    assert document.current_version == 2
    assert DocumentVersion.objects.filter(document=document).count() == 3
    assert len(stored_files(media_root)) == 2


# --- where a document is filed --------------------------------------------------------------


def test_filed_in_a_month_of_the_current_fiscal_year(company, firm_admin):
    document = services.document_upload(
        actor=firm_admin, company=company, folder="achats", file=uploaded_file(), month="2026-03"
    )
    assert document.month == date(2026, 3, 1)
    assert document.fiscal_year_start == date(2026, 1, 1)


def test_filed_in_the_previous_fiscal_year(company, firm_admin):
    document = services.document_upload(
        actor=firm_admin,
        company=company,
        folder="achats",
        file=uploaded_file(),
        fiscal_year="2025-01-01",
        month="2025-12-15",
    )
    assert (document.fiscal_year_start, document.fiscal_year_end) == (
        date(2025, 1, 1),
        date(2025, 12, 31),
    )
    assert document.month == date(2025, 12, 1)


def test_a_month_alone_finds_its_fiscal_year(company, firm_admin):
    document = services.document_upload(
        actor=firm_admin, company=company, folder="achats", file=uploaded_file(), month="2025-06"
    )
    assert document.fiscal_year_start == date(2025, 1, 1)


@pytest.mark.parametrize(
    ("fiscal_year", "month", "code"),
    [
        ("2024-01-01", None, "unknown_fiscal_year"),
        ("pas une date", None, "invalid_fiscal_year"),
        ("2026-01-01", "2025-12", "month_outside_fiscal_year"),
        (None, "2023-01", "month_outside_fiscal_years"),
        (None, "mars", "invalid_month"),
        (None, "2026-13", "invalid_month"),
    ],
)
def test_places_outside_the_fiscal_years_are_refused(
    company, firm_admin, media_root, fiscal_year, month, code
):
    with pytest.raises(ValidationFailed) as error:
        services.document_upload(
            actor=firm_admin,
            company=company,
            folder="achats",
            file=uploaded_file(),
            fiscal_year=fiscal_year,
            month=month,
        )
    assert error.value.code == code
    _nothing_saved(media_root)
