"""Cleaning of the short texts people type (names): shared by the services."""

from django.utils.translation import gettext as _

from comptoir.core.errors import ValidationFailed


def clean_name(value, *, max_chars: int, required_message: str, field: str = "name") -> str:
    """``value`` on one line with its runs of spaces folded; refused (422) when it is empty
    (``name_required``, with ``required_message``) or longer than ``max_chars``
    (``name_too_long``)."""
    cleaned = " ".join(str(value or "").split())
    if not cleaned:
        raise ValidationFailed(required_message, code="name_required", field=field)
    if len(cleaned) > max_chars:
        raise ValidationFailed(
            _("The name is too long (%(max)d characters at most).") % {"max": max_chars},
            code="name_too_long",
            field=field,
        )
    return cleaned
