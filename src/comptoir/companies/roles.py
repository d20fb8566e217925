"""The roles of a client company's users, as services receive them (a leaf: models only)."""

from collections.abc import Iterable, Sequence, Set

from django.utils.translation import gettext as _

from comptoir.companies.models import CompanyRole
from comptoir.core.errors import ValidationFailed


def clean_company_role(role: str) -> str:
    if role not in CompanyRole.values:
        raise ValidationFailed(
            _("Unknown role “%(role)s”. Choose administrateur, collaborateur or invite.")
            % {"role": role},
            code="invalid_role",
            field="role",
        )
    return role


def clean_company_roles(
    roles: str | Sequence[str] | Set[str] | None, *, required: bool
) -> list[str]:
    """The distinct company roles of ``roles`` in their order (a lone role counts as one).

    ``required`` refuses an empty choice (code ``roles_required``); an unknown role is refused
    with ``invalid_role``. Both errors name the ``roles`` field.
    """
    # A lone role (a string) counts as one; nothing as none.
    given: Iterable[object] = (
        roles if isinstance(roles, list | tuple | set | frozenset) else [roles] if roles else []
    )
    cleaned = list(dict.fromkeys(str(role) for role in given))
    if required and not cleaned:
        raise ValidationFailed(
            _("Choose at least one role: administrateur, collaborateur or invite."),
            code="roles_required",
            field="roles",
        )
    unknown = [role for role in cleaned if role not in CompanyRole.values]
    if unknown:
        raise ValidationFailed(
            _("Unknown role “%(role)s”. Choose among administrateur, collaborateur and invite.")
            % {"role": unknown[0]},
            code="invalid_role",
            field="roles",
        )
    return cleaned
