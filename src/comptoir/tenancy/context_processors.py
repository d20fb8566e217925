from comptoir.tenancy.contexts import available_contexts, get_tenant


def tenant(request):
    """The current context and the others the user may switch to, for the layout."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "tenant": get_tenant(request),
        "tenant_choices": lambda: available_contexts(request.user),
    }
