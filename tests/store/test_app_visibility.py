"""Who gets an app's logo, page and launcher: every route, every role.

A company user (administrateur, collaborateur, invité) gets an app's logo and launcher only for
an app they were given (the launcher's rule, ``is_tile_opening_allowed``), and never the Store's
pages; anything else is 404, as if the app did not exist. A firm user gets the logos of the
catalogue (the platform's, the same for every firm) and of the firm's own custom apps. Another
firm's users get 404 for this firm's custom apps.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from comptoir.assignments.models import CompanyAssignment, UserAccess
from comptoir.store.models import LaunchEvent
from tests.conftest import client_for
from tests.factories import CompanyFactory, CompanyMembershipFactory, FirmMembershipFactory
from tests.store.factories import SVG, AppFactory, InstallationFactory

pytestmark = pytest.mark.django_db


@dataclass
class Apps:
    given: object  # custom app, assigned to the company, every company user has it
    admin_only: object  # custom app, assigned, only the company administrateur has it
    unassigned: object  # custom app in the space, not assigned to the company
    disabled: object  # custom app, assigned but switched off, users kept their access
    firm_only: object  # custom app for the firm only, users "given" it by a stale access
    catalogue_given: object  # catalogue app, assigned, every company user has it
    catalogue_unassigned: object  # catalogue app in the space, not assigned
    catalogue_uninstalled: object  # catalogue app the firm did not add


def _custom(firm, name, audience="both"):
    app = AppFactory(
        name=name,
        owner_firm=firm,
        audience=audience,
        category=None,
        logo_svg=SVG,
        logo_version="v1",
    )
    return InstallationFactory(firm=firm, app=app)


def _assign(installation, company, users, *, enabled=True):
    assignment = CompanyAssignment.objects.create(
        firm=installation.firm, installation=installation, company=company, enabled=enabled
    )
    for user in users:
        UserAccess.objects.create(firm=installation.firm, assignment=assignment, user=user)


@pytest.fixture
def users(firm, company, other_firm):
    other_company = CompanyFactory(firm=other_firm)
    return {
        "firm_admin": FirmMembershipFactory(firm=firm, role="admin").user,
        "firm_collaborator": FirmMembershipFactory(firm=firm, role="collaborator").user,
        "administrateur": CompanyMembershipFactory(company=company, role="administrateur").user,
        "collaborateur": CompanyMembershipFactory(company=company, role="collaborateur").user,
        "invite": CompanyMembershipFactory(company=company, role="invite").user,
        "other_firm_admin": FirmMembershipFactory(firm=other_firm, role="admin").user,
        "other_firm_company_user": CompanyMembershipFactory(
            company=other_company, role="administrateur"
        ).user,
    }


COMPANY_ROLES = ("administrateur", "collaborateur", "invite")
FIRM_ROLES = ("firm_admin", "firm_collaborator")
OTHER_FIRM = ("other_firm_admin", "other_firm_company_user")


@pytest.fixture
def apps(firm, company, users) -> Apps:
    everyone = [users[role] for role in COMPANY_ROLES]
    given = _custom(firm, "Prise de rendez-vous")
    _assign(given, company, everyone)
    admin_only = _custom(firm, "Tableau de bord")
    _assign(admin_only, company, [users["administrateur"]])
    unassigned = _custom(firm, "Blog du cabinet")
    disabled = _custom(firm, "Ancien outil")
    _assign(disabled, company, everyone, enabled=False)
    firm_only = _custom(firm, "Intranet du cabinet", audience="firm")
    _assign(firm_only, company, everyone)
    catalogue_given = InstallationFactory(firm=firm, app=AppFactory(name="Banque Ondine"))
    _assign(catalogue_given, company, everyone)
    catalogue_unassigned = InstallationFactory(firm=firm, app=AppFactory(name="Karteo"))
    return Apps(
        given=given,
        admin_only=admin_only,
        unassigned=unassigned,
        disabled=disabled,
        firm_only=firm_only,
        catalogue_given=catalogue_given,
        catalogue_unassigned=catalogue_unassigned,
        catalogue_uninstalled=AppFactory(name="Depensio"),
    )


def _app(apps: Apps, name: str):
    value = getattr(apps, name)
    return value if name == "catalogue_uninstalled" else value.app


def _installation(apps: Apps, name: str):
    return None if name == "catalogue_uninstalled" else getattr(apps, name)


# What each role may see: the logo and the launcher (the Store's pages are the firm's only).
COMPANY_SEES = {
    "administrateur": {"given", "admin_only", "catalogue_given"},
    "collaborateur": {"given", "catalogue_given"},
    "invite": {"given", "catalogue_given"},
}
APP_NAMES = [
    "given",
    "admin_only",
    "unassigned",
    "disabled",
    "firm_only",
    "catalogue_given",
    "catalogue_unassigned",
    "catalogue_uninstalled",
]
CUSTOM = {"given", "admin_only", "unassigned", "disabled", "firm_only"}


@pytest.mark.parametrize("role", COMPANY_ROLES)
@pytest.mark.parametrize("name", APP_NAMES)
def test_company_users_get_only_the_logos_of_apps_they_were_given(users, apps, role, name):
    client = client_for(users[role])
    response = client.get(_app(apps, name).logo_url)
    expected = 200 if name in COMPANY_SEES[role] else 404
    assert response.status_code == expected, (role, name)
    if expected == 200:
        assert response["Content-Type"] == "image/svg+xml"
        assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize("role", COMPANY_ROLES)
@pytest.mark.parametrize("name", [n for n in APP_NAMES if n != "catalogue_uninstalled"])
def test_company_users_open_only_the_apps_they_were_given(users, apps, role, name):
    client = client_for(users[role])
    response = client.get(reverse("portal:open", args=[_installation(apps, name).pk]))
    if name in COMPANY_SEES[role]:
        assert response.status_code == 302
        assert response.url == _app(apps, name).launch_url
    else:
        assert response.status_code == 404, (role, name)
    assert LaunchEvent.objects.count() == (1 if name in COMPANY_SEES[role] else 0)


@pytest.mark.parametrize("role", COMPANY_ROLES)
@pytest.mark.parametrize("name", APP_NAMES)
def test_company_users_never_get_the_stores_pages(users, apps, role, name):
    client = client_for(users[role])
    slug = _app(apps, name).slug
    for url_name in ("store:app_detail", "store:install"):
        assert client.get(reverse(url_name, args=[slug])).status_code == 404, (role, url_name)
    installation = _installation(apps, name)
    if installation is not None:
        for url_name in ("store:installation_edit", "store:installation_remove"):
            url = reverse(url_name, args=[installation.pk])
            assert client.get(url).status_code == 404, (role, url_name)


@pytest.mark.parametrize("role", COMPANY_ROLES)
def test_the_company_home_shows_the_logos_it_may_load(users, apps, role):
    client = client_for(users[role])
    tiles = client.get("/api/v1/home").json()
    names = {t["name"] for t in tiles}
    assert names == {_app(apps, n).name for n in COMPANY_SEES[role]}
    for tile in tiles:
        assert client.get(tile["logo"]).status_code == 200


@pytest.mark.parametrize("role", FIRM_ROLES)
@pytest.mark.parametrize("name", APP_NAMES)
def test_firm_users_get_the_catalogue_and_their_own_apps_logos(users, apps, role, name):
    client = client_for(users[role])
    assert client.get(_app(apps, name).logo_url).status_code == 200, (role, name)


@pytest.mark.parametrize("role", FIRM_ROLES)
def test_firm_users_open_the_apps_meant_for_the_firm(users, apps, role):
    client = client_for(users[role])
    for name in ("given", "firm_only", "catalogue_unassigned"):
        response = client.get(reverse("portal:open", args=[_installation(apps, name).pk]))
        assert response.status_code == 302, (role, name)


@pytest.mark.parametrize("role", OTHER_FIRM)
@pytest.mark.parametrize("name", sorted(CUSTOM))
def test_another_firms_users_get_404_for_our_custom_apps(users, apps, role, name):
    client = client_for(users[role])
    app, installation = _app(apps, name), _installation(apps, name)
    assert client.get(app.logo_url).status_code == 404
    assert client.get(reverse("portal:open", args=[installation.pk])).status_code == 404
    assert client.get(reverse("store:app_detail", args=[app.slug])).status_code == 404
    assert LaunchEvent.objects.count() == 0


@pytest.mark.parametrize("name", ["catalogue_given", "catalogue_unassigned"])
def test_another_firm_opens_none_of_our_installations(users, apps, name):
    client = client_for(users["other_firm_admin"])
    response = client.get(reverse("portal:open", args=[_installation(apps, name).pk]))
    assert response.status_code == 404


def test_a_catalogue_logo_is_the_platforms_in_any_firm(users, apps):
    """The catalogue's logos are the same for every firm: another firm's users see them."""
    client = client_for(users["other_firm_admin"])
    assert client.get(_app(apps, "catalogue_given").logo_url).status_code == 200
    company_user = client_for(users["other_firm_company_user"])
    assert company_user.get(_app(apps, "catalogue_given").logo_url).status_code == 404


def test_a_user_without_any_context_gets_no_logo(apps):
    from tests.factories import UserFactory

    client = client_for(UserFactory())
    assert client.get(_app(apps, "catalogue_given").logo_url).status_code == 404
    assert client.get(_app(apps, "given").logo_url).status_code == 404


def test_revoking_the_access_takes_the_logo_away(users, apps):
    client = client_for(users["collaborateur"])
    url = _app(apps, "given").logo_url
    assert client.get(url).status_code == 200
    UserAccess.objects.filter(user=users["collaborateur"]).delete()
    assert client.get(url).status_code == 404


def test_a_company_users_logo_costs_a_bounded_number_of_queries(
    users, apps, django_assert_max_num_queries
):
    client = client_for(users["invite"])
    url = _app(apps, "given").logo_url
    client.get(url)
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", COMPANY_ROLES)
def test_company_users_get_404_from_the_stores_api(users, apps, api_as, role):
    api = api_as(users[role])
    for name in APP_NAMES:
        app = _app(apps, name)
        response = api.get(f"/store/apps/{app.slug}")
        assert response.status_code == 404, (role, name, response.status_code)
        installation = _installation(apps, name)
        if installation is not None:
            assert api.get(f"/installations/{installation.pk}").status_code == 404
    assert api.get("/store/apps").status_code == 404
    tiles = api.get("/home").json()
    assert {t["name"] for t in tiles} == {_app(apps, n).name for n in COMPANY_SEES[role]}
