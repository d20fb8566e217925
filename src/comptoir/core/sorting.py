"""Sortable lists: ``?tri=<key>`` or ``?tri=-<key>`` read against a list's allow-list.

Each list names the keys a reader may sort by and the columns each key orders by; a key that
is not in the list (or anything else) gives the list's default order, never an error. The
order always ends with a unique tie-breaker, so that pages do not share or lose rows.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SORT_PARAM = "tri"


def _flip(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool
    order_by: tuple[str, ...]

    @property
    def value(self) -> str:
        """The ``tri`` value of this order (``"-date"``)."""
        return f"-{self.key}" if self.descending else self.key

    def aria(self, key: str) -> str | None:
        """``aria-sort`` for the column ``key``: set on the active column only."""
        if key != self.key:
            return None
        return "descending" if self.descending else "ascending"

    def next_value(self, key: str) -> str:
        """The ``tri`` value a click on the column ``key`` asks for: the active column
        turns round, another column starts ascending."""
        if key == self.key and not self.descending:
            return f"-{key}"
        return key


def parse_sort(
    value: str | None,
    allowed: Mapping[str, Sequence[str]],
    default: str,
    *,
    tie_breaker: str = "id",
) -> Sort:
    """The order asked by ``value`` (``"name"``, ``"-name"``) if its key is in ``allowed``
    (key → fields in ascending order), else ``default`` (itself a ``tri`` value)."""
    candidate = (value or "").strip()
    descending = candidate.startswith("-")
    key = candidate[1:] if descending else candidate
    if key not in allowed:
        descending = default.startswith("-")
        key = default.lstrip("-")
    fields = list(allowed[key])
    if tie_breaker not in {f.lstrip("-") for f in fields}:
        fields.append(tie_breaker)
    if descending:
        fields = [_flip(f) for f in fields]
    return Sort(key=key, descending=descending, order_by=tuple(fields))


def sort_from_request(request, allowed, default, **kwargs) -> Sort:
    return parse_sort(request.GET.get(SORT_PARAM), allowed, default, **kwargs)
