"""Giving an app to many client companies with their settings: plan (no writes), then write.

``assignments_plan`` says what giving the app to these companies would do and every problem;
``apply_plan`` writes a clean plan (one set-based insert, one bulk update, one audit event);
``assignments_upsert`` does both for the forms and the API, and the import calls the two
halves itself (it shows the plan first).
"""

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comptoir.accounts.models import User
from comptoir.assignments.batches import BATCH_SIZE, db_value, ids_detail, in_list, table
from comptoir.assignments.grants import NewAssignment, grant_living_rules
from comptoir.assignments.models import CompanyAssignment
from comptoir.assignments.permissions import FIRM_ONLY_MESSAGE, require_assignable
from comptoir.audit.services import audit_record
from comptoir.companies.models import Company
from comptoir.core.errors import Conflict, NotFound, ValidationFailed
from comptoir.firms.permissions import require_firm_member
from comptoir.store.models import App, Installation
from comptoir.store.schema import (
    COMPANY,
    SECRET_MARKER,
    changed_keys,
    company_fields,
    reveal_settings,
)
from comptoir.store.settings_validation import settings_validator

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass(frozen=True)
class CompanyRow:
    """What planning reads of a company, without a model instance (the import's lookup)."""

    pk: int
    firm_id: int
    name: str
    siret: str | None


@dataclass
class Entry:
    """One company to give the app to, with the settings typed for it.

    ``company`` is None for an import row whose SIRET matched nothing: its settings are still
    checked so that every error of the file is reported at once.
    """

    company: Company | CompanyRow | None
    settings: dict[str, Any] = field(default_factory=dict)
    row: int | None = None


@dataclass(frozen=True)
class Planned:
    entry: Entry
    action: str
    stored: dict[str, Any]
    changed: list[str]
    assignment: CompanyAssignment | None


@dataclass(frozen=True)
class PlanError:
    """A problem of one entry: ``key`` is the setting, or None for the company itself."""

    index: int
    row: int | None
    key: str | None
    code: str
    message: str

    def as_detail(self) -> dict[str, Any]:
        """The API's ``details`` item: these fields and the ``field`` they are about."""
        return {**asdict(self), "field": f"settings.{self.key}" if self.key else "company"}


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int
    unchanged: int
    planned: list[Planned]


def siret_required_error(app: App, company: Company | CompanyRow) -> ValidationFailed:
    return ValidationFailed(
        _(
            "“%(app)s” identifies each dossier by its SIRET, and %(company)s has none. Add the "
            "SIRET on the client's page first."
        )
        % {"app": app.name, "company": company.name},
        code="siret_required",
        field="company",
    )


def concurrent_change() -> Conflict:
    """Another request gave the app to the same company at the same moment."""
    return Conflict(
        _("Someone changed these assignments at the same moment. Reload the page and try again."),
        code="assignment_conflict",
    )


def keep_unchanged_secrets(
    app: App,
    data: dict[str, Any],
    stored: dict[str, Any],
    secret_keys: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A secret typed again with the value already stored keeps the stored one.

    Secrets are encrypted with a random nonce: without this, re-importing the same file
    would count every secret as changed. ``secret_keys``: the app's secret keys, if known.
    """
    if secret_keys is None:
        secret_keys = [f.key for f in company_fields(app) if f.is_secret]
    retyped = [
        key
        for key in secret_keys
        if isinstance(data.get(key), str)
        and data[key].strip()
        and isinstance(stored.get(key), dict)
        and SECRET_MARKER in stored[key]
    ]
    if not retyped:
        return data
    plain = reveal_settings(app, COMPANY, stored)
    data = dict(data)
    for key in retyped:
        if plain.get(key) == data[key].strip():
            data[key] = ""
    return data


# --- planning (no writes): shared by the forms, the API and the import's preview ----------------


def assignments_plan(
    *, installation: Installation, entries: list[Entry], enable: bool = True
) -> tuple[list[Planned], list[PlanError]]:
    """What giving the app to these companies would do, and every problem. One query."""
    app = installation.app
    company_ids = [e.company.pk for e in entries if e.company is not None]
    existing = (
        {
            a.company_id: a
            for a in CompanyAssignment.objects.filter(
                installation=installation, company_id__in=in_list(company_ids)
            )
        }
        if company_ids
        else {}
    )
    planned: list[Planned] = []
    errors: list[PlanError] = []
    seen: set[int] = set()
    secret_keys = [f.key for f in company_fields(app) if f.is_secret]
    requires_siret = app.requires_siret
    validate = settings_validator(app, COMPANY)  # the schema's fields looked up once
    for index, entry in enumerate(entries):
        company = entry.company
        current = existing.get(company.pk) if company is not None else None
        before = dict(current.settings) if current is not None else {}
        if company is not None:
            if company.firm_id != installation.firm_id:
                raise NotFound(code="company_not_found")
            if company.pk in seen:
                message = _("This client company is listed twice.")
                errors.append(PlanError(index, entry.row, None, "duplicate_company", message))
            seen.add(company.pk)
            if requires_siret and not company.siret:
                message = str(siret_required_error(app, company).message)
                errors.append(PlanError(index, entry.row, None, "siret_required", message))
        data = entry.settings or {}
        if secret_keys and before:
            data = keep_unchanged_secrets(app, data, before, secret_keys)
        try:
            stored = validate(data, before)
        except ValidationFailed as failure:
            for detail in failure.details or [
                {"key": None, "code": failure.code, "message": str(failure.message)}
            ]:
                errors.append(
                    PlanError(
                        index,
                        entry.row,
                        detail.get("key"),
                        detail.get("code", "invalid"),
                        str(detail["message"]),
                    )
                )
            continue
        if company is None:
            continue
        if current is None:
            action = CREATED
        elif stored != before or (enable and not current.enabled):
            action = UPDATED
        else:
            action = UNCHANGED
        planned.append(Planned(entry, action, stored, changed_keys(before, stored), current))
    return planned, errors


def plan_refusal(errors: Sequence[PlanError]) -> ValidationFailed:
    """Nothing saved: every problem in ``details``."""
    return ValidationFailed(
        ngettext(
            "Nothing was saved: %(count)d problem to fix first.",
            "Nothing was saved: %(count)d problems to fix first.",
            len(errors),
        )
        % {"count": len(errors)},
        code="invalid_assignments",
        details=[e.as_detail() for e in errors],
    )


def assignments_upsert(
    *,
    actor: User,
    installation: Installation,
    entries: list[Entry],
    enable: bool = True,
    source: str = "bulk",
    filename: str = "",
) -> UpsertResult:
    """Give the app to these companies with their settings: create, update, or leave as is.

    All or nothing: any invalid entry raises ``ValidationFailed`` (``details`` lists every
    problem) and nothing is written. A bounded number of queries whatever the entry count.
    """
    require_firm_member(actor, installation.firm_id, message=FIRM_ONLY_MESSAGE)
    require_assignable(installation.app)
    with transaction.atomic():
        planned, errors = assignments_plan(
            installation=installation, entries=entries, enable=enable
        )
        if errors:
            raise plan_refusal(errors)
        return apply_plan(
            actor=actor,
            installation=installation,
            planned=planned,
            enable=enable,
            source=source,
            filename=filename,
        )


# --- writing a plan -----------------------------------------------------------------------------


def insert_assignments(
    *,
    actor: User | None,
    installation: Installation,
    settings_by_company: Sequence[tuple[int, dict[str, Any]]],
    enabled: bool,
    now: datetime,
) -> list[NewAssignment]:
    """Give the app to these companies, ``(company id, stored settings)``: one statement.

    The rows travel as one JSON parameter that the database unpacks (``json_each`` on SQLite,
    ``jsonb_array_elements`` on PostgreSQL): no model instance, no batches, whatever the
    count. In the caller's transaction; a company given the app at the same moment by another
    request is a ``Conflict`` (``assignment_conflict``) and nothing is inserted.
    """
    if not settings_by_company:
        return []
    rows = json.dumps(
        [[company_id, stored] for company_id, stored in settings_by_company],
        separators=(",", ":"),
    )
    if connection.vendor == "postgresql":
        source = "(r.value->>0)::bigint, r.value->1 FROM jsonb_array_elements(%s::jsonb) AS r"
    else:
        source = "json_extract(r.value, '$[0]'), json_extract(r.value, '$[1]') FROM json_each(%s) r"
    params = [
        installation.firm_id,
        installation.pk,
        db_value(CompanyAssignment, "enabled", enabled),
        actor.pk if actor is not None else None,
        db_value(CompanyAssignment, "created_at", now),
        db_value(CompanyAssignment, "updated_at", now),
        rows,
    ]
    # Only quoted table names and placeholders are formatted in: every value is a parameter.
    sql = (
        f"INSERT INTO {table(CompanyAssignment)} (firm_id, installation_id, enabled,"
        " created_by_id, created_at, updated_at, company_id, settings)"
        f" SELECT %s, %s, %s, %s, %s, %s, {source} RETURNING id, company_id"
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted = cursor.fetchall()
    except IntegrityError:
        raise concurrent_change() from None
    return [
        NewAssignment(pk, installation.firm_id, installation.pk, company_id)
        for pk, company_id in inserted
    ]


def apply_plan(
    *,
    actor: User,
    installation: Installation,
    planned: list[Planned],
    enable: bool,
    source: str,
    filename: str = "",
) -> UpsertResult:
    """Write a plan made by ``assignments_plan`` in the caller's transaction (no error in it).

    ``assignments_upsert`` plans then calls this; the import, which has just planned the same
    entries to show their errors, calls it directly rather than planning twice.
    """
    app = installation.app
    now = timezone.now()
    creates = insert_assignments(
        actor=actor,
        installation=installation,
        settings_by_company=[
            (p.entry.company.pk, p.stored)
            for p in planned
            if p.action == CREATED and p.entry.company is not None
        ],
        enabled=enable,
        now=now,
    )
    updates = []
    for p in planned:
        if p.action == UPDATED:
            assert p.assignment is not None
            p.assignment.settings = p.stored
            p.assignment.enabled = p.assignment.enabled or enable
            p.assignment.updated_at = now
            updates.append(p.assignment)
    if updates:
        CompanyAssignment.objects.bulk_update(
            updates, ["settings", "enabled", "updated_at"], batch_size=BATCH_SIZE
        )
    granted = grant_living_rules(creates)
    counts = {
        action: sum(1 for p in planned if p.action == action)
        for action in (CREATED, UPDATED, UNCHANGED)
    }
    if creates or updates:
        audit_record(
            firm=installation.firm,
            actor=actor,
            action=f"assignment.{source}",
            target=installation,
            details={
                "app": app.slug,
                **counts,
                "filename": filename,
                "companies_created": ids_detail(a.company_id for a in creates),
                "companies_updated": ids_detail(a.company_id for a in updates),
                "changed_settings": sorted({k for p in planned for k in p.changed}),
                "users_granted_by_rules": len(granted),
            },
        )
    return UpsertResult(planned=planned, **counts)
