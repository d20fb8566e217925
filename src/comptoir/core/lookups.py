"""One row by id for the selectors: 404 for anything that is not an id, and for a row the
caller may not see.

The queryset already says what the caller may see (the firm's rows, a company's, a context's),
so another firm's row is not found, exactly like one that does not exist: the selectors'
chokepoint (``company_get(firm=..., pk=...)``) in one line, one query.
"""

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from comptoir.core.ids import require_id

M = TypeVar("M", bound=Model)


def get_or_404(queryset: QuerySet[M], **ids: Any) -> M:
    """The row of ``queryset`` with these ids (``pk=...``, ``user_id=...``, ``number=...``).

    Each value goes through ``require_id`` (Http404 if it is not an id, before any query);
    no such row in ``queryset``: Http404.
    """
    row = queryset.filter(**{field: require_id(value) for field, value in ids.items()}).first()
    if row is None:
        raise Http404
    return row
