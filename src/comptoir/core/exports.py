"""Spreadsheet exports: one table as CSV or XLSX, safe to open and readable in French Excel.

Every export of the product (the clients list, an app's companies and users, the send history,
the audit log) goes through :func:`export_response`, so they all share the same rules:

- CSV is what French Excel opens with a double click: UTF-8 with a byte order mark, ``;``
  between cells, CRLF line ends. It is streamed, so a long audit log never sits in memory.
- XLSX is written by openpyxl in write-only mode: dates are real dates, numbers real numbers.
- Cells repeat what people typed (company names, document titles, e-mail addresses...): a text
  cell that a spreadsheet could read as a formula or a DDE payload (it starts with ``=``, ``+``,
  ``-``, ``@``, a tab, a carriage return...) gets a leading ``'`` in both formats (CSV
  injection, OWASP); in XLSX every text cell is also stored as text, never as a formula.
- Dates and times are the firm's local time (Europe/Paris by default), without a time zone,
  which is what a spreadsheet can show.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template import loader
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
BOM = "\ufeff"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A spreadsheet holds 1,048,576 rows; past this many, an XLSX export asks for narrower filters
# (the CSV, streamed, has no such limit).
XLSX_MAX_ROWS = 100_000

# What a spreadsheet may read as the start of a formula (the full-width forms too, which some
# spreadsheets normalise), or a line break that could push a payload into a cell of its own.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 forbids these: XLSX refuses


@dataclass(frozen=True)
class Column:
    """One column: its header (translated when the export is made) and how to read a row."""

    header: Any
    value: Callable[[Any], Any]


def safe_text(value: Any) -> str:
    """A text cell a spreadsheet shows as typed: formulas and DDE payloads get a leading ``'``."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _local(moment: datetime) -> datetime:
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.replace(tzinfo=None, microsecond=0)


def csv_cell(value: Any) -> str:
    """What a CSV cell says: yes/no for booleans, ``2026-05-31 14:05`` for times (what French
    Excel reads as a date), numbers as they are, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return safe_text(value)


def _xlsx_cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return _local(value)
    if isinstance(value, date | int | float | Decimal):
        return value
    return _CONTROL.sub("", safe_text(value))


class _Echo:
    """A file-like object whose ``write`` returns what it is given (for streaming csv)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The CSV file, line by line: BOM, header, rows."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    yield (BOM + writer.writerow([safe_text(h) for h in headers])).encode("utf-8")
    for row in rows:
        yield writer.writerow([csv_cell(v) for v in row]).encode("utf-8")


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return b"".join(csv_lines(headers, rows))


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str) -> bytes:
    """A one-sheet workbook: a bold, frozen header row, then the rows (typed cells)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=_sheet_title(sheet))
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(worksheet, value=_xlsx_cell(str(header)))
        cell.font = bold
        header_cells.append(cell)
    worksheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(worksheet, value=_xlsx_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula, whatever it starts with
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        worksheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(text: str) -> str:
    """Excel's rules for a sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", str(text)).strip() or "Export"
    return cleaned[:31]


class ExportRefused(ValueError):
    """An export that cannot be made as asked; its message says what to do instead."""


def export_format(request: HttpRequest) -> str:
    """``?format=csv`` (the default) or ``?format=xlsx``."""
    fmt = (request.GET.get("format") or CSV).strip().lower()
    if fmt not in FORMATS:
        raise ExportRefused(
            _("Choose the export format csv or xlsx (not “%(format)s”).") % {"format": fmt[:20]}
        )
    return fmt


def _filename(stem: str, fmt: str) -> str:
    day = timezone.localdate().isoformat()
    safe_stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-") or "export"
    return f"{safe_stem}-{day}.{fmt}"


def file_response(
    *,
    fmt: str,
    filename: str,
    columns: Sequence[Column],
    rows: Iterable[Any],
    sheet: str = "",
    count: Callable[[], int] | None = None,
) -> HttpResponse:
    """The file for ``rows`` (model instances, dicts, anything ``columns`` can read), as an
    attachment named ``<filename>-<today>.<fmt>``. ``count`` (a cheap count of the rows) lets
    an XLSX export refuse what a spreadsheet could not hold (:class:`ExportRefused`)."""
    headers = [capfirst(str(column.header)) for column in columns]
    values = ([column.value(row) for column in columns] for row in rows)
    response: HttpResponse | StreamingHttpResponse
    if fmt == XLSX:
        if count is not None and count() > XLSX_MAX_ROWS:
            raise ExportRefused(
                _(
                    "There are more than %(max)s rows to export: too many for a spreadsheet. "
                    "Narrow the filters (a shorter period, say) or export as CSV."
                )
                % {"max": f"{XLSX_MAX_ROWS:,}".replace(",", "\u202f")}
            )
        response = HttpResponse(
            xlsx_bytes(headers, values, sheet=sheet or filename), content_type=XLSX_CONTENT_TYPE
        )
    else:
        response = StreamingHttpResponse(csv_lines(headers, values), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(filename, fmt)}"'
    response["Cache-Control"] = "private, no-store"
    return response  # type: ignore[return-value]


def export_response(
    request: HttpRequest,
    *,
    back: str,
    filename: str,
    columns: Sequence[Column],
    rows: Iterable[Any],
    sheet: str = "",
    count: Callable[[], int] | None = None,
) -> HttpResponse:
    """What an export view answers: the file in the format asked for, or a 400 page that
    says what to change, with a link ``back`` to the list."""
    try:
        return file_response(
            fmt=export_format(request),
            filename=filename,
            columns=columns,
            rows=rows,
            sheet=sheet,
            count=count,
        )
    except ExportRefused as refusal:
        context = {
            "title": _("Export not made"),
            "message": str(refusal),
            "back": back,
            "back_label": _("Back to the list"),
        }
        html = loader.render_to_string("400.html", context, request=None)
        return HttpResponse(html, status=400)
