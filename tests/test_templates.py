"""The templates as files and as rendered pages: stylesheets in <head> only (through base.html's
``{% block styles %}``), whatever page or partial needs them; template tags that never query
the database (the views read, the tags format); icons as inline SVG, no emoji glyph."""

import ast
import re
from pathlib import Path

import pytest
from django.urls import reverse

from comptoir.documents import services as document_services
from tests.conftest import client_for
from tests.factories import uploaded_file

SRC = Path(__file__).resolve().parent.parent / "src" / "comptoir"
TEMPLATES = sorted(p for p in SRC.rglob("*.html") if "templates" in p.parts)
STYLESHEET = re.compile(r"<link\b[^>]*\brel=\"stylesheet\"")


def test_templates_are_found():
    assert len(TEMPLATES) > 100


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_a_stylesheet_is_linked_in_the_head_only(path):
    text = path.read_text()
    if "</head>" in text:
        # base.html, and the error pages that stand alone (no base.html, no database).
        body = text.split("</head>", 1)[1]
        assert not STYLESHEET.search(body), "a stylesheet after </head>"
        return
    outside = re.sub(r"\{% block styles %\}.*?\{% endblock %\}", "", text, flags=re.S)
    assert not STYLESHEET.search(outside), (
        "link the stylesheet in {% block styles %} of the page (base.html puts it in <head>)"
    )


def _links_after_head(html: str) -> list[str]:
    _, _, body = html.partition("</head>")
    assert body, "no </head>"
    return STYLESHEET.findall(body)


@pytest.fixture
def document(company, firm_admin, media_root):
    return document_services.document_upload(
        actor=firm_admin, company=company, folder="achats", file=uploaded_file("facture.pdf")
    )


def test_pages_and_their_partials_get_their_stylesheets_in_the_head(firm_admin, company, document):
    client = client_for(firm_admin)
    pages = {
        reverse("store:index"): ["store/store.css"],
        reverse("companies:users", args=[company.pk]): ["assignments/assignments.css"],
        reverse("documents:firm_company_documents", args=[company.pk]): ["documents/documents.css"],
        reverse("documents:detail", args=[document.pk]): [
            "documents/documents.css",
            "deliveries/deliveries.css",
        ],
        reverse("deliveries:index"): ["deliveries/deliveries.css"],
        reverse("firms:security"): [],
    }
    for url, sheets in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        head = html.partition("</head>")[0]
        for sheet in ["comptoir/app.css", *sheets]:
            assert head.count(f"/static/{sheet}") == 1, (url, sheet)
        assert _links_after_head(html) == [], url


TAG_MODULES = sorted(SRC.glob("*/templatetags/*.py"))
# Pure functions that live in a selectors module but read nothing: they shape rows already read.
PURE = {("comptoir.assignments.selectors", "user_app_choices")}


@pytest.mark.parametrize("path", TAG_MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_a_template_tag_reads_nothing_from_the_database(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            assert node.attr != "objects", f"{path.name}:{node.lineno} queries a model"
        if isinstance(node, ast.ImportFrom) and node.module:
            last = node.module.rsplit(".", 1)[-1]
            for alias in node.names:
                name = alias.name
                reads = last in {"models", "selectors", "services"} or name in {
                    "models",
                    "selectors",
                    "services",
                }
                assert not reads or (node.module, name) in PURE, (
                    f"{path.name}:{node.lineno} imports {node.module}.{name}: "
                    "read in the view (or its selector) and pass the result to the template"
                )
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name.rsplit(".", 1)[-1] not in {"models", "selectors", "services"}


def test_the_tag_modules_are_found():
    assert len(TAG_MODULES) >= 4


# Emoji and symbol glyphs show as empty boxes without an emoji font: icons are {% icon %} SVGs.
GLYPHS = re.compile(
    "[\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\uff0b\U0001f000-\U0001faff]"
)
# Arrows are text (the Store's ↑/↓ buttons, "→" in a sentence), not pictures.
TEXT_ARROWS = set("←↑→↓")


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_emoji_or_symbol_glyph_in_a_template(path):
    found = {c for c in GLYPHS.findall(path.read_text()) if c not in TEXT_ARROWS}
    assert not found, f"use {{% icon %}} (templates/icons/) instead of {sorted(found)}"


def test_an_icon_is_an_inline_svg_hidden_from_screen_readers():
    from django.template import Context, Template, TemplateSyntaxError

    from comptoir.core.templatetags.icons import ICONS

    for name in ICONS:
        html = Template('{% load icons %}{% icon "' + name + '" %}').render(Context())
        assert html.startswith(f'<svg class="icon icon--{name}" aria-hidden="true"')
        assert 'focusable="false"' in html and html.endswith("</svg>")
    with pytest.raises(TemplateSyntaxError, match="Unknown icon"):
        Template('{% load icons %}{% icon "rocket" %}').render(Context())


def test_the_store_shows_svg_icons_beside_their_words(firm_admin, firm):
    from tests.store.factories import AppFactory, InstallationFactory

    InstallationFactory(firm=firm, app=AppFactory(name="Agenda"))
    AppFactory(name="Banque")
    html = client_for(firm_admin).get(reverse("store:index")).content.decode()
    for name in ("check", "cross", "remove", "add"):
        assert f'<svg class="icon icon--{name}" aria-hidden="true"' in html, name
    assert not {c for c in GLYPHS.findall(html) if c not in TEXT_ARROWS}
