"""What the assignment writes share: batch sizes, audit id lists, set-based SQL pieces.

Set-based writes (``INSERT … SELECT``) quote table names and pass every value as a
parameter; the values go through the model field's ``get_db_prep_value`` so that SQLite and
PostgreSQL store exactly what the ORM would.
"""

from collections.abc import Iterable
from typing import Any

from django.db import connection, models
from django.db.models.expressions import RawSQL

# Rows per INSERT/UPDATE statement (SQLite lowers it further to its variable limit).
BATCH_SIZE = 1000
# Above this many companies, read memberships by firm rather than with a long IN list.
IN_LIST_MAX = 400
# How many ids an audit event lists (the counts are always complete).
AUDIT_IDS_MAX = 200


def ids_detail(ids: Iterable[int]) -> dict[str, Any]:
    """``{"count", "ids"}`` for an audit event: every id counted, the first ones listed."""
    ordered = sorted(ids)
    detail: dict[str, Any] = {"count": len(ordered), "ids": ordered[:AUDIT_IDS_MAX]}
    if len(ordered) > AUDIT_IDS_MAX:
        detail["truncated"] = True
    return detail


def table(model: type[models.Model]) -> str:
    """The model's table name, quoted for the connection's SQL."""
    return connection.ops.quote_name(model._meta.db_table)


def db_value(model: type[models.Model], name: str, value: Any) -> Any:
    """``value`` as the field ``name`` of ``model`` sends it to the database."""
    return model._meta.get_field(name).get_db_prep_value(value, connection)  # type: ignore[union-attr]


def marks(count: int) -> str:
    """``%s, %s, …``: ``count`` placeholders."""
    return ", ".join(["%s"] * count)


def in_list(values: Iterable[Any]) -> RawSQL:
    """The right side of ``field__in`` for a long list of plain values (ints, strings already
    normalised): ``IN (%s, …)`` with the values passed to the database as they are, without
    the ORM preparing each one (for 500 SIRETs, most of the lookup's cost). Not empty."""
    params = list(values)
    # Only placeholders are formatted in: every value is a parameter.
    return RawSQL(marks(len(params)), params)  # noqa: S611
