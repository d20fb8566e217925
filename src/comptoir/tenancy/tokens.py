"""API tokens pinned to a context: creating one is the tenancy's rule.

A token may be pinned to one of the user's own firms or companies (``firm:<slug>`` or
``company:<id>``); "one of the user's own" is :func:`~comptoir.tenancy.contexts.resolve_context`,
which reads the memberships, so creating a token sits here, above ``companies``, rather than in
``accounts.services`` (which keeps revoking and checking tokens, and their limits). The API's
authentication (``tenancy.api.BearerTokenAuth``) then acts in the pinned context.
"""

import secrets
from datetime import timedelta

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts import identity
from comptoir.accounts.models import ApiToken, TokenScope, User, hash_secret
from comptoir.accounts.services import TOKEN_DEFAULT_DAYS, TOKEN_EXPIRY_CHOICES, token_firms
from comptoir.core.errors import ServiceError, ValidationFailed
from comptoir.tenancy.contexts import resolve_context


def _token_pin(*, user: User, pin: str) -> dict:
    """``firm:<slug>`` or ``company:<id>``, one of the user's own contexts (else 422)."""
    pin = (pin or "").strip()
    if not pin:
        return {"firm": None, "company": None}
    kind, _sep, value = pin.partition(":")
    try:
        if kind == "firm" and value:
            context = resolve_context(user, firm_slug=value)
        elif kind == "company" and value:
            context = resolve_context(user, company_id=value)
        else:
            context = None
    except (Http404, ServiceError):
        context = None
    if context is None:
        raise ValidationFailed(
            _("Choose one of your own firms or companies to pin the token to."),
            code="invalid_pin",
            field="pin",
        )
    if context.is_firm:
        return {"firm": context.firm, "company": None}
    return {"firm": None, "company": context.company}


def token_create(
    *,
    user: User,
    name: str,
    expires_in_days: int | str = TOKEN_DEFAULT_DAYS,
    scope: str = TokenScope.WRITE,
    pin: str = "",
) -> tuple[ApiToken, str]:
    """Create a token; the clear key is returned once and never stored.

    It expires after ``expires_in_days`` (one of TOKEN_EXPIRY_CHOICES), reads only or reads
    and writes (``scope``), and may be pinned to one of the user's firms or companies
    (``pin``: ``firm:<slug>`` or ``company:<id>``)."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the token a name."), code="name_required", field="name")
    if len(name) > 100:
        raise ValidationFailed(
            _("The name is too long (100 characters at most)."), code="name_too_long", field="name"
        )
    try:
        days = int(expires_in_days)
    except (TypeError, ValueError):
        days = -1
    if days not in TOKEN_EXPIRY_CHOICES:
        raise ValidationFailed(
            _("Choose how long the token lasts: %(choices)s days.")
            % {"choices": ", ".join(str(d) for d in TOKEN_EXPIRY_CHOICES)},
            code="invalid_expiry",
            field="expires_in_days",
        )
    if scope not in TokenScope.values:
        raise ValidationFailed(
            _("Choose what the token may do: read only, or read and write."),
            code="invalid_scope",
            field="scope",
        )
    pinned = _token_pin(user=user, pin=pin)
    key = ApiToken.PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=days)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            key_hash=hash_secret(key),
            hint=key[: len(ApiToken.PREFIX) + 6],
            scope=scope,
            expires_at=expires_at,
            **pinned,
        )
        identity.record(
            user=user,
            action="identity.token_create",
            target=token,
            details={"scope": scope, "expires_at": expires_at.isoformat(), "pin": pin},
            firms=token_firms(token),
        )
    return token, key
