"""Reads of the assignments. Every function takes the firm (or a company or context of it) and
never shows another firm's rows: another firm's company, installation or import is a 404."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from comptoir.accounts.models import User
from comptoir.assignments.models import (
    AssignAllRule,
    AssignmentImport,
    CompanyAssignment,
    RoleGrant,
    UserAccess,
)
from comptoir.assignments.permissions import gives_tiles, is_assignable
from comptoir.companies.models import Company, CompanyMembership
from comptoir.companies.selectors import company_list
from comptoir.core.ids import parse_ids
from comptoir.core.lookups import get_or_404
from comptoir.firms.models import Firm
from comptoir.store.models import COMPANY_AUDIENCES, AppType, Installation
from comptoir.store.selectors import installation_get as store_installation_get

# --- installations and their companies ----------------------------------------------------------


def installation_get(*, firm: Firm, pk: int | str) -> Installation:
    return store_installation_get(firm=firm, pk=pk)


def assignable_installations(*, firm: Firm) -> list[Installation]:
    """The apps of the space that can be given to client companies, in the firm's order."""
    installations = Installation.objects.filter(firm=firm).select_related("app")
    return [i for i in installations.order_by("position", "id") if is_assignable(i.app)]


# An app's companies (``?tri=``): key → fields, ascending.
ASSIGNMENT_SORTS = {
    "name": ("company__name",),
    "siret": ("company__siret",),
    "status": ("enabled",),
    "users": ("user_count",),
}
ASSIGNMENT_DEFAULT_SORT = "name"


def assignment_list(
    *,
    firm: Firm,
    installation: Installation,
    q: str | None = None,
    order_by: Sequence[str] = ("company__name", "company_id"),
) -> QuerySet[CompanyAssignment]:
    """The companies that have the app, by name (or ``order_by``, checked by the caller
    against ``ASSIGNMENT_SORTS``), with how many of their users see it."""
    if installation.firm_id != firm.pk:
        raise Http404
    assignments = CompanyAssignment.objects.filter(firm=firm, installation=installation)
    q = " ".join((q or "").split())
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        condition = Q(company__name__icontains=q)
        if len(digits) >= 3:
            condition |= Q(company__siret__contains=digits)
        assignments = assignments.filter(condition)
    return (
        assignments.select_related("company")
        .annotate(user_count=Count("accesses"))
        .order_by(*order_by)
    )


def assignment_counts(*, installation: Installation) -> dict[str, int]:
    counts = CompanyAssignment.objects.filter(installation=installation).aggregate(
        companies=Count("pk", distinct=True),
        enabled=Count("pk", filter=Q(enabled=True), distinct=True),
        users=Count("accesses__user", distinct=True),
    )
    return {key: value or 0 for key, value in counts.items()}


def assignment_get(
    *, firm: Firm, installation: Installation, company_id: int | str
) -> CompanyAssignment:
    if installation.firm_id != firm.pk:
        raise Http404
    return get_or_404(
        CompanyAssignment.objects.filter(firm=firm, installation=installation).select_related(
            "company", "installation__app", "installation__firm"
        ),
        company_id=company_id,
    )


def assignment_find(*, installation: Installation, company: Company) -> CompanyAssignment | None:
    """The company's assignment of this app, or None (both already checked for the firm)."""
    return (
        CompanyAssignment.objects.filter(installation=installation, company=company)
        .select_related("company", "installation__app", "installation__firm")
        .first()
    )


def unassigned_companies(
    *, firm: Firm, installation: Installation, q: str | None = None
) -> QuerySet[Company]:
    """Companies of the firm that do not have the app yet (``q``: name or SIRET digits)."""
    assigned = CompanyAssignment.objects.filter(installation=installation, company=OuterRef("pk"))
    return company_list(firm=firm, q=q).filter(~Exists(assigned))


def companies_by_ids(*, firm: Firm, ids: Iterable[object]) -> list[Company]:
    """The firm's companies with these ids; 404 if any is not one of them."""
    numbers = parse_ids(list(ids))
    if numbers is None:
        raise Http404
    wanted = set(numbers)
    companies = list(Company.objects.filter(firm=firm, pk__in=wanted)) if wanted else []
    if len(companies) != len(wanted):
        raise Http404
    return sorted(companies, key=lambda c: (c.name.lower(), c.pk))


def assign_all_rule_get(*, installation: Installation) -> AssignAllRule | None:
    return AssignAllRule.objects.filter(installation=installation).first()


def role_grant_list(*, firm: Firm, installation: Installation) -> QuerySet[RoleGrant]:
    if installation.firm_id != firm.pk:
        raise Http404
    return (
        RoleGrant.objects.filter(firm=firm, installation=installation)
        .select_related("company")
        .annotate(access_count=Count("accesses"))
        .order_by("-id")
    )


def role_grant_get(*, firm: Firm, installation: Installation, pk: int | str) -> RoleGrant:
    return get_or_404(
        RoleGrant.objects.filter(firm=firm, installation=installation).select_related(
            "installation__app", "installation__firm"
        ),
        pk=pk,
    )


def import_get(*, firm: Firm, installation: Installation, pk: int | str) -> AssignmentImport:
    return get_or_404(AssignmentImport.objects.filter(firm=firm, installation=installation), pk=pk)


# --- one company --------------------------------------------------------------------------------


def company_assignment_list(*, firm: Firm, company: Company) -> list[CompanyAssignment]:
    """The apps the company has, in the firm's tile order, with how many users see each."""
    if company.firm_id != firm.pk:
        raise Http404
    return list(
        CompanyAssignment.objects.filter(firm=firm, company=company)
        .select_related("installation__app", "company")
        .annotate(user_count=Count("accesses"))
        .order_by("installation__position", "installation_id")
    )


def company_tile_assignments(*, company: Company) -> list[CompanyAssignment]:
    """The company's apps that its users may be given (tiles): one query."""
    assignments = (
        CompanyAssignment.objects.filter(
            company=company,
            installation__app__type=AppType.REDIRECT,
            installation__app__audience__in=COMPANY_AUDIENCES,
        )
        .select_related("installation__app")
        .order_by("installation__position", "installation_id")
    )
    return [a for a in assignments if gives_tiles(a.installation.app)]


def user_access_matrix(
    *, company: Company
) -> tuple[list[CompanyAssignment], dict[int, dict[int, bool]]]:
    """The company's tile apps, and per user {installation_id: given by a rule}. Two queries."""
    assignments = company_tile_assignments(company=company)
    by_user: dict[int, dict[int, bool]] = defaultdict(dict)
    if not assignments:
        return assignments, by_user
    rows = UserAccess.objects.filter(assignment__in=[a.pk for a in assignments]).values_list(
        "user_id", "assignment__installation_id", "granted_by_rule_id"
    )
    for user_id, installation_id, rule_id in rows:
        by_user[user_id][installation_id] = rule_id is not None
    return assignments, by_user


def user_app_choices(
    assignments: Sequence[CompanyAssignment], mine: dict[int, bool]
) -> list[dict[str, Any]]:
    """One user's checkboxes: each tile app of the company, ticked if they see it."""
    return [
        {
            "installation": a.installation_id,
            "name": a.installation.app.name,
            "enabled": a.enabled,
            "checked": a.installation_id in mine,
            "by_rule": mine.get(a.installation_id, False),
        }
        for a in assignments
    ]


def user_apps(*, company: Company, user: User) -> list[dict[str, Any]]:
    """One user's access to each of the company's tile apps (the API's user apps list)."""
    assignments, by_user = user_access_matrix(company=company)
    mine = by_user.get(user.pk, {})
    return [
        {
            "installation": a.installation_id,
            "name": a.installation.app.name,
            "enabled": a.enabled,
            "granted": a.installation_id in mine,
            "by_rule": mine.get(a.installation_id, False),
        }
        for a in assignments
    ]


# --- exports ----------------------------------------------------------------------------------


def installation_access_rows(
    *,
    firm: Firm,
    installation: Installation,
    q: str | None = None,
    order_by: Sequence[str] = ("company__name", "company_id"),
) -> list[dict[str, Any]]:
    """Who has the app ("qui a quelle application"): one row per user who sees it in each
    company that has it, and one row with no user for a company where nobody sees it yet. In
    the order of the clients page; three queries whatever the number of rows."""
    assignments = list(
        assignment_list(firm=firm, installation=installation, q=q, order_by=order_by)
    )
    accesses = (
        UserAccess.objects.filter(assignment__in=[a.pk for a in assignments])
        .select_related("user")
        .order_by("user__email", "id")
    )
    by_assignment: dict[int, list[UserAccess]] = defaultdict(list)
    for access in accesses:
        by_assignment[access.assignment_id].append(access)
    roles = {
        (company_id, user_id): role
        for company_id, user_id, role in CompanyMembership.objects.filter(
            firm=firm, company_id__in={a.company_id for a in assignments}
        ).values_list("company_id", "user_id", "role")
    }
    rows: list[dict[str, Any]] = []
    for assignment in assignments:
        company = assignment.company
        base = {"company": company, "enabled": assignment.enabled, "since": assignment.created_at}
        users = by_assignment.get(assignment.pk, [])
        if not users:
            rows.append({**base, "user": None, "role": "", "by_rule": None})
        for access in users:
            rows.append(
                {
                    **base,
                    "user": access.user,
                    "role": roles.get((company.pk, access.user_id), ""),
                    "by_rule": access.granted_by_rule_id is not None,
                }
            )
    return rows
