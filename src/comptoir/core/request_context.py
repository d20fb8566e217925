"""Where a change comes from, for audit events and log lines, without passing the request on.

Context variables set by middleware for the length of a request (``client_ip`` for audit
events, ``request_id`` and the request itself for log lines), and re-established by tasks
from what their request handed them (:func:`carried`, :func:`bound`).
"""

from __future__ import annotations

import functools
import ipaddress
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
current_request: ContextVar[Any] = ContextVar("current_request", default=None)
delivery_id: ContextVar[int | None] = ContextVar("delivery_id", default=None)
firm_id: ContextVar[int | None] = ContextVar("firm_id", default=None)

# What an incoming X-Request-ID may be: what proxies and load balancers generate (UUIDs,
# hex, base64url, dotted or dashed tokens), bounded so that a log line stays a log line.
REQUEST_ID_MAX_LENGTH = 64
_REQUEST_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._:-]{{0,{REQUEST_ID_MAX_LENGTH - 1}}}")


def _trusted_proxies() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    from django.conf import settings

    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


@functools.lru_cache(maxsize=8)
def _networks(names: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(name, strict=False) for name in names)


def _is_trusted(address: str, proxies) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def ip_from_request(request) -> str | None:
    """The client's address: REMOTE_ADDR, or, when REMOTE_ADDR is a proxy listed in
    TRUSTED_PROXIES, the right-most X-Forwarded-For entry that is not one of those proxies.

    X-Forwarded-For is written by whoever sends the request: only the entries our own proxies
    appended can be believed, read from the right; a client's forged left part is skipped."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = _trusted_proxies()
    if not remote or not proxies or not _is_trusted(remote, proxies):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote  # a garbled header: trust only the proxy's own address
        if not _is_trusted(hop, proxies):
            return hop
    return hops[0] if hops else remote


def valid_request_id(value: str | None) -> str | None:
    """The offered id when it is safe to log and send back; None otherwise."""
    if value and _REQUEST_ID.fullmatch(value):
        return value
    return None


def new_request_id() -> str:
    return uuid.uuid4().hex


def carried() -> dict[str, str]:
    """Keyword arguments for a task enqueued now, so that its log lines carry the request id."""
    value = request_id.get()
    return {"request_id": value} if value else {}


@contextmanager
def bound(*, request: str | None = None, delivery: int | None = None) -> Iterator[None]:
    """Inside a task: log lines carry the request id (and delivery id) handed over."""
    tokens = []
    if request is not None:
        tokens.append((request_id, request_id.set(valid_request_id(request))))
    if delivery is not None:
        tokens.append((delivery_id, delivery_id.set(delivery)))
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


def carries_request_id(func: Callable[..., T]) -> Callable[..., T]:
    """For a task function: accept the ``request_id`` that :func:`carried` hands over and
    bind it while the task runs (under ``@task()``: ``@task() @carries_request_id def ...``)."""

    @functools.wraps(func)
    def run(*args: Any, request_id: str | None = None, **kwargs: Any) -> T:
        with bound(request=request_id):
            return func(*args, **kwargs)

    return run
