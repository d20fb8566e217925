"""Helpers shared by the assignment services: batches, audit details, living role rules."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
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


# --- set-based inserts (INSERT … SELECT), portable to SQLite and PostgreSQL ------------------


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _db_value(model, name: str, value):
    return model._meta.get_field(name).get_db_prep_value(value, connection)


def insert_missing_assignments(
    *, actor, installation, settings: dict, now, company_ids: Sequence[int] | None = None
) -> int:
    """Give the app to the firm's companies that lack it (or to those of ``company_ids``).

    One ``INSERT … SELECT`` from the companies table, the same row ``assignment_create`` makes
    (enabled, ``settings``, ``created_by``, both timestamps ``now``); a company given the app
    at the same moment by another request is skipped (``ON CONFLICT DO NOTHING``). In the
    caller's transaction; returns the number of assignments created.
    """
    from comptoir.companies.models import Company

    params: list[Any] = [
        installation.pk,
        _db_value(CompanyAssignment, "settings", settings),
        True,
        actor.pk if actor is not None else None,
        _db_value(CompanyAssignment, "created_at", now),
        _db_value(CompanyAssignment, "updated_at", now),
        installation.firm_id,
    ]
    only = ""
    if company_ids is not None:
        if not company_ids:
            return 0
        only = f" AND c.id IN ({', '.join(['%s'] * len(company_ids))})"
        params.extend(company_ids)
    # Only quoted table names and placeholders are formatted in: every value is a parameter.
    sql = (
        f"INSERT INTO {_table(CompanyAssignment)} (firm_id, installation_id, company_id,"  # noqa: S608
        " settings, enabled, created_by_id, created_at, updated_at)"
        " SELECT c.firm_id, %s, c.id, %s, %s, %s, %s, %s"
        f" FROM {_table(Company)} c WHERE c.firm_id = %s{only}"
        " ON CONFLICT (installation_id, company_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def insert_role_grant_accesses(
    *, installation, roles: Sequence[str], now, grant_for_all: int | None, grant_ids=()
) -> int:
    """Give the app to the members of these roles, in the companies a new role grant covers.

    ``grant_for_all``: one grant for every company that has the app; else ``grant_ids``, one
    grant per chosen company. One ``INSERT … SELECT`` joining the installation's assignments to
    the companies' memberships; users who already see the app are skipped (``ON CONFLICT DO
    NOTHING``). In the caller's transaction; returns the number of accesses created.
    """
    from comptoir.companies.models import CompanyMembership

    if not roles or (grant_for_all is None and not grant_ids):
        return 0
    stamps = [_db_value(UserAccess, "created_at", now), _db_value(UserAccess, "updated_at", now)]
    role_marks = ", ".join(["%s"] * len(roles))
    if grant_for_all is not None:
        grant_column, grant_join = "%s", ""
        params: list[Any] = [grant_for_all, *stamps]
    else:
        grant_column = "g.id"
        grant_join = (
            f" JOIN {_table(RoleGrant)} g ON g.company_id = a.company_id"
            f" AND g.installation_id = a.installation_id"
            f" AND g.id IN ({', '.join(['%s'] * len(grant_ids))})"
        )
        params = [*stamps, *grant_ids]
    params.extend([installation.pk, installation.firm_id, *roles])
    # Only quoted table names and placeholders are formatted in: every value is a parameter.
    sql = (
        f"INSERT INTO {_table(UserAccess)} (firm_id, assignment_id, user_id,"  # noqa: S608
        " granted_by_rule_id, created_at, updated_at)"
        f" SELECT a.firm_id, a.id, m.user_id, {grant_column}, %s, %s"
        f" FROM {_table(CompanyAssignment)} a"
        f" JOIN {_table(CompanyMembership)} m ON m.company_id = a.company_id{grant_join}"
        f" WHERE a.installation_id = %s AND m.firm_id = %s AND m.role IN ({role_marks})"
        " ON CONFLICT (assignment_id, user_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def grant_living_rules_to_new(*, installation, before: set[int] | None) -> int:
    """``grant_living_rules`` for the assignments of ``installation`` made since ``before``.

    ``before``: the ids of its assignments before a set-based insert, read only when living
    rules exist (None: there are none, nothing to do and no query).
    """
    if before is None:
        return 0
    created = [
        a
        for a in CompanyAssignment.objects.filter(installation=installation).only(
            "id", "firm_id", "installation_id", "company_id"
        )
        if a.pk not in before
    ]
    return len(grant_living_rules(created))


def assignment_ids_if_living_rules(installation) -> set[int] | None:
    """The ids of the installation's assignments when living role rules may apply, else None."""
    if not RoleGrant.objects.filter(installation=installation, include_future_users=True).exists():
        return None
    return set(
        CompanyAssignment.objects.filter(installation=installation)
        .order_by()
        .values_list("pk", flat=True)
    )
