"""Sessions end when idle too long, or too old; "Mon compte" knows when each was last seen;
a firm that requires two-factor leads its users without one to the set-up page.

``SESSION_IDLE_TIMEOUT`` (12 h by default) is sliding: each request counts, but the session
records it at most once a minute, so a page costs no extra query most of the time (allauth's
own activity tracking, USERSESSIONS_TRACK_ACTIVITY, writes on every request: 4 more queries a
page; see tests/accounts/test_sessions.py). ``SESSION_MAX_AGE`` (7 days) counts from the
login, whatever happens. An ended session is logged out and the next page asks to log in.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from comptoir.accounts import identity
from comptoir.firms.selectors import firm_requires_two_factor_of
from comptoir.tenancy.contexts import get_tenant

SEEN_KEY = "comptoir_seen"
STARTED_KEY = "comptoir_started"
SEEN_EVERY = 60  # seconds between two writes of "last seen"


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key and request.user.is_authenticated:
            self._check(request, session)
        return self.get_response(request)

    def _check(self, request, session) -> None:
        now = time.time()
        seen = session.get(SEEN_KEY)
        started = session.get(STARTED_KEY)
        idle = seen is not None and now - seen > settings.SESSION_IDLE_TIMEOUT
        old = started is not None and now - started > settings.SESSION_MAX_AGE
        if idle or old:
            user = request.user
            logout(request)
            identity.session_expired(user=user, reason="idle" if idle else "max_age")
            messages.info(
                request,
                _("Your session ended after a long inactivity: log in again.")
                if idle
                else _("Your session reached its maximum length: log in again."),
            )
            return
        if started is None:
            session[STARTED_KEY] = now
        if seen is None or now - seen >= SEEN_EVERY:
            session[SEEN_KEY] = now
            identity.session_seen(request)


# --- two-factor required by the firm (see accounts/mfa.py) -------------------------------------


def two_factor_setup_needed(request: HttpRequest) -> bool:
    """Whether the page request acts in a firm that requires two-factor of a user without it.

    No query beyond the tenant's (computed for every page anyway) unless the firm requires it.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    context = get_tenant(request)
    if context is None or not context.is_firm:
        return False
    return firm_requires_two_factor_of(user, context.firm)


# Pages a user who must set up two-factor may still open: the set-up pages themselves (and
# allauth's confirmation of the password they ask for), leaving, the language and the context.
ALLOWED_URL_NAMES = frozenset(
    {
        "account_logout",
        "accounts:logout",
        "account_login",
        "accounts:login",
        "account_reauthenticate",
        "set_language",
        "portal:switch_context",
        "portal:firm_logo",
    }
)


class TwoFactorRequiredMiddleware:
    """Leads a firm user whose firm requires two-factor to the set-up page until they have a
    factor (after their login, and on any page). The API answers for itself (403)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or request.path.startswith(("/api/", "/static/", "/admin/")):
            return None
        name = match.view_name
        if name in ALLOWED_URL_NAMES or (match.url_name or "").startswith("mfa_"):
            return None
        if not two_factor_setup_needed(request):
            return None
        return _to_setup(request)


def _to_setup(request: HttpRequest) -> HttpResponse:
    url = reverse("mfa_index")
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    # The set-up page says why (``setup_required``): no message piling up on each redirect.
    return HttpResponseRedirect(url)
