"""Check the cells of an import file: its header, each row's SIRET and setting cells.

Headers match the ``siret`` column and the app's company-level settings whatever their case,
accents or surrounding spaces (the key, or its French or English label). Every problem is
collected as a ``RowError`` — row number as the spreadsheet shows it, column, value, reason.
No database: which company a SIRET is, and what applying would do, is the import service's
work (``services.imports.check_import``).
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from comptoir.assignments.imports.errors import RowError
from comptoir.assignments.imports.reader import Table
from comptoir.companies.siret import SiretError, normalize_siret
from comptoir.store.schema import SettingField

SIRET = "siret"
SIRET_ALIASES = {"siret", "n_siret", "no_siret", "numero_siret", "num_siret", "siret_du_dossier"}
MAX_CELL = 1000
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalize_header(text: str) -> str:
    """ " N° Siret " → "n_siret": no accents, lower case, words joined by underscores."""
    decomposed = unicodedata.normalize("NFKD", str(text).replace("\ufeff", "").strip())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _NON_WORD.sub("_", plain).strip("_")


@dataclass(frozen=True)
class CellRow:
    """One data row: the SIRET cell as typed, its 14 digits (None if refused), the settings."""

    number: int
    typed_siret: str
    siret: str | None
    settings: dict[str, str]


@dataclass(frozen=True)
class Cells:
    """The checked cells of a file. ``header_ok`` False: the rows were not read."""

    columns: list[str]
    extra_columns: list[str]
    heading: dict[str, str]
    index: dict[str, int]
    rows: list[CellRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    header_ok: bool = True
    cells_by_row: dict[int, list[str]] = field(default_factory=dict)

    def value(self, row: int | None, key: str) -> str:
        """The cell of ``key``'s column in ``row``, as typed ("" if the row is short)."""
        cells = self.cells_by_row.get(row or 0, [])
        index = self.index[key]
        return cells[index] if index < len(cells) else ""


def _map_header(
    table: Table, fields: Sequence[SettingField]
) -> tuple[dict[str, int], list[str], list[RowError]]:
    """Column index of ``siret`` and of each setting; the extra columns; header errors."""
    names: dict[str, str] = dict.fromkeys(SIRET_ALIASES, SIRET)
    for spec in fields:
        for label in (spec.label_fr, spec.label_en, spec.key):
            names[normalize_header(label)] = spec.key
    columns: dict[str, int] = {}
    extra: list[str] = []
    errors: list[RowError] = []
    for index, cell in enumerate(table.header):
        if not cell:
            continue
        key = names.get(normalize_header(cell))
        if key is None:
            extra.append(cell)
        elif key in columns:
            errors.append(
                RowError.at(
                    table.header_row,
                    cell,
                    cell,
                    "duplicate_column",
                    _("The column “%(column)s” appears twice. Keep only one.") % {"column": cell},
                )
            )
        else:
            columns[key] = index
    if SIRET not in columns:
        errors.append(
            RowError.at(
                table.header_row,
                SIRET,
                "",
                "missing_siret_column",
                _(
                    "The “siret” column is missing. The first line must name the columns: "
                    "siret, then the settings, as in the template."
                ),
            )
        )
    for spec in fields:
        if spec.required and spec.key not in columns:
            errors.append(
                RowError.at(
                    table.header_row,
                    spec.key,
                    "",
                    "missing_column",
                    _(
                        "The required column “%(key)s” (%(label)s) is missing. Add it, as in the "
                        "template."
                    )
                    % {"key": spec.key, "label": spec.label},
                )
            )
    return columns, extra, errors


def check_cells(table: Table, fields: Sequence[SettingField]) -> Cells:
    """The header mapped to the settings, then every row's SIRET and setting cells checked."""
    index, extra, header_errors = _map_header(table, fields)
    columns = [SIRET, *[f.key for f in fields if f.key in index]]
    heading = {key: table.header[at] for key, at in index.items()}
    if header_errors:
        return Cells(columns, extra, heading, index, errors=header_errors, header_ok=False)
    setting_columns = [(spec.key, index[spec.key]) for spec in fields if spec.key in index]
    at_siret = index[SIRET]
    errors: list[RowError] = []
    rows: list[CellRow] = []
    first_row_of: dict[str, int] = {}
    for number, cells in table.rows:
        width = len(cells)
        settings: dict[str, str] = {}
        for key, at in setting_columns:
            value = cells[at] if at < width else ""
            if len(value) > MAX_CELL:
                errors.append(
                    RowError.at(
                        number,
                        heading[key],
                        value,
                        "cell_too_long",
                        _("This cell is too long (%(count)d characters; %(max)d at most).")
                        % {"count": len(value), "max": MAX_CELL},
                    )
                )
                continue
            settings[key] = value
        typed = cells[at_siret] if at_siret < width else ""
        siret = _row_siret(errors, number, heading[SIRET], typed, first_row_of)
        rows.append(CellRow(number, typed, siret, settings))
    return Cells(
        columns, extra, heading, index, rows=rows, errors=errors, cells_by_row=dict(table.rows)
    )


def _row_siret(
    errors: list[RowError], number: int, column: str, raw: str, first_row_of: dict[str, int]
) -> str | None:
    """The row's SIRET as 14 digits, or None with the reason appended to ``errors``."""
    if len(raw) > MAX_CELL:
        errors.append(
            RowError.at(
                number, column, raw, "cell_too_long", _("This cell is too long to be a SIRET.")
            )
        )
        return None
    if not raw:
        errors.append(
            RowError.at(
                number,
                column,
                raw,
                "siret_missing",
                _(
                    "The SIRET is empty. Each line needs the client's SIRET; a client without a "
                    "SIRET cannot be imported: give it the application from its own page."
                ),
            )
        )
        return None
    try:
        siret = normalize_siret(raw)
    except SiretError as error:
        errors.append(RowError.at(number, column, raw, error.code, error.message))
        return None
    if siret in first_row_of:
        errors.append(
            RowError.at(
                number,
                column,
                raw,
                "siret_duplicate",
                _("This SIRET is already on line %(row)d. Keep one line per client.")
                % {"row": first_row_of[siret]},
            )
        )
        return None
    first_row_of[siret] = number
    return siret
