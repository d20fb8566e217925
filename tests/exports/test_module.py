"""core/exports.py: the cells, the CSV French Excel opens, the XLSX, the injection guard."""

import io
from datetime import UTC, date, datetime

import pytest
from django.test import RequestFactory
from openpyxl import load_workbook

from comptoir.core import exports
from comptoir.core.exports import Column

HOSTILE = [
    '=HYPERLINK("http://evil.example","clic")',
    "+33 1 23 45 67 89",
    "-2+3",
    "@SUM(A1:A2)",
    "\tcmd",
    "\rcmd",
    "\uff1d1+1",  # full-width equals sign
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_cell_that_could_be_a_formula_gets_a_leading_quote(text):
    assert exports.safe_text(text) == "'" + text


@pytest.mark.parametrize("text", ["Boulangerie Martin", "Émile = chef", "", "1 000 €"])
def test_ordinary_text_is_left_as_it_is(text):
    assert exports.safe_text(text) == text


def test_csv_cells_say_yes_no_dates_and_numbers_plainly(settings):
    settings.TIME_ZONE = "Europe/Paris"
    moment = datetime(2026, 5, 31, 12, 5, tzinfo=UTC)
    from django.utils import translation

    with translation.override("fr"):
        assert exports.csv_cell(True) == "oui"
        assert exports.csv_cell(False) == "non"
    assert exports.csv_cell(moment) == "2026-05-31 14:05"  # Paris time, what Excel reads
    assert exports.csv_cell(date(2026, 1, 1)) == "2026-01-01"
    assert exports.csv_cell(-5) == "-5"  # a number is not a formula
    assert exports.csv_cell(None) == ""


def test_csv_bytes_are_what_french_excel_opens():
    data = exports.csv_bytes(["Nom", "Note"], [["A;B", 'dit "oui"'], ["=1+1", "ligne\nsuivante"]])
    assert data.startswith(b"\xef\xbb\xbfNom;Note\r\n")
    text = data.decode("utf-8-sig")
    assert text == 'Nom;Note\r\n"A;B";"dit ""oui"""\r\n\'=1+1;"ligne\nsuivante"\r\n'


def test_xlsx_keeps_types_and_never_writes_a_formula():
    moment = datetime(2026, 5, 31, 12, 5, tzinfo=UTC)
    data = exports.xlsx_bytes(
        ["Texte", "Nombre", "Quand", "Jour"],
        [[text, 3, moment, date(2026, 1, 2)] for text in HOSTILE] + [["ok\x07", None, None, None]],
        sheet="Journal: [test]",
    )
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.title == "Journal   test"  # Excel refuses : [ ] in a sheet name
    rows = list(sheet.iter_rows(min_row=2))
    for text, row in zip(HOSTILE, rows, strict=False):
        assert row[0].data_type == "s"
        assert row[0].value == "'" + text.replace("\r", "\n")  # XML reads a lone CR as LF
        assert row[1].value == 3
        assert row[2].value == datetime(2026, 5, 31, 14, 5)  # local time, no time zone
        assert row[3].value.date() == date(2026, 1, 2)
    assert rows[-1][0].value == "ok"  # control characters XML cannot hold are dropped
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    assert sheet["A1"].font.bold


def _request(query=""):
    return RequestFactory().get(f"/x/{query}")


def test_export_response_streams_csv_by_default():
    response = exports.export_response(
        _request(),
        back="/back/",
        filename="clients",
        columns=[Column("Nom", lambda r: r)],
        rows=iter(["a", "b"]),
    )
    assert response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="clients-')
    assert response["Content-Disposition"].endswith('.csv"')
    assert b"".join(response.streaming_content).decode("utf-8-sig") == "Nom\r\na\r\nb\r\n"


def test_an_unknown_format_is_a_400_page_that_says_what_to_choose():
    response = exports.export_response(
        _request("?format=pdf"), back="/back/", filename="x", columns=[], rows=[]
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "csv" in html and "xlsx" in html and 'href="/back/"' in html
    assert "Export non réalisé" in html and "Retour à la liste" in html


def test_an_xlsx_too_large_for_a_spreadsheet_is_refused_clearly(monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    response = exports.export_response(
        _request("?format=xlsx"),
        back="/back/",
        filename="x",
        columns=[Column("n", lambda r: r)],
        rows=[1, 2, 3],
        count=lambda: 3,
    )
    assert response.status_code == 400
    assert "CSV" in response.content.decode()
