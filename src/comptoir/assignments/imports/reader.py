"""Read an uploaded CSV or XLSX into rows of text cells, the way a spreadsheet shows them.

What French Excel and its cousins really write: CSV with ``;`` (or ``,``, tab), in UTF-8 with
or without BOM, UTF-16 with BOM ("Unicode text") or Windows-1252, CRLF or LF; and XLSX.
Row numbers are the spreadsheet's (the header is usually row 1). Anything that is not such a
file is refused with a message that says what to do.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# A 500-row file with a few columns is far below this; the cap protects the server.
MAX_BYTES = 2 * 1024 * 1024
# XLSX is zipped XML: refuse archives that would inflate beyond this.
MAX_XLSX_UNCOMPRESSED = 40 * 1024 * 1024
MAX_DATA_ROWS = 500
MAX_COLUMNS = 60
# Rows read at most, blank ones included (a sheet can declare a million empty rows).
MAX_SCANNED_ROWS = 100_000

UTF8_BOM = b"\xef\xbb\xbf"
_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_DELIMITERS = (";", "\t", ",")  # in order of preference when they tie


class ImportFileError(Exception):
    """The whole file is refused. ``code`` is stable; ``message`` says what to do."""

    def __init__(self, code: str, message: str, *, status: int = 422) -> None:
        self.code = code
        self.message = message
        self.status = status
        super().__init__(message)


@dataclass
class Table:
    header: list[str]
    header_row: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    data_row_count: int = 0
    kind: str = "csv"
    encoding: str = ""
    delimiter: str = ""


def read_table(data: bytes, filename: str = "") -> Table:
    """The header and the non-blank data rows, or ``ImportFileError``."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            "file_too_large",
            _(
                "The file is too large (%(size)s); the limit is %(max)s. Split it into files of "
                "500 clients at most."
            )
            % {"size": _human(len(data)), "max": _human(MAX_BYTES)},
            status=413,
        )
    if not data.strip(b" \t\r\n\x00") or data in (UTF8_BOM, *_UTF16_BOMS):
        raise ImportFileError(
            "empty_file",
            _("The file is empty. Download the template, fill one line per client and import it."),
        )
    kind = _sniff_kind(data, filename)
    rows = _xlsx_rows(data) if kind == "xlsx" else None
    encoding = delimiter = ""
    if rows is None:
        text, encoding = _decode(data)
        delimiter = _guess_delimiter(text)
        rows = _csv_rows(text, delimiter)
    return _table(rows, kind=kind, encoding=encoding, delimiter=delimiter)


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    return f"{max(1, size // 1024)} KiB"


# --- what kind of file --------------------------------------------------------------------------

_SIGNATURES = {
    b"%PDF": "PDF",
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"\x1f\x8b": "gzip",
    b"Rar!": "RAR",
    b"7z\xbc\xaf": "7z",
    b"MZ": "program",
    b"\x7fELF": "program",
}


def _wrong_type(what: str) -> ImportFileError:
    return ImportFileError(
        "unsupported_file_type",
        _(
            "This file is not a spreadsheet (%(what)s). Import a CSV file (.csv) or an Excel "
            "workbook (.xlsx), for example the template filled in."
        )
        % {"what": what},
    )


def _sniff_kind(data: bytes, filename: str) -> str:
    """ "xlsx" or "csv", by the content (the name only helps the message)."""
    name = (filename or "").lower()
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ImportFileError(
            "xls_not_supported",
            _(
                "This is an old Excel 97-2003 workbook (.xls). In Excel, use “Save as” and "
                "choose “Excel workbook (.xlsx)” or “CSV UTF-8”, then import that file."
            ),
        )
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            raise _wrong_type(what)
    if name.endswith((".xlsx", ".xlsm")):
        raise ImportFileError(
            "invalid_xlsx",
            _(
                "This file is named .xlsx but is not an Excel workbook. Open it in Excel and save "
                "it again as .xlsx or CSV."
            ),
        )
    return "csv"


# --- CSV ----------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(_UTF32_BOMS):
        return _strict(data, "utf-32"), "utf-32"
    if data.startswith(_UTF16_BOMS):
        return _strict(data, "utf-16"), "utf-16"
    if data.startswith(UTF8_BOM):
        return _strict(data, "utf-8-sig"), "utf-8-sig"
    if b"\x00" in data:
        raise ImportFileError(
            "unreadable_encoding",
            _(
                "The file cannot be read as text (it contains null bytes: UTF-16 without a byte "
                "order mark, or not a text file). Save it from Excel as “CSV UTF-8”."
            ),
        )
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise _unreadable() from None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > max(2, len(text) // 200):
        raise _wrong_type(_("binary content"))
    return text, encoding


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise _unreadable() from None


def _unreadable() -> ImportFileError:
    return ImportFileError(
        "unreadable_encoding",
        _(
            "The file's characters cannot be read. Save it from Excel as “CSV UTF-8” and import "
            "it again."
        ),
    )


def _header_line(text: str) -> str:
    """The first non-blank line: the header, as ``_table`` takes it."""
    for line in io.StringIO(text, newline=""):
        if line.strip():
            return line
    return ""


def _field_count(line: str, delimiter: str) -> int:
    try:
        return max((len(row) for row in csv.reader([line], delimiter=delimiter)), default=0)
    except csv.Error:
        return 0


def _guess_delimiter(text: str) -> str:
    """The delimiter that splits the header into the most columns (``;`` on a tie).

    Only the header decides. A header of one cell is a one-column file (the template of an
    app without company settings is just ``siret``): its data rows are never split, so
    ``1,97E+13`` — what Excel writes for a SIRET it turned into a number — stays one cell and
    gets the scientific-notation message, not a split on its decimal comma.
    """
    header = _header_line(text)
    counts = {d: _field_count(header, d) for d in _DELIMITERS}
    best = max(counts.values())
    if best > 1:
        return next(d for d in _DELIMITERS if counts[d] == best)
    return ";"


def _csv_rows(text: str, delimiter: str) -> Iterator[list[str]]:
    csv.field_size_limit(MAX_BYTES + 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        yield from reader
    except csv.Error as error:
        raise ImportFileError(
            "malformed_csv",
            _(
                "The CSV file is malformed near line %(line)d (%(reason)s). Open it in a "
                "spreadsheet and save it again as CSV."
            )
            % {"line": reader.line_num, "reason": error},
        ) from None


# --- XLSX ---------------------------------------------------------------------------------------


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _bad_xlsx() from None
    if "xl/workbook.xml" not in names:
        raise _wrong_type(_("a zip archive, an OpenDocument or a Word file"))
    if inflated > MAX_XLSX_UNCOMPRESSED:
        raise ImportFileError(
            "file_too_large",
            _(
                "The workbook is too large once unzipped. Keep only the sheet to import, 500 "
                "clients at most."
            ),
            status=413,
        )
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on damaged files
        raise _bad_xlsx() from None
    try:
        sheet = workbook.active or workbook.worksheets[0]
        expected = 1
        for row in sheet.iter_rows(max_col=MAX_COLUMNS + 1):
            number = next((c.row for c in row if getattr(c, "row", None)), None)
            if number is not None:
                while expected < number:  # read-only sheets skip empty rows
                    yield []
                    expected += 1
            yield [_cell_text(c.value) for c in row]
            expected += 1
    except ImportFileError:
        raise
    except Exception:
        raise _bad_xlsx() from None
    finally:
        workbook.close()


def _bad_xlsx() -> ImportFileError:
    return ImportFileError(
        "invalid_xlsx",
        _(
            "This Excel workbook cannot be read (damaged, protected or not really .xlsx). Open "
            "it in Excel and save it again, or save it as “CSV UTF-8”."
        ),
    )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# --- the table ----------------------------------------------------------------------------------


def _table(rows: Iterable[list[str]], *, kind: str, encoding: str, delimiter: str) -> Table:
    header: list[str] | None = None
    table = Table(header=[], header_row=0, kind=kind, encoding=encoding, delimiter=delimiter)
    for number, cells in enumerate(rows, start=1):
        if number > MAX_SCANNED_ROWS:
            raise ImportFileError(
                "too_many_rows",
                _("The file has more than %(max)d lines. Import 500 clients at most per file.")
                % {"max": MAX_SCANNED_ROWS},
            )
        cells = [str(cell).strip() for cell in cells]
        if not any(cells):
            continue
        if header is None:
            if len([c for c in cells if c]) > MAX_COLUMNS:
                raise ImportFileError(
                    "too_many_columns",
                    _("The file has more than %(max)d columns. Keep the template's columns.")
                    % {"max": MAX_COLUMNS},
                )
            header = cells
            table.header, table.header_row = cells, number
            continue
        table.data_row_count += 1
        if table.data_row_count <= MAX_DATA_ROWS:
            table.rows.append((number, cells))
    if header is None:
        raise ImportFileError(
            "no_header",
            _(
                "The file has no header line. Its first line must name the columns: siret, then "
                "the settings (download the template)."
            ),
        )
    if table.data_row_count > MAX_DATA_ROWS:
        raise ImportFileError(
            "too_many_rows",
            _(
                "The file has %(count)d clients; one file may hold %(max)d at most. Split it into "
                "several files of %(max)d lines at most and import them one after the other."
            )
            % {"count": table.data_row_count, "max": MAX_DATA_ROWS},
        )
    if table.data_row_count == 0:
        raise ImportFileError(
            "no_rows",
            _("The file has a header but no client. Add one line per client under the header."),
        )
    return table
