"""Destinations checked when a firm saves them, with the same guard that sending uses.

The Store's settings validation (``store.settings_validation.validate_settings``) calls this
through the deliveries' seam (``deliveries.hooks.destination_problems``): the Store sits below
the deliveries. The rules themselves stay in one place: the
outbound-address guard (``netguard``) for addresses, the SFTP transport's host-key parser for
fingerprints, the routing's roles (``routing.sftp_role``) to know which field is which.

What is checked, for the values this request changes only (a value saved earlier is not looked
up again each time another setting changes):

- **https** apps: every URL field goes through ``netguard.vet_url`` — scheme, port, host
  spelling, DNS resolution (a few seconds at most) and every address it gives;
- **sftp** apps: the host through ``netguard.vet_host`` (the same resolution), the port
  (22, or 1024 to 65535), the host key (``SHA256:`` and 43 base64 characters as
  ``ssh-keygen -l`` prints it, or a public key line).

Nothing is ever connected to. A name that does not exist is refused; a lookup that fails for
now (time-out, DNS server down) is accepted, since the guard runs again before each send and
reports it in the send history. Loopback is allowed only when ``DELIVERY_ALLOW_LOOPBACK`` is
on (the demo).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from comptoir.deliveries import netguard
from comptoir.deliveries.routing import app_fields, sftp_role
from comptoir.deliveries.transports.ssh_keys import parse_host_key
from comptoir.store.schema import FIRM, SettingField

if TYPE_CHECKING:
    from comptoir.store.models import App

DNS_TIMEOUT_SECONDS = 3.0
# An import of 500 rows may carry the same address 500 times, and a DNS server that does not
# answer must not cost 3 s per row: answers (and failures) are kept this long.
LOOKUP_MEMORY_SECONDS = 60.0
_LOOKUP_MEMORY_MAX = 1024
_lookups: dict[tuple[str, int], tuple[float, Any]] = {}
_lookups_lock = threading.Lock()


def forget_lookups() -> None:
    """Drop the remembered DNS answers (tests that change what names resolve to)."""
    with _lookups_lock:
        _lookups.clear()


def _remembering(resolve: netguard.Resolver) -> netguard.Resolver:
    def lookup(host: str, port: int) -> Sequence[str]:
        now = time.monotonic()
        with _lookups_lock:
            kept = _lookups.get((host, port))
        if kept is None or kept[0] < now:
            try:
                answer: Any = list(resolve(host, port))
            except socket.gaierror as exc:
                answer = exc
            with _lookups_lock:
                if len(_lookups) >= _LOOKUP_MEMORY_MAX:
                    _lookups.clear()
                _lookups[(host, port)] = (now + LOOKUP_MEMORY_SECONDS, answer)
        else:
            answer = kept[1]
        if isinstance(answer, socket.gaierror):
            raise answer
        return answer

    return lookup


def _resolver() -> netguard.Resolver:
    return _remembering(netguard.timed_resolver(DNS_TIMEOUT_SECONDS))


def _guard_problem(exc: netguard.Refused | netguard.LookupFailed) -> tuple[str, str] | None:
    """(code, message) for a refusal worth telling now; None for a passing lookup failure."""
    if isinstance(exc, netguard.Refused):
        return exc.code, exc.message
    if exc.permanent:
        return "host_not_found", exc.message
    return None


def _problem(key: str, code: str, message: str) -> dict[str, str]:
    return {"key": key, "code": code, "message": message}


def _check_url(key: str, value: str) -> dict[str, str] | None:
    try:
        netguard.vet_url(value, resolver=_resolver())
    except (netguard.Refused, netguard.LookupFailed) as exc:
        found = _guard_problem(exc)
        return _problem(key, *found) if found else None
    return None


def _port_value(raw: Any) -> int | None:
    text = str(raw or "").strip()
    if not text:
        return 22
    if not (text.isascii() and text.isdigit()) or len(text) > 5:
        return None
    return int(text)


def _check_sftp(
    fields: Sequence[SettingField], values: Mapping[str, Any], typed: frozenset[str]
) -> list[dict[str, str]]:
    by_role: dict[str, str] = {}
    for spec in fields:
        role = sftp_role(spec)
        if role is not None:
            by_role.setdefault(role, spec.key)
    problems: list[dict[str, str]] = []
    port = 22
    port_key = by_role.get("port")
    if port_key is not None:
        parsed = _port_value(values.get(port_key))
        if parsed is None or parsed == 0:
            problems.append(
                _problem(port_key, "bad_port", _("Enter a port number, such as 22 or 2222."))
            )
            return problems
        port = parsed
        if port_key in typed and port != 22:
            try:
                netguard.check_port(port)  # the rule the SFTP transport applies
            except netguard.Refused:
                problems.append(
                    _problem(
                        port_key,
                        "bad_port",
                        _(
                            "Port %(port)s is not allowed for SFTP: use 22 or a port from 1024 "
                            "to 65535."
                        )
                        % {"port": port},
                    )
                )
                return problems
    host_key = by_role.get("host")
    host = str(values.get(host_key) or "").strip() if host_key else ""
    if host_key and host and (host_key in typed or port_key in typed):
        try:
            netguard.vet_host(host, port, resolver=_resolver())
        except (netguard.Refused, netguard.LookupFailed) as exc:
            found = _guard_problem(exc)
            if found:
                problems.append(_problem(host_key, *found))
    fingerprint_key = by_role.get("host_key")
    fingerprint = str(values.get(fingerprint_key) or "") if fingerprint_key else ""
    if fingerprint_key in typed and fingerprint and parse_host_key(fingerprint) is None:
        problems.append(
            _problem(
                fingerprint_key,
                "bad_host_key",
                _(
                    "This is not a host-key fingerprint. Enter it as ssh-keygen -lf prints it: "
                    "SHA256: followed by 43 characters (letters, digits, + and /), or paste "
                    "the server's public key line."
                ),
            )
        )
    return problems


def check_destination_settings(
    app: App, level: str, values: Mapping[str, Any], typed: frozenset[str]
) -> list[dict[str, str]]:
    """The problems of the destinations these settings describe (``{"key", "code", "message"}``
    each), for the keys in ``typed`` (what this request changes)."""
    transport = getattr(app, "transport", "")
    if transport not in ("https", "sftp"):
        return []
    fields = [spec for spec in app_fields(app) if spec.level == level]
    problems: list[dict[str, str]] = []
    if transport == "https":
        for spec in fields:
            value = values.get(spec.key)
            if spec.kind == "url" and spec.key in typed and isinstance(value, str) and value:
                problem = _check_url(spec.key, value)
                if problem is not None:
                    problems.append(problem)
    elif level == FIRM:
        problems.extend(_check_sftp(fields, values, typed))
    return problems
