import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder

from comptoir.firms.selectors import user_has_two_factor

register = template.Library()


@register.simple_tag
def has_two_factor(user) -> bool:
    """``{% has_two_factor user as on %}``: an authenticator app or a passkey."""
    return user_has_two_factor(user)


@register.filter
def as_json(value) -> str:
    """``data-options="{{ js_data|as_json }}"``: the WebAuthn options for two_factor.js, in an
    attribute (autoescaped) rather than a <script> block, which our pages never carry."""
    return json.dumps(value, separators=(",", ":"), cls=DjangoJSONEncoder)
