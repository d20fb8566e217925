"""Addresses a tile may open: absolute http(s) with a host, nothing a browser reads otherwise."""

import pytest

from comptoir.core.errors import ValidationFailed
from comptoir.store.urls_safety import (
    URL_MAX_LENGTH,
    is_safe_external_url,
    is_safe_tile_url,
    validate_external_url,
    validate_tile_url,
)

HOSTILE_URLS = [
    # (url, expected error code)
    ("javascript:alert(1)", "url_scheme"),
    ("JavaScript:alert(document.cookie)", "url_scheme"),
    ("JAVASCRIPT:alert(1)", "url_scheme"),
    (" javascript:alert(1)", "url_scheme"),
    ("java\tscript:alert(1)", "url_invisible_characters"),
    ("java\nscript:alert(1)", "url_invisible_characters"),
    ("\x01javascript:alert(1)", "url_invisible_characters"),
    ("%6Aavascript:alert(1)", "url_scheme"),
    ("javascript://example.com/%0Aalert(1)", "url_scheme"),
    ("data:text/html,<script>alert(1)</script>", "url_scheme"),
    ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "url_scheme"),
    ("vbscript:msgbox(1)", "url_scheme"),
    ("file:///etc/passwd", "url_scheme"),
    ("ftp://files.example.com/x", "url_scheme"),
    ("mailto:someone@example.com", "url_scheme"),
    ("about:blank", "url_scheme"),
    ("blob:https://example.com/uuid", "url_scheme"),
    ("ws://example.com/socket", "url_scheme"),
    ("//evil.example/path", "url_scheme"),
    ("evil.example", "url_scheme"),
    ("/relative/path", "url_scheme"),
    ("https:evil.example", "url_malformed"),
    ("https:/evil.example", "url_malformed"),
    ("https:///evil.example", "url_malformed"),
    ("https:\\\\evil.example", "url_backslash"),
    ("https://good.example\\@evil.example", "url_backslash"),
    ("https://user:password@evil.example/", "url_credentials"),
    ("https://user@evil.example/", "url_credentials"),
    ("https://good.example@evil.example/", "url_credentials"),
    ("https://good.example:443@evil.example/", "url_credentials"),
    ("https://ev il.example/", "url_invisible_characters"),
    ("https://evil.example/\nSet-Cookie:x=1", "url_invisible_characters"),
    ("https://evil.example/\r\nLocation: javascript:alert(1)", "url_invisible_characters"),
    ("https://evil.example/\x00", "url_invisible_characters"),
    ("https://\u200bevil.example/", "url_invisible_characters"),
    ("https://evil.example/\u202egnp.exe", "url_invisible_characters"),
    ("https://evil.example/\u00a0", "url_invisible_characters"),
    ("https://evil.example/\u2028", "url_invisible_characters"),
    ("https://", "url_no_host"),
    ("http://", "url_no_host"),
    ("https://:443/", "url_no_host"),
    ("https://%65vil.example/", "url_bad_host"),
    ("https://exa_mple.example/", "url_bad_host"),
    ("https://-evil.example/", "url_bad_host"),
    ("https://evil..example/", "url_bad_host"),
    ("https://999.1.1.1/", "url_bad_host"),
    ("https://[::1/", "url_malformed"),
    ("https://evil.example:99999/", "url_malformed"),
    ("https://evil.example:port/", "url_malformed"),
    ("https://evil.example:0/", "url_bad_port"),
    ("https://<script>.example/", "url_bad_host"),
    ("https://fa\u00df.example/", "url_bad_host"),  # faß: fass or xn--fa-hia, by reader
    ("https://\u03c3\u03bf\u03c6\u03bf\u03c2.example/", "url_bad_host"),  # final sigma
    ("https://evil.example/" + "a" * URL_MAX_LENGTH, "url_too_long"),
    ("", "url_required"),
    ("   ", "url_required"),
    (None, "url_required"),
    (42, "url_required"),
]


def test_the_table_is_large_enough():
    assert len(HOSTILE_URLS) >= 30


@pytest.mark.parametrize(("url", "code"), HOSTILE_URLS)
def test_hostile_urls_are_refused_with_a_clear_message(url, code):
    with pytest.raises(ValidationFailed) as caught:
        validate_external_url(url, field="url")
    error = caught.value
    assert error.code == code
    assert error.field == "url"
    assert len(str(error.message)) > 20  # a sentence that says what to do
    assert not is_safe_external_url(url)


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://www.example.fr", "https://www.example.fr"),
        ("https://www.example.fr/", "https://www.example.fr/"),
        ("HTTPS://WWW.Example.FR/Path?Q=1#Frag", "https://www.example.fr/Path?Q=1#Frag"),
        (
            "http://intranet.cabinet.example:8080/agenda",
            "http://intranet.cabinet.example:8080/agenda",
        ),
        (
            "https://calendly.example/cabinet-dupont/30min",
            "https://calendly.example/cabinet-dupont/30min",
        ),
        ("  https://www.example.fr/a  ", "https://www.example.fr/a"),
        ("https://café.example/menu", "https://xn--caf-dma.example/menu"),
        ("http://127.0.0.1:8000/x", "http://127.0.0.1:8000/x"),
        ("http://[::1]:8000/x", "http://[::1]:8000/x"),
        (
            "https://example.fr/search?q=a%20b&x=%C3%A9",
            "https://example.fr/search?q=a%20b&x=%C3%A9",
        ),
        ("https://example.fr./", "https://example.fr./"),
    ],
)
def test_plain_addresses_pass_and_are_normalised(url, normalised):
    assert validate_external_url(url) == normalised
    assert is_safe_external_url(url)


# --- what a tile may open: the internet only -------------------------------------------------

# (url, code with local addresses refused, what demo mode makes of it: a URL or a code)
LOCAL_ADDRESSES = [
    ("http://127.0.0.1:8000/x", "url_local_address", "http://127.0.0.1:8000/x"),
    ("http://127.8.9.10/", "url_local_address", "http://127.8.9.10/"),
    ("http://[::1]:8000/x", "url_local_address", "http://[::1]:8000/x"),
    ("http://localhost:8000/", "url_local_address", "http://localhost:8000/"),
    ("http://LOCALHOST./", "url_local_address", "http://localhost./"),
    ("http://app.localhost/", "url_local_address", "http://app.localhost/"),
    ("http://imprimante.local/", "url_local_address", "http://imprimante.local/"),
    ("http://box.lan/", "url_local_address", "http://box.lan/"),
    ("http://routeur.home.arpa/", "url_local_address", "http://routeur.home.arpa/"),
    ("http://metadata.google.internal/", "url_local_address", "http://metadata.google.internal/"),
    ("http://nas/", "url_local_address", "http://nas/"),
    ("http://10.0.0.1/", "url_local_address", "http://10.0.0.1/"),
    ("http://172.16.4.2/", "url_local_address", "http://172.16.4.2/"),
    ("http://192.168.1.1/reboot", "url_local_address", "http://192.168.1.1/reboot"),
    ("http://169.254.169.254/latest/", "url_local_address", "http://169.254.169.254/latest/"),
    ("http://100.64.0.1/", "url_local_address", "http://100.64.0.1/"),
    ("http://0.0.0.0:8000/", "url_local_address", "http://0.0.0.0:8000/"),
    ("http://[fd00::1]/", "url_local_address", "http://[fd00::1]/"),
    ("http://[fe80::1]/", "url_local_address", "http://[fe80::1]/"),
    ("http://[::ffff:127.0.0.1]/", "url_local_address", "http://[::ffff:127.0.0.1]/"),
    ("http://[::ffff:7f00:1]/", "url_local_address", "http://[::ffff:7f00:1]/"),
    ("http://[::ffff:10.0.0.1]/", "url_local_address", "http://[::ffff:10.0.0.1]/"),
    ("http://[::]/", "url_local_address", "http://[::]/"),
    # Unicode that a browser maps to ASCII before reading the host (IDNA): fullwidth digits
    # and letters, ideographic full stops, circled letters.
    ("http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", "url_local_address", "http://127.0.0.1/"),
    ("http://127。0。0。1/", "url_local_address", "http://127.0.0.1/"),
    ("http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/", "url_local_address", "http://localhost/"),
    (
        "http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54:8000/",
        "url_local_address",
        "http://localhost:8000/",
    ),
    # Public, but a bare IP: a real application has a host name.
    ("https://8.8.8.8/", "url_ip_address", "https://8.8.8.8/"),
    ("https://[2001:4860:4860::8888]/", "url_ip_address", "https://[2001:4860:4860::8888]/"),
    # IPv4 in the spellings a browser reads but a person does not: refused even in the demo.
    ("http://0x7f000001/", "url_bad_host", "url_bad_host"),
    ("http://2130706433/", "url_bad_host", "url_bad_host"),
    ("http://0177.0.0.1/", "url_bad_host", "url_bad_host"),
    ("http://127.1/", "url_bad_host", "url_bad_host"),
    ("http://0x7f.0.0.1/", "url_bad_host", "url_bad_host"),
    ("http://127.0.0.1.0x1/", "url_bad_host", "url_bad_host"),
    ("http://\uff11\uff12\uff17.\uff11/", "url_bad_host", "url_bad_host"),
    ("http://1.2.3.0x4./", "url_bad_host", "url_bad_host"),
]

# Host names on the internet: accepted (no DNS lookup, whatever they resolve to).
INTERNET_ADDRESSES = [
    "https://www.example.fr/",
    "http://intranet.cabinet.example:8080/agenda",
    "https://1.2.3.4.example/",
    "https://123.example/",
    "https://0x7f.example/",
    "https://local.example.fr/",
    "https://localhost.example.fr/",
    "https://café.example/menu",
]


def test_tables_cover_the_issue():
    urls = {url for url, _, _ in LOCAL_ADDRESSES}
    for url in ("http://127.0.0.1:8000/x", "http://[::1]:8000/x", "http://0x7f000001/"):
        assert url in urls
    assert len(LOCAL_ADDRESSES) >= 30


@pytest.mark.parametrize(("url", "code", "_demo"), LOCAL_ADDRESSES)
def test_tiles_refuse_local_addresses_and_ip_literals(settings, url, code, _demo):
    settings.TILE_ALLOW_LOCAL_ADDRESSES = False
    with pytest.raises(ValidationFailed) as caught:
        validate_tile_url(url, field="url")
    assert caught.value.code == code
    assert caught.value.field == "url"
    assert len(str(caught.value.message)) > 30
    assert not is_safe_tile_url(url)


@pytest.mark.parametrize(("url", "_code", "demo"), LOCAL_ADDRESSES)
def test_the_demo_lets_local_addresses_through(settings, url, _code, demo):
    settings.TILE_ALLOW_LOCAL_ADDRESSES = True
    if demo.startswith("url_"):
        with pytest.raises(ValidationFailed) as caught:
            validate_tile_url(url)
        assert caught.value.code == demo
    else:
        assert validate_tile_url(url) == demo


@pytest.mark.parametrize("url", INTERNET_ADDRESSES)
def test_tiles_accept_internet_host_names(settings, url):
    settings.TILE_ALLOW_LOCAL_ADDRESSES = False
    assert validate_tile_url(url) == validate_external_url(url)


@pytest.mark.parametrize(("url", "code"), HOSTILE_URLS)
def test_tiles_refuse_every_hostile_url_for_the_same_reason(url, code):
    with pytest.raises(ValidationFailed) as caught:
        validate_tile_url(url, field="url")
    assert caught.value.code == code


def test_the_default_follows_the_mode():
    from django.conf import settings as django_settings

    # Test mode, like production: off. Demo mode turns it on (settings.py).
    assert django_settings.TILE_ALLOW_LOCAL_ADDRESSES is False
