"""The Store at a glance: the compact view (the default) lists one row per app under its
category heading; ``?vue=cartes`` shows the cards, and the choice stays in the query string."""

import re

from django.urls import reverse

from tests.conftest import client_for
from tests.store.factories import (
    AppFactory,
    AutomationAppFactory,
    CategoryFactory,
    InstallationFactory,
)

STORE = reverse("store:index")


def rows(html: str) -> list[str]:
    return re.findall(r'<li class="app-row" data-app="([^"]+)"', html)


def test_the_compact_view_is_the_default_and_groups_by_category(firm, firm_admin):
    tools = CategoryFactory(name_fr="Outils", order=2)
    compta = CategoryFactory(name_fr="Comptabilité", order=1)
    agenda = InstallationFactory(firm=firm, app=AppFactory(name="Agenda", category=tools))
    ledger = InstallationFactory(firm=firm, app=AppFactory(name="Grand livre", category=compta))
    unused = AppFactory(name="Paie", category=compta)
    html = client_for(firm_admin).get(STORE).content.decode()
    assert 'class="app-card"' not in html
    space, rest = html.split('id="my-space"')[1].split('id="unused"')
    # The categories in their order, each a heading followed by its rows.
    assert re.findall(r'<h3 class="store-category">([^<]+)</h3>', space) == [
        "Comptabilité",
        "Outils",
    ]
    assert rows(space) == [ledger.app.slug, agenda.app.slug]
    assert re.findall(r'<h3 class="store-category">([^<]+)</h3>', rest) == ["Comptabilité"]
    assert rows(rest) == [unused.slug]
    assert '<strong aria-current="true">Vue compacte</strong>' in html
    assert 'href="?vue=cartes">Vue en cartes</a>' in html


def test_cards_on_request_and_the_choice_kept_in_the_query_string(firm, firm_admin):
    InstallationFactory(firm=firm)
    AppFactory()
    admin = client_for(firm_admin)
    html = admin.get(STORE, {"vue": "cartes", "type": "redirect"}).content.decode()
    assert html.count('class="app-card"') == 2 and rows(html) == []
    assert '<strong aria-current="true">Vue en cartes</strong>' in html
    assert 'href="?type=redirect">Vue compacte</a>' in html
    # The filters keep the view (a hidden field), and so does the HTMX partial's toggle.
    assert '<input type="hidden" name="vue" value="cartes">' in html
    partial = admin.get(
        STORE, {"vue": "cartes"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="store-results"
    ).content.decode()
    assert 'class="app-card"' in partial and "Vue compacte</a>" in partial
    # An unknown view is the compact one, never an error.
    other = admin.get(STORE, {"vue": "<x>"})
    assert other.status_code == 200 and rows(other.content.decode())


def test_visible_to_is_spelled_out(firm, firm_admin):
    for audience in ("firm", "company", "both"):
        InstallationFactory(firm=firm, app=AppFactory(audience=audience))
    html = client_for(firm_admin).get(STORE).content.decode()
    for words in ("Cabinet", "Entreprises", "Cabinet et entreprises"):
        assert f'<span class="app-row__audience">Visible par\xa0: {words}</span>' in html


def test_no_edit_link_for_an_app_with_nothing_to_set(firm, firm_admin):
    plain = InstallationFactory(firm=firm, app=AppFactory(name="Sans réglage"))
    with_settings = InstallationFactory(firm=firm, app=AutomationAppFactory())
    custom = InstallationFactory(firm=firm, app=AppFactory(owner_firm=firm))
    admin = client_for(firm_admin)
    for view in ({}, {"vue": "cartes"}):
        html = admin.get(STORE, view).content.decode()
        assert reverse("store:installation_edit", args=[plain.pk]) not in html
        assert "Modifier Sans réglage" not in html
        assert f'href="{reverse("store:installation_edit", args=[with_settings.pk])}"' in html
        assert f'href="{reverse("store:installation_edit", args=[custom.pk])}"' in html


def test_logos_load_lazily_with_their_size(firm, firm_admin):
    InstallationFactory(firm=firm)
    AppFactory()
    admin = client_for(firm_admin)
    for view in ({}, {"vue": "cartes"}):
        logos = re.findall(r"<img [^>]*>", admin.get(STORE, view).content.decode())
        store_logos = [tag for tag in logos if "logo" in tag and "/logo" in tag]
        assert len(store_logos) == 2, logos
        for tag in store_logos:
            assert 'loading="lazy"' in tag and 'width="' in tag and 'height="' in tag


def test_the_tile_order_is_explained_next_to_its_buttons(firm, firm_admin):
    tile = InstallationFactory(firm=firm)
    html = client_for(firm_admin).get(STORE).content.decode()
    assert 'id="tile-order-help"' in html and "ordre des tuiles sur la page d" in html
    move = html.split(f'action="{reverse("store:tile_move", args=[tile.pk])}"')[1]
    assert 'aria-describedby="tile-order-help"' in move.split("</form>")[0]


def test_the_compact_page_stays_small(firm, firm_admin):
    category = CategoryFactory()
    for _ in range(60):
        InstallationFactory(firm=firm, app=AppFactory(category=category))
    for _ in range(60):
        AppFactory(category=category)
    html = client_for(firm_admin).get(STORE).content
    assert len(rows(html.decode())) == 48  # paged
    assert len(html) < 150 * 1024
