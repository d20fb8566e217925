"""Which users of a client company see an app: by hand, by role ("Personnaliser le portail
client"), and as users join, change role or leave.

Rules of the game (the property test's reference model follows them):

- a user sees an app's tile when the app is assigned to their company, enabled, and they have
  a ``UserAccess``;
- an access given by hand stays until taken back by hand (or the app is unassigned/removed);
- an access given by a role grant goes when its user moves to a role the grant does not name;
- a grant with ``include_future_users`` also gives the app to users who later join a company
  it covers or move into one of its roles, and to the users of companies that get the app
  later (when the grant covers every company).
"""

from collections import defaultdict
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.assignments.models import CompanyAssignment, RoleGrant, UserAccess
from comptoir.assignments.permissions import (
    FIRM_ONLY_MESSAGE,
    require_access_manager,
    require_gives_tiles,
    require_redirect_for_companies,
)
from comptoir.assignments.services._common import (
    BATCH_SIZE,
    assignment_ids_if_living_rules,
    grant_living_rules_to_new,
    ids_detail,
    insert_missing_assignments,
    insert_role_grant_accesses,
)
from comptoir.assignments.services.companies import _concurrent_change
from comptoir.assignments.services.rules import _settings_for_all
from comptoir.audit.services import audit_record
from comptoir.companies.models import Company, CompanyMembership
from comptoir.companies.roles import clean_company_roles
from comptoir.core.errors import NotFound, ValidationFailed
from comptoir.core.ids import parse_ids
from comptoir.firms.permissions import require_firm_member

ALL = "all"
CHOSEN_COMPANIES_MAX = 500


def too_many_companies() -> ValidationFailed:
    """The refusal of a choice of more than ``CHOSEN_COMPANIES_MAX`` companies."""
    return ValidationFailed(
        _("Choose at most %(max)d client companies at once, or all of them.")
        % {"max": CHOSEN_COMPANIES_MAX},
        code="too_many_companies",
        field="companies",
    )


def _clean_companies(installation, companies) -> list[int] | None:
    """None for every company, else the distinct ids of the chosen companies of the firm."""
    if companies == ALL or companies is None:
        return None
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


def role_grant_create(
    *,
    actor,
    installation,
    companies,
    roles,
    include_future_users: bool,
    assign_missing: bool = True,
) -> dict[str, Any]:
    """ "Personnaliser le portail client": users with these roles get the app.

    ``companies`` is a list of companies or ``"all"``. The chosen companies that do not have
    the app yet get it at the same time (the seed: "choose the dossiers for which you add the
    application", then the roles) — unless ``assign_missing`` is False, in which case "all"
    means every company that has the app, now or later.
    """
    require_firm_member(actor, installation.firm_id, message=FIRM_ONLY_MESSAGE)
    app = installation.app
    require_redirect_for_companies(app, _("“Customise the client portal”"))
    roles = clean_company_roles(roles, required=True)
    chosen = _clean_companies(installation, companies)
    include_future_users = bool(include_future_users)
    with transaction.atomic():
        now = timezone.now()
        created = 0
        if assign_missing:
            before = assignment_ids_if_living_rules(installation)
            try:
                stored = _settings_for_all(app)
            except ValidationFailed:
                # Only a refusal when some of the companies do not have the app yet.
                if _missing_assignments_exist(installation, chosen):
                    raise
            else:
                created = insert_missing_assignments(
                    actor=actor,
                    installation=installation,
                    settings=stored,
                    now=now,
                    company_ids=chosen,
                )
            if created:
                # Earlier rules covering every company.
                grant_living_rules_to_new(installation=installation, before=before)
        if chosen is not None:
            companies_count = len(chosen)
        elif assign_missing:
            companies_count = Company.objects.filter(firm_id=installation.firm_id).count()
        else:
            companies_count = CompanyAssignment.objects.filter(installation=installation).count()
        grant_fields = {
            "firm_id": installation.firm_id,
            "installation": installation,
            "roles": roles,
            "include_future_users": include_future_users,
            "created_by": actor,
        }
        if chosen is None:
            grants = [RoleGrant.objects.create(company=None, **grant_fields)]
            granted = insert_role_grant_accesses(
                installation=installation, roles=roles, now=now, grant_for_all=grants[0].pk
            )
        else:
            grants = RoleGrant.objects.bulk_create(
                [RoleGrant(company_id=pk, **grant_fields) for pk in chosen],
                batch_size=BATCH_SIZE,
            )
            granted = insert_role_grant_accesses(
                installation=installation,
                roles=roles,
                now=now,
                grant_for_all=None,
                grant_ids=[g.pk for g in grants],
            )
        audit_record(
            firm=installation.firm,
            actor=actor,
            action="role_grant.create",
            target=installation,
            details={
                "app": app.slug,
                "roles": roles,
                "include_future_users": include_future_users,
                "companies": "all" if chosen is None else ids_detail(chosen),
                "assigned": created,
                "users_granted": granted,
            },
        )
    return {
        "grants": [g.pk for g in grants],
        "companies": companies_count,
        "assigned": created,
        "users_granted": granted,
    }


def _missing_assignments_exist(installation, chosen: list[int] | None) -> bool:
    """Whether some of the firm's companies (or of ``chosen``) do not have the app yet."""
    companies = Company.objects.filter(firm_id=installation.firm_id)
    if chosen is not None:
        companies = companies.filter(pk__in=chosen)
    return companies.exclude(app_assignments__installation=installation).exists()


def role_grant_stop(*, actor, grant: RoleGrant) -> None:
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


# --- one user -----------------------------------------------------------------------------------


def _require_member(company, user) -> None:
    if not CompanyMembership.objects.filter(company=company, user=user).exists():
        raise NotFound(code="user_not_found")


def user_access_grant(*, actor, assignment: CompanyAssignment, user) -> UserAccess:
    """Let one user of the company see the app. Given by hand, it no longer follows a rule."""
    company = assignment.company
    require_access_manager(actor, company)
    require_gives_tiles(assignment.installation.app)
    _require_member(company, user)
    with transaction.atomic():
        access = UserAccess.objects.filter(assignment=assignment, user=user).first()
        if access is not None and access.granted_by_rule_id is None:
            return access
        if access is not None:
            access.granted_by_rule = None
            access.save(update_fields=["granted_by_rule", "updated_at"])
        else:
            try:
                with transaction.atomic():
                    access = UserAccess.objects.create(
                        firm_id=assignment.firm_id, assignment=assignment, user=user
                    )
            except IntegrityError:
                raise _concurrent_change() from None
        _audit_user(actor, assignment, user, granted=[assignment.installation_id], revoked=[])
    return access


def user_access_revoke(*, actor, assignment: CompanyAssignment, user) -> bool:
    company = assignment.company
    require_access_manager(actor, company)
    _require_member(company, user)
    with transaction.atomic():
        deleted, _rows = UserAccess.objects.filter(assignment=assignment, user=user).delete()
        if deleted:
            _audit_user(actor, assignment, user, granted=[], revoked=[assignment.installation_id])
    return bool(deleted)


def user_access_set(*, actor, company, user, installation_ids) -> dict[str, list[int]]:
    """The page's checkboxes: exactly these apps (among the company's tiles) for this user."""
    from comptoir.assignments.permissions import gives_tiles

    require_access_manager(actor, company)
    _require_member(company, user)
    numbers = parse_ids(list(installation_ids))
    if numbers is None:
        raise ValidationFailed(
            _("Give the applications as a list of ids."), code="invalid_apps", field="apps"
        )
    wanted = set(numbers)
    with transaction.atomic():
        assignments = {
            a.installation_id: a
            for a in CompanyAssignment.objects.filter(company=company).select_related(
                "installation__app"
            )
            if gives_tiles(a.installation.app)
        }
        if wanted - set(assignments):
            raise NotFound(code="installation_not_found")
        current = dict(
            UserAccess.objects.filter(user=user, assignment__company=company).values_list(
                "assignment__installation_id", "pk"
            )
        )
        grant = sorted(wanted - set(current))
        revoke = sorted(pk for pk in current if pk in assignments and pk not in wanted)
        if revoke:
            UserAccess.objects.filter(pk__in=[current[pk] for pk in revoke]).delete()
        UserAccess.objects.bulk_create(
            [
                UserAccess(firm_id=company.firm_id, assignment=assignments[pk], user=user)
                for pk in grant
            ],
            ignore_conflicts=True,
        )
        if grant or revoke:
            audit_record(
                firm=company.firm,
                actor=actor,
                action="user_access.set",
                target=company,
                details={"user": user.email, "granted": grant, "revoked": revoke},
            )
    return {"granted": grant, "revoked": revoke}


def _audit_user(actor, assignment, user, *, granted, revoked) -> None:
    audit_record(
        firm=assignment.company.firm,
        actor=actor,
        action="user_access.grant" if granted else "user_access.revoke",
        target=assignment.company,
        details={
            "user": user.email,
            "installation": assignment.installation_id,
            "granted": granted,
            "revoked": revoked,
        },
    )


# --- hooks called by the companies services -----------------------------------------------------


def apply_role_grants_to_member(*, membership, actor=None) -> dict[str, list[int]]:
    """A user joined the company or changed role: follow the role rules.

    Accesses given by a grant that does not name the new role go; living grants that name it
    give their app (if the company has it). Called inside the companies service's transaction.
    """
    company_id, user_id, role = membership.company_id, membership.user_id, membership.role
    grants = list(
        RoleGrant.objects.filter(firm_id=membership.firm_id, include_future_users=True)
        .filter(Q(company_id=company_id) | Q(company__isnull=True))
        .order_by("id")
    )
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
    revoked = {a.pk for a in revoke}
    kept = {a.assignment.installation_id for a in accesses if a.pk not in revoked}
    matching: dict[int, list[RoleGrant]] = defaultdict(list)
    for grant in grants:
        if role in grant.roles:
            matching[grant.installation_id].append(grant)
    wanted = set(matching) - kept
    creates = []
    if wanted:
        for assignment in CompanyAssignment.objects.filter(
            company_id=company_id, installation_id__in=wanted
        ):
            best = sorted(
                matching[assignment.installation_id], key=lambda g: (g.company_id is None, g.pk)
            )[0]
            creates.append(
                UserAccess(
                    firm_id=membership.firm_id,
                    assignment=assignment,
                    user_id=user_id,
                    granted_by_rule=best,
                )
            )
        UserAccess.objects.bulk_create(creates, ignore_conflicts=True)
    result = {
        "granted": sorted(a.assignment.installation_id for a in creates),
        "revoked": sorted(a.assignment.installation_id for a in revoke),
    }
    if creates or revoke:
        audit_record(
            firm=membership.company.firm,
            actor=actor,
            action="user_access.role_rules",
            target=membership.company,
            details={"user": membership.user.email, "role": role, **result},
        )
    return result


def revoke_member_accesses(*, membership, actor=None) -> int:
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


def apply_custom_app_options(*, actor, installation) -> dict[str, Any]:
    """The custom app form's "assign to all dossiers" and roles (kept on the app).

    "All dossiers" assigns to every company, companies created later included. Roles make a
    living grant over every company that has the app: with "all dossiers", that is all of
    them; without, the users of those roles get it wherever the app is assigned later.
    """
    from comptoir.assignments.services.rules import assign_all

    options = installation.app.custom_options or {}
    all_companies = bool(options.get("assign_to_all_companies"))
    roles = options.get("roles") or []
    done: dict[str, Any] = {}
    if all_companies:
        done["assign_all"] = assign_all(
            actor=actor, installation=installation, include_future_companies=True
        )
    if roles:
        done["role_grant"] = role_grant_create(
            actor=actor,
            installation=installation,
            companies=ALL,
            roles=roles,
            include_future_users=True,
            assign_missing=False,
        )
    return done
