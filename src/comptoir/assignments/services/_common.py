"""Helpers shared by the assignment services: batches, audit details, living role rules."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone

from comptoir.assignments.models import CompanyAssignment, RoleGrant, UserAccess

# Rows per INSERT/UPDATE statement (SQLite lowers it further to its variable limit).
BATCH_SIZE = 1000
# Above this many companies, read memberships by firm rather than with a long IN list.
IN_LIST_MAX = 400
# How many ids an audit event lists (the counts are always complete).
AUDIT_IDS_MAX = 200


def ids_detail(ids: Iterable[int]) -> dict[str, Any]:
    ids = sorted(ids)
    detail: dict[str, Any] = {"count": len(ids), "ids": ids[:AUDIT_IDS_MAX]}
    if len(ids) > AUDIT_IDS_MAX:
        detail["truncated"] = True
    return detail


def memberships_for(*, firm_id: int, company_ids: Sequence[int], roles=None) -> list[tuple]:
    """(company_id, user_id, role) of the members of these companies, in one query."""
    from comptoir.companies.models import CompanyMembership

    if not company_ids:
        return []
    members = CompanyMembership.objects.filter(firm_id=firm_id)
    if roles is not None:
        members = members.filter(role__in=list(roles))
    wanted = set(company_ids)
    if len(wanted) <= IN_LIST_MAX:
        members = members.filter(company_id__in=wanted)
    rows = members.order_by().values_list("company_id", "user_id", "role")
    return [row for row in rows if row[0] in wanted]


def grant_living_rules(assignments: Sequence[CompanyAssignment]) -> list[UserAccess]:
    """Give the app to the users that living role rules cover, in newly assigned companies.

    A rule with ``include_future_users`` covers its company (or every company that has the
    app, when it has none): users of its roles in a company that just got the app see it.
    Three queries whatever the number of assignments; returns the accesses created.
    """
    if not assignments:
        return []
    installation_ids = {a.installation_id for a in assignments}
    company_ids = {a.company_id for a in assignments}
    grants = list(
        RoleGrant.objects.filter(
            installation_id__in=installation_ids, include_future_users=True
        ).order_by("id")
    )
    if not grants:
        return []
    grants = [g for g in grants if g.company_id is None or g.company_id in company_ids]
    firm_id = assignments[0].firm_id
    roles = {role for grant in grants for role in grant.roles}
    members_by_company: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for company_id, user_id, role in memberships_for(
        firm_id=firm_id, company_ids=sorted(company_ids), roles=roles
    ):
        members_by_company[company_id].append((user_id, role))
    now = timezone.now()
    accesses = []
    for assignment in assignments:
        covering = [
            g
            for g in grants
            if g.installation_id == assignment.installation_id
            and g.company_id in (None, assignment.company_id)
        ]
        # A rule made for this very company wins over a rule for every company.
        covering.sort(key=lambda g: (g.company_id is None, g.pk))
        given = set()
        for user_id, role in members_by_company.get(assignment.company_id, ()):
            if user_id in given:
                continue
            grant = next((g for g in covering if role in g.roles), None)
            if grant is None:
                continue
            given.add(user_id)
            accesses.append(
                UserAccess(
                    firm_id=assignment.firm_id,
                    assignment=assignment,
                    user_id=user_id,
                    granted_by_rule=grant,
                    created_at=now,
                    updated_at=now,
                )
            )
    UserAccess.objects.bulk_create(accesses, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return accesses
