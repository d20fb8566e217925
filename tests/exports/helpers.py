"""Read an export back as a spreadsheet program would."""

import csv
import io

from openpyxl import load_workbook


def csv_rows(response) -> list[list[str]]:
    """The cells of a CSV export, after checking what French Excel needs: BOM, ``;``, CRLF."""
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")  # CRLF only
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def xlsx_rows(response) -> list[list]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def xlsx_sheet(response):
    return load_workbook(io.BytesIO(response.content)).worksheets[0]
