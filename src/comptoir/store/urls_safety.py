"""The checks for addresses: ``validate_tile_url`` for what a tile opens (custom apps, catalogue
launch URLs, the launcher's redirect), ``validate_external_url`` for the syntax alone.

A tile sends the user's browser to the address, so the address must be a plain absolute
``https://`` or ``http://`` URL with a host. Browsers are lenient (they drop tabs and newlines,
read ``\\`` as ``/``, ignore leading control characters, accept ``https:evil.example``, read
``0x7f000001``, ``2130706433`` or ``0177.0.0.1`` as ``127.0.0.1``, map fullwidth digits,
ideographic full stops and circled letters such as ``ⓛⓞⓒⓐⓛⓗⓞⓢⓣ`` to ASCII), so the check
is strict: whatever a browser could read differently from us is refused.

A tile must also lead to the internet: the browsers of a firm's clients open it, and a tile
pointing at ``localhost``, a printer or a router on their own network (``192.168.1.1``), the
cloud metadata address (``169.254.169.254``) or any bare IP address would turn a firm's tile
into a request on each client's own network. ``validate_tile_url`` therefore refuses IP
literals (every one: a real application has a host name) and local names (``localhost``,
``*.localhost``, ``*.local``, ``*.internal``, ``*.home.arpa``, single-label names such as
``http://nas/``...), judged on the host as the browser will read it (after IDNA mapping). It does
no DNS lookup: the browser that opens the tile resolves the name from its own network, so an
answer from our servers would prove nothing about it. ``settings.TILE_ALLOW_LOCAL_ADDRESSES``
(on in demo mode only) lets local names and IP literals through, for the demo's local sites.

Settings of automation apps (API addresses) take ``validate_external_url``: the delivery's own
outbound guard (deliveries/netguard.py) resolves and vets their hosts from the server's side.
"""

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.utils.translation import gettext as _

from comptoir.core.errors import ValidationFailed

URL_MAX_LENGTH = 2000
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Unicode categories a browser may drop or render invisibly: controls, format characters
# (zero-width, bidi overrides), separators (spaces, line and paragraph separators).
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cs", "Cn"}
# A last label that makes a browser read the whole host as an IPv4 address (WHATWG URL
# standard, "ends in a number"): decimal digits, or 0x and hexadecimal digits.
_NUMERIC_LABEL = re.compile(r"^([0-9]+|0[xX][0-9a-fA-F]*)$")
# Letters that IDNA 2003 (Python's codec: faß.de -> fass.de) and today's browsers (UTS 46:
# faß.de -> xn--fa-hia.de) turn into different hosts. (The zero-width joiners, the other two
# "deviations", are invisible characters, refused before.)
_DEVIATIONS = frozenset("ßς")
# Names that lead to this machine or to the local network, whatever DNS says: RFC 6761
# (localhost), RFC 6762 (local), RFC 8375 (home.arpa), ICANN's private-use internal, and the
# suffixes home routers and company networks hand out.
LOCAL_NAME_SUFFIXES = (
    "localhost",
    "localdomain",
    "local",
    "internal",
    "home.arpa",
    "lan",
    "home",
    "corp",
)


def _refuse(message: str, code: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, field=field)


def _has_invisible(value: str) -> bool:
    return any(unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in value)


def _ends_in_a_number(ascii_host: str) -> bool:
    labels = ascii_host.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels.pop()
    return bool(_NUMERIC_LABEL.match(labels[-1]))


def _reads_as_a_number(host: str) -> bool:
    try:
        return _ends_in_a_number(host.encode("idna").decode("ascii"))
    except UnicodeError:
        return False


def _valid_hostname(host: str) -> str | None:
    """The host in ASCII (IDNA) if it is a DNS name or an IP address, else None.

    A host that a browser reads as an IPv4 address (its last label is a number, once mapped to
    ASCII) must be written in plain dotted decimal: ``0x7f000001``, ``2130706433``,
    ``0177.0.0.1``, ``127.1`` are refused, as they would not be read as written.
    """
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return None
        return host.lower()
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    if _ends_in_a_number(ascii_host):
        try:
            return str(ipaddress.IPv4Address(ascii_host))
        except ValueError:
            return None
    labels = ascii_host[:-1].split(".") if ascii_host.endswith(".") else ascii_host.split(".")
    if not labels or len(ascii_host) > 253 or not all(_LABEL.match(lbl) for lbl in labels):
        return None
    return ascii_host


def validate_external_url(value, *, field: str = "url") -> str:
    """The URL, normalised (scheme and host in lower case), or ValidationFailed saying why.

    The syntax only; what a tile opens goes through ``validate_tile_url``.
    """
    return _parse(value, field)[0]


def _parse(value, field: str) -> tuple[str, str]:
    """The normalised URL and its host (ASCII, IPv6 in brackets), or ValidationFailed."""
    if not isinstance(value, str) or not value.strip(" "):
        raise _refuse(_("Enter the address of the application."), "url_required", field)
    url = value.strip(" ")
    if len(url) > URL_MAX_LENGTH:
        raise _refuse(
            _("The address is too long (%(max)d characters at most).") % {"max": URL_MAX_LENGTH},
            "url_too_long",
            field,
        )
    if _has_invisible(url):
        raise _refuse(
            _("The address contains spaces, line breaks or invisible characters: remove them."),
            "url_invisible_characters",
            field,
        )
    if "\\" in url:
        raise _refuse(
            _("The address contains a backslash (\\): use forward slashes (/) only."),
            "url_backslash",
            field,
        )
    scheme_match = _SCHEME.match(url)
    scheme = scheme_match.group(1).lower() if scheme_match else ""
    if scheme not in ("http", "https"):
        raise _refuse(
            _(
                "The address must start with https:// or http:// "
                "(for example https://www.example.fr)."
            ),
            "url_scheme",
            field,
        )
    if not url[len(scheme) + 1 :].startswith("//") or url[len(scheme) + 3 : len(scheme) + 4] == "/":
        raise _refuse(
            _("Write the address in full, as https://host/path (two slashes after the colon)."),
            "url_malformed",
            field,
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refuse(
            _("The address is not valid: check the host name and the port number."),
            "url_malformed",
            field,
        ) from None
    if "@" in parts.netloc:
        raise _refuse(
            _("The address must not contain a user name or a password (remove the part before @)."),
            "url_credentials",
            field,
        )
    hostport = parts.netloc
    has_port = port is not None or hostport.endswith(":")
    host = hostport[: hostport.rfind(":")] if has_port else hostport
    if not host:
        raise _refuse(
            _("The address has no host name: write it as https://www.example.fr/..."),
            "url_no_host",
            field,
        )
    if "%" in host:
        raise _refuse(
            _("The host name must be written plainly, without % codes."), "url_bad_host", field
        )
    if _DEVIATIONS.intersection(host.lower()):
        raise _refuse(
            _(
                "“%(host)s” contains ß or ς, which browsers do not all read the same way: "
                "write the host name in its xn-- form."
            )
            % {"host": host},
            "url_bad_host",
            field,
        )
    ascii_host = _valid_hostname(host)
    if ascii_host is None:
        if _reads_as_a_number(host):
            message = _(
                "“%(host)s” would be read as an IP address written in an unusual form: "
                "give the application's host name, such as app.example.fr."
            )
        else:
            message = _("“%(host)s” is not a valid host name.")
        raise _refuse(message % {"host": host}, "url_bad_host", field)
    if port == 0:
        raise _refuse(_("The port number must be between 1 and 65535."), "url_bad_port", field)
    netloc = ascii_host if port is None else f"{ascii_host}:{port}"
    return urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment)), ascii_host


def local_addresses_allowed() -> bool:
    return bool(getattr(settings, "TILE_ALLOW_LOCAL_ADDRESSES", False))


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


def _is_local_name(host: str) -> bool:
    name = host.removesuffix(".")
    if "." not in name:  # a single label (``nas``, ``intranet``): a name of the local network
        return True
    return any(name == suffix or name.endswith(f".{suffix}") for suffix in LOCAL_NAME_SUFFIXES)


def _is_public_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return ip.is_global and not ip.is_multicast


def check_tile_host(host: str, *, field: str = "url") -> None:
    """Refuse a host (ASCII, as ``validate_external_url`` returns it) that is not a public
    internet name, unless local addresses are allowed (the demo). No DNS lookup."""
    if local_addresses_allowed():
        return
    ip = _ip_literal(host)
    if (ip is not None and not _is_public_ip(ip)) or (ip is None and _is_local_name(host)):
        raise _refuse(
            _(
                "“%(host)s” is an address of this computer or of a local network: the "
                "application's users could not open it. Give its address on the internet, "
                "such as https://www.example.fr."
            )
            % {"host": host},
            "url_local_address",
            field,
        )
    if ip is not None:
        raise _refuse(
            _(
                "Give the application's host name (such as https://app.example.fr), "
                "not an IP address."
            ),
            "url_ip_address",
            field,
        )


def validate_tile_url(value, *, field: str = "url") -> str:
    """The address a tile opens, normalised, or ValidationFailed saying why.

    The one decision for the custom-app form and the API (both through the services), the
    catalogue loader, the Django admin and the launcher's redirect.
    """
    url, host = _parse(value, field)
    check_tile_host(host, field=field)
    return url


def is_safe_external_url(value) -> bool:
    try:
        validate_external_url(value)
    except ValidationFailed:
        return False
    return True


def is_safe_tile_url(value) -> bool:
    try:
        validate_tile_url(value)
    except ValidationFailed:
        return False
    return True
