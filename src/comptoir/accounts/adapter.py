"""Our django-allauth account adapter: invitation-only, French messages, our client IP.

People never sign up on their own: a firm invites them (``companies.invitations``), the
invitation's link proves their address, and they choose a password there. So open sign-up is
off and e-mail verification is not asked for; every login gets a verified primary
``EmailAddress`` row (what allauth's password reset and two-factor expect).

The adapter is also the seam where identity events reach the audit log (``accounts.identity``):
allauth calls ``login``, ``authentication_failed`` and ``logout`` on it.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from comptoir.accounts import identity
from comptoir.accounts.login_checks import login_refusal
from comptoir.accounts.tasks import send_account_email
from comptoir.core.request_context import carried, ip_from_request


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # Django's wording, which the login page always used (and tests read).
        "email_password_mismatch": _(
            "Please enter a correct e-mail address and password. Note that both fields may be "
            "case-sensitive."
        ),
        "too_many_login_attempts": _(
            "Too many failed login attempts. For your security, logging in is paused for a "
            "few minutes: try again later, or reset your password."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        # REMOTE_ADDR, or X-Forwarded-For when it comes from a proxy in TRUSTED_PROXIES.
        return ip_from_request(request) or "0.0.0.0"  # noqa: S104 (a key, never bound)

    def login(self, request: HttpRequest, user: Any) -> None:
        super().login(request, user)
        identity.logged_in(user=user)

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        identity.login_failed(email=credentials.get("email") or "")

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> Any:
        # Any login but a firm's single sign-on (a passkey, say) passes the same checks as the
        # password form (``LoginForm.clean``): a firm that requires SSO gets it.
        if "sociallogin" not in (kwargs.get("signal_kwargs") or {}):
            from allauth.account.internal.stagekit import clear_login
            from django.contrib import messages
            from django.shortcuts import redirect

            refusal = login_refusal(user=user)
            if refusal:
                clear_login(request)
                messages.error(request, refusal)
                return redirect("account_login")
        return super().pre_login(request, user, **kwargs)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render now, send from the worker (see ``tasks.send_account_email``)."""
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (
                content
                for content, mime in getattr(message, "alternatives", [])
                if mime == "text/html"
            ),
            "",
        )
        send_account_email.enqueue(
            subject=message.subject,
            body=message.body,
            to=list(message.to),
            html=html,
            from_email=message.from_email,
            **carried(),
        )

    def send_password_reset_mail(self, user: Any, email: str, context: dict) -> None:
        super().send_password_reset_mail(user, email, context)
        identity.password_reset_requested(user=user)

    def logout(self, request: HttpRequest) -> None:
        user = request.user if request.user.is_authenticated else None
        super().logout(request)
        if user is not None:
            identity.logged_out(user=user)
