"""The Store page and the home tiles stay lean: flat query counts, a bounded page (the unused
apps are paged), cards and tiles built from plain values with the same addresses as
``reverse()``."""

import dataclasses
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.core.navigation import UrlPattern
from comptoir.portal import tiles as portal_tiles
from comptoir.store.models import App, Installation
from comptoir.store.views import CARDS_PER_PAGE
from comptoir.tenancy.contexts import resolve_context
from tests.conftest import client_for
from tests.store.factories import (
    AppFactory,
    AutomationAppFactory,
    CategoryFactory,
    InstallationFactory,
)

STORE = reverse("store:index")


def unused_slugs(html: str) -> list[str]:
    return re.findall(r'data-app="([^"]+)"', html.split('id="unused"')[1])


def space_slugs(html: str) -> list[str]:
    return re.findall(r'data-app="([^"]+)"', html.split('id="my-space"')[1].split('id="unused"')[0])


def make_unused(count: int) -> list[App]:
    category = CategoryFactory()
    return [AppFactory(category=category) for _ in range(count)]


def test_the_page_is_bounded_the_space_first_then_the_unused_apps(firm, firm_admin):
    admin = client_for(firm_admin)
    space = [InstallationFactory(firm=firm) for _ in range(CARDS_PER_PAGE + 2)]
    apps = make_unused(CARDS_PER_PAGE + 5)
    first = admin.get(STORE).content.decode()
    assert space_slugs(first) == [i.app.slug for i in space[:CARDS_PER_PAGE]]
    assert unused_slugs(first) == []
    # The totals, whatever the page; the other pages are said and linked.
    assert f"({CARDS_PER_PAGE + 2})" in first.split('id="unused"')[0]
    assert f"({CARDS_PER_PAGE + 5})" in first.split('id="unused"')[1]
    assert "Les applications non utilisées figurent sur les pages suivantes." in first
    assert 'rel="next"' in first and "page=2" in first
    second = admin.get(STORE, {"page": 2}).content.decode()
    assert space_slugs(second) == [i.app.slug for i in space[CARDS_PER_PAGE:]]
    assert len(unused_slugs(second)) == CARDS_PER_PAGE - 2
    third = admin.get(STORE, {"page": 3}).content.decode()
    assert space_slugs(third) == []
    assert "Les applications de votre espace figurent sur les pages précédentes." in third
    assert set(unused_slugs(second)) | set(unused_slugs(third)) == {a.slug for a in apps}
    # A page beyond the last shows the last one; a bad number the first: never a 500.
    assert unused_slugs(admin.get(STORE, {"page": 99}).content.decode()) == unused_slugs(third)
    assert space_slugs(admin.get(STORE, {"page": "x"}).content.decode()) == space_slugs(first)


def test_collaborators_get_their_space_paged(firm, firm_collaborator):
    collaborator = client_for(firm_collaborator)
    space = [InstallationFactory(firm=firm) for _ in range(CARDS_PER_PAGE + 1)]
    make_unused(3)
    first = collaborator.get(STORE).content.decode()
    assert 'id="unused"' not in first and len(space_slugs(first)) == CARDS_PER_PAGE
    second = collaborator.get(STORE, {"page": 2}).content.decode()
    assert space_slugs(second) == [space[-1].app.slug]


def test_paging_keeps_the_filters_and_the_htmx_partial(firm, firm_admin):
    admin = client_for(firm_admin)
    make_unused(CARDS_PER_PAGE + 2)
    robots = [AutomationAppFactory(name=f"Robot {i:02d}") for i in range(CARDS_PER_PAGE + 1)]
    partial = admin.get(
        STORE, {"type": "automation"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="store-results"
    ).content.decode()
    assert partial.startswith('<div id="store-results"') and "<html" not in partial
    assert "type=automation" in partial and "page=2" in partial
    second = admin.get(STORE, {"type": "automation", "page": 2}).content.decode()
    assert unused_slugs(second) == [robots[-1].slug]


@pytest.mark.parametrize("view", [{}, {"vue": "cartes"}], ids=["compact", "cards"])
def test_the_cards_addresses_are_those_of_reverse(view, firm, firm_admin):
    admin = client_for(firm_admin)
    robot = InstallationFactory(firm=firm, app=AutomationAppFactory(name="Robot & fils"))
    tile = InstallationFactory(firm=firm, app=AppFactory(name="Agenda"))
    custom = InstallationFactory(firm=firm, app=AppFactory(owner_firm=firm, logo_version=""))
    unused_simple, unused_settings = AppFactory(), AutomationAppFactory()
    html = admin.get(STORE, view).content.decode()
    for url in [
        reverse("store:app_detail", args=[robot.app.slug]),
        reverse("store:installation_edit", args=[robot.pk]),
        reverse("store:installation_remove", args=[robot.pk]),
        reverse("assignments:installation", args=[robot.pk]),
        reverse("store:tile_move", args=[tile.pk]),
        reverse("store:installation_edit", args=[custom.pk]),
        reverse("store:install", args=[unused_simple.slug]),
        reverse("store:install", args=[unused_settings.slug]),
        robot.app.logo_url,
    ]:
        assert f'"{url}"' in html, url
    assert reverse("store:installation_edit", args=[tile.pk]) not in html  # nothing to edit
    assert reverse("store:tile_move", args=[robot.pk]) not in html  # not a tile
    if view:  # the cards' link; the compact rows link the app's name itself
        assert 'aria-label="En savoir plus sur Robot &amp; fils"' in html  # escaped, in French
    else:
        assert ">Robot &amp; fils</a>" in html
    assert 'aria-label="Monter la tuile Agenda"' in html
    assert "Créée par votre cabinet" in html


def test_tile_move_from_the_single_form(firm, firm_admin):
    admin = client_for(firm_admin)
    a, b = InstallationFactory(firm=firm), InstallationFactory(firm=firm)
    html = admin.get(STORE).content.decode()
    form = html.split(f'action="{reverse("store:tile_move", args=[b.pk])}"')[1].split("</form>")[0]
    assert 'name="direction" value="up"' in form and 'name="direction" value="down"' in form
    response = admin.post(
        reverse("store:tile_move", args=[b.pk]), {"direction": "up", "next": STORE}
    )
    assert response.status_code == 302
    order = Installation.objects.filter(firm=firm).order_by("position", "id")
    assert list(order.values_list("pk", flat=True)) == [b.pk, a.pk]


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_store_page_queries_do_not_grow_with_the_catalogue(role, firm, django_assert_num_queries):
    from tests.factories import FirmMembershipFactory

    client = client_for(FirmMembershipFactory(firm=firm, role=role).user)

    def grow(n):
        for _ in range(n):
            InstallationFactory(firm=firm, app=AutomationAppFactory())
            InstallationFactory(firm=firm, app=AppFactory(owner_firm=firm))
        make_unused(n * 3)

    grow(1)
    client.get(STORE)
    with CaptureQueriesContext(connection) as small:
        assert client.get(STORE).status_code == 200
    grow(20)  # 40 installed and 60 unused apps: more than two pages
    for page in (1, 2, 3):
        with django_assert_num_queries(len(small.captured_queries)):
            assert client.get(STORE, {"page": page}).status_code == 200


def test_firm_tiles_are_one_query_of_values_with_reverse_addresses(
    firm, firm_admin, django_assert_num_queries
):
    with_logo = InstallationFactory(firm=firm, app=AppFactory(name="Agenda Cabinet"))
    without = InstallationFactory(firm=firm, app=AppFactory(name="lien-maison", logo_version=""))
    InstallationFactory(firm=firm, app=AutomationAppFactory())  # not a tile
    InstallationFactory(firm=firm, app=AppFactory(audience="company"))  # not the firm's
    context = resolve_context(firm_admin)
    with django_assert_num_queries(1):
        tiles = portal_tiles.home_tiles(context=context)
    assert tiles == [
        {
            "installation": with_logo.pk,
            "name": "Agenda Cabinet",
            "logo_url": with_logo.app.logo_url,
            "initials": with_logo.app.initials,
            "url_open": reverse("portal:open", args=[with_logo.pk]),
        },
        {
            "installation": without.pk,
            "name": "lien-maison",
            "logo_url": None,
            "initials": without.app.initials,
            "url_open": reverse("portal:open", args=[without.pk]),
        },
    ]
    for _ in range(10):
        InstallationFactory(firm=firm)
    with django_assert_num_queries(1):
        assert len(portal_tiles.home_tiles(context=context)) == 12


def test_firm_home_queries_do_not_grow_with_the_tiles(firm, firm_admin, django_assert_num_queries):
    client = client_for(firm_admin)
    InstallationFactory(firm=firm)
    client.get(reverse("portal:firm_home"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("portal:firm_home"))
    for _ in range(15):
        InstallationFactory(firm=firm)
    with django_assert_num_queries(len(small.captured_queries)):
        page = client.get(reverse("portal:firm_home"))
    assert page.content.decode().count('class="tile"') == 16


def test_url_pattern_is_reverse():
    pattern = UrlPattern("portal:logo", 2)
    assert pattern.format(12, "v3") == reverse("portal:logo", args=[12, "v3"])
    assert UrlPattern("store:app_detail").format("mon-appli") == reverse(
        "store:app_detail", args=["mon-appli"]
    )
    with pytest.raises(ValueError):
        pattern.format(12)  # as many values as the pattern has arguments


def test_company_tiles_are_one_query_without_the_user(firm, firm_admin, django_assert_num_queries):
    from comptoir.assignments import services
    from tests.factories import CompanyFactory, CompanyMembershipFactory

    company = CompanyFactory(firm=firm)
    user = CompanyMembershipFactory(company=company, role="collaborateur").user
    given = [InstallationFactory(firm=firm, app=AppFactory(audience="both")) for _ in range(3)]
    InstallationFactory(firm=firm, app=AppFactory(audience="both"))  # not given to the user
    for installation in given:
        services.role_grant_create(
            actor=firm_admin,
            installation=installation,
            companies="all",
            roles=["collaborateur"],
            include_future_users=False,
        )
    context = resolve_context(user)
    # A membership with neither its user nor its company loaded: the tiles need only their ids.
    membership = type(context.company_membership).objects.get(pk=context.company_membership.pk)
    context = dataclasses.replace(context, company_membership=membership)
    with django_assert_num_queries(1):
        tiles = portal_tiles.home_tiles(context=context)
    assert [t["installation"] for t in tiles] == [i.pk for i in given]
    assert tiles[0]["url_open"] == reverse("portal:open", args=[given[0].pk])
    assert tiles[0]["logo_url"] == given[0].app.logo_url
