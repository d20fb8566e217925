"""Template helpers of client companies: ``{{ company.siret|siret }}`` is 123 456 789 00012."""

from django import template

from comptoir.companies.siret import format_siret

register = template.Library()


@register.filter
def siret(value: str | None) -> str:
    """123 456 789 00012."""
    return format_siret(value)
