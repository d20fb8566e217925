"""The send history's export: the page's deliveries and filters, as CSV and XLSX."""

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.deliveries.models import Delivery
from tests.conftest import client_for
from tests.deliveries.connections import connect_https, upload
from tests.exports.helpers import csv_rows, xlsx_rows, xlsx_sheet
from tests.factories import CompanyFactory

EXPORT = reverse("deliveries:export")

pytestmark = pytest.mark.usefixtures("media_root")


def french(user):
    client = client_for(user)
    client.cookies["django_language"] = "fr"
    return client


def test_the_export_lists_the_deliveries_in_french(firm_admin, connection, company):
    upload(firm_admin, company, title="Facture Moulins Giraud")
    upload(firm_admin, company, title='=HYPERLINK("http://evil.example";"clic")')

    rows = csv_rows(french(firm_admin).get(EXPORT))

    assert rows[0][:8] == [
        "Créé le",
        "Document",
        "Version",
        "Répertoire",
        "Entreprise cliente",
        "Application",
        "Destination",
        "Statut",
    ]
    titles = [row[1] for row in rows[1:]]
    assert titles == ['\'=HYPERLINK("http://evil.example";"clic")', "Facture Moulins Giraud"]
    assert {row[4] for row in rows[1:]} == {company.name}
    assert {row[7] for row in rows[1:]} == {"En attente"}

    sheet = xlsx_sheet(french(firm_admin).get(EXPORT, {"format": "xlsx"}))
    assert sheet["B2"].value.startswith("'=") and sheet["B2"].data_type == "s"
    assert sheet["C2"].value == 1  # the version number is a number


def test_the_export_keeps_the_filters(firm_admin, connection, company, http_server):
    sibling = CompanyFactory(firm=company.firm, name="Garage des Tilleuls")
    connect_https(sibling, http_server.url())
    upload(firm_admin, company, title="Facture boulangerie")
    upload(firm_admin, sibling, title="Facture garage")
    client = french(firm_admin)

    rows = csv_rows(client.get(EXPORT, {"company": "tilleuls"}))
    assert [row[1] for row in rows[1:]] == ["Facture garage"]
    assert len(xlsx_rows(client.get(EXPORT, {"status": "sent", "format": "xlsx"}))) == 1


def test_another_firms_deliveries_are_never_in_it(
    firm_admin, other_firm_admin, connection, company
):
    upload(firm_admin, company, title="Facture à nous")
    rows = csv_rows(client_for(other_firm_admin).get(EXPORT))
    assert rows[1:] == []
    assert Delivery.objects.count() == 1


def test_company_users_cannot_export_the_firms_history(company_admin):
    assert client_for(company_admin).get(EXPORT).status_code == 404


def test_the_export_costs_the_same_queries_at_any_size(firm_admin, connection, company):
    client = client_for(firm_admin)

    def count() -> int:
        with CaptureQueriesContext(db_connection) as captured:
            response = client.get(EXPORT)
            b"".join(response.streaming_content)
        return len(captured)

    upload(firm_admin, company, title="Facture 0")
    few = count()
    for n in range(1, 8):
        upload(firm_admin, company, title=f"Facture {n}")
    assert count() == few


def test_the_send_history_links_to_its_export_with_its_filters(firm_admin, connection, company):
    upload(firm_admin, company, title="Facture")
    html = client_for(firm_admin).get(reverse("deliveries:index"), {"status": "pending"})
    assert f'href="{EXPORT}?status=pending&amp;format=csv"' in html.content.decode()
