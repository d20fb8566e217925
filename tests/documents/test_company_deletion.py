"""Deleting a client company deletes its documents' stored files too, once it commits."""

import pytest
from django.db import transaction

from comptoir.companies.services import company_delete
from comptoir.documents import services
from comptoir.documents.models import DocumentVersion
from tests.documents.conftest import stored_files
from tests.factories import CompanyFactory, uploaded_file

pytestmark = pytest.mark.django_db


def upload_two_documents(company, actor):
    first = services.document_upload(
        actor=actor, company=company, folder="achats", file=uploaded_file()
    )
    services.document_version_add(actor=actor, document=first, file=uploaded_file())
    services.document_upload(actor=actor, company=company, folder="ventes", file=uploaded_file())


def test_the_files_go_with_the_company(
    firm, firm_admin, company, media_root, django_capture_on_commit_callbacks
):
    kept = CompanyFactory(firm=firm)
    upload_two_documents(company, firm_admin)
    upload_two_documents(kept, firm_admin)
    assert len(stored_files(media_root)) == 6

    with django_capture_on_commit_callbacks(execute=True):
        company_delete(actor=firm_admin, company=company)

    remaining = stored_files(media_root)
    assert len(remaining) == 3
    kept_names = set(
        DocumentVersion.objects.filter(document__company=kept).values_list("file", flat=True)
    )
    assert {path.relative_to(media_root).as_posix() for path in remaining} == kept_names


def test_a_rolled_back_deletion_keeps_every_file(
    firm_admin, company, media_root, django_capture_on_commit_callbacks
):
    upload_two_documents(company, firm_admin)
    company_id = company.pk  # delete() forgets the pk, even when its transaction rolls back
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        company_delete(actor=firm_admin, company=company)
        raise RuntimeError("something later in the same transaction failed")
    assert callbacks == []
    assert len(stored_files(media_root)) == 3
    assert DocumentVersion.objects.filter(document__company_id=company_id).count() == 3
