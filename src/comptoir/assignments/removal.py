"""What the assignments lose when an app leaves the firm's space, and the deliveries hook.

Registered from ``AssignmentsConfig.ready()`` as the Store's removal step "assignments"
(order 20: after the deliveries step, order 10, which cancels pending deliveries first).
"""

from typing import Any

from django.db.models import Count

from comptoir.store.removal import RemovalStep, register

DELIVERIES_HOOK = "deliveries_cancel_for_assignment"


def cancel_connection_deliveries(*, actor, assignment) -> int:
    """Cancel the pending deliveries of one company's connection (an unassigned automation app).

    Calls ``comptoir.deliveries.services.<DELIVERIES_HOOK>(*, actor, assignment) -> int`` (how
    many it cancelled). Runs inside the unassignment's transaction, before the assignment row
    is deleted.
    """
    from comptoir.deliveries.services import deliveries_cancel_for_assignment

    return int(deliveries_cancel_for_assignment(actor=actor, assignment=assignment) or 0)


def removal_impact(installation) -> dict[str, int]:
    """Client companies, users and automation connections the removal takes away. One query."""
    from comptoir.assignments.models import CompanyAssignment

    counts = CompanyAssignment.objects.filter(installation=installation).aggregate(
        companies=Count("pk", distinct=True),
        users=Count("accesses__user", distinct=True),
    )
    companies = counts["companies"] or 0
    connections = companies if installation.app.type == "automation" else 0
    return {"companies": companies, "users": counts["users"] or 0, "connections": connections}


def removal_cancel(*, actor, installation) -> dict[str, Any]:
    """Delete what hangs below the installation (inside the removal's transaction)."""
    from comptoir.assignments.models import (
        AssignAllRule,
        AssignmentImport,
        CompanyAssignment,
        RoleGrant,
        UserAccess,
    )

    del actor  # the Store's removal event records who did it
    impact = removal_impact(installation)
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


def register_removal_steps() -> None:
    register(
        RemovalStep(name="assignments", order=20, impact=removal_impact, cancel=removal_cancel)
    )
