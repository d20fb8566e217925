"""Role grants ("Personnaliser le portail client"): users of these roles get the app.

A grant covers one company, or every company that has the app (``company`` empty); with
``include_future_users`` it keeps applying (``assignments.grants`` holds the rules). The
custom app form's options reuse "assign to all" and a living grant over every company.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.assignments.batches import BATCH_SIZE, ids_detail
from comptoir.assignments.grants import (
    assignment_ids_if_living_rules,
    grant_living_rules_to_new,
    insert_role_grant_accesses,
)
from comptoir.assignments.models import CompanyAssignment, RoleGrant
from comptoir.assignments.permissions import FIRM_ONLY_MESSAGE, require_redirect_for_companies
from comptoir.assignments.services.assign_all import (
    AssignAllResult,
    assign_all,
    insert_missing_assignments,
    settings_for_all,
)
from comptoir.audit.services import audit_record
from comptoir.companies.models import Company
from comptoir.companies.roles import clean_company_roles
from comptoir.core.errors import NotFound, ValidationFailed
from comptoir.firms.permissions import require_firm_member
from comptoir.store.models import Installation

ALL: Literal["all"] = "all"
CHOSEN_COMPANIES_MAX = 500

Companies = Sequence[Company] | Literal["all"] | None


@dataclass(frozen=True)
class RoleGrantResult:
    """The grants made (ids), the companies they cover, assignments and accesses created."""

    grants: list[int]
    companies: int
    assigned: int
    users_granted: int


@dataclass(frozen=True)
class CustomAppOptionsResult:
    assign_all: AssignAllResult | None = None
    role_grant: RoleGrantResult | None = None


def too_many_companies() -> ValidationFailed:
    """The refusal of a choice of more than ``CHOSEN_COMPANIES_MAX`` companies."""
    return ValidationFailed(
        _("Choose at most %(max)d client companies at once, or all of them.")
        % {"max": CHOSEN_COMPANIES_MAX},
        code="too_many_companies",
        field="companies",
    )


def role_grant_create(
    *,
    actor: User,
    installation: Installation,
    companies: Companies,
    roles: Sequence[str],
    include_future_users: bool,
    assign_missing: bool = True,
) -> RoleGrantResult:
    """ "Personnaliser le portail client": users with these roles get the app.

    ``companies`` is a list of companies or ``"all"``. The chosen companies that do not have
    the app yet get it at the same time (the seed: "choose the dossiers for which you add the
    application", then the roles) — unless ``assign_missing`` is False, in which case "all"
    means every company that has the app, now or later.
    """
    require_firm_member(actor, installation.firm_id, message=FIRM_ONLY_MESSAGE)
    require_redirect_for_companies(installation.app, _("“Customise the client portal”"))
    cleaned_roles = clean_company_roles(roles, required=True)
    chosen = _chosen_company_ids(installation, companies)
    include_future_users = bool(include_future_users)
    with transaction.atomic():
        now = timezone.now()
        assigned = (
            _assign_missing(actor=actor, installation=installation, chosen=chosen, now=now)
            if assign_missing
            else 0
        )
        covered = _companies_covered(installation, chosen, assign_missing=assign_missing)
        grants = _make_grants(
            actor=actor,
            installation=installation,
            chosen=chosen,
            roles=cleaned_roles,
            include_future_users=include_future_users,
        )
        granted = insert_role_grant_accesses(
            installation=installation,
            roles=cleaned_roles,
            now=now,
            grant_for_all=grants[0].pk if chosen is None else None,
            grant_ids=[g.pk for g in grants] if chosen is not None else (),
        )
        audit_record(
            firm=installation.firm,
            actor=actor,
            action="role_grant.create",
            target=installation,
            details={
                "app": installation.app.slug,
                "roles": cleaned_roles,
                "include_future_users": include_future_users,
                "companies": ALL if chosen is None else ids_detail(chosen),
                "assigned": assigned,
                "users_granted": granted,
            },
        )
    return RoleGrantResult(
        grants=[g.pk for g in grants], companies=covered, assigned=assigned, users_granted=granted
    )


def _chosen_company_ids(installation: Installation, companies: Companies) -> list[int] | None:
    """None for every company, else the distinct ids of the chosen companies of the firm."""
    if companies == ALL or companies is None:
        return None
    assert not isinstance(companies, str)
    ids = list(dict.fromkeys(c.pk for c in companies))
    if not ids:
        raise ValidationFailed(
            _("Choose at least one client company, or all of them."),
            code="companies_required",
            field="companies",
        )
    if len(ids) > CHOSEN_COMPANIES_MAX:
        raise too_many_companies()
    if any(c.firm_id != installation.firm_id for c in companies):
        raise NotFound(code="company_not_found")
    return ids


def _assign_missing(
    *, actor: User, installation: Installation, chosen: list[int] | None, now: datetime
) -> int:
    """The covered companies that lack the app get it; earlier living grants reach them."""
    before = assignment_ids_if_living_rules(installation)
    try:
        stored = settings_for_all(installation.app)
    except ValidationFailed:
        # Only a refusal when some of the companies do not have the app yet.
        if _missing_assignments_exist(installation, chosen):
            raise
        return 0
    created = insert_missing_assignments(
        actor=actor, installation=installation, settings=stored, now=now, company_ids=chosen
    )
    if created:
        grant_living_rules_to_new(installation=installation, before=before)
    return created


def _missing_assignments_exist(installation: Installation, chosen: list[int] | None) -> bool:
    """Whether some of the firm's companies (or of ``chosen``) do not have the app yet."""
    companies = Company.objects.filter(firm_id=installation.firm_id)
    if chosen is not None:
        companies = companies.filter(pk__in=chosen)
    return companies.exclude(app_assignments__installation=installation).exists()


def _companies_covered(
    installation: Installation, chosen: list[int] | None, *, assign_missing: bool
) -> int:
    if chosen is not None:
        return len(chosen)
    if assign_missing:
        return Company.objects.filter(firm_id=installation.firm_id).count()
    return CompanyAssignment.objects.filter(installation=installation).count()


def _make_grants(
    *,
    actor: User,
    installation: Installation,
    chosen: list[int] | None,
    roles: list[str],
    include_future_users: bool,
) -> list[RoleGrant]:
    """One grant for every company (``chosen`` None), else one per chosen company."""
    fields: dict[str, Any] = {
        "firm_id": installation.firm_id,
        "installation": installation,
        "roles": roles,
        "include_future_users": include_future_users,
        "created_by": actor,
    }
    if chosen is None:
        return [RoleGrant.objects.create(company=None, **fields)]
    return RoleGrant.objects.bulk_create(
        [RoleGrant(company_id=pk, **fields) for pk in chosen], batch_size=BATCH_SIZE
    )


def role_grant_stop(*, actor: User, grant: RoleGrant) -> None:
    """Stop giving the app to users who join later; the accesses already given stay."""
    installation = grant.installation
    require_firm_member(actor, installation.firm_id, message=FIRM_ONLY_MESSAGE)
    if not grant.include_future_users:
        return
    with transaction.atomic():
        grant.include_future_users = False
        grant.save(update_fields=["include_future_users", "updated_at"])
        audit_record(
            firm=installation.firm,
            actor=actor,
            action="role_grant.stop",
            target=installation,
            details={
                "app": installation.app.slug,
                "grant": grant.pk,
                "roles": grant.roles,
                "company": grant.company_id,
            },
        )


def apply_custom_app_options(*, actor: User, installation: Installation) -> CustomAppOptionsResult:
    """The custom app form's "assign to all dossiers" and roles (kept on the app).

    "All dossiers" assigns to every company, companies created later included. Roles make a
    living grant over every company that has the app: with "all dossiers", that is all of
    them; without, the users of those roles get it wherever the app is assigned later.
    """
    options = installation.app.custom_options or {}
    roles = options.get("roles") or []
    done_assign_all = (
        assign_all(actor=actor, installation=installation, include_future_companies=True)
        if options.get("assign_to_all_companies")
        else None
    )
    done_grant = (
        role_grant_create(
            actor=actor,
            installation=installation,
            companies=ALL,
            roles=roles,
            include_future_users=True,
            assign_missing=False,
        )
        if roles
        else None
    )
    return CustomAppOptionsResult(assign_all=done_assign_all, role_grant=done_grant)
