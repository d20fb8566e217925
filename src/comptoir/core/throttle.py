"""A fixed-window failure counter in the shared cache (CACHES: the database, or Redis).

What the API's token authentication uses to refuse a client that keeps sending wrong tokens
(the login page's counts are django-allauth's, in the same cache). The cache is shared by
every web process, so the limit holds across servers.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _key(scope: str, who: str, window: int) -> str:
    bucket = int(time.time() // window)
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    return f"comptoir:throttle:{scope}:{digest}:{bucket}"


def is_blocked(scope: str, who: str, *, limit: int, window: int) -> int:
    """0 when ``who`` may try again, else the seconds until the window ends."""
    if cache.get(_key(scope, who, window), 0) >= limit:
        return max(1, int(window - time.time() % window))
    return 0


def note_failure(scope: str, who: str, *, window: int) -> None:
    key = _key(scope, who, window)
    if not cache.add(key, 1, timeout=window + 1):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window + 1)
