"""Comptoir's URLs plus two bench-only pages through the same middleware, to measure pages
against (only the bench's server, ``bench.served_settings``, loads this module):

- ``/bench/empty/``: the layout (``base.html``) with nothing in it, for whoever asks: for a
  logged-in user, the session, the user, the tenant context, the context switcher, the
  navigation and the banner, exactly what every page of theirs pays before its own work;
- ``/bench/floor/``: a plain "ok", what the server and the middleware alone cost.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from comptoir.urls import handler400  # noqa: F401 (the same error pages)
from comptoir.urls import urlpatterns as comptoir_urlpatterns


def floor(request):
    return HttpResponse(b"ok", content_type="text/plain")


def empty(request):
    return render(request, "base.html")


urlpatterns = [path("bench/floor/", floor), path("bench/empty/", empty), *comptoir_urlpatterns]
