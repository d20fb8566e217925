"""'Renvoyer' is offered only for a delivery whose app is still connected to its company:
once the app is removed (the delivery keeps no installation), the page says so instead."""

import pytest
from django.urls import reverse

from comptoir.assignments.models import CompanyAssignment
from comptoir.deliveries.models import Delivery
from comptoir.documents.services import document_upload
from comptoir.store.models import App, Installation
from tests.conftest import client_for
from tests.factories import uploaded_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_delivery(firm, company, firm_admin, media_root):
    app = App.objects.create(
        slug="automatiser-test",
        name="Automatiser Test",
        type="automation",
        audience="firm",
        transport="email",
        accepted_folders=["achats"],
    )
    installation = Installation.objects.create(firm=firm, app=app)
    document = document_upload(
        actor=firm_admin, company=company, folder="achats", file=uploaded_file()
    )
    return Delivery.objects.create(
        firm=firm,
        company=company,
        company_name=company.name,
        version=document.versions.get(number=1),
        installation=installation,
        assignment=CompanyAssignment.objects.create(
            firm=firm, installation=installation, company=company
        ),
        app_name=app.name,
        app_slug=app.slug,
        destination={"kind": "email"},
        folder="achats",
        status="failed",
        idempotency_key="key-1",
    )


def test_resend_for_a_failed_delivery_of_a_connected_app(failed_delivery, firm_admin):
    html = client_for(firm_admin).get(reverse("deliveries:index")).content.decode()
    assert reverse("deliveries:resend", args=[failed_delivery.pk]) in html


def test_no_resend_for_a_delivery_whose_app_was_removed(failed_delivery, firm_admin):
    Delivery.objects.filter(pk=failed_delivery.pk).update(installation=None, assignment=None)
    page = client_for(firm_admin).get(reverse("deliveries:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="delivery-{failed_delivery.pk}"' in html
    assert reverse("deliveries:resend", args=[failed_delivery.pk]) not in html
    assert "Application plus connectée" in html
