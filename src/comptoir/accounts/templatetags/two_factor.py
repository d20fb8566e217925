import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder

register = template.Library()


@register.filter
def as_json(value) -> str:
    """``data-options="{{ js_data|as_json }}"``: the WebAuthn options for two_factor.js, in an
    attribute (autoescaped) rather than a <script> block, which our pages never carry."""
    return json.dumps(value, separators=(",", ":"), cls=DjangoJSONEncoder)
