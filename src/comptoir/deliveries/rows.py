"""The statements of one attempt, their SQL built once per process: the read, the delivery's
new status, the attempt's row.

The ORM would build the same queries again for every attempt, and compiling them costs more
than running them (the eight-table select most of all), so:

- :func:`load_for_attempt` reads the delivery and the few fields of its version, document,
  app, installation, connection, firm and company that an attempt needs
  (:data:`ATTEMPT_FIELDS`), in one query; the row becomes model instances through
  ``Model.from_db`` and each field's database converters, as the ORM does. An attempt that
  touched a field not listed would cost a query of its own: the query-count tests watch;
- :func:`update_claimed` is the conditional ``UPDATE … WHERE id = … AND status = 'sending'
  AND claimed_by = <this claim>`` that ends an attempt; it answers how many rows it changed
  (0: the sweep took the row back meanwhile);
- :func:`insert_attempt` writes the attempt's row;
- for the delivery loop's batches, the same for several rows at once, the count of queries
  whatever their number: :func:`load_many`, :func:`claim_and_load_many`, :func:`finish_many`
  (one conditional ``UPDATE … FROM (VALUES …)``), :func:`insert_attempts`.

On PostgreSQL the delivery loop's two commits per attempt (the claim, the record) wait for
the disk like every commit, unless the operator sets ``DELIVERY_WORKER_SYNCHRONOUS_COMMIT=off``
(:func:`quick_commit`, ``SET LOCAL synchronous_commit TO OFF``). A disk flush costs
milliseconds per commit — more than the rest of an attempt — and what a crash of the database
server could then lose is bounded: the last fraction of a second of the worker's own commits
(their attempts' history rows), never an upload or its planned deliveries (the web's
transactions keep waiting). A lost claim
leaves the row pending; a lost record leaves it ``sending`` until the sweep takes it back:
either way the next attempt carries the same idempotency key, exactly as after a worker
killed in the middle of a send. Nothing is lost and nothing goes out under a second key.

Values go through each field's ``get_db_prep_save``, exactly as ``QuerySet.update`` and
``Model.save`` would; only names from the models' metadata are ever put into the SQL text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from comptoir.deliveries.models import Delivery, DeliveryAttempt, DeliveryStatus

# What one attempt reads besides the delivery itself (the app's texts and logo stay behind).
ATTEMPT_FIELDS = (
    "version__number",
    "version__file",
    "version__original_name",
    "version__size",
    "version__content_type",
    "version__sha256",
    "version__created_at",
    "version__document__title",
    "version__document__folder",
    "installation__settings",
    "installation__app__slug",
    "installation__app__name",
    "installation__app__settings_schema",
    "installation__app__type",
    "installation__app__transport",
    "installation__app__accepted_folders",
    "installation__app__accepted_file_types",
    "installation__app__max_file_size",
    "assignment__enabled",
    "assignment__settings",
    "firm__name",
    "company__siret",
    "company__slug",
)

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class _Part:
    """One model of the read: where it hangs (``path``), its fields in model order."""

    path: tuple[str, ...]
    model: type[models.Model]
    alias: str
    fields: tuple[models.Field[Any, Any], ...]

    @property
    def attnames(self) -> tuple[str, ...]:
        return tuple(field.attname for field in self.fields)


@dataclass(frozen=True)
class _Statement:
    sql: str
    select: str  # "SELECT <columns> FROM {source} t0 <joins>": the read over any row source
    parts: tuple[_Part, ...]
    # Per selected column: its converters and the column expression they are given.
    converters: tuple[tuple[tuple[Converter, ...], Any], ...]


def _parts() -> tuple[_Part, ...]:
    wanted: dict[tuple[str, ...], set[str]] = {(): {f.name for f in Delivery._meta.concrete_fields}}
    for spec in ATTEMPT_FIELDS:
        *path, name = spec.split("__")
        for depth in range(1, len(path) + 1):
            wanted.setdefault(tuple(path[:depth]), {"id"})
        wanted[tuple(path)].add(name)
    parts = []
    for index, (path, names) in enumerate(sorted(wanted.items(), key=lambda item: len(item[0]))):
        model: type[models.Model] = Delivery
        for step in path:
            related = model._meta.get_field(step).related_model
            assert isinstance(related, type)
            model = related
        fields = tuple(f for f in model._meta.concrete_fields if f.name in names)
        parts.append(_Part(path=path, model=model, alias=f"t{index}", fields=fields))
    return tuple(parts)


@cache
def _statement(vendor: str) -> _Statement:
    quote = connection.ops.quote_name
    parts = _parts()
    by_path = {part.path: part for part in parts}
    columns, joins = [], []
    for part in parts:
        columns += [f"{part.alias}.{quote(field.column)}" for field in part.fields]
        if part.path:
            parent = by_path[part.path[:-1]]
            link = parent.model._meta.get_field(part.path[-1])
            assert isinstance(link, models.ForeignKey)
            joins.append(
                f"LEFT JOIN {quote(part.model._meta.db_table)} {part.alias} "
                f"ON {part.alias}.{quote(part.model._meta.pk.column)} = "
                f"{parent.alias}.{quote(link.column)}"
            )
    root = parts[0]
    # Only names from the models' metadata go into the text; the id is a parameter.
    select = "SELECT {} FROM {{source}} {} {}".format(  # noqa: S608
        ", ".join(columns), root.alias, " ".join(joins)
    )
    where = f" WHERE {root.alias}.{quote(Delivery._meta.pk.column)} = %s"
    sql = select.format(source=quote(Delivery._meta.db_table)) + where
    converters = []
    for part in parts:
        for field in part.fields:
            column = field.get_col(part.alias)
            found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            converters.append((tuple(found), column))
    return _Statement(sql=sql, select=select, parts=parts, converters=tuple(converters))


def _converted(row: Sequence[Any], statement: _Statement) -> list[Any]:
    values = list(row)
    for index, (converters, column) in enumerate(statement.converters):
        for convert in converters:
            values[index] = convert(values[index], column, connection)
    return values


def load_for_attempt(delivery_id: int) -> Delivery | None:
    """The delivery with everything one attempt needs, in one query; None if it is gone."""
    statement = _statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [delivery_id])
        row = cursor.fetchone()
    return None if row is None else _instances(row, statement)


def claim_and_load(claim_sql: str, params: Sequence[Any]) -> Delivery | None:
    """PostgreSQL: the claim (``claim_sql``, an ``UPDATE … RETURNING *``) and the read in one
    statement, ``WITH claimed AS (UPDATE …) SELECT … FROM claimed …``: one round trip."""
    statement = _statement(connection.vendor)
    sql = f"WITH claimed AS ({claim_sql}) " + statement.select.format(source="claimed")
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        row = cursor.fetchone()
    return None if row is None else _instances(row, statement)


def _instances(row: Sequence[Any], statement: _Statement) -> Delivery:
    values = _converted(row, statement)
    instances: dict[tuple[str, ...], models.Model | None] = {}
    offset = 0
    for part in statement.parts:
        chunk = values[offset : offset + len(part.fields)]
        offset += len(part.fields)
        pk_index = next(i for i, f in enumerate(part.fields) if f.primary_key)
        if chunk[pk_index] is None:  # a nullable link that is empty (the app was removed...)
            instances[part.path] = None
            continue
        instance = part.model.from_db(connection.alias, part.attnames, chunk)
        instances[part.path] = instance
        if part.path:
            parent = instances[part.path[:-1]]
            if parent is not None:
                setattr(parent, part.path[-1], instance)
    delivery = instances[()]
    assert isinstance(delivery, Delivery)
    return delivery


@cache
def _update_sql(vendor: str, names: tuple[str, ...], connected_only: bool) -> str:
    quote = connection.ops.quote_name
    meta = Delivery._meta
    assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in names)
    condition = "{} = %s AND {} = %s AND {} = %s".format(
        quote(meta.pk.column), quote(meta.get_field("status").column), quote("claimed_by")
    )
    if connected_only:  # the connection still exists: its foreign keys are not empty
        condition += " AND {} IS NOT NULL AND {} IS NOT NULL".format(
            quote(meta.get_field("assignment").column), quote(meta.get_field("installation").column)
        )
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {condition}"  # noqa: S608


def _update_params(values: dict[str, Any]) -> list[Any]:
    return [
        Delivery._meta.get_field(name).get_db_prep_save(value, connection)
        for name, value in values.items()
    ]


def update_claimed(
    delivery_id: int, worker: str, values: dict[str, Any], *, connected_only: bool = False
) -> int:
    """Set ``values`` on the delivery if it is still ``sending`` for this claim (and, with
    ``connected_only``, still has its installation and connection). Rows changed: 0 or 1."""
    names = tuple(values)
    params = [
        Delivery._meta.get_field(name).get_db_prep_save(values[name], connection) for name in names
    ]
    sql = _update_sql(connection.vendor, names, connected_only)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, delivery_id, DeliveryStatus.SENDING.value, worker])
        return int(cursor.rowcount)


@cache
def _insert_sql(vendor: str) -> tuple[str, tuple[models.Field[Any, Any], ...]]:
    quote = connection.ops.quote_name
    fields = tuple(f for f in DeliveryAttempt._meta.concrete_fields if not f.primary_key)
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join("%s" for _field in fields)
    table = quote(DeliveryAttempt._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({marks})", fields  # noqa: S608


def _attempt_params(values: dict[str, Any]) -> list[Any]:
    _sql, fields = _insert_sql(connection.vendor)
    now = timezone.now()
    params = []
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.attname in values:
            value = values[field.attname]
        else:
            value = field.get_default()
        params.append(field.get_db_prep_save(value, connection))
    return params


def insert_attempt(values: dict[str, Any]) -> None:
    """Write one attempt's row; ``created_at``/``updated_at`` are now, as ``save()`` sets them."""
    sql, _fields = _insert_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, _attempt_params(values))


def finish_in_one_statement(
    delivery_id: int,
    worker: str,
    values: dict[str, Any],
    attempt: dict[str, Any],
    *,
    connected_only: bool = False,
) -> bool:
    """PostgreSQL: :func:`update_claimed` and :func:`insert_attempt` as one statement
    (``WITH mine AS (UPDATE … RETURNING id) INSERT … SELECT … FROM mine``), atomic by itself:
    the attempt is written only if the delivery was still this claim's. True if it was."""
    update = _update_sql(connection.vendor, tuple(values), connected_only)
    insert, fields = _insert_sql(connection.vendor)
    table = connection.ops.quote_name(DeliveryAttempt._meta.db_table)
    columns = insert[insert.index("(") : insert.index(")") + 1]
    # Typed, so that the server knows each parameter's type when it prepares the statement.
    marks = ", ".join(f"%s::{field.cast_db_type(connection)}" for field in fields)
    sql = f"WITH mine AS ({update} RETURNING 1) INSERT INTO {table} {columns} "
    sql += f"SELECT {marks} FROM mine"  # noqa: S608
    params = [
        *_update_params(values),
        delivery_id,
        DeliveryStatus.SENDING.value,
        worker,
        *_attempt_params(attempt),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


# Set by the worker when its own connection was opened with synchronous_commit=off.
session_commits_quickly = False


def quick_commits() -> bool:
    """Do the delivery loop's commits skip the wait for the disk (PostgreSQL only)?"""
    return connection.vendor == "postgresql" and not settings.DELIVERY_WORKER_SYNCHRONOUS_COMMIT


def quick_commit() -> None:
    """Inside a transaction: its commit returns before the disk flush (see the module).
    ``SET LOCAL`` lasts until that commit only, so it is safe behind a transaction pooler.
    Nothing to do when the worker's session already commits so."""
    if session_commits_quickly:
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


@contextmanager
def quick_scope(quick: bool) -> Iterator[None]:
    """Around one statement of the delivery loop: a transaction that commits quickly when
    the session does not already (behind a pooler); nothing otherwise."""
    if quick and not session_commits_quickly:
        with transaction.atomic():
            quick_commit()
            yield
    else:
        yield


# --- a batch of attempts (the delivery loop) -----------------------------------------------------

# What ending one attempt sets on its delivery, the same names for every row of a batch (None
# for sent_at, remote_id and enqueued_at keeps the row's value).
FINISH_FIELDS = (
    "status",
    "next_attempt_at",
    "sent_at",
    "remote_id",
    "enqueued_at",
    "last_code",
    "last_error",
    "updated_at",
)


def load_many(delivery_ids: Sequence[int]) -> list[Delivery]:
    """:func:`load_for_attempt` for several deliveries, in one query (those still there)."""
    if not delivery_ids:
        return []
    statement = _statement(connection.vendor)
    quote = connection.ops.quote_name
    marks = ", ".join("%s" for _id in delivery_ids)
    sql = statement.select.format(source=quote(Delivery._meta.db_table))
    sql += f" WHERE t0.{quote(Delivery._meta.pk.column)} IN ({marks})"
    with connection.cursor() as cursor:
        cursor.execute(sql, list(delivery_ids))
        return [_instances(row, statement) for row in cursor.fetchall()]


def claim_and_load_many(claim_sql: str, params: Sequence[Any]) -> list[Delivery]:
    """PostgreSQL: :func:`claim_and_load` for a claim of several rows, one statement."""
    statement = _statement(connection.vendor)
    sql = f"WITH claimed AS ({claim_sql}) " + statement.select.format(source="claimed")
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return [_instances(row, statement) for row in cursor.fetchall()]


def _typed(field: models.Field[Any, Any]) -> str:
    """A parameter mark that tells PostgreSQL its type (a NULL in ``VALUES`` has none)."""
    if connection.vendor == "postgresql":
        return f"%s::{field.cast_db_type(connection)}"
    return "%s"


def finish_many(worker: str, finished: Sequence[tuple[int, dict[str, Any]]]) -> dict[int, str]:
    """End several attempts of one claim in one statement::

        UPDATE deliveries_delivery AS d SET status = …, … FROM (VALUES (id, status, …), …) v
         WHERE d.id = v.id AND d.status = 'sending' AND d.claimed_by = <claim>
        RETURNING id, status

    each ``(delivery id, values)`` names :data:`FINISH_FIELDS`. A row the sweep took back
    (no longer this claim's) is left alone. A retry (``status='pending'``) whose installation
    or connection went meanwhile ends ``cancelled`` instead. The new status of each row
    changed, by id."""
    if not finished:
        return {}
    quote = connection.ops.quote_name
    meta = Delivery._meta
    fields = [meta.pk, *(meta.get_field(name) for name in FINISH_FIELDS)]
    row_marks = "({})".format(", ".join(_typed(field) for field in fields))
    value = {name: f"v.column{index}" for index, name in enumerate(FINISH_FIELDS, start=2)}
    column = {name: quote(meta.get_field(name).column) for name in FINISH_FIELDS}
    pending, cancelled = DeliveryStatus.PENDING.value, DeliveryStatus.CANCELLED.value
    gone = "{v} = '{p}' AND (d.{a} IS NULL OR d.{i} IS NULL)".format(
        v=value["status"],
        p=pending,
        a=quote(meta.get_field("assignment").column),
        i=quote(meta.get_field("installation").column),
    )
    keep = ("sent_at", "remote_id")
    sets = [
        f"{column['status']} = CASE WHEN {gone} THEN '{cancelled}' ELSE {value['status']} END",
        f"{column['next_attempt_at']} = CASE WHEN {gone} THEN NULL "
        f"ELSE {value['next_attempt_at']} END",
        *(f"{column[name]} = COALESCE({value[name]}, d.{column[name]})" for name in keep),
        f"{column['enqueued_at']} = CASE WHEN {gone} THEN d.{column['enqueued_at']} "
        f"ELSE COALESCE({value['enqueued_at']}, d.{column['enqueued_at']}) END",
        *(f"{column[name]} = {value[name]}" for name in ("last_code", "last_error", "updated_at")),
        f"{quote('claimed_at')} = NULL",
        f"{quote('claimed_by')} = ''",
    ]
    sql = "UPDATE {} AS d SET {} FROM (VALUES {}) AS v WHERE d.{} = v.column1 ".format(  # noqa: S608
        quote(meta.db_table),
        ", ".join(sets),
        ", ".join(row_marks for _row in finished),
        quote(meta.pk.column),
    )
    sql += "AND d.{} = %s AND d.{} = %s RETURNING {}, {}".format(
        column["status"], quote("claimed_by"), quote(meta.pk.column), column["status"]
    )
    params: list[Any] = []
    for delivery_id, values in finished:
        params.append(delivery_id)
        params += [
            meta.get_field(name).get_db_prep_save(values[name], connection)
            for name in FINISH_FIELDS
        ]
    params += [DeliveryStatus.SENDING.value, worker]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(row[0]): str(row[1]) for row in cursor.fetchall()}


def insert_attempts(attempts: Sequence[dict[str, Any]]) -> None:
    """Write several attempts' rows in one statement (:func:`insert_attempt` for many)."""
    if not attempts:
        return
    sql, _fields = _insert_sql(connection.vendor)
    head, marks = sql.split(" VALUES ")
    params = [param for values in attempts for param in _attempt_params(values)]
    with connection.cursor() as cursor:
        cursor.execute(f"{head} VALUES " + ", ".join(marks for _row in attempts), params)


def release_claimed(worker: str, delivery_ids: Sequence[int], now: Any) -> int:
    """Give back claimed rows that were not attempted (the loop stops, or its batch ran long):
    pending again (still due), their attempt count as before the claim."""
    if not delivery_ids:
        return 0
    return Delivery.objects.filter(
        pk__in=list(delivery_ids), status=DeliveryStatus.SENDING, claimed_by=worker
    ).update(
        status=DeliveryStatus.PENDING,
        claimed_at=None,
        claimed_by="",
        attempt_count=models.F("attempt_count") - 1,
        updated_at=now,
    )
