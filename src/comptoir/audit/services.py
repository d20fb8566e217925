from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from comptoir.audit.models import AuditEvent
from comptoir.core.request_context import client_ip

if TYPE_CHECKING:
    from comptoir.accounts.models import User
    from comptoir.firms.models import Firm


def audit_record(
    *,
    firm: Firm,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one change. Called by the service that made it, inside its transaction."""
    return AuditEvent.objects.create(
        firm=firm,
        actor=actor if actor is not None and actor.pk else None,
        actor_email=getattr(actor, "email", "") or "",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        details=details or {},
        ip_address=client_ip.get(),
    )
