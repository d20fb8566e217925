"""/healthz, /readyz and /metrics: for load balancers, orchestrators and Prometheus.

Answered by :class:`ProbeMiddleware` before the host check, the HTTPS redirect and the
session: a probe comes from inside (a load balancer on plain HTTP, by IP address) and needs
none of them. Nothing here needs a login; nothing here says more than "ok" or what is wrong.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

from comptoir.core.request_context import ip_from_request
from comptoir.ops import metrics


def _no_cache(response):
    add_never_cache_headers(response)
    # A red probe or a refused scrape is an answer, not a server error: no "django.request"
    # error line for it (that one would e-mail ADMINS and reach Sentry at every probe).
    response._has_been_logged = True
    return response


def healthz(request):
    """The process answers (no database, no other service)."""
    return _no_cache(JsonResponse({"status": "ok"}))


def readyz(request):
    """Ready to take traffic: 200 when every check passes, 503 with what is wrong otherwise."""
    from comptoir.ops import health  # django-health-check imports redis, dns...: on first use

    ready, checks = health.readiness()
    return _no_cache(
        JsonResponse(
            {"status": "ok" if ready else "unavailable", "checks": checks},
            status=200 if ready else 503,
        )
    )


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(item, strict=False) for item in settings.METRICS_ALLOWED_IPS]


def metrics_access(request) -> int:
    """200 when allowed; 404 when /metrics is not configured; 403 when configured, not met."""
    token = settings.METRICS_TOKEN
    networks = _allowed_networks()
    if not token and not networks:
        return 404
    if token:
        scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            offered.strip().encode(), token.encode()
        ):
            return 200
    if networks:
        try:
            address = ipaddress.ip_address(ip_from_request(request) or "")
        except ValueError:
            return 403
        if any(address in network for network in networks):
            return 200
    return 403


def metrics_view(request):
    status = metrics_access(request)
    if status == 404:
        return _no_cache(HttpResponse("Not found\n", status=404, content_type="text/plain"))
    if status == 403:
        response = HttpResponse("Forbidden\n", status=403, content_type="text/plain")
        if settings.METRICS_TOKEN:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return _no_cache(response)
    return _no_cache(
        HttpResponse(metrics.exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")
    )


PROBES = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics_view}


class ProbeMiddleware:
    """Answers GET/HEAD on the probe paths at once (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = PROBES.get(request.path_info.rstrip("/") or "/")
        if view is None or request.method not in {"GET", "HEAD"}:
            return self.get_response(request)
        return view(request)
