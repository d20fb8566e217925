"""Identity events, from django-allauth's adapter and our own account views.

Every login gets a verified primary allauth ``EmailAddress`` (its address came through an
invitation link, or an operator created it), so that allauth's password reset and two-factor
find it.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress

from comptoir.accounts.models import User


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


def logged_in(*, user: User) -> None:
    email_address_ensure(user=user)


def login_failed(*, email: str) -> None:
    pass


def logged_out(*, user: User) -> None:
    pass
