"""Identity events: logins, failures, logouts, password resets and changes, tokens.

Called by django-allauth's adapter (``accounts.adapter``) and by our account views and
services. Each event goes to the audit log of **every firm the user belongs to** (as a member
of the firm or of one of its client companies): an audit event always belongs to a firm (its
log is the firm's), and a firm must see what happens to its people's logins. An event with no
firm to go to (a failed login for an address nobody uses, a login with no membership yet) is a
structured log line (logger ``comptoir.identity``, with the client IP) instead: it belongs to
the platform's operators, not to a firm.

Every login also gets a verified primary allauth ``EmailAddress`` (its address came through an
invitation link, or an operator created it), so that allauth's password reset and two-factor
find it.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.models import EmailAddress
from django.db import models, transaction

from comptoir.accounts.models import User
from comptoir.audit.services import audit_record
from comptoir.core.errors import NotFound
from comptoir.core.request_context import client_ip
from comptoir.firms.models import Firm

logger = logging.getLogger("comptoir.identity")


def email_address_ensure(*, user: User) -> None:
    """A verified primary address row for the login's e-mail (one query when it exists)."""
    if EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        return
    EmailAddress.objects.filter(user=user, primary=True).exclude(email__iexact=user.email).update(
        primary=False
    )
    EmailAddress.objects.update_or_create(
        user=user,
        email=user.email.lower(),
        defaults={"verified": True, "primary": True},
    )


def user_firms(user: User) -> list[Any]:
    """The firms whose log an identity event of ``user`` goes to (one query)."""
    return list(
        Firm.objects.filter(
            models.Q(memberships__user=user) | models.Q(companies__memberships__user=user)
        )
        .distinct()
        .order_by("pk")
    )


def record(
    *,
    user: User | None,
    action: str,
    actor: Any = "user",
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
    firms: list[Any] | None = None,
) -> int:
    """Write ``action`` to the audit log of each of the user's firms (or of ``firms``);
    returns how many events were written. None: a log line for the operators. The actor is
    the user unless told (None: nobody logged in did it, e.g. a reset asked anonymously)."""
    if firms is None:
        firms = user_firms(user) if user is not None else []
    if actor == "user":
        actor = user
    if not firms:
        logger.info(
            "%s %s",
            action,
            getattr(user, "email", "") or (details or {}).get("email", ""),
            extra={"identity_action": action, "client_ip": client_ip.get(), **(details or {})},
        )
        return 0
    with transaction.atomic():
        for firm in firms:
            audit_record(
                firm=firm, actor=actor, action=action, target=target or user, details=details
            )
    return len(firms)


# --- what allauth's adapter and our views call ----------------------------------------------


def logged_in(*, user: User) -> None:
    email_address_ensure(user=user)
    record(user=user, action="identity.login")


def login_failed(*, email: str) -> None:
    """A refused password for ``email`` (the address tried, never the password)."""
    email = (email or "").strip().lower()[:254]
    user = User.objects.filter(email=email).first() if email else None
    record(user=user, actor=None, action="identity.login_failed", details={"email": email})


def logged_out(*, user: User) -> None:
    record(user=user, action="identity.logout")


def password_reset_requested(*, user: User) -> None:
    record(user=user, actor=None, action="identity.password_reset_requested")


def password_reset_done(*, user: User) -> None:
    record(user=user, action="identity.password_reset")


def password_changed(*, user: User) -> None:
    record(user=user, action="identity.password_change")


def session_expired(*, user: User, reason: str) -> None:
    record(user=user, action="identity.session_expired", details={"reason": reason})


# --- sessions (allauth.usersessions) -------------------------------------------------------


def session_seen(request) -> None:
    """Note the session's device, IP and time (the middleware calls this once a minute)."""
    from allauth.usersessions.models import UserSession

    if not request.session.session_key:
        return
    UserSession.objects.create_from_request(request)


def session_end(*, user: User, session_id: int, current_key: str | None) -> bool:
    """End one of the user's own sessions (another's: NotFound). True if it was the current
    one (the caller then logs the request out)."""
    from allauth.usersessions.models import UserSession

    session = UserSession.objects.filter(user=user, pk=session_id).first()
    if session is None:
        raise NotFound()
    current = session.session_key == current_key
    session.end()
    record(user=user, action="identity.session_end", details={"ip": session.ip})
    return current


def sessions_end_others(*, user: User, keep_key: str | None) -> int:
    """End every session of the user except ``keep_key`` (the current one, or None: all)."""
    from allauth.usersessions.models import UserSession

    ended = 0
    for session in UserSession.objects.filter(user=user).exclude(session_key=keep_key or ""):
        session.end()
        ended += 1
    return ended


def sessions_end_all(*, user: User, current_key: str | None) -> int:
    ended = sessions_end_others(user=user, keep_key=None)
    record(user=user, action="identity.sessions_end_all", details={"count": ended})
    return ended
