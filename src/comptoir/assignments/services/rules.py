"""Giving an app of the firm's space to every client company, and to those created later.

"Assign to all clients" creates the missing assignments and keeps a rule; with "including
later ones", ``apply_rules_to_new_company`` gives the app to each company created after.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.assignments.models import AssignAllRule, CompanyAssignment
from comptoir.assignments.permissions import FIRM_ONLY_MESSAGE, require_redirect_for_companies
from comptoir.assignments.services._common import (
    BATCH_SIZE,
    assignment_ids_if_living_rules,
    grant_living_rules,
    grant_living_rules_to_new,
    insert_missing_assignments,
)
from comptoir.audit.services import audit_record
from comptoir.core.errors import ValidationFailed
from comptoir.firms.permissions import require_firm_member
from comptoir.store.schema import COMPANY, validate_settings


def assign_all(*, actor, installation, include_future_companies: bool) -> dict[str, Any]:
    """ "Affecter à tous les clients": every company of the firm gets the app (redirect apps).

    With ``include_future_companies`` the rule stays and companies created later get the app
    at creation; without, an earlier such rule stops. Disabled assignments stay disabled.
    """
    require_firm_member(actor, installation.firm_id, message=FIRM_ONLY_MESSAGE)
    app = installation.app
    require_redirect_for_companies(app, _("“Assign to all clients”"))
    stored = _settings_for_all(app)
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
                    include_future_companies=bool(include_future_companies),
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
                "include_future_companies": bool(include_future_companies),
                "created": created,
                "already_assigned": assigned,
                "users_granted_by_rules": granted,
            },
        )
    return {
        "created": created,
        "already_assigned": assigned,
        "total": created + assigned,
        "include_future_companies": bool(include_future_companies),
    }


def _settings_for_all(app) -> dict:
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


def assign_all_rule_stop(*, actor, installation) -> bool:
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


def apply_rules_to_new_company(*, company, actor) -> list[CompanyAssignment]:
    """A new client company gets every app assigned "to all clients, including later ones".

    Called by ``companies.services.company_create`` inside its transaction.
    """
    from comptoir.assignments.permissions import is_assignable

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
