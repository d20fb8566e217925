"""Giving an app of the firm's space to every client company, and to those created later.

"Affecter à tous les clients" creates the missing assignments (one ``INSERT … SELECT``) and
keeps a rule; with "including later ones", ``apply_rules_to_new_company`` gives the app to
each company created after. The role grants reuse ``insert_missing_assignments`` for the
chosen companies that lack the app.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.assignments.batches import BATCH_SIZE, db_value, marks, table
from comptoir.assignments.grants import (
    assignment_ids_if_living_rules,
    grant_living_rules,
    grant_living_rules_to_new,
)
from comptoir.assignments.models import AssignAllRule, CompanyAssignment
from comptoir.assignments.permissions import (
    FIRM_ONLY_MESSAGE,
    is_assignable,
    require_redirect_for_companies,
)
from comptoir.audit.services import audit_record
from comptoir.companies.models import Company
from comptoir.core.errors import ValidationFailed
from comptoir.firms.permissions import require_firm_member
from comptoir.store.models import App, Installation
from comptoir.store.schema import COMPANY
from comptoir.store.settings_validation import validate_settings


@dataclass(frozen=True)
class AssignAllResult:
    created: int
    already_assigned: int
    total: int
    include_future_companies: bool


def settings_for_all(app: App) -> dict[str, Any]:
    """The settings every company gets (none): refused when the app needs some per company."""
    try:
        return validate_settings(app, COMPANY, {})
    except ValidationFailed:
        raise ValidationFailed(
            _(
                "“%(app)s” needs settings for each client company: give it to them one by one "
                "or by importing a file."
            )
            % {"app": app.name},
            code="needs_company_settings",
        ) from None


def insert_missing_assignments(
    *,
    actor: User | None,
    installation: Installation,
    settings: dict[str, Any],
    now: datetime,
    company_ids: Sequence[int] | None = None,
) -> int:
    """Give the app to the firm's companies that lack it (or to those of ``company_ids``).

    One ``INSERT … SELECT`` from the companies table, the same row ``assignment_create`` makes
    (enabled, ``settings``, ``created_by``, both timestamps ``now``); a company given the app
    at the same moment by another request is skipped (``ON CONFLICT DO NOTHING``). In the
    caller's transaction; returns the number of assignments created.
    """
    params: list[Any] = [
        installation.pk,
        db_value(CompanyAssignment, "settings", settings),
        True,
        actor.pk if actor is not None else None,
        db_value(CompanyAssignment, "created_at", now),
        db_value(CompanyAssignment, "updated_at", now),
        installation.firm_id,
    ]
    only = ""
    if company_ids is not None:
        if not company_ids:
            return 0
        only = f" AND c.id IN ({marks(len(company_ids))})"
        params.extend(company_ids)
    # Only quoted table names and placeholders are formatted in: every value is a parameter.
    sql = (
        f"INSERT INTO {table(CompanyAssignment)} (firm_id, installation_id, company_id,"  # noqa: S608
        " settings, enabled, created_by_id, created_at, updated_at)"
        " SELECT c.firm_id, %s, c.id, %s, %s, %s, %s, %s"
        f" FROM {table(Company)} c WHERE c.firm_id = %s{only}"
        " ON CONFLICT (installation_id, company_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def assign_all(
    *, actor: User, installation: Installation, include_future_companies: bool
) -> AssignAllResult:
    """ "Affecter à tous les clients": every company of the firm gets the app (redirect apps).

    With ``include_future_companies`` the rule stays and companies created later get the app
    at creation; without, an earlier such rule stops. Disabled assignments stay disabled.
    """
    require_firm_member(actor, installation.firm_id, message=FIRM_ONLY_MESSAGE)
    app = installation.app
    require_redirect_for_companies(app, _("“Assign to all clients”"))
    stored = settings_for_all(app)
    include_future_companies = bool(include_future_companies)
    with transaction.atomic():
        before = assignment_ids_if_living_rules(installation)
        assigned = (
            len(before)
            if before is not None
            else CompanyAssignment.objects.filter(installation=installation).count()
        )
        created = insert_missing_assignments(
            actor=actor, installation=installation, settings=stored, now=timezone.now()
        )
        # The rule, created or its "including later ones" changed: one upsert statement.
        AssignAllRule.objects.bulk_create(
            [
                AssignAllRule(
                    firm_id=installation.firm_id,
                    installation=installation,
                    include_future_companies=include_future_companies,
                    created_by=actor,
                )
            ],
            update_conflicts=True,
            unique_fields=["installation"],
            update_fields=["include_future_companies", "updated_at"],
        )
        granted = grant_living_rules_to_new(installation=installation, before=before)
        audit_record(
            firm=installation.firm,
            actor=actor,
            action="assignment.assign_all",
            target=installation,
            details={
                "app": app.slug,
                "include_future_companies": include_future_companies,
                "created": created,
                "already_assigned": assigned,
                "users_granted_by_rules": granted,
            },
        )
    return AssignAllResult(
        created=created,
        already_assigned=assigned,
        total=created + assigned,
        include_future_companies=include_future_companies,
    )


def assign_all_rule_stop(*, actor: User, installation: Installation) -> bool:
    """Companies created from now on no longer get the app; those that have it keep it."""
    require_firm_member(actor, installation.firm_id, message=FIRM_ONLY_MESSAGE)
    with transaction.atomic():
        changed = AssignAllRule.objects.filter(
            installation=installation, include_future_companies=True
        ).update(include_future_companies=False, updated_at=timezone.now())
        if changed:
            audit_record(
                firm=installation.firm,
                actor=actor,
                action="assignment.assign_all_stop",
                target=installation,
                details={"app": installation.app.slug},
            )
    return bool(changed)


def apply_rules_to_new_company(*, company: Company, actor: User | None) -> list[CompanyAssignment]:
    """A new client company gets every app assigned "to all clients, including later ones".

    Called through ``assignments.hooks.company_created`` inside ``company_create``'s
    transaction; the living role grants of those apps then reach the company's users.
    """
    rules = list(
        AssignAllRule.objects.filter(
            firm_id=company.firm_id, include_future_companies=True
        ).select_related("installation__app")
    )
    now = timezone.now()
    creates = [
        CompanyAssignment(
            firm_id=company.firm_id,
            installation=rule.installation,
            company=company,
            settings={},
            enabled=True,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        for rule in rules
        if is_assignable(rule.installation.app)
    ]
    if not creates:
        return []
    CompanyAssignment.objects.bulk_create(creates, batch_size=BATCH_SIZE)
    grant_living_rules(creates)
    audit_record(
        firm=company.firm,
        actor=actor,
        action="assignment.assign_new_company",
        target=company,
        details={
            "installations": [a.installation_id for a in creates],
            "apps": [a.installation.app.slug for a in creates],
        },
    )
    return creates
