"""Small template helpers for the pages: brand colours, query strings."""

import re

from django import template
from django.http import QueryDict

register = template.Library()

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_BRAND = "#1d4ed8"


@register.filter
def brand_colour(value: str | None) -> str:
    """The firm's colour if it is a proper #RRGGBB, else the default one."""
    return value if value and _HEX.match(value) else DEFAULT_BRAND


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@register.filter
def brand_text(value: str | None) -> str:
    """Black or white, whichever reads better on the brand colour (WCAG contrast)."""
    luminance = _luminance(brand_colour(value))
    contrast_white = 1.05 / (luminance + 0.05)
    contrast_black = (luminance + 0.05) / 0.05
    return "#ffffff" if contrast_white >= contrast_black else "#111827"


@register.filter
def brand_ink(value: str | None) -> str:
    """The brand colour darkened until it reads on white (WCAG AA, 4.5:1): links, outlines."""
    colour = brand_colour(value)
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    for _ in range(20):
        candidate = f"#{r:02x}{g:02x}{b:02x}"
        if 1.05 / (_luminance(candidate) + 0.05) >= 4.5:
            return candidate
        r, g, b = (int(c * 0.9) for c in (r, g, b))
    return "#111827"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters changed (``None`` removes one)."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def startswith(value: str | None, prefix: str | None) -> bool:
    return bool(value and prefix and str(value).startswith(str(prefix)))


@register.simple_tag(takes_context=True)
def page_firm(context):
    """The firm whose look the page takes: ``brand_firm`` if the view gives one, else the
    firm of the current context (None on anonymous pages)."""
    firm = context.get("brand_firm")
    if firm is None:
        tenant = context.get("tenant")
        firm = tenant.firm if tenant else None
    return firm


@register.filter(name="of")
def of_filter(value) -> str:
    """``{{ user.display_name|of }}``: "of Emma Petit", in French "d'Emma Petit"."""
    from comptoir.core.wording import of_name

    return of_name(value)


@register.filter(name="from_name")
def from_name_filter(value) -> str:
    """``{{ company.name|from_name }}``: "from Atelier Roux", in French "d'Atelier Roux"."""
    from comptoir.core.wording import from_name

    return from_name(value)


@register.inclusion_tag("partials/sort_header.html", takes_context=True)
def sort_header(context, sort, key: str, label: str, css_class: str = "") -> dict:
    """A sortable column's ``<th>``: a link to the list sorted by ``key`` (the other query
    parameters kept, back to page 1) and ``aria-sort`` on the active column."""
    return {
        "label": label,
        "css_class": css_class,
        "aria": sort.aria(key),
        "href": query_with(context, tri=sort.next_value(key), page=None),
    }
