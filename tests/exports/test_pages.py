"""The exports of the clients list, of an app's companies and users and of the audit log:
what they hold, in French, formula-safe; another firm's app is a 404; flat query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from comptoir.assignments.models import CompanyAssignment, UserAccess
from comptoir.audit.models import AuditEvent
from comptoir.audit.services import audit_record
from comptoir.store.models import Installation
from tests.conftest import client_for
from tests.exports.helpers import csv_rows, xlsx_rows, xlsx_sheet
from tests.factories import CompanyFactory, CompanyMembershipFactory
from tests.store.factories import AppFactory

pytestmark = pytest.mark.django_db

CLIENTS = reverse("companies:export")
AUDIT = reverse("audit:export")


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


def french(client):
    client.cookies["django_language"] = "fr"
    return client


def queries(client, url, data=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data or {})
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured)


# --- the clients list ---------------------------------------------------------------------------


def test_the_clients_export_lists_the_firms_companies(firm_collaborator, firm, other_company):
    CompanyFactory(firm=firm, name="Boulangerie Martin", siret="53464097424729")
    hostile = CompanyFactory(firm=firm, name='=HYPERLINK("http://evil.example";"clic")')
    CompanyMembershipFactory(company=hostile)
    client = french(client_for(firm_collaborator))

    rows = csv_rows(client.get(CLIENTS))

    assert rows[0] == [
        "Entreprise cliente",
        "SIRET",
        "Début de l’exercice",  # noqa: RUF001
        "Fin de l’exercice",  # noqa: RUF001
        "Utilisateurs",
        "Ajoutée le",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Boulangerie Martin"][1] == "534 640 974 24729"  # text, never 5,3E+13
    assert by_name["'" + hostile.name][4] == "1"
    assert other_company.name not in {row[0] for row in rows}

    sheet = xlsx_rows(client.get(CLIENTS, {"format": "xlsx"}))
    assert sheet[0][0] == "Entreprise cliente"
    assert {row[0] for row in sheet[1:]} == set(by_name)


def test_the_clients_export_follows_the_search(firm_admin, firm):
    CompanyFactory(firm=firm, name="Garage des Tilleuls")
    CompanyFactory(firm=firm, name="Boulangerie Martin")
    rows = csv_rows(french(client_for(firm_admin)).get(CLIENTS, {"q": "tilleuls"}))
    assert [row[0] for row in rows[1:]] == ["Garage des Tilleuls"]


def test_the_clients_export_is_for_the_firm(company_admin):
    assert client_for(company_admin).get(CLIENTS).status_code == 404


def test_the_clients_export_costs_the_same_queries_at_any_size(firm_admin, firm):
    client = client_for(firm_admin)
    CompanyFactory.create_batch(2, firm=firm)
    few = queries(client, CLIENTS)
    CompanyFactory.create_batch(20, firm=firm)
    assert queries(client, CLIENTS) == few
    assert queries(client, CLIENTS, {"format": "xlsx"}) == few + 1  # the row count


def test_a_bad_format_is_a_400_that_says_what_to_choose(firm_admin):
    response = french(client_for(firm_admin)).get(CLIENTS, {"format": "ods"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "csv ou xlsx" in html and reverse("companies:list") in html


# --- an app's companies and users ---------------------------------------------------------------


def _installation(firm, **app):
    return Installation.objects.create(
        firm=firm, app=AppFactory(type="redirect", audience="both", **app), position=0
    )


def _give(installation, company, users=(), *, enabled=True):
    assignment = CompanyAssignment.objects.create(
        firm=installation.firm, installation=installation, company=company, enabled=enabled
    )
    for user in users:
        UserAccess.objects.create(firm=installation.firm, assignment=assignment, user=user)
    return assignment


def _export_url(installation):
    return reverse("assignments:installation_export", args=[installation.pk])


def test_who_has_the_app_one_row_per_user_and_per_company_without_users(firm_admin, firm):
    installation = _installation(firm, name="Portail Banque")
    martin = CompanyFactory(firm=firm, name="Boulangerie Martin", siret="53464097424729")
    emma = CompanyMembershipFactory(company=martin, role="collaborateur").user
    pierre = CompanyMembershipFactory(company=martin, role="administrateur").user
    CompanyMembershipFactory(company=martin, role="invite")  # not given the app
    _give(installation, martin, [emma, pierre])
    _give(installation, CompanyFactory(firm=firm, name="Garage des Tilleuls"), enabled=False)
    CompanyFactory(firm=firm, name="Sans l’appli")  # noqa: RUF001 (does not have it)

    rows = csv_rows(french(client_for(firm_admin)).get(_export_url(installation)))

    assert rows[0] == [
        "Entreprise cliente",
        "SIRET",
        "Activée",
        "Affectée le",
        "Utilisateur",
        "Adresse e-mail",
        "Rôle",
        "Accès donné",
    ]
    body = sorted((r[0], r[5], r[6], r[2], r[7]) for r in rows[1:])
    assert body == sorted(
        [
            ("Boulangerie Martin", emma.email, "Collaborateur", "oui", "à la main"),
            ("Boulangerie Martin", pierre.email, "Administrateur", "oui", "à la main"),
            ("Garage des Tilleuls", "", "", "non", ""),
        ]
    )
    assert rows[1][1] == "534 640 974 24729"

    client = french(client_for(firm_admin))
    sheet = xlsx_sheet(client.get(_export_url(installation), {"format": "xlsx"}))
    assert sheet.title == "Portail Banque"
    assert sheet.max_row == 4


def test_who_has_the_app_is_formula_safe(firm_admin, firm):
    installation = _installation(firm)
    company = CompanyFactory(firm=firm, name="@SUM(1+1)*cmd|' /C calc'!A0")
    user = CompanyMembershipFactory(company=company).user
    user.full_name = "=1+1"
    user.save(update_fields=["full_name"])
    _give(installation, company, [user])
    client = client_for(firm_admin)

    row = csv_rows(client.get(_export_url(installation)))[1]
    assert row[0] == "'" + company.name and row[4] == "'=1+1"
    sheet = xlsx_sheet(client.get(_export_url(installation), {"format": "xlsx"}))
    assert sheet["A2"].value == "'" + company.name and sheet["A2"].data_type == "s"
    assert sheet["E2"].value == "'=1+1" and sheet["E2"].data_type == "s"


def test_another_firms_app_is_a_404(firm_admin, other_firm):
    theirs = _installation(other_firm)
    _give(theirs, CompanyFactory(firm=other_firm))
    client = client_for(firm_admin)
    assert client.get(_export_url(theirs)).status_code == 404
    assert client.get(_export_url(theirs), {"format": "xlsx"}).status_code == 404


def test_who_has_the_app_costs_the_same_queries_at_any_size(firm_admin, firm):
    installation = _installation(firm)
    client = client_for(firm_admin)

    def add(n):
        for _ in range(n):
            company = CompanyFactory(firm=firm)
            users = [CompanyMembershipFactory(company=company).user for _ in range(2)]
            _give(installation, company, users)

    add(2)
    few = queries(client, _export_url(installation))
    add(10)
    assert queries(client, _export_url(installation)) == few


# --- the audit log ------------------------------------------------------------------------------


@pytest.fixture
def events(firm, firm_admin, other_firm, other_firm_admin):
    audit_record(
        firm=firm,
        actor=firm_admin,
        action="installation.remove",
        details={"app": "meg", "app_name": "MEG", "impact": {"companies": 3, "users": 5}},
    )
    audit_record(
        firm=firm,
        actor=firm_admin,
        action="role_grant.create",
        details={"roles": ["administrateur", "invite"], "companies": "all", "installation": 7},
    )
    old = audit_record(firm=firm, actor=None, action="company.create", details={"siret": "=2+2"})
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=9))
    audit_record(firm=other_firm, actor=other_firm_admin, action="installation.add")


def test_the_audit_export_reads_as_the_journal(firm_admin, events, other_firm_admin):
    rows = csv_rows(french(client_for(firm_admin)).get(AUDIT))

    assert rows[0] == [
        "Date",
        "Auteur",
        "Action",
        "Cible",
        "Informations",
        "Adresse IP",
        "Code de l’action",  # noqa: RUF001
        "Détails (JSON)",
    ]
    assert [row[2] for row in rows[1:]] == [
        "Affectée aux utilisateurs selon leur rôle",
        "Application retirée",
        "Entreprise cliente ajoutée",
    ]
    grant, removal, created = rows[1:]
    assert grant[4] == "Rôles\u00a0: Administrateur, Invité · Entreprises clientes\u00a0: toutes"
    assert "Ce qui a été retiré avec" in removal[4] and "{" not in removal[4]
    assert created[4] == "SIRET\u00a0: =2+2"  # the cell starts with "SIRET": no formula
    assert created[7] == '{"siret": "=2+2"}'  # the JSON as recorded
    assert other_firm_admin.email not in str(rows)


def test_the_audit_export_keeps_the_pages_filters(firm_admin, events):
    client = french(client_for(firm_admin))
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    rows = csv_rows(client.get(AUDIT, {"since": since, "action": "installation.remove"}))
    assert [row[6] for row in rows[1:]] == ["installation.remove"]
    sheet = xlsx_rows(client.get(AUDIT, {"format": "xlsx", "until": "2001-01-01"}))
    assert len(sheet) == 1  # the header only


def test_the_audit_export_is_for_admins(firm_collaborator, company_admin):
    assert client_for(firm_collaborator).get(AUDIT).status_code == 403
    assert client_for(company_admin).get(AUDIT).status_code == 404


def test_the_audit_export_costs_the_same_queries_at_any_size(firm_admin, firm):
    client = client_for(firm_admin)
    for n in range(3):
        audit_record(firm=firm, actor=firm_admin, action="company.create", details={"n": n})
    few = queries(client, AUDIT)
    for n in range(30):
        audit_record(firm=firm, actor=firm_admin, action="company.update", details={"n": n})
    assert queries(client, AUDIT) == few


def test_the_list_pages_link_to_their_exports_with_their_filters(firm_admin, firm):
    installation = _installation(firm)
    company = CompanyFactory(firm=firm, name="Garage des Tilleuls")
    _give(installation, company)
    client = client_for(firm_admin)

    clients = client.get(reverse("companies:list"), {"q": "tilleuls"}).content.decode()
    assert f'href="{CLIENTS}?q=tilleuls&amp;format=xlsx"' in clients
    page = reverse("assignments:installation", args=[installation.pk])
    html = client.get(page, {"q": "garage", "page": "1"}).content.decode()
    assert f'href="{_export_url(installation)}?q=garage&amp;format=csv"' in html
