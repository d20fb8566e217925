"""Giving an app of the firm's space to client companies: one by one, in bulk.

Each service checks the actor, owns its transaction and writes one audit event (bulk paths
write one event for the whole batch, with the counts and the company ids). Giving it to all
companies, and to those created later, is in ``rules``.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.assignments.models import CompanyAssignment, RoleGrant, UserAccess
from comptoir.assignments.permissions import FIRM_ONLY_MESSAGE, require_assignable
from comptoir.assignments.services._common import BATCH_SIZE, grant_living_rules, ids_detail
from comptoir.audit.services import audit_record
from comptoir.core.errors import Conflict, NotFound, ValidationFailed
from comptoir.deliveries import hooks as deliveries_hooks
from comptoir.firms.permissions import require_firm_member
from comptoir.store.schema import (
    COMPANY,
    SECRET_MARKER,
    changed_keys,
    company_fields,
    reveal_settings,
    validate_settings,
)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
_UNSET: Any = object()


def _require_same_firm(installation, company) -> None:
    if company.firm_id != installation.firm_id:
        raise NotFound(code="company_not_found")


def siret_required_error(app, company) -> ValidationFailed:
    return ValidationFailed(
        _(
            "“%(app)s” identifies each dossier by its SIRET, and %(company)s has none. Add the "
            "SIRET on the client's page first."
        )
        % {"app": app.name, "company": company.name},
        code="siret_required",
        field="company",
    )


def _concurrent_change() -> Conflict:
    return Conflict(
        _("Someone changed these assignments at the same moment. Reload the page and try again."),
        code="assignment_conflict",
    )


def _create_assignments(
    *, actor, installation, settings_by_company: Iterable[tuple[int, dict]], enabled: bool = True
) -> list[CompanyAssignment]:
    """Give the app to these companies, ``(company id, stored settings)``, in one bulk insert.

    In the caller's transaction; a company given the app at the same moment by another request
    is a ``Conflict`` (``assignment_conflict``) and nothing is inserted.
    """
    now = timezone.now()
    creates = [
        CompanyAssignment(
            firm_id=installation.firm_id,
            installation=installation,
            company_id=company_id,
            settings=stored,
            enabled=enabled,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        for company_id, stored in settings_by_company
    ]
    try:
        with transaction.atomic():
            CompanyAssignment.objects.bulk_create(creates, batch_size=BATCH_SIZE)
    except IntegrityError:
        raise _concurrent_change() from None
    return creates


def _keep_unchanged_secrets(app, data: dict, stored: dict, secret_keys=None) -> dict:
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


@dataclass
class Entry:
    """One company to give the app to, with the settings typed for it.

    ``company`` is None for an import row whose SIRET matched nothing: its settings are still
    checked so that every error of the file is reported at once.
    """

    company: Any
    settings: dict = field(default_factory=dict)
    row: int | None = None


@dataclass
class Planned:
    entry: Entry
    action: str
    stored: dict
    changed: list[str]
    assignment: CompanyAssignment | None


def assignments_plan(
    *, installation, entries: list[Entry], enable: bool = True
) -> tuple[list[Planned], list[dict[str, Any]]]:
    """What giving the app to these companies would do, and every problem. One query.

    Errors are dicts ``{"index", "row", "key", "code", "message"}`` (``key`` is the setting,
    or None for the company itself).
    """
    app = installation.app
    company_ids = [e.company.pk for e in entries if e.company is not None]
    existing = (
        {
            a.company_id: a
            for a in CompanyAssignment.objects.filter(
                installation=installation, company_id__in=company_ids
            )
        }
        if company_ids
        else {}
    )
    planned: list[Planned] = []
    errors: list[dict[str, Any]] = []
    seen: set[int] = set()
    secret_keys = [f.key for f in company_fields(app) if f.is_secret]
    for index, entry in enumerate(entries):
        company = entry.company
        current = existing.get(company.pk) if company is not None else None
        before = dict(current.settings) if current is not None else {}

        def error(key, code, message, index=index, entry=entry):
            errors.append(
                {"index": index, "row": entry.row, "key": key, "code": code, "message": message}
            )

        if company is not None:
            if company.firm_id != installation.firm_id:
                raise NotFound(code="company_not_found")
            if company.pk in seen:
                error(None, "duplicate_company", _("This client company is listed twice."))
            seen.add(company.pk)
            if app.requires_siret and not company.siret:
                error(None, "siret_required", str(siret_required_error(app, company).message))
        data = _keep_unchanged_secrets(app, entry.settings or {}, before, secret_keys)
        try:
            stored = validate_settings(app, COMPANY, data, before)
        except ValidationFailed as failure:
            for detail in failure.details or [
                {"key": None, "code": failure.code, "message": str(failure.message)}
            ]:
                error(detail.get("key"), detail.get("code", "invalid"), str(detail["message"]))
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


@dataclass
class UpsertResult:
    created: int
    updated: int
    unchanged: int
    planned: list[Planned]


def assignments_upsert(
    *,
    actor,
    installation,
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
            raise ValidationFailed(
                _("Nothing was saved: %(count)d problem(s) to fix first.") % {"count": len(errors)},
                code="invalid_assignments",
                details=[
                    {**e, "field": f"settings.{e['key']}" if e["key"] else "company"}
                    for e in errors
                ],
            )
        return apply_plan(
            actor=actor,
            installation=installation,
            planned=planned,
            enable=enable,
            source=source,
            filename=filename,
        )


def apply_plan(
    *, actor, installation, planned: list[Planned], enable: bool, source: str, filename: str = ""
) -> UpsertResult:
    """Write a plan made by ``assignments_plan`` in the caller's transaction (no error in it).

    ``assignments_upsert`` plans then calls this; the import, which has just planned the same
    entries to show their errors, calls it directly rather than planning twice.
    """
    app = installation.app
    creates = _create_assignments(
        actor=actor,
        installation=installation,
        settings_by_company=[
            (p.entry.company.pk, p.stored) for p in planned if p.action == CREATED
        ],
        enabled=enable,
    )
    now = timezone.now()
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


# --- one company --------------------------------------------------------------------------------


def assignment_create(
    *, actor, installation, company, settings: dict | None = None, enabled: bool = True
) -> CompanyAssignment:
    """Give the app to one client company, with that company's settings (the connection)."""
    require_firm_member(actor, installation.firm_id, message=FIRM_ONLY_MESSAGE)
    app = installation.app
    require_assignable(app)
    _require_same_firm(installation, company)
    if app.requires_siret and not company.siret:
        raise siret_required_error(app, company)
    stored = validate_settings(app, COMPANY, settings or {})
    with transaction.atomic():
        if CompanyAssignment.objects.filter(installation=installation, company=company).exists():
            raise Conflict(
                _("%(company)s already has “%(app)s”.")
                % {"company": company.name, "app": app.name},
                code="already_assigned",
            )
        try:
            with transaction.atomic():
                assignment = CompanyAssignment.objects.create(
                    firm_id=installation.firm_id,
                    installation=installation,
                    company=company,
                    settings=stored,
                    enabled=enabled,
                    created_by=actor,
                )
        except IntegrityError:
            raise _concurrent_change() from None
        granted = grant_living_rules([assignment])
        audit_record(
            firm=installation.firm,
            actor=actor,
            action="assignment.create",
            target=company,
            details={
                "installation": installation.pk,
                "app": app.slug,
                "enabled": enabled,
                "settings": sorted(stored),
                "users_granted_by_rules": len(granted),
            },
        )
    return assignment


def assignment_update(
    *,
    actor,
    assignment: CompanyAssignment,
    settings: dict | None = _UNSET,
    enabled: bool = _UNSET,
) -> CompanyAssignment:
    """Change one company's settings (keys left out keep their value) or its enabled flag."""
    installation = assignment.installation
    require_firm_member(actor, installation.firm_id, message=FIRM_ONLY_MESSAGE)
    app = installation.app
    company = assignment.company
    changes: dict[str, Any] = {}
    before = dict(assignment.settings or {})
    if settings is not _UNSET:
        data = _keep_unchanged_secrets(app, settings or {}, before)
        after = validate_settings(app, COMPANY, data, before)
        if after != before:
            changes["settings"] = after
    if enabled is not _UNSET and bool(enabled) != assignment.enabled:
        if enabled and app.requires_siret and not company.siret:
            raise siret_required_error(app, company)
        changes["enabled"] = bool(enabled)
    if not changes:
        return assignment
    with transaction.atomic():
        for name, value in changes.items():
            setattr(assignment, name, value)
        assignment.save(update_fields=[*changes, "updated_at"])
        details: dict[str, Any] = {"installation": installation.pk, "app": app.slug}
        if "settings" in changes:
            details["changed"] = changed_keys(before, changes["settings"])
        if "enabled" in changes:
            details["enabled"] = changes["enabled"]
        audit_record(
            firm=installation.firm,
            actor=actor,
            action="assignment.update",
            target=company,
            details=details,
        )
    return assignment


def assignment_unassign(*, actor, assignment: CompanyAssignment) -> dict[str, int]:
    """Take the app back from one company: its users' accesses and its connection go.

    Pending deliveries of the connection are cancelled first, through the deliveries' seam
    (``deliveries.hooks.assignment_removing``). Role grants made
    for this very company go too: assigning the app again starts clean.
    """
    installation = assignment.installation
    require_firm_member(actor, installation.firm_id, message=FIRM_ONLY_MESSAGE)
    app = installation.app
    company = assignment.company
    with transaction.atomic():
        users = UserAccess.objects.filter(assignment=assignment).count()
        deliveries = deliveries_hooks.assignment_removing(assignment=assignment)
        RoleGrant.objects.filter(installation=installation, company=company).delete()
        UserAccess.objects.filter(assignment=assignment).delete()
        audit_record(
            firm=installation.firm,
            actor=actor,
            action="assignment.unassign",
            target=company,
            details={
                "installation": installation.pk,
                "app": app.slug,
                "users": users,
                "connection": app.type == "automation",
                "cancelled_deliveries": deliveries,
            },
        )
        assignment.delete()
    return {"users": users, "cancelled_deliveries": deliveries}
