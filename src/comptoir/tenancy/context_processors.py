from typing import Any

from django.http import HttpRequest

from comptoir.tenancy.choices import request_context_choices
from comptoir.tenancy.contexts import get_tenant


def tenant(request: HttpRequest) -> dict[str, Any]:
    """The current context and the others the user may switch to, for the layout."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "tenant": get_tenant(request),
        "tenant_choices": lambda: request_context_choices(request),  # one query, when shown
    }
