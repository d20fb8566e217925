"""Sessions end when idle too long, or too old; "Mon compte" knows when each was last seen.

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
from django.utils.translation import gettext as _

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
        from comptoir.accounts import identity

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
