"""A Content-Security-Policy on every page, and pages that need nothing it forbids.

The walk renders every named page of the site (the URL resolver's list, with the objects of
tests/test_every_url_cross_firm.py, seen from their own firm), its HTMX partials, the Django
admin and the API docs, and checks: the header is there, scripts come only from our own files
(no 'unsafe-inline', no 'unsafe-eval'), and the HTML holds no inline script, no ``on…=``
handler, no ``javascript:`` link and no ``style=`` attribute; the one <style> block carries the
request's nonce. tests/browser/ checks that Chromium reports no violation on real pages.
"""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin as django_admin
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from comptoir.firms.models import FirmMembership
from tests import test_every_url_cross_firm as cross_firm
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.test_every_url_cross_firm import NO_TENANT_OBJECT, _named_patterns, _page_cases

theirs = cross_firm.theirs  # the other firm's objects, here seen from their own firm

pytestmark = pytest.mark.django_db

EXECUTABLE_TYPES = {"", "text/javascript", "application/javascript", "module"}


def _is_javascript(url: str | None) -> bool:
    return bool(url) and re.sub(r"[\s\x00-\x1f]", "", url).lower().startswith("javascript:")


class PageScan(HTMLParser):
    """What a page holds that a strict policy would block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inline_scripts: list[str] = []  # executable <script> without src
        self.data_scripts: list[str] = []  # <script type="application/json"> and the like
        self.handlers: list[str] = []
        self.style_attributes: list[str] = []
        self.style_nonces: list[str | None] = []
        self.javascript_urls: list[str] = []
        self._in_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.style_attributes.append(f"<{tag} style={value!r}>")
            if name in ("href", "src", "action", "formaction") and _is_javascript(value):
                self.javascript_urls.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self._in_script = attributes
        if tag == "style":
            self.style_nonces.append(attributes.get("nonce"))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is None or self._in_script.get("src"):
            return
        kind = (self._in_script.get("type") or "").strip().lower()
        (self.inline_scripts if kind in EXECUTABLE_TYPES else self.data_scripts).append(data)
        self._in_script = {"src": "seen"}  # one entry per element


def scan(html: str) -> PageScan:
    parser = PageScan()
    parser.feed(html)
    return parser


def policy(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def check_policy(response) -> dict[str, list[str]]:
    directives = policy(response)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts == ["'self'"], directives
    assert "'unsafe-inline'" not in directives.get("style-src", [])
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["img-src"] == ["'self'", "data:"]
    return directives


def check_any(response) -> None:
    """Every response carries a policy, HTML or not (an image, a redirect, a 405...): ours, or a
    stricter one of its own (the logos': default-src 'none')."""
    directives = policy(response)
    if directives.get("default-src") == ["'none'"]:
        assert "script-src" not in directives and "sandbox" in directives
    else:
        check_policy(response)


def check_html(response, *, ours: bool = True) -> None:
    path = response.request["PATH_INFO"]
    directives = check_policy(response)
    found = scan(response.content.decode())
    assert not found.inline_scripts, (path, found.inline_scripts)
    assert not found.handlers, (path, found.handlers)
    assert not found.javascript_urls, (path, found.javascript_urls)
    if ours:
        assert not found.data_scripts, (path, found.data_scripts)
        assert not found.style_attributes, (path, found.style_attributes)
        allowed = {w.removeprefix("'nonce-").removesuffix("'") for w in directives["style-src"]}
        for nonce in found.style_nonces:
            assert nonce and nonce in allowed, (path, nonce, directives["style-src"])


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def _pages(t):
    cases = _page_cases(t)
    for name, pattern in _named_patterns():
        if name in NO_TENANT_OBJECT:
            continue
        if pattern.pattern.regex.groupindex:
            yield name, reverse(name, kwargs=cases[name])
        else:
            yield name, reverse(name)


@pytest.fixture
def their_users(theirs):
    admin = FirmMembership.objects.filter(role="admin").exclude(user=theirs.member).first().user
    return {"firm admin": admin, "company administrateur": theirs.member}


def test_every_page_has_the_policy_and_nothing_it_forbids(theirs, their_users):
    rendered = set()
    for label, user in their_users.items():
        client = client_for(user)
        for name, url in _pages(theirs):
            response = client.get(url)
            check_any(response)
            if is_html(response) and response.status_code == 200:
                check_html(response)
                rendered.add(name)
            # The same page asked by htmx (a partial, when the view has one).
            partial = client.get(url, headers={"HX-Request": "true", "HX-Target": "x"})
            if is_html(partial) and partial.status_code in (200, 422):
                check_html(partial)
        assert label
    # The walk really rendered pages, not just 404s and redirects.
    for name in (
        "portal:firm_home",
        "store:index",
        "store:app_detail",
        "store:installation_edit",
        "companies:list",
        "companies:detail",
        "documents:detail",
        "assignments:installation",
    ):
        assert name in rendered, f"{name} was not rendered: {sorted(rendered)}"
    assert len(rendered) >= 25, sorted(rendered)


def test_the_store_filter_partial_and_refused_forms_are_clean(admin_client_):
    response = admin_client_.get(
        reverse("store:index"),
        {"q": "x"},
        headers={"HX-Request": "true", "HX-Target": "store-results"},
    )
    assert response.status_code == 200
    check_html(response)
    refused = admin_client_.post(
        reverse("store:custom_app_create"), {"name": "X", "url": "javascript:alert(1)"}
    )
    assert refused.status_code == 422
    check_html(refused)


def test_anonymous_pages_and_errors(client):
    for url in ("/connexion/", "/mot-de-passe-oublie/", "/nulle-part/"):
        response = client.get(url)
        if is_html(response):
            check_html(response)
        else:
            check_any(response)
    assert client.get("/nulle-part/").status_code == 404


def test_the_brand_colours_come_in_the_nonce_style_block(admin_client_, firm):
    firm.brand_colour = "#aa3300"
    firm.save(update_fields=["brand_colour"])
    response = admin_client_.get(reverse("portal:firm_home"))
    html = response.content.decode()
    match = re.search(r'<style nonce="([^"]+)">([^<]*)</style>', html)
    assert match and "--brand: #aa3300" in match.group(2)
    assert f"'nonce-{match.group(1)}'" in policy(response)["style-src"]
    # A fresh nonce per response.
    again = re.search(r'<style nonce="([^"]+)">', admin_client_.get("/").content.decode())
    assert again is None or again.group(1) != match.group(1)


def test_htmx_runs_without_eval_inline_scripts_or_injected_styles(admin_client_):
    html = admin_client_.get(reverse("portal:firm_home")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert config, "htmx-config meta missing"
    for setting in (
        '"allowEval":false',
        '"allowScriptTags":false',
        '"includeIndicatorStyles":false',
    ):
        assert setting in config.group(1)
    assert re.search(r'<script src="[^"]*htmx[^"]*\.js" defer></script>', html)


def test_the_500_page_has_no_inline_style():
    found = scan(render_to_string("500.html"))
    assert not found.style_nonces and not found.style_attributes and not found.inline_scripts


def test_the_logo_keeps_its_own_stricter_policy(admin_client_, firm):
    from tests.store.factories import AppFactory

    response = admin_client_.get(AppFactory().logo_url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("default-src 'none'")


@pytest.fixture
def operator():
    user = UserFactory(email="operateur@comptoir.test")
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client = Client()
    client.force_login(user)
    return client


def test_the_django_admin_runs_under_the_policy(operator, theirs):
    pages = [reverse("admin:index")]
    for model in django_admin.site._registry:
        meta = model._meta
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    pages.append(reverse("admin:store_app_change", args=[theirs.custom_app.pk]))
    pages.append(reverse("admin:companies_company_change", args=[theirs.company.pk]))
    checked = 0
    for url in pages:
        response = operator.get(url)
        if response.status_code == 200 and is_html(response):
            check_html(response, ours=False)
            checked += 1
        else:
            check_any(response)
    assert checked >= 10


def test_the_api_docs_use_the_local_swagger_ui_under_the_policy(admin_client_):
    response = admin_client_.get("/api/v1/docs")
    assert response.status_code == 200
    check_html(response, ours=False)
    html = response.content.decode()
    assert "cdn.jsdelivr.net" not in html
    sources = re.findall(r'<script[^>]* src="([^"]+)"', html)
    assert sources and all(src.startswith("/static/") for src in sources), sources
