"""One client company's assignment of an app: give it, change it, take it back.

Each service checks the actor, owns its transaction and writes one audit event.
"""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.assignments.grants import grant_living_rules
from comptoir.assignments.models import CompanyAssignment, RoleGrant, UserAccess
from comptoir.assignments.permissions import FIRM_ONLY_MESSAGE, require_assignable
from comptoir.assignments.services.plan import (
    concurrent_change,
    keep_unchanged_secrets,
    siret_required_error,
)
from comptoir.audit.services import audit_record
from comptoir.companies.models import Company
from comptoir.core.errors import Conflict, NotFound
from comptoir.deliveries import hooks as deliveries_hooks
from comptoir.firms.permissions import require_firm_member
from comptoir.store.models import AppType, Installation
from comptoir.store.schema import COMPANY, changed_keys
from comptoir.store.settings_validation import validate_settings

_UNSET: Any = object()


@dataclass(frozen=True)
class UnassignResult:
    """What taking the app back took with it: user accesses, pending deliveries cancelled."""

    users: int
    cancelled_deliveries: int


def _require_same_firm(installation: Installation, company: Company) -> None:
    if company.firm_id != installation.firm_id:
        raise NotFound(code="company_not_found")


def assignment_create(
    *,
    actor: User,
    installation: Installation,
    company: Company,
    settings: dict[str, Any] | None = None,
    enabled: bool = True,
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
            raise concurrent_change() from None
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
    actor: User,
    assignment: CompanyAssignment,
    settings: dict[str, Any] | None = _UNSET,
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
        data = keep_unchanged_secrets(app, settings or {}, before)
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


def assignment_unassign(*, actor: User, assignment: CompanyAssignment) -> UnassignResult:
    """Take the app back from one company: its users' accesses and its connection go.

    Pending deliveries of the connection are cancelled first, through the deliveries' seam
    (``deliveries.hooks.assignment_removing``). Role grants made for this very company go
    too: assigning the app again starts clean.
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
                "connection": app.type == AppType.AUTOMATION,
                "cancelled_deliveries": deliveries,
            },
        )
        assignment.delete()
    return UnassignResult(users=users, cancelled_deliveries=deliveries)
