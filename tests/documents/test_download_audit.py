"""Every download of a document's version is in the firm's audit log, page or API."""

import pytest

from comptoir.audit.models import AuditEvent
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_page_and_api_downloads_are_audited(document, company_guest, api_as):
    page = client_for(company_guest).get(f"/documents/{document.pk}/versions/1/fichier/")
    assert page.status_code == 200
    api = api_as(company_guest).get(f"/documents/{document.pk}/versions/2/file")
    assert api.status_code == 200
    events = AuditEvent.objects.filter(action="document.download").order_by("id")
    assert [e.details["version"] for e in events] == [1, 2]
    assert {e.firm_id for e in events} == {document.firm_id}
    assert {e.actor for e in events} == {company_guest}
    assert {e.target_id for e in events} == {str(document.pk)}
    assert events[0].ip_address == "127.0.0.1"


def test_a_refused_download_is_not_audited(document, other_firm):
    from tests.factories import FirmMembershipFactory

    stranger = FirmMembershipFactory(firm=other_firm).user
    assert (
        client_for(stranger).get(f"/documents/{document.pk}/versions/1/fichier/").status_code == 404
    )
    assert not AuditEvent.objects.filter(action="document.download").exists()
