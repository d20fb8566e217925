"""The one check for addresses that a tile opens: custom apps, catalogue launch URLs, redirects.

A tile sends the user's browser to the address, so the address must be a plain absolute
``https://`` or ``http://`` URL with a host. Browsers are lenient (they drop tabs and newlines,
read ``\\`` as ``/``, ignore leading control characters, accept ``https:evil.example``), so the
check is strict: whatever a browser could read differently from us is refused.
"""

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from django.utils.translation import gettext as _

from comptoir.core.errors import ValidationFailed

URL_MAX_LENGTH = 2000
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Unicode categories a browser may drop or render invisibly: controls, format characters
# (zero-width, bidi overrides), separators (spaces, line and paragraph separators).
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cs", "Cn"}


def _refuse(message: str, code: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, field=field)


def _has_invisible(value: str) -> bool:
    return any(unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in value)


def _valid_hostname(host: str) -> str | None:
    """The host in ASCII (IDNA) if it is a DNS name or an IP address, else None."""
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return None
        return host.lower()
    try:
        ipaddress.IPv4Address(host)
        return host
    except ValueError:
        pass
    if re.fullmatch(r"[0-9.]+", host):  # looks like an IPv4 address but is not one
        return None
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = ascii_host[:-1].split(".") if ascii_host.endswith(".") else ascii_host.split(".")
    if not labels or len(ascii_host) > 253 or not all(_LABEL.match(lbl) for lbl in labels):
        return None
    return ascii_host


def validate_external_url(value, *, field: str = "url") -> str:
    """The URL, normalised (scheme and host in lower case), or ValidationFailed saying why.

    Used by the custom-app form, the API, the catalogue loader and the open redirect.
    """
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
    ascii_host = _valid_hostname(host)
    if ascii_host is None:
        raise _refuse(
            _("“%(host)s” is not a valid host name.") % {"host": host}, "url_bad_host", field
        )
    if port == 0:
        raise _refuse(_("The port number must be between 1 and 65535."), "url_bad_port", field)
    netloc = ascii_host if port is None else f"{ascii_host}:{port}"
    return urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment))


def is_safe_external_url(value) -> bool:
    try:
        validate_external_url(value)
    except ValidationFailed:
        return False
    return True
