"""The reader and the checks, one behaviour at a time (the corpus covers whole files)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from comptoir.assignments import services
from comptoir.assignments.imports import (
    ImportFileError,
    normalize_header,
    read_table,
    safe_cell,
    template_csv,
)
from comptoir.assignments.services import check_import
from comptoir.core.errors import TooLarge
from tests.assignments.conftest import make_app
from tests.factories import CompanyFactory


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("siret", "siret"),
        (" SIRET ", "siret"),
        ("\ufeffSiret", "siret"),
        ("Code Dossier", "code_dossier"),
        ("E-mail de collecte Achats", "e_mail_de_collecte_achats"),
        ("Fréquence", "frequence"),
        ("N° SIRET", "n_siret"),
    ],
)
def test_headers_match_whatever_the_case_accents_and_spaces(raw, normal):
    assert normalize_header(raw) == normal


def test_row_numbers_are_the_spreadsheets():
    text = 'siret;notes\r\n\r\n11111111111111;"deux\r\nlignes"\r\n;;\r\n22222222222222;x\r\n'
    table = read_table(text.encode(), "a.csv")
    assert table.header_row == 1
    # Row 2 is blank, row 3 holds a two-line cell, row 4 is blank: the next row is 5.
    assert [number for number, _cells in table.rows] == [3, 5]
    assert table.data_row_count == 2


def test_header_after_blank_lines_and_xlsx_rows():
    table = read_table(b"\r\n\r\nsiret\r\n1\r\n", "a.csv")
    assert table.header_row == 3 and table.rows == [(4, ["1"])]


@pytest.mark.parametrize(
    ("content", "delimiter"),
    [
        (b"siret;code\r\n1;2\r\n", ";"),
        (b"siret,code\r\n1,2\r\n", ","),
        (b"siret\tcode\r\n1\t2\r\n", "\t"),
        (b'siret;"code, dossier"\r\n1;2\r\n', ";"),
        (b"siret\r\n1\r\n", ";"),
    ],
)
def test_delimiter_detection(content, delimiter):
    assert read_table(content, "a.csv").delimiter == delimiter


def test_encodings():
    text = "siret;nom\r\n1;Société Élan\r\n"
    for encoding, name in (
        ("utf-8-sig", "utf-8-sig"),
        ("utf-8", "utf-8"),
        ("utf-16", "utf-16"),
        ("cp1252", "cp1252"),
    ):
        table = read_table(text.encode(encoding), "a.csv")
        assert table.encoding == name and table.rows[0][1][1] == "Société Élan"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1", "'+33 1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("73282932000074", "73282932000074"),
        ("", ""),
        (None, ""),
    ],
)
def test_safe_cell(value, shown):
    assert safe_cell(value) == shown


def test_template_of_an_app_without_company_settings(db):
    assert template_csv(make_app()) == b"\xef\xbb\xbfsiret\r\n"


def test_read_upload_refuses_a_big_file_before_reading_it(db):
    upload = SimpleUploadedFile("big.csv", b"x" * (2 * 1024 * 1024 + 1))
    with pytest.raises(TooLarge):
        services.read_upload(upload)


def test_a_firm_only_app_refuses_the_import(firm, firm_only_app):
    from tests.assignments.conftest import install

    installation = install(firm, firm_only_app)
    with pytest.raises(ImportFileError) as error:
        check_import(installation=installation, table=read_table(b"siret\r\n1\r\n"))
    assert error.value.code == "firm_only_app"


def test_labels_match_as_headers(firm, connector):
    company = CompanyFactory(firm=firm)
    content = (
        f"Siret;Code dossier;Purchases collection e-mail\r\n{company.siret};D1;a@b.example\r\n"
    ).encode()
    check = check_import(installation=connector, table=read_table(content))
    assert check.ok and check.created == 1
    assert check.columns == ["siret", "code_dossier", "email_achats"]
