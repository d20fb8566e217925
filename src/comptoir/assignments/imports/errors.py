"""One problem of an import file, the same for the preview page, the error report and the API."""

from dataclasses import asdict, dataclass
from typing import Any

VALUE_SHOWN_MAX = 120


def shown(value: object) -> str:
    """The value as the error shows it: cut after ``VALUE_SHOWN_MAX`` characters."""
    text = "" if value is None else str(value)
    return text if len(text) <= VALUE_SHOWN_MAX else text[: VALUE_SHOWN_MAX - 1] + "…"


@dataclass(frozen=True)
class RowError:
    """``row``: the spreadsheet's row number (None for the whole file); ``column``: the header
    as typed (or the setting key when the column is missing); ``value``: the cell as typed."""

    row: int | None
    column: str | None
    value: str
    code: str
    message: str

    @classmethod
    def at(
        cls, row: int | None, column: str | None, value: object, code: str, message: object
    ) -> "RowError":
        """An error with its value cut for display and its message made a plain string."""
        return cls(row, column, shown(value), code, str(message))

    def as_detail(self) -> dict[str, Any]:
        """The API's ``details`` item (and a page's file error)."""
        return asdict(self)
