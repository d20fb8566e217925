"""The send history of a version, for the document page (``documents/partials/send_history.html``).

``{% version_history version as history %}`` loads, on its first use in a request, the
deliveries and attempts of EVERY version the page shows (``versions`` in the context), so a
document with many versions costs two queries, not two per version.
"""

from django import template
from django.urls import reverse

from comptoir.deliveries.history import history_context
from comptoir.deliveries.selectors import history_for_versions

register = template.Library()

_CACHE = "_comptoir_delivery_history"


def _histories(context, version) -> dict[int, list]:
    request = context.get("request")
    cache = getattr(request, _CACHE, None) if request is not None else None
    if cache is None or version.pk not in cache["loaded"]:
        versions = [v for v in (context.get("versions") or []) if getattr(v, "pk", None)]
        ids = {v.pk for v in versions if v.document_id == version.document_id} | {version.pk}
        loaded = history_for_versions(ids)
        cache = cache or {"loaded": set(), "rows": {}}
        cache["loaded"] |= ids
        cache["rows"].update(loaded)
        if request is not None:
            setattr(request, _CACHE, cache)
    return cache


@register.simple_tag(takes_context=True)
def version_history(context, version):
    """Everything the send-history partial needs for ``version``."""
    cache = _histories(context, version)
    tenant = context.get("tenant")
    history = history_context(
        version=version,
        deliveries=cache["rows"].get(version.pk, []),
        tenant=tenant,
        next_url=reverse("documents:detail", args=[version.document_id])
        + f"#version-{version.number}",
    )
    return history
