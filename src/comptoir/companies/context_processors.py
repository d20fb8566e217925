from datetime import datetime
from typing import Any

from django.utils import timezone

from comptoir.accounts.models import Invitation
from comptoir.core.compiled import CompiledQuery

# ``selectors.user_pending_invitations`` (the same rule: Invitation.objects.pending()) as plain
# values for the banner of the home pages and "Mon compte": compiled once, run at each request.
_BANNER_INVITATIONS = CompiledQuery(
    lambda user_id, now: (
        Invitation.objects.pending(now)
        .filter(user_id=user_id)
        .order_by("created_at", "id")
        .values_list("pk", "firm__name", "company_id", "company__name")
    ),
    int,
    datetime,
)


def banner_invitations(*, user_id: int) -> list[dict[str, Any]]:
    """The user's invitations waiting for an answer, shaped like invitations for the banner
    (``pk``, ``firm.name``, ``company.name``; no ``company`` for the firm's). One query."""
    return [
        {
            "pk": pk,
            "firm": {"name": firm_name},
            "company": {"name": company_name} if company_id is not None else None,
        }
        for pk, firm_name, company_id, company_name in _BANNER_INVITATIONS.rows(
            user_id, timezone.now()
        )
    ]


def pending_invitations(request):
    """The signed-in user's invitations waiting for an answer, for the banner (one query, only
    when the layout shows it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"pending_invitations": lambda: banner_invitations(user_id=user.pk)}
