"""Check every row of an import file and say what applying it would do.

Headers match the ``siret`` column and the app's company-level settings whatever their case,
accents or surrounding spaces (the key, or its French or English label). Every problem is
collected — row number as the spreadsheet shows it, column, value, reason — and nothing is
applied unless there is none. Two queries whatever the row count: the firm's companies by
SIRET, then their current assignments.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from comptoir.assignments.imports.reader import ImportFileError, Table
from comptoir.assignments.permissions import is_assignable
from comptoir.assignments.services.companies import Entry, assignments_plan
from comptoir.companies.siret import SiretError, normalize_siret
from comptoir.store.schema import company_fields

SIRET = "siret"
SIRET_ALIASES = {"siret", "n_siret", "no_siret", "numero_siret", "num_siret", "siret_du_dossier"}
MAX_CELL = 1000
VALUE_SHOWN_MAX = 120
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalize_header(text: str) -> str:
    """ " N° Siret " → "n_siret": no accents, lower case, words joined by underscores."""
    decomposed = unicodedata.normalize("NFKD", str(text).replace("\ufeff", "").strip())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _NON_WORD.sub("_", plain).strip("_")


def shown(value: str) -> str:
    value = str(value)
    return value if len(value) <= VALUE_SHOWN_MAX else value[: VALUE_SHOWN_MAX - 1] + "…"


@dataclass
class ImportCheck:
    """The outcome of checking a file: the errors, or what applying it would do."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    planned: list = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rows": len(self.rows),
        }


def _error(row, column, value, code, message) -> dict[str, Any]:
    return {
        "row": row,
        "column": column,
        "value": shown(value),
        "code": code,
        "message": str(message),
    }


def _map_header(table: Table, fields) -> tuple[dict[str, int], list[str], list[dict]]:
    """Column index of ``siret`` and of each setting; the extra columns; header errors."""
    names: dict[str, str] = {}
    for name in SIRET_ALIASES:
        names[name] = SIRET
    for spec in fields:
        for label in (spec.label_fr, spec.label_en, spec.key):
            names[normalize_header(label)] = spec.key
    columns: dict[str, int] = {}
    extra: list[str] = []
    errors: list[dict] = []
    for index, cell in enumerate(table.header):
        if not cell:
            continue
        key = names.get(normalize_header(cell))
        if key is None:
            extra.append(cell)
        elif key in columns:
            errors.append(
                _error(
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
            _error(
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
                _error(
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


def check_import(*, installation, table: Table) -> ImportCheck:
    """Every error of the file, or the plan: created / updated / unchanged per row."""
    from comptoir.companies.models import Company

    app = installation.app
    if not is_assignable(app):
        raise ImportFileError(
            "firm_only_app",
            _("“%(app)s” is meant for the firm only: it cannot be given to client companies.")
            % {"app": app.name},
        )
    fields = company_fields(app)
    columns, extra, header_errors = _map_header(table, fields)
    check = ImportCheck(
        columns=[SIRET, *[f.key for f in fields if f.key in columns]], extra_columns=extra
    )
    if header_errors:
        check.errors = header_errors
        return check
    heading = {key: table.header[index] for key, index in columns.items()}

    # (row, the SIRET cell as typed, its normalised digits or None, the settings)
    parsed: list[tuple[int, str, str | None, dict[str, str]]] = []
    first_row_of: dict[str, int] = {}
    for number, cells in table.rows:

        def cell(key: str, cells=cells) -> str:
            index = columns[key]
            return cells[index] if index < len(cells) else ""

        settings: dict[str, str] = {}
        for spec in fields:
            if spec.key not in columns:
                continue
            value = cell(spec.key)
            if len(value) > MAX_CELL:
                check.errors.append(
                    _error(
                        number,
                        heading[spec.key],
                        value,
                        "cell_too_long",
                        _("This cell is too long (%(count)d characters; %(max)d at most).")
                        % {"count": len(value), "max": MAX_CELL},
                    )
                )
                continue
            settings[spec.key] = value
        typed = cell(SIRET)
        siret = _row_siret(check, number, heading[SIRET], typed, first_row_of)
        parsed.append((number, typed, siret, settings))

    sirets = {siret for _n, _typed, siret, _s in parsed if siret}
    companies = (
        {c.siret: c for c in Company.objects.filter(firm_id=installation.firm_id, siret__in=sirets)}
        if sirets
        else {}
    )
    for number, typed, siret, settings in parsed:
        company = companies.get(siret) if siret else None
        if siret and company is None:
            check.errors.append(
                _error(
                    number,
                    heading[SIRET],
                    typed,  # the cell as the user typed it, so they find it in their file
                    "siret_unknown",
                    _(
                        "No client company of your firm has this SIRET. Check the number, or "
                        "create the company first."
                    ),
                )
            )
        check.entries.append(Entry(company=company, settings=settings, row=number))

    planned, plan_errors = assignments_plan(installation=installation, entries=check.entries)
    cells_by_row = dict(table.rows)
    # A cell already refused (too long) is not reported again as missing.
    reported = {(e["row"], e["column"]) for e in check.errors}
    for problem in plan_errors:
        key = problem["key"] if problem["key"] in heading else SIRET
        if (problem["row"], heading[key]) in reported:
            continue
        index = columns[key]
        cells = cells_by_row.get(problem["row"], [])
        value = cells[index] if index < len(cells) else ""
        check.errors.append(
            _error(problem["row"], heading[key], value, problem["code"], problem["message"])
        )
    order = {key: i for i, key in enumerate(check.columns)}
    check.errors.sort(key=lambda e: (e["row"] or 0, order.get(_key_of(e, heading), 99)))
    if check.errors:
        check.entries = []
        return check
    check.planned = planned
    for item in planned:
        company = item.entry.company
        check.rows.append(
            {
                "row": item.entry.row,
                "siret": company.siret,
                "company_id": company.pk,
                "company": company.name,
                "action": item.action,
                "changed": item.changed,
            }
        )
        setattr(check, item.action, getattr(check, item.action) + 1)
    return check


def _key_of(error: dict, heading: dict[str, str]) -> str:
    return next((key for key, text in heading.items() if text == error["column"]), "")


def _row_siret(check, number, column, raw, first_row_of) -> str | None:
    if len(raw) > MAX_CELL:
        check.errors.append(
            _error(number, column, raw, "cell_too_long", _("This cell is too long to be a SIRET."))
        )
        return None
    if not raw:
        check.errors.append(
            _error(
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
        check.errors.append(_error(number, column, raw, error.code, error.message))
        return None
    if siret in first_row_of:
        check.errors.append(
            _error(
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
