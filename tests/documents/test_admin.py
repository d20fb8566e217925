"""The admin shows documents and versions but changes nothing: writes go through services."""

import pytest

from tests.conftest import client_for
from tests.factories import UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


def test_admin_is_read_only(staff, document):
    client = client_for(staff)
    version = document.versions.get(number=1)
    assert client.get("/admin/documents/document/").status_code == 200
    assert client.get("/admin/documents/documentversion/").status_code == 200
    assert client.get(f"/admin/documents/document/{document.pk}/change/").status_code == 200
    assert client.get(f"/admin/documents/documentversion/{version.pk}/change/").status_code == 200
    assert client.get("/admin/documents/documentversion/add/").status_code == 403
    assert client.get(f"/admin/documents/documentversion/{version.pk}/delete/").status_code == 403
    response = client.post(
        f"/admin/documents/documentversion/{version.pk}/change/", {"original_name": "x.pdf"}
    )
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.original_name == "facture-v1.pdf"
