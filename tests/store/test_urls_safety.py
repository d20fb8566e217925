"""Addresses a tile may open: absolute http(s) with a host, nothing a browser reads otherwise."""

import pytest

from comptoir.core.errors import ValidationFailed
from comptoir.store.urls_safety import URL_MAX_LENGTH, is_safe_external_url, validate_external_url

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
