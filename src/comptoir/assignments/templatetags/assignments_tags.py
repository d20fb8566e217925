"""Template helpers for pages of other apps that show users' app access (client users tab)."""

from django import template
from django.urls import reverse

from comptoir.assignments.selectors import user_app_choices as choices_for

register = template.Library()


@register.simple_tag
def user_app_choices(app_access, user_id) -> list[dict]:
    """The checkboxes of one user, from ``selectors.user_access_matrix`` (no query)."""
    if not app_access:
        return []
    assignments, by_user = app_access
    return choices_for(assignments, by_user.get(user_id, {}))


@register.simple_tag
def firm_user_apps_url(company_id, user_id) -> str:
    return reverse("assignments:firm_user_apps", args=[company_id, user_id])


@register.filter
def is_among(value, values) -> bool:
    """Whether ``value`` is one of ``values`` (a bound form's list of ticked ids)."""
    return str(value) in {str(v) for v in (values or [])}
