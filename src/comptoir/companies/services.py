from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.accounts.services import invitation_cancel_pending
from comptoir.assignments import hooks as assignments_hooks
from comptoir.audit.services import audit_record
from comptoir.companies.models import Company, CompanyMembership, CompanyRole
from comptoir.companies.permissions import (
    ADMINISTRATEUR_ONLY_MESSAGE,
    require_company_administrateur,
)
from comptoir.companies.roles import clean_company_role
from comptoir.companies.siret import SiretError, format_siret, normalize_siret
from comptoir.core.cleaning import clean_name
from comptoir.core.errors import Conflict, ValidationFailed
from comptoir.core.wording import of_name
from comptoir.documents import hooks as documents_hooks
from comptoir.firms.models import Firm

NAME_MAX = 200


def clean_company_name(name: str) -> str:
    return clean_name(name, max_chars=NAME_MAX, required_message=_("Enter the company's name."))


def clean_siret(*, firm: Firm, siret: str | None, exclude_pk: int | None = None) -> str | None:
    """A normalised SIRET not yet used in the firm, or None when left empty."""
    if siret is None or not str(siret).strip():
        return None
    try:
        value = normalize_siret(siret)
    except SiretError as error:
        raise ValidationFailed(error.message, code=error.code, field="siret") from None
    taken = Company.objects.filter(firm=firm, siret=value)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise Conflict(
            _("Another client company of your firm already has SIRET %(siret)s.")
            % {"siret": format_siret(value)},
            code="siret_taken",
            field="siret",
        )
    return value


def default_fiscal_year(today: date | None = None) -> tuple[date, date]:
    today = today or date.today()
    return date(today.year, 1, 1), date(today.year, 12, 31)


def clean_fiscal_year(start: date | None, end: date | None) -> tuple[date, date]:
    if start is None and end is None:
        return default_fiscal_year()
    if start is None or end is None:
        raise ValidationFailed(
            _("Give both the start and the end of the fiscal year."),
            code="fiscal_year_incomplete",
            field="fiscal_year_end" if end is None else "fiscal_year_start",
        )
    if end <= start:
        raise ValidationFailed(
            _("The fiscal year must end after it starts."),
            code="fiscal_year_order",
            field="fiscal_year_end",
        )
    # A first fiscal year may last up to 24 months in France, never more.
    limit = date(start.year + 2, start.month, 1)
    if end >= limit:
        raise ValidationFailed(
            _("A fiscal year lasts 24 months at most."),
            code="fiscal_year_too_long",
            field="fiscal_year_end",
        )
    return start, end


def unique_company_slug(*, firm: Firm, name: str) -> str:
    base = slugify(name)[:70] or "entreprise"
    taken = set(
        Company.objects.filter(firm=firm, slug__startswith=base).values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug


def company_create(
    *,
    actor: User,
    firm: Firm,
    name: str,
    siret: str | None = None,
    fiscal_year_start: date | None = None,
    fiscal_year_end: date | None = None,
) -> Company:
    name = clean_company_name(name)
    start, end = clean_fiscal_year(fiscal_year_start, fiscal_year_end)
    with transaction.atomic():
        siret_value = clean_siret(firm=firm, siret=siret)
        try:
            company = Company.objects.create(
                firm=firm,
                name=name,
                siret=siret_value,
                slug=unique_company_slug(firm=firm, name=name),
                fiscal_year_start=start,
                fiscal_year_end=end,
            )
        except IntegrityError:  # a concurrent request took the same SIRET or slug
            raise Conflict(
                _("This company was created at the same moment by someone else. Try again."),
                code="company_conflict",
            ) from None
        audit_record(
            firm=firm,
            actor=actor,
            action="company.create",
            target=company,
            details={"siret": siret_value or ""},
        )
        # Apps assigned "to all clients, including later ones" reach the new company now.
        assignments_hooks.company_created(actor=actor, company=company)
    return company


_UNSET: Any = object()


def company_update(
    *,
    actor: User,
    company: Company,
    name: str = _UNSET,
    siret: str | None = _UNSET,
    fiscal_year_start: date | None = _UNSET,
    fiscal_year_end: date | None = _UNSET,
) -> Company:
    """Change only the fields given. The slug stays: collection addresses depend on it."""
    changes: dict[str, Any] = {}
    if name is not _UNSET:
        changes["name"] = clean_company_name(name)
    if fiscal_year_start is not _UNSET or fiscal_year_end is not _UNSET:
        start = company.fiscal_year_start if fiscal_year_start is _UNSET else fiscal_year_start
        end = company.fiscal_year_end if fiscal_year_end is _UNSET else fiscal_year_end
        changes["fiscal_year_start"], changes["fiscal_year_end"] = clean_fiscal_year(start, end)
    with transaction.atomic():
        if siret is not _UNSET:
            changes["siret"] = clean_siret(firm=company.firm, siret=siret, exclude_pk=company.pk)
        changed = {k: v for k, v in changes.items() if getattr(company, k) != v}
        if not changed:
            return company
        before = {k: str(getattr(company, k) or "") for k in changed}
        for field, value in changed.items():
            setattr(company, field, value)
        company.save(update_fields=[*changed, "updated_at"])
        audit_record(
            firm=company.firm,
            actor=actor,
            action="company.update",
            target=company,
            details={k: {"before": before[k], "after": str(v or "")} for k, v in changed.items()},
        )
    return company


@transaction.atomic
def company_delete(*, actor: User, company: Company) -> None:
    """Delete the company with everything of it: users' memberships, app assignments, documents
    (their stored files too, once the deletion commits) and their send history."""
    files = documents_hooks.company_deleting(company=company)
    audit_record(
        firm=company.firm,
        actor=actor,
        action="company.delete",
        target=company,
        details={"siret": company.siret or "", "name": company.name, "files": files},
    )
    company.delete()


# --- the company's own administrateur --------------------------------------------------------
#
# The firm may change or remove any user of its client companies. A company administrateur
# manages the users of their own company too, with one more rule: the company keeps at least
# one administrateur, so they cannot remove or demote themself when they are the last one.
# The change and remove services take ``acting_as_company_admin=True`` for that side (pages
# under /entreprise/ and the API in a company context): the rule is checked inside the same
# transaction as the change, the company's administrateurs locked, so that two administrateurs
# demoting each other at the same moment cannot leave the company without one.


def require_another_administrateur(
    *, membership: CompanyMembership, new_role: str | None = None
) -> None:
    """Refuse to leave the company without an administrateur (call inside a transaction)."""
    if new_role == CompanyRole.ADMINISTRATEUR:
        return
    admins = set(
        CompanyMembership.objects.select_for_update()
        .filter(company_id=membership.company_id, role=CompanyRole.ADMINISTRATEUR)
        .values_list("pk", flat=True)
    )
    if membership.pk in admins and len(admins) == 1:
        raise Conflict(
            _(
                "%(user)s is the last administrator %(of_company)s. Make another user "
                "administrator first, so that someone can still manage the company's users."
            )
            % {
                "user": membership.user.display_name,
                "of_company": of_name(membership.company.name),
            },
            code="last_administrator",
            field="role" if new_role is not None else None,
        )


@transaction.atomic
def company_member_change_role(
    *,
    actor: User | None,
    membership: CompanyMembership,
    role: str,
    acting_as_company_admin: bool = False,
) -> CompanyMembership:
    """Change a user's role; ``acting_as_company_admin``: see the rule above."""
    role = clean_company_role(role)
    if acting_as_company_admin:
        require_company_administrateur(
            actor, membership.company, message=ADMINISTRATEUR_ONLY_MESSAGE
        )
        require_another_administrateur(membership=membership, new_role=role)
    if membership.role == role:
        return membership
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit_record(
        firm=membership.firm,
        actor=actor,
        action="company.member_role",
        target=membership.company,
        details={"email": membership.user.email, "before": before, "after": role},
    )
    # Accesses given by role follow the new role.
    assignments_hooks.member_role_changed(actor=actor, membership=membership)
    return membership


@transaction.atomic
def company_member_remove(
    *, actor: User | None, membership: CompanyMembership, acting_as_company_admin: bool = False
) -> None:
    """Remove a user from the company; ``acting_as_company_admin``: see the rule above."""
    if acting_as_company_admin:
        require_company_administrateur(
            actor, membership.company, message=ADMINISTRATEUR_ONLY_MESSAGE
        )
        require_another_administrateur(membership=membership)
    invitation_cancel_pending(
        user=membership.user, firm=membership.firm, company=membership.company
    )
    audit_record(
        firm=membership.firm,
        actor=actor,
        action="company.member_remove",
        target=membership.company,
        details={"email": membership.user.email, "role": membership.role},
    )
    # The apps the user saw in this company go with them.
    assignments_hooks.member_removing(actor=actor, membership=membership)
    membership.delete()
