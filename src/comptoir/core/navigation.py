"""Where a page sends the browser back to after a POST, and URLs reversed once per page."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The ``next`` parameter (form, then query) when it stays on this site, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


class UrlPattern:
    """A URL reversed once and then filled in many times: ``UrlPattern("portal:open").format(7)``
    is ``reverse("portal:open", args=[7])`` without resolving the pattern again.

    The pattern is reversed with sentinel numbers (accepted by the ``id``, ``slug`` and ``str``
    converters) and cut around them. The values filled in must be what the converter accepts
    (ids, slugs, logo versions): they are not quoted again.
    """

    def __init__(self, name: str, arity: int = 1) -> None:
        sentinels = [str(987654321 + i) for i in range(arity)]
        rest = reverse(name, args=sentinels)
        self.parts: list[str] = []
        for sentinel in sentinels:
            head, found, rest = rest.partition(sentinel)
            if not found:
                raise ValueError(f"{name}: argument {sentinel} not found in the reversed URL")
            self.parts.append(head)
        self.tail = rest

    def format(self, *values: object) -> str:
        return "".join(f"{part}{value}" for part, value in zip(self.parts, values, strict=True)) + (
            self.tail
        )
