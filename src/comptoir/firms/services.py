from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from comptoir.audit.services import audit_record
from comptoir.core.errors import Conflict, Forbidden, ValidationFailed
from comptoir.firms.models import Firm, FirmMembership, FirmRole
from comptoir.firms.selectors import user_has_two_factor

if TYPE_CHECKING:
    from comptoir.accounts.models import User


def firm_create(*, name: str, slug: str | None = None, brand_colour: str = "#1d4ed8") -> Firm:
    """Create a firm (the platform operator does this, in the admin or with seed-demo)."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Enter the firm's name."), code="name_required", field="name")
    slug = slugify(slug or name)[:60]
    if Firm.objects.filter(slug=slug).exists():
        raise Conflict(_("A firm already uses the address “%(slug)s”.") % {"slug": slug})
    return Firm.objects.create(name=name, slug=slug, brand_colour=brand_colour)


def firm_require_two_factor(*, actor: User, firm: Firm, required: bool) -> Firm:
    """Require two-factor ("Exiger la double authentification"): from now on, each user of the
    firm must have an authenticator app or a passkey (pages lead them to set one up; the API
    answers 403 ``two_factor_required`` until they do). Firm admins only; an admin must have a
    second factor before requiring one of everybody. Audited when it changes."""
    required = bool(required)
    with transaction.atomic():
        firm = Firm.objects.select_for_update().get(pk=firm.pk)
        actor_id = getattr(actor, "pk", None)
        if (
            actor_id is None
            or not FirmMembership.objects.filter(
                firm=firm, user_id=actor_id, role=FirmRole.ADMIN
            ).exists()
        ):
            raise Forbidden(
                _("Only an administrator of the firm can change its security settings."),
                code="admin_only",
            )
        if required and not user_has_two_factor(actor):
            raise ValidationFailed(
                _(
                    "Set up two-factor authentication on your own account first (My account → "
                    "Two-factor authentication), then require it of the firm's users."
                ),
                code="two_factor_needed_first",
                field="require_two_factor",
            )
        if firm.require_two_factor == required:
            return firm
        firm.require_two_factor = required
        firm.save(update_fields=["require_two_factor", "updated_at"])
        # audit sits a floor above firms; its service only writes the event row.

        audit_record(
            firm=firm,
            actor=actor,
            action="firm.two_factor_required" if required else "firm.two_factor_not_required",
            target=firm,
            details={"require_two_factor": required},
        )
    return firm
