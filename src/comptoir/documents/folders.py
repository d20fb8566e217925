"""The document folders of every client company, and the fiscal-year calendar under them.

This module is the one source of truth for folder keys: the Store (folders an automation app
accepts) and the deliveries routing use exactly these keys. Labels exist in French and in
English; ``Folder.label`` answers in the active language.

Fiscal years and months are not rows: they are computed from the company's fiscal year
(``Company.fiscal_year_start/end``). A document stores its folder key, the start and end of
its fiscal year and, when it is filed in a month, the first day of that month.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.dates import MONTHS
from django.utils.translation import get_language
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Folder:
    key: str
    label_fr: str
    label_en: str

    @property
    def label(self) -> str:
        return self.label_fr if (get_language() or "fr").startswith("fr") else self.label_en

    def __str__(self) -> str:
        return self.label


ACHATS = "achats"
VENTES = "ventes"
NOTES_DE_FRAIS = "notes_de_frais"
ADMINISTRATIF = "administratif"
SOCIAL = "social"
BANQUE = "banque"
A_CLASSER = "a_classer"

FOLDERS: tuple[Folder, ...] = (
    Folder(ACHATS, "Achats", "Purchases"),
    Folder(VENTES, "Ventes", "Sales"),
    Folder(NOTES_DE_FRAIS, "Notes de frais", "Expense reports"),
    Folder(ADMINISTRATIF, "Administratif", "Administrative"),
    Folder(SOCIAL, "Social", "Payroll and HR"),
    Folder(BANQUE, "Banque", "Bank"),
    Folder(A_CLASSER, "À classer", "To sort"),
)
FOLDER_KEYS: tuple[str, ...] = tuple(folder.key for folder in FOLDERS)
_BY_KEY = {folder.key: folder for folder in FOLDERS}


def folder_label(key: str) -> str:
    folder = _BY_KEY.get(key)
    return folder.label if folder else key


def folder_choices() -> list[tuple[str, str]]:
    """(key, label) pairs in the active language, in the tree's order."""
    return [(folder.key, folder.label) for folder in FOLDERS]


# --- fiscal years and months -------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class FiscalYear:
    start: date
    end: date

    @property
    def label(self) -> str:
        """“Fiscal year 2026”, or “Fiscal year 2025-2026” when it spans two calendar years."""
        years = (
            str(self.start.year)
            if self.start.year == self.end.year
            else f"{self.start.year}-{self.end.year}"
        )
        return _("Fiscal year %(years)s") % {"years": years}

    @property
    def months(self) -> list[date]:
        """The first day of every month the fiscal year touches, in order."""
        months = []
        current = first_of_month(self.start)
        while current <= self.end:
            months.append(current)
            current = add_months(current, 1)
        return months

    def contains_month(self, month: date) -> bool:
        return first_of_month(self.start) <= month <= self.end

    def previous(self) -> "FiscalYear":
        """The year before, assumed to last twelve months."""
        return FiscalYear(start=add_months(self.start, -12), end=self.start - timedelta(days=1))


def company_fiscal_year(company) -> FiscalYear:
    return FiscalYear(start=company.fiscal_year_start, end=company.fiscal_year_end)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_label(month: date, fiscal_year: FiscalYear | None = None) -> str:
    """“01 - Janvier 2026”: the month's rank in its fiscal year, its name and year."""
    name = str(MONTHS[month.month])
    name = name[:1].upper() + name[1:]
    if fiscal_year is None:
        return f"{name} {month.year}"
    rank = fiscal_year.months.index(month) + 1 if fiscal_year.contains_month(month) else 0
    return f"{rank:02d} - {name} {month.year}"
