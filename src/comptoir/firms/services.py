from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from comptoir.accounts.services import invitation_create, user_get_or_create_for_invite
from comptoir.audit.services import audit_record
from comptoir.core.errors import Conflict, ValidationFailed
from comptoir.firms.models import Firm, FirmMembership, FirmRole


def firm_create(*, name: str, slug: str | None = None, brand_colour: str = "#1d4ed8") -> Firm:
    """Create a firm (the platform operator does this, in the admin or with seed-demo)."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Enter the firm's name."), code="name_required", field="name")
    slug = slugify(slug or name)[:60]
    if Firm.objects.filter(slug=slug).exists():
        raise Conflict(_("A firm already uses the address “%(slug)s”.") % {"slug": slug})
    return Firm.objects.create(name=name, slug=slug, brand_colour=brand_colour)


def firm_member_invite(
    *, actor, firm: Firm, email: str, role: str, full_name: str = ""
) -> FirmMembership:
    if role not in FirmRole.values:
        raise ValidationFailed(
            _("Unknown role “%(role)s”. Choose admin or collaborator.") % {"role": role},
            code="invalid_role",
            field="role",
        )
    with transaction.atomic():
        user = user_get_or_create_for_invite(email=email, full_name=full_name)
        if FirmMembership.objects.filter(firm=firm, user=user).exists():
            raise Conflict(
                _("%(email)s is already a member of the firm.") % {"email": user.email},
                code="already_member",
                field="email",
            )
        membership = FirmMembership.objects.create(firm=firm, user=user, role=role)
        invitation_create(actor=actor, user=user, firm=firm, role=role)
        audit_record(
            firm=firm,
            actor=actor,
            action="firm.member_invite",
            target=firm,
            details={"email": user.email, "role": role},
        )
    return membership
