"""Template helpers of client companies: ``{{ company.siret|siret }}`` is 123 456 789 00012."""

from django import template
from django.utils.html import format_html

from comptoir.companies.siret import format_siret

register = template.Library()


@register.filter
def siret(value: str | None) -> str:
    """123 456 789 00012, in a ``<span class="siret">`` that never breaks inside (app.css): a
    narrow column wraps between words, never between a SIRET's groups. Empty without one."""
    formatted = format_siret(value)
    return format_html('<span class="siret">{}</span>', formatted) if formatted else ""
