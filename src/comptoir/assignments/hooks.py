"""What the assignments do when another app changes something: the one module they call.

Lower floors call these functions explicitly, inside their own transaction, at the point
where the change happens; nothing is registered and nothing runs by itself (see
ARCHITECTURE.md, "Floors"):

- ``companies.services.company_create`` → :func:`company_created` (the apps assigned "to all
  clients, including later ones" reach the new company);
- ``companies.invitations`` (a user joins a company) → :func:`member_joined`;
  ``companies.services.company_member_change_role`` → :func:`member_role_changed` (accesses
  given by role follow the role); ``companies.services.company_member_remove`` →
  :func:`member_removing`, before the membership row goes;
- ``store.services.custom_app_create`` → :func:`custom_app_created` (the form's "assign to
  all dossiers" and roles);
- ``store.services.installation_remove`` → :func:`installation_removing`, after the
  deliveries' hook (``deliveries.hooks.installation_removing``: the pending deliveries go
  before the connections they were for); ``store.selectors`` reads
  :func:`installation_removal_impact` for the confirmation page and the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count

from comptoir.assignments import services
from comptoir.assignments.models import (
    AssignAllRule,
    AssignmentImport,
    CompanyAssignment,
    RoleGrant,
    UserAccess,
)
from comptoir.store.models import AppType

if TYPE_CHECKING:
    from comptoir.companies.models import Company, CompanyMembership
    from comptoir.store.models import Installation


def company_created(*, actor: Any, company: Company) -> None:
    """A new client company gets every app assigned "to all clients, including later ones"."""
    services.apply_rules_to_new_company(company=company, actor=actor)


def member_joined(*, actor: Any, membership: CompanyMembership) -> None:
    """A user joined the company: the role rules that include users added later apply."""
    services.apply_role_grants_to_member(membership=membership, actor=actor)


def member_role_changed(*, actor: Any, membership: CompanyMembership) -> None:
    """A user's role changed: the accesses given by role follow the new role."""
    services.apply_role_grants_to_member(membership=membership, actor=actor)


def member_removing(*, actor: Any, membership: CompanyMembership) -> None:
    """A user leaves the company: the apps they saw there go (rejoining starts clean)."""
    services.revoke_member_accesses(membership=membership, actor=actor)


def custom_app_created(*, actor: Any, installation: Installation) -> None:
    """A firm's own app: assign it to all dossiers and grant it to the roles chosen."""
    services.apply_custom_app_options(actor=actor, installation=installation)


def installation_removal_impact(installation: Installation) -> dict[str, int]:
    """Client companies, users and automation connections the removal takes away. One query."""
    counts = CompanyAssignment.objects.filter(installation=installation).aggregate(
        companies=Count("pk", distinct=True),
        users=Count("accesses__user", distinct=True),
    )
    companies = counts["companies"] or 0
    connections = companies if installation.app.type == AppType.AUTOMATION else 0
    return {"companies": companies, "users": counts["users"] or 0, "connections": connections}


def installation_removing(*, actor: Any, installation: Installation) -> dict[str, Any]:
    """The app leaves the firm's space: delete what hangs below it here.

    Assignments, user accesses, role grants, the "assign to all" rule and import files go;
    ``actor`` is who removes it: the Store's audit event names them with what this returns.
    """
    impact = installation_removal_impact(installation)
    accesses, _ = UserAccess.objects.filter(assignment__installation=installation).delete()
    grants, _ = RoleGrant.objects.filter(installation=installation).delete()
    rules, _ = AssignAllRule.objects.filter(installation=installation).delete()
    AssignmentImport.objects.filter(installation=installation).delete()
    assignments, _ = CompanyAssignment.objects.filter(installation=installation).delete()
    return {
        **impact,
        "assignments_deleted": assignments,
        "accesses_deleted": accesses,
        "role_grants_deleted": grants,
        "assign_all_rule_deleted": bool(rules),
    }
