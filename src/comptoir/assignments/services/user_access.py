"""Which users of a client company see an app, chosen by hand (the company's Users page).

The firm's members, or an administrateur of that very company, tick the apps; an access
given by hand no longer follows a role grant. ``assignments.grants`` builds the accesses.
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.assignments.grants import AccessChange, new_access, save_accesses
from comptoir.assignments.models import CompanyAssignment, UserAccess
from comptoir.assignments.permissions import (
    gives_tiles,
    require_access_manager,
    require_gives_tiles,
)
from comptoir.assignments.services.plan import concurrent_change
from comptoir.audit.services import audit_record
from comptoir.companies.models import Company, CompanyMembership
from comptoir.core.errors import NotFound, ValidationFailed
from comptoir.core.ids import parse_ids


def _require_member(company: Company, user: User) -> None:
    if not CompanyMembership.objects.filter(company=company, user=user).exists():
        raise NotFound(code="user_not_found")


def user_access_grant(*, actor: User, assignment: CompanyAssignment, user: User) -> UserAccess:
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
            access = new_access(
                firm_id=assignment.firm_id, assignment_id=assignment.pk, user_id=user.pk
            )
            access.assignment, access.user = assignment, user
            try:
                with transaction.atomic():
                    access.save(force_insert=True)
            except IntegrityError:
                raise concurrent_change() from None
        _audit_user(actor, assignment, user, granted=[assignment.installation_id], revoked=[])
    return access


def user_access_revoke(*, actor: User, assignment: CompanyAssignment, user: User) -> bool:
    company = assignment.company
    require_access_manager(actor, company)
    _require_member(company, user)
    with transaction.atomic():
        deleted, _rows = UserAccess.objects.filter(assignment=assignment, user=user).delete()
        if deleted:
            _audit_user(actor, assignment, user, granted=[], revoked=[assignment.installation_id])
    return bool(deleted)


def user_access_set(
    *, actor: User, company: Company, user: User, installation_ids: Iterable[object]
) -> AccessChange:
    """The page's checkboxes: exactly these apps (among the company's tiles) for this user."""
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
        save_accesses(
            [
                new_access(
                    firm_id=company.firm_id, assignment_id=assignments[pk].pk, user_id=user.pk
                )
                for pk in grant
            ]
        )
        if grant or revoke:
            audit_record(
                firm=company.firm,
                actor=actor,
                action="user_access.set",
                target=company,
                details={"user": user.email, "granted": grant, "revoked": revoke},
            )
    return AccessChange(granted=grant, revoked=revoke)


def _audit_user(
    actor: User,
    assignment: CompanyAssignment,
    user: User,
    *,
    granted: list[int],
    revoked: list[int],
) -> None:
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
