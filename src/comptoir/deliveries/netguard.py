"""The outbound-address guard: a firm-configured URL or host must lead to the public internet.

Deliveries connect to addresses that firms type in (an API URL, an SFTP host). Without a
guard, a firm could make our servers talk to our own network: the database, a cache, the
cloud metadata service at 169.254.169.254 (server-side request forgery). The guard:

1. parses the URL strictly: ``http``/``https`` only, no user name or password, no spaces,
   backslashes or control characters; ports 80, 443 and 1024 to 65535 only (the privileged
   ports of other services — SSH, SMTP, LDAP... — are never a partner API);
2. refuses host names that are cloud metadata services (``metadata.google.internal``,
   anything under ``.internal``...) and non-standard IPv4 spellings that resolvers accept
   (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``): write the usual dotted form;
3. resolves the name once and checks EVERY address returned (A and AAAA): loopback, private
   (RFC 1918), carrier-grade NAT, link-local (cloud metadata), multicast, reserved,
   documentation, benchmarking, unspecified, IPv6 unique-local and site-local, IPv4-mapped
   and IPv4-compatible IPv6 forms (judged by the IPv4 inside), NAT64 (judged by the IPv4
   inside), 6to4 and Teredo tunnels (always refused) — one bad address refuses the host;
4. hands back the vetted address; the transport connects to THAT address only (pinning), so
   a second, different DNS answer (DNS rebinding) is never used.

Plain ``http`` is accepted only to loopback (the demo's local sink); anything else needs
``https``. ``settings.DELIVERY_ALLOW_LOOPBACK`` (default off, on in demo mode) lets
127.0.0.0/8 and ::1 through; 0.0.0.0 and every other range stay refused.

Refusals raise :class:`Refused` (a permanent failure, with a message safe to show); a name
that cannot be resolved raises :class:`LookupFailed` (permanent when the name does not exist,
passing otherwise). The guard never opens a connection itself.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

ALLOWED_SCHEMES = {"http": 80, "https": 443}
LOW_PORTS_ALLOWED = {80, 443}
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.com",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
        "metadata.platformequinix.com",
    }
)
BLOCKED_SUFFIXES = (".internal",)

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network
# (network, reason key). Order matters only for the reason shown.
BLOCKED_V4: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_V4("0.0.0.0/8"), "unspecified"),
    (_V4("10.0.0.0/8"), "private"),
    (_V4("100.64.0.0/10"), "cgnat"),
    (_V4("127.0.0.0/8"), "loopback"),
    (_V4("169.254.0.0/16"), "link_local"),
    (_V4("172.16.0.0/12"), "private"),
    (_V4("192.0.0.0/24"), "reserved"),
    (_V4("192.0.2.0/24"), "reserved"),
    (_V4("192.88.99.0/24"), "reserved"),
    (_V4("192.168.0.0/16"), "private"),
    (_V4("198.18.0.0/15"), "reserved"),
    (_V4("198.51.100.0/24"), "reserved"),
    (_V4("203.0.113.0/24"), "reserved"),
    (_V4("224.0.0.0/4"), "multicast"),
    (_V4("240.0.0.0/4"), "reserved"),
)
BLOCKED_V6: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_V6("::/128"), "unspecified"),
    (_V6("::1/128"), "loopback"),
    (_V6("::/96"), "reserved"),  # IPv4-compatible, deprecated
    (_V6("64:ff9b:1::/48"), "reserved"),  # local-use NAT64
    (_V6("100::/64"), "reserved"),  # discard
    (_V6("2001::/32"), "tunnel"),  # Teredo
    (_V6("2001::/23"), "reserved"),
    (_V6("2001:db8::/32"), "reserved"),
    (_V6("2002::/16"), "tunnel"),  # 6to4
    (_V6("3fff::/20"), "reserved"),
    (_V6("5f00::/16"), "reserved"),
    (_V6("fc00::/7"), "private"),  # unique local
    (_V6("fe80::/10"), "link_local"),
    (_V6("fec0::/10"), "private"),  # site-local, deprecated
    (_V6("ff00::/8"), "multicast"),
)
NAT64 = _V6("64:ff9b::/96")
LOOPBACK_V4 = _V4("127.0.0.0/8")

_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_HOST_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")
_FORBIDDEN_URL_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


class Refused(Exception):
    """The destination is not allowed: a permanent failure, no connection was made."""

    def __init__(self, message: str, *, code: str = "address_refused") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class LookupFailed(Exception):
    """The name could not be resolved. ``permanent`` when it does not exist."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class Target:
    """A vetted URL: connect to one of ``addresses`` (``ip`` is the first) on ``port``, and
    speak to ``host`` (Host header, TLS name)."""

    scheme: str
    host: str  # ASCII (IDNA), lower case, IPv6 without brackets
    port: int
    target: str  # path and query, e.g. "/hooks/comptoir?x=1"
    ip: str
    addresses: tuple[str, ...]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = ALLOWED_SCHEMES[self.scheme] == self.port
        return f"{self.scheme}://{host}{'' if default else f':{self.port}'}{self.target}"


def _reason_text(reason: str) -> str:
    return {
        "unspecified": _("an unspecified address"),
        "private": _("a private network"),
        "cgnat": _("a carrier-grade NAT network"),
        "loopback": _("this server itself (loopback)"),
        "link_local": _("a link-local address (cloud metadata)"),
        "multicast": _("a multicast address"),
        "tunnel": _("an IPv6 tunnel (6to4 or Teredo)"),
        "reserved": _("a reserved address range"),
    }.get(reason, _("a reserved address range"))


def allow_loopback_default() -> bool:
    return bool(getattr(settings, "DELIVERY_ALLOW_LOOPBACK", False))


def ip_refusal(value: str | IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why this address may not be contacted (a reason key), or None when it may."""
    ip = ipaddress.ip_address(value) if isinstance(value, str) else value
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "link_local"
        if ip.ipv4_mapped is not None:
            return ip_refusal(ip.ipv4_mapped, allow_loopback=allow_loopback)
        if ip in NAT64:
            return ip_refusal(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), allow_loopback=False)
        if allow_loopback and ip == ipaddress.IPv6Address("::1"):
            return None
        for network6, reason in BLOCKED_V6:
            if ip in network6:
                return reason
    else:
        if allow_loopback and ip in LOOPBACK_V4:
            return None
        for network4, reason in BLOCKED_V4:
            if ip in network4:
                return reason
    if not ip.is_global:
        return "reserved"
    return None


def _is_loopback(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (A and AAAA), in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    return seen


def timed_resolver(timeout: float) -> Resolver:
    """The system resolver, given up after ``timeout`` seconds (a ``socket.gaierror`` with
    ``EAI_AGAIN``, a passing failure): ``getaddrinfo`` itself has no time limit, and a form
    must not wait for a slow DNS server. The lookup runs in a daemon thread."""

    def resolve(host: str, port: int) -> Sequence[str]:
        outcome: list[Any] = []

        def run() -> None:
            try:
                outcome.append(system_resolver(host, port))
            except BaseException as exc:  # handed to the caller below
                outcome.append(exc)

        thread = threading.Thread(target=run, name="netguard-dns", daemon=True)
        thread.start()
        thread.join(timeout)
        if not outcome:
            raise socket.gaierror(socket.EAI_AGAIN, "lookup timed out")
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    return resolve


def _refused_host(host: str, reason: str) -> Refused:
    return Refused(
        _(
            "The destination %(host)s is not allowed: it leads to %(reason)s. "
            "Use the partner's public https:// address."
        )
        % {"host": host, "reason": _reason_text(reason)}
    )


def normalise_host(raw: str) -> tuple[str, IPAddress | None]:
    """The host in canonical form and its IP when it is an IP literal. Raises Refused for
    malformed names, numeric spellings other than dotted decimal, and metadata names."""
    host = raw.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host:
        raise Refused(_("The address has no host name. Check the URL."), code="bad_url")
    if ":" in host:
        try:
            return host, ipaddress.IPv6Address(host)
        except ValueError:
            raise Refused(
                _("The host %(host)s is not a valid IPv6 address.") % {"host": host},
                code="bad_url",
            ) from None
    host = host.removesuffix(".")
    labels = host.split(".")
    if _NUMERIC_LABEL.match(labels[-1]):
        # Browsers and resolvers read a name ending in a number as an IPv4 address, in any
        # of the inet_aton spellings: only the plain dotted-decimal form is accepted.
        try:
            ip4 = ipaddress.IPv4Address(host)
        except ValueError:
            raise Refused(
                _(
                    "The host %(host)s is an IP address written in a non-standard form. "
                    "Write the partner's host name or a dotted address like 203.0.113.7."
                )
                % {"host": host},
                code="address_refused",
            ) from None
        return str(ip4), ip4
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise Refused(
            _("The host name %(host)s is not valid.") % {"host": host}, code="bad_url"
        ) from None
    if len(ascii_host) > 253 or not all(
        _HOST_LABEL.match(label) for label in ascii_host.split(".")
    ):
        raise Refused(_("The host name %(host)s is not valid.") % {"host": host}, code="bad_url")
    if ascii_host in METADATA_HOSTS or ascii_host.endswith(BLOCKED_SUFFIXES):
        raise _refused_host(ascii_host, "link_local")
    return ascii_host, None


def vet_host(
    host: str,
    port: int,
    *,
    resolver: Resolver | None = None,
    allow_loopback: bool | None = None,
) -> tuple[str, ...]:
    """Resolve ``host`` once and return its addresses, all checked; raise Refused or
    LookupFailed. An IP literal is checked without any lookup."""
    if allow_loopback is None:
        allow_loopback = allow_loopback_default()
    name, literal = normalise_host(host)
    if literal is not None:
        addresses: Sequence[str] = [str(literal)]
    else:
        try:
            addresses = (resolver or system_resolver)(name, port)
        except socket.gaierror as exc:
            permanent = exc.errno in {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)}
            raise LookupFailed(
                _("The host name %(host)s could not be found. Check the address.") % {"host": name}
                if permanent
                else _("The host name %(host)s could not be resolved for now.") % {"host": name},
                permanent=permanent,
            ) from None
        except (UnicodeError, ValueError):
            raise Refused(
                _("The host name %(host)s is not valid.") % {"host": name}, code="bad_url"
            ) from None
        if not addresses:
            raise LookupFailed(
                _("The host name %(host)s has no address. Check the address.") % {"host": name},
                permanent=True,
            )
    vetted: list[str] = []
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            raise _refused_host(name, "reserved") from None
        reason = "link_local" if "%" in address else ip_refusal(ip, allow_loopback=allow_loopback)
        if reason is not None:
            raise _refused_host(name, reason)
        vetted.append(str(ip))
    return tuple(vetted)


def check_port(port: int) -> None:
    if not (port in LOW_PORTS_ALLOWED or 1024 <= port <= 65535):
        raise Refused(
            _("Port %(port)s is not allowed: use 443, 80 or a port from 1024 to 65535.")
            % {"port": port}
        )


def vet_url(
    url: str,
    *,
    resolver: Resolver | None = None,
    allow_loopback: bool | None = None,
) -> Target:
    """Check ``url`` as described in the module docstring and return where to connect."""
    if not isinstance(url, str) or not url:
        raise Refused(_("No URL is configured for this application."), code="bad_url")
    if _FORBIDDEN_URL_CHARS.search(url):
        raise Refused(
            _("The URL contains spaces, backslashes or control characters. Check it."),
            code="bad_url",
        )
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise Refused(
            _("Only https:// addresses are accepted (this one starts with %(scheme)s:).")
            % {"scheme": scheme or "?"},
            code="bad_url",
        )
    if "@" in parts.netloc:
        raise Refused(
            _("The URL must not contain a user name or password; use the signing secret."),
            code="bad_url",
        )
    try:
        port = ALLOWED_SCHEMES[scheme] if parts.port is None else parts.port
    except ValueError:
        raise Refused(_("The port in the URL is not valid."), code="bad_url") from None
    check_port(port)
    host, _literal = normalise_host(parts.hostname or "")
    addresses = vet_host(host, port, resolver=resolver, allow_loopback=allow_loopback)
    if scheme == "http" and not all(_is_loopback(address) for address in addresses):
        raise Refused(
            _("Only https:// addresses are accepted (this one starts with %(scheme)s:).")
            % {"scheme": scheme},
            code="bad_url",
        )
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return Target(
        scheme=scheme, host=host, port=port, target=target, ip=addresses[0], addresses=addresses
    )
