from django.utils.text import slugify
from django.utils.translation import gettext as _

from comptoir.core.errors import Conflict, ValidationFailed
from comptoir.firms.models import Firm


def firm_create(*, name: str, slug: str | None = None, brand_colour: str = "#1d4ed8") -> Firm:
    """Create a firm (the platform operator does this, in the admin or with seed-demo)."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Enter the firm's name."), code="name_required", field="name")
    slug = slugify(slug or name)[:60]
    if Firm.objects.filter(slug=slug).exists():
        raise Conflict(_("A firm already uses the address “%(slug)s”.") % {"slug": slug})
    return Firm.objects.create(name=name, slug=slug, brand_colour=brand_colour)
