"""Comptoir's URLs plus ``/bench/floor/``: the cheapest answer the same server can give, through
the same middleware (sessions, CSRF, security headers, locale...), to measure pages against."""

from django.http import HttpResponse
from django.urls import path

from comptoir.urls import handler400  # noqa: F401 (the same error pages)
from comptoir.urls import urlpatterns as comptoir_urlpatterns


def floor(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/floor/", floor), *comptoir_urlpatterns]
