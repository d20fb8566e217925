"""Files we hand out: the import template and the error report (both CSV for French Excel).

UTF-8 with a byte order mark and ``;``: what Excel opens cleanly on a French computer. The
error report repeats what people typed, so every cell that a spreadsheet could read as a
formula is neutralised with a leading quote (CSV injection).
"""

import csv
import io
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _

from comptoir.assignments.imports.errors import RowError
from comptoir.assignments.imports.validate import SIRET
from comptoir.store.models import App
from comptoir.store.schema import company_fields

BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: formulas and DDE payloads get a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv(rows: Iterable[Iterable[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow(row)
    return (BOM + buffer.getvalue()).encode("utf-8")


def template_columns(app: App) -> list[str]:
    return [SIRET, *[spec.key for spec in company_fields(app)]]


def template_csv(app: App) -> bytes:
    """The header line to fill: ``siret`` then the app's company-level setting keys."""
    return _csv([template_columns(app)])


def template_filename(app: App) -> str:
    return f"modele-{app.slug}.csv"


def error_report_csv(errors: Sequence[RowError]) -> bytes:
    """Every error of the file, one line each: row, column, value, message, code."""
    header = [_("Row"), _("Column"), _("Value"), _("Error"), _("Code")]
    rows = [
        [
            safe_cell(e.row or ""),
            safe_cell(e.column or ""),
            safe_cell(e.value or ""),
            safe_cell(e.message or ""),
            safe_cell(e.code or ""),
        ]
        for e in errors
    ]
    return _csv([header, *rows])
