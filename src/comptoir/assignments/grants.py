"""Who sees an app of a client company: the access rules, in one place.

Rules of the game (the property test's reference model follows them):

- a user sees an app's tile when the app is assigned to their company, enabled, and they have
  a ``UserAccess``;
- an access given by hand stays until taken back by hand (or the app is unassigned/removed);
- an access given by a role grant goes when its user moves to a role the grant does not name;
- a grant with ``include_future_users`` (a *living* grant) also gives the app to users who
  later join a company it covers or move into one of its roles, and to the users of companies
  that get the app later (when the grant covers every company);
- when several grants give the same app to a user, the one made for their very company wins
  over one made for every company, then the oldest (``grant_precedence``).

This module builds every ``UserAccess`` (``new_access``) and applies the grants: to a new
role grant (``insert_role_grant_accesses``), to companies that just got the app
(``grant_living_rules``), to a member who joined or changed role
(``apply_role_grants_to_member``) or left (``revoke_member_accesses``). It runs inside the
caller's transaction and checks no actor: the services and hooks that call it do.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.assignments.batches import BATCH_SIZE, IN_LIST_MAX, db_value, marks, table
from comptoir.assignments.models import CompanyAssignment, RoleGrant, UserAccess
from comptoir.audit.services import audit_record
from comptoir.companies.models import CompanyMembership
from comptoir.store.models import Installation


class AssignmentRow(Protocol):
    """What the rules read of an assignment: a model instance or a lighter row."""

    @property
    def pk(self) -> Any: ...
    @property
    def firm_id(self) -> int: ...
    @property
    def installation_id(self) -> int: ...
    @property
    def company_id(self) -> int: ...


@dataclass(frozen=True)
class NewAssignment:
    """An assignment just inserted with SQL (no model instance): what the rules need of it."""

    pk: int
    firm_id: int
    installation_id: int
    company_id: int


@dataclass(frozen=True)
class AccessChange:
    """The apps (installation ids) one user was given and lost, each sorted."""

    granted: list[int] = field(default_factory=list)
    revoked: list[int] = field(default_factory=list)


# --- which grant wins ---------------------------------------------------------------------------


def grant_precedence(grant: RoleGrant) -> tuple[bool, int]:
    """Sort key: a grant made for this very company before one for every company; then older."""
    return (grant.company_id is None, grant.pk)


def winning_grant(grants: Iterable[RoleGrant], role: str) -> RoleGrant | None:
    """The grant that gives the app to a user of ``role``, among those covering their company."""
    naming = [grant for grant in grants if role in grant.roles]
    return min(naming, key=grant_precedence, default=None)


# --- building accesses --------------------------------------------------------------------------


def new_access(
    *,
    firm_id: int,
    assignment_id: int,
    user_id: int,
    grant: RoleGrant | None = None,
    now: datetime | None = None,
) -> UserAccess:
    """An unsaved ``UserAccess``: by hand when ``grant`` is None, else given by that grant."""
    now = now or timezone.now()
    return UserAccess(
        firm_id=firm_id,
        assignment_id=assignment_id,
        user_id=user_id,
        granted_by_rule=grant,
        created_at=now,
        updated_at=now,
    )


def save_accesses(accesses: Sequence[UserAccess]) -> None:
    """Insert accesses in batches; a user who already sees the app keeps their access."""
    if accesses:
        UserAccess.objects.bulk_create(accesses, batch_size=BATCH_SIZE, ignore_conflicts=True)


# --- grants applied to companies that just got the app ------------------------------------------


def memberships_for(
    *, firm_id: int, company_ids: Sequence[int], roles: Collection[str] | None = None
) -> list[tuple[int, int, str]]:
    """(company_id, user_id, role) of the members of these companies, in one query."""
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


def grant_living_rules(assignments: Sequence[AssignmentRow]) -> list[UserAccess]:
    """Give the app to the users that living role grants cover, in newly assigned companies.

    A living grant covers its company (or every company that has the app, when it has none):
    users of its roles in a company that just got the app see it, given by the winning grant.
    One query when no living grant applies, three otherwise; returns the accesses created.
    """
    if not assignments:
        return []
    installation_ids = {a.installation_id for a in assignments}
    company_ids = {a.company_id for a in assignments}
    grants = [
        grant
        for grant in RoleGrant.objects.filter(
            installation_id__in=installation_ids, include_future_users=True
        ).order_by("id")
        if grant.company_id is None or grant.company_id in company_ids
    ]
    if not grants:
        return []
    roles = {role for grant in grants for role in grant.roles}
    members_by_company: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for company_id, user_id, role in memberships_for(
        firm_id=assignments[0].firm_id, company_ids=sorted(company_ids), roles=roles
    ):
        members_by_company[company_id].append((user_id, role))
    now = timezone.now()
    accesses = []
    for assignment in assignments:
        covering = [
            grant
            for grant in grants
            if grant.installation_id == assignment.installation_id
            and grant.company_id in (None, assignment.company_id)
        ]
        given: set[int] = set()
        for user_id, role in members_by_company.get(assignment.company_id, ()):
            grant = None if user_id in given else winning_grant(covering, role)
            if grant is None:
                continue
            given.add(user_id)
            accesses.append(
                new_access(
                    firm_id=assignment.firm_id,
                    assignment_id=assignment.pk,
                    user_id=user_id,
                    grant=grant,
                    now=now,
                )
            )
    save_accesses(accesses)
    return accesses


def assignment_ids_if_living_rules(installation: Installation) -> set[int] | None:
    """The ids of the installation's assignments when living role grants may apply, else None."""
    if not RoleGrant.objects.filter(installation=installation, include_future_users=True).exists():
        return None
    return set(
        CompanyAssignment.objects.filter(installation=installation)
        .order_by()
        .values_list("pk", flat=True)
    )


def grant_living_rules_to_new(*, installation: Installation, before: set[int] | None) -> int:
    """``grant_living_rules`` for the assignments of ``installation`` made since ``before``.

    ``before``: the ids of its assignments before a set-based insert, read only when living
    grants exist (None: there are none, nothing to do and no query).
    """
    if before is None:
        return 0
    created = [
        NewAssignment(pk, firm_id, installation_id, company_id)
        for pk, firm_id, installation_id, company_id in CompanyAssignment.objects.filter(
            installation=installation
        )
        .order_by("id")
        .values_list("pk", "firm_id", "installation_id", "company_id")
        if pk not in before
    ]
    return len(grant_living_rules(created))


# --- a new role grant ---------------------------------------------------------------------------


def insert_role_grant_accesses(
    *,
    installation: Installation,
    roles: Sequence[str],
    now: datetime,
    grant_for_all: int | None,
    grant_ids: Sequence[int] = (),
) -> int:
    """Give the app to the members of these roles, in the companies a new role grant covers.

    ``grant_for_all``: one grant for every company that has the app; else ``grant_ids``, one
    grant per chosen company. One ``INSERT … SELECT`` joining the installation's assignments to
    the companies' memberships; users who already see the app keep the access they have (an
    older grant wins: ``ON CONFLICT DO NOTHING``). In the caller's transaction; returns the
    number of accesses created.
    """
    if not roles or (grant_for_all is None and not grant_ids):
        return 0
    stamps = [db_value(UserAccess, "created_at", now), db_value(UserAccess, "updated_at", now)]
    if grant_for_all is not None:
        grant_column, grant_join = "%s", ""
        params: list[Any] = [grant_for_all, *stamps]
    else:
        grant_column = "g.id"
        grant_join = (
            f" JOIN {table(RoleGrant)} g ON g.company_id = a.company_id"
            f" AND g.installation_id = a.installation_id"
            f" AND g.id IN ({marks(len(grant_ids))})"
        )
        params = [*stamps, *grant_ids]
    params.extend([installation.pk, installation.firm_id, *roles])
    # Only quoted table names and placeholders are formatted in: every value is a parameter.
    sql = (
        f"INSERT INTO {table(UserAccess)} (firm_id, assignment_id, user_id,"  # noqa: S608
        " granted_by_rule_id, created_at, updated_at)"
        f" SELECT a.firm_id, a.id, m.user_id, {grant_column}, %s, %s"
        f" FROM {table(CompanyAssignment)} a"
        f" JOIN {table(CompanyMembership)} m ON m.company_id = a.company_id{grant_join}"
        f" WHERE a.installation_id = %s AND m.firm_id = %s AND m.role IN ({marks(len(roles))})"
        " ON CONFLICT (assignment_id, user_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# --- a member joined, changed role or left ------------------------------------------------------


def apply_role_grants_to_member(
    *, membership: CompanyMembership, actor: User | None = None
) -> AccessChange:
    """A user joined the company or changed role: follow the role grants.

    Accesses given by a grant that does not name the new role go; living grants that name it
    give their app (if the company has it), the winning grant recorded. Called inside the
    companies service's transaction.
    """
    company_id, user_id, role = membership.company_id, membership.user_id, membership.role
    accesses = list(
        UserAccess.objects.filter(
            user_id=user_id, assignment__company_id=company_id
        ).select_related("granted_by_rule", "assignment")
    )
    revoke = [
        a for a in accesses if a.granted_by_rule is not None and role not in a.granted_by_rule.roles
    ]
    if revoke:
        UserAccess.objects.filter(pk__in=[a.pk for a in revoke]).delete()
    kept = {a.assignment.installation_id for a in accesses if a not in revoke}
    living: dict[int, list[RoleGrant]] = defaultdict(list)
    for grant in (
        RoleGrant.objects.filter(firm_id=membership.firm_id, include_future_users=True)
        .filter(Q(company_id=company_id) | Q(company__isnull=True))
        .order_by("id")
    ):
        living[grant.installation_id].append(grant)
    wanted = {pk for pk, grants in living.items() if winning_grant(grants, role)} - kept
    creates: list[UserAccess] = []
    granted: list[int] = []
    if wanted:
        for assignment_id, installation_id in CompanyAssignment.objects.filter(
            company_id=company_id, installation_id__in=wanted
        ).values_list("pk", "installation_id"):
            creates.append(
                new_access(
                    firm_id=membership.firm_id,
                    assignment_id=assignment_id,
                    user_id=user_id,
                    grant=winning_grant(living[installation_id], role),
                )
            )
            granted.append(installation_id)
        save_accesses(creates)
    change = AccessChange(
        granted=sorted(granted),
        revoked=sorted(a.assignment.installation_id for a in revoke),
    )
    if change.granted or change.revoked:
        audit_record(
            firm=membership.company.firm,
            actor=actor,
            action="user_access.role_rules",
            target=membership.company,
            details={
                "user": membership.user.email,
                "role": role,
                "granted": change.granted,
                "revoked": change.revoked,
            },
        )
    return change


def revoke_member_accesses(*, membership: CompanyMembership, actor: User | None = None) -> int:
    """A user left the company: the apps they saw there go (rejoining starts clean)."""
    deleted, _rows = UserAccess.objects.filter(
        user_id=membership.user_id, assignment__company_id=membership.company_id
    ).delete()
    if deleted:
        audit_record(
            firm=membership.company.firm,
            actor=actor,
            action="user_access.member_left",
            target=membership.company,
            details={"user": membership.user.email, "revoked": deleted},
        )
    return deleted
