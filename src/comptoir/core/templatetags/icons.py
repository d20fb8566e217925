"""``{% icon "add" %}``: an inline SVG icon from ``templates/icons/<name>.svg``.

Icons are drawn, not typed: emoji and symbol glyphs (heavy plus, gear, desktop…) show as
empty boxes on machines without an emoji font. An icon is decorative (``aria-hidden``, not
focusable) and always sits next to its text label, which is what screen readers read. It takes
the text's colour (``currentColor``) and size (``1em``, app.css ``.icon``).
"""

from functools import cache

from django import template
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

ICONS = frozenset({"add", "remove", "settings", "apps", "check", "cross"})


@cache
def _svg(name: str) -> SafeString:
    return mark_safe(get_template(f"icons/{name}.svg").render().strip())  # noqa: S308 (our files)


@register.simple_tag
def icon(name: str) -> SafeString:
    """The icon ``name`` (one of ``ICONS``); an unknown name is a mistake in the template."""
    if name not in ICONS:
        raise template.TemplateSyntaxError(f"Unknown icon {name!r}: one of {sorted(ICONS)}")
    return _svg(name)
