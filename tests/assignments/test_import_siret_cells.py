"""SIRET cells as spreadsheets really write them: one-column files never split on a decimal
comma, Unicode digits match the stored SIRET, and every error repeats the cell as typed."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation

from comptoir.assignments.imports import read_table
from comptoir.assignments.models import CompanyAssignment
from comptoir.companies import services as company_services
from comptoir.companies.models import Company
from comptoir.core.errors import Conflict
from tests.api_errors import assert_api_error
from tests.factories import CompanyFactory, valid_siret

YEAR = {"fiscal_year_start": "2026-01-01", "fiscal_year_end": "2026-12-31"}


def fullwidth(text: str) -> str:
    return "".join(chr(0xFF10 + int(ch)) if ch.isdigit() else ch for ch in text)


def import_file(api, installation, name, content, dry_run=True):
    return api.client.post(
        f"/api/v1/installations/{installation.pk}/assignments/import?dry_run={str(dry_run).lower()}",
        {"file": SimpleUploadedFile(name, content)},
        HTTP_ACCEPT_LANGUAGE="fr",
    )


def xlsx(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def admin_api(api_as, firm_admin):
    return api_as(firm_admin)


# --- the reader: the header decides the delimiter -----------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        # What Excel saves for the template of an app without company settings, after the
        # SIRET column was left as a number: "CSV UTF-8" (BOM), then the French "CSV
        # (séparateur : point-virgule)" in Windows-1252, then LF only.
        b"\xef\xbb\xbfsiret\r\n1,97E+13\r\n7,32829E+13\r\n",
        "siret\r\n1,97E+13\r\n7,32829E+13\r\n".encode("cp1252"),
        b"siret\n1,97E+13\n7,32829E+13\n",
        "N° SIRET\r\n1,97E+13\r\n7,32829E+13\r\n".encode("cp1252"),
    ],
)
def test_a_one_column_file_is_never_split_on_a_decimal_comma(content):
    table = read_table(content, "clients.csv")
    assert [cells for _row, cells in table.rows] == [["1,97E+13"], ["7,32829E+13"]]


def test_a_two_column_header_still_picks_its_delimiter():
    table = read_table(b"siret,nom\r\n1.97E+13,Boulangerie\r\n", "a.csv")
    assert table.delimiter == "," and table.rows[0][1] == ["1.97E+13", "Boulangerie"]
    table = read_table("siret;nom\r\n1,97E+13;Élan\r\n".encode("cp1252"), "a.csv")
    assert table.delimiter == ";" and table.rows[0][1] == ["1,97E+13", "Élan"]


# --- through the API: the scientific-notation message, the value as typed -------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("modele.csv", b"\xef\xbb\xbfsiret\r\n1,97E+13\r\n"),
        ("modele.csv", "siret\r\n1,97E+13\r\n".encode("cp1252")),
        ("modele.xlsx", xlsx([["siret"], ["1,97E+13"]])),  # a text cell
    ],
)
def test_scientific_notation_in_a_one_column_file_says_so(
    admin_api, redirect_installation, name, content
):
    response = import_file(admin_api, redirect_installation, name, content)
    assert response.status_code == 422, response.content
    [error] = response.json()["error"]["details"]
    assert error["code"] == "siret_scientific_notation"
    assert error["value"] == "1,97E+13"
    assert (error["row"], error["column"]) == (2, "siret")
    assert "notation scientifique" in error["message"]
    assert "chiffres" not in error["message"].split(":")[0]  # not « 1 » a 1 chiffres
    assert not CompanyAssignment.objects.exists()


def test_an_unknown_siret_is_reported_as_typed(admin_api, redirect_installation):
    siret = valid_siret(55_210_055)  # valid, but no company of the firm has it
    typed = f"{siret[:3]}.{siret[3:6]}.{siret[6:9]} {siret[9:]}"
    response = import_file(
        admin_api, redirect_installation, "a.csv", f"siret\r\n{typed}\r\n".encode()
    )
    assert response.status_code == 422
    [error] = response.json()["error"]["details"]
    assert (error["code"], error["value"]) == ("siret_unknown", typed)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_fullwidth_digits_in_a_file_match_the_company(
    admin_api, firm, redirect_installation, encoding
):
    company = CompanyFactory(firm=firm)
    content = f"siret;nom\r\n{fullwidth(company.siret)};{company.name}\r\n".encode(encoding)
    response = import_file(admin_api, redirect_installation, "a.csv", content, dry_run=False)
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    assert CompanyAssignment.objects.get().company == company


def test_a_numeric_xlsx_cell_matches_the_company(admin_api, firm, redirect_installation):
    company = CompanyFactory(firm=firm, siret=valid_siret(73_282_932))
    content = xlsx([["siret"], [int(company.siret)]])
    response = import_file(admin_api, redirect_installation, "a.xlsx", content, dry_run=False)
    assert response.status_code == 200, response.content
    assert CompanyAssignment.objects.get().company == company


# --- companies: stored normalised, unique on the normalised value ----------------------------


def test_a_fullwidth_siret_is_stored_as_ascii_and_unique(firm, firm_admin, admin_api):
    siret = valid_siret()
    company = company_services.company_create(
        actor=firm_admin, firm=firm, name="Élan", siret=fullwidth(siret)
    )
    assert company.siret == siret
    with pytest.raises(Conflict):
        company_services.company_create(actor=firm_admin, firm=firm, name="Bis", siret=siret)
    with translation.override("fr"):
        response = admin_api.post(
            "/companies", {"name": "Ter", "siret": "\u0660" + fullwidth(siret[1:])}
        )
    assert response.status_code == 409, response.content
    assert_api_error(response, code="siret_taken")
    assert Company.objects.filter(firm=firm).count() == 1


def test_look_alike_digits_are_refused_by_the_api(admin_api):
    response = admin_api.post("/companies", {"name": "Ter", "siret": "7328293200007\u2074"})
    assert response.status_code == 422
    assert_api_error(response, code="siret_not_digits")


# --- the data migration ---------------------------------------------------------------------


def test_the_migration_normalises_stored_sirets_and_leaves_clashes(firm, other_firm, capsys):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("comptoir.companies.migrations.0002_normalise_stored_sirets")
    kept, clash, alone = (valid_siret() for _ in range(3))
    # Rows as the old code stored them (bulk_create: no service, no check).
    rows = Company.objects.bulk_create(
        [
            Company(**YEAR, firm=firm, name="A", slug="a", siret=kept),
            Company(**YEAR, firm=firm, name="B", slug="b", siret=fullwidth(kept)),  # clashes with A
            Company(**YEAR, firm=firm, name="C", slug="c", siret=fullwidth(alone)),
            Company(
                **YEAR, firm=other_firm, name="D", slug="d", siret=fullwidth(kept)
            ),  # other firm
            Company(
                **YEAR, firm=firm, name="E", slug="e", siret=clash[:-1] + "\uff38"
            ),  # not a SIRET
            Company(**YEAR, firm=firm, name="F", slug="f", siret=None),
        ],
    )

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.normalise_sirets(apps, editor)
    after = dict(Company.objects.filter(pk__in=[r.pk for r in rows]).values_list("name", "siret"))
    assert (
        after
        == {
            "A": kept,
            "B": fullwidth(kept),  # left as typed: a person decides which company keeps it
            "C": alone,
            "D": kept,
            "E": clash[:-1] + "\uff38",
            "F": None,
        }
    )
    printed = capsys.readouterr().out
    assert f"company {rows[1].pk}" in printed and f"company {rows[4].pk}" in printed
