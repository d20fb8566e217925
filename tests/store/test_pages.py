"""The Store pages, the tile launcher, the logos and the firm home page's tiles."""

import io
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from comptoir.store import services
from comptoir.store.models import App, Installation, LaunchEvent
from tests.conftest import client_for
from tests.factories import CompanyMembershipFactory
from tests.store.factories import (
    AppFactory,
    AutomationAppFactory,
    CategoryFactory,
    InstallationFactory,
)

STORE = reverse("store:index")


class LinkParser(HTMLParser):
    """Collects every <a> with its attributes."""

    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs))


def links(response):
    parser = LinkParser()
    parser.feed(response.content.decode())
    return parser.links


@pytest.fixture
def admin(firm_admin):
    return client_for(firm_admin)


@pytest.fixture
def collaborator(firm_collaborator):
    return client_for(firm_collaborator)


# --- the Store page ----------------------------------------------------------------------------


def test_admins_see_both_lists(admin, installation):
    unused = AppFactory(name="Zèbre Paie")
    response = admin.get(STORE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="my-space"' in html and 'id="unused"' in html
    assert installation.app.name in html and unused.name in html
    assert reverse("store:custom_app_create") in html


def test_collaborators_never_see_the_unused_list(collaborator, installation):
    unused = AppFactory(name="Zèbre Paie")
    html = collaborator.get(STORE).content.decode()
    assert installation.app.name in html
    assert 'id="unused"' not in html and unused.name not in html
    assert reverse("store:custom_app_create") not in html
    assert reverse("store:installation_remove", args=[installation.pk]) not in html


def test_filters_and_the_htmx_partial(admin, firm):
    banks = CategoryFactory(slug="banques")
    InstallationFactory(firm=firm, app=AppFactory(name="Banque Alpha", category=banks))
    AutomationAppFactory(name="Banque Robot", category=banks)
    AppFactory(name="Agenda")
    html = admin.get(STORE, {"category": "banques"}).content.decode()
    assert "Banque Alpha" in html and "Banque Robot" in html and "Agenda" not in html
    html = admin.get(STORE, {"type": "automation"}).content.decode()
    assert "Banque Robot" in html and "Banque Alpha" not in html
    partial = admin.get(
        STORE, {"q": "agen"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="store-results"
    )
    body = partial.content.decode()
    assert body.startswith('<div id="store-results"') and "<html" not in body
    assert "Agenda" in body and "Banque" not in body
    assert admin.get(STORE, {"category": "<script>"}).status_code == 200  # ignored, not 500


def test_company_users_and_strangers_have_no_store(company_admin, client):
    assert client_for(company_admin).get(STORE).status_code == 404
    assert client.get(STORE).status_code == 302  # to the login page


def test_the_store_page_uses_a_constant_number_of_queries(
    admin, firm, django_assert_max_num_queries
):
    def make(n):
        for _ in range(n):
            category = CategoryFactory()
            InstallationFactory(firm=firm, app=AppFactory(category=category))
            AppFactory(category=category)
            AutomationAppFactory(category=category)

    make(2)
    admin.get(STORE)
    with django_assert_max_num_queries(30) as small:
        assert admin.get(STORE).status_code == 200
    make(25)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert admin.get(STORE).status_code == 200


# --- "En savoir plus" --------------------------------------------------------------------------


def test_learn_more_shows_the_description_and_business_model(admin, automation_app):
    response = admin.get(reverse("store:app_detail", args=[automation_app.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Une longue description." in html and "Abonnement mensuel." in html
    assert reverse("store:install", args=[automation_app.slug]) in html


def test_learn_more_is_404_for_what_the_user_may_not_see(admin, collaborator, other_firm):
    theirs = AppFactory(owner_firm=other_firm)
    assert admin.get(reverse("store:app_detail", args=[theirs.slug])).status_code == 404
    unused = AppFactory()
    assert collaborator.get(reverse("store:app_detail", args=[unused.slug])).status_code == 404


# --- add, edit, remove -------------------------------------------------------------------------


def test_add_an_app_without_settings_in_one_click(admin, firm, redirect_app):
    response = admin.post(reverse("store:install", args=[redirect_app.slug]))
    assert response.status_code == 302 and response.url == STORE
    assert Installation.objects.filter(firm=firm, app=redirect_app).exists()
    html = admin.get(STORE).content.decode()
    assert 'class="message message--success"' in html
    assert (
        f'data-app="{redirect_app.slug}"' in html.split('id="my-space"')[1].split('id="unused"')[0]
    )


def test_add_an_app_with_its_settings_form(admin, firm, automation_app):
    url = reverse("store:install", args=[automation_app.slug])
    form = admin.get(url).content.decode()
    assert 'name="api_url"' in form and 'type="password"' in form
    refused = admin.post(url, {"api_url": "javascript:alert(1)", "api_key": "k"})
    assert refused.status_code == 422
    assert not Installation.objects.exists()
    assert "https://" in refused.content.decode()  # the message says what to write
    done = admin.post(
        url, {"api_url": "https://api.partner.example", "api_key": "k-99", "mode": ""}
    )
    assert done.status_code == 302
    installation = Installation.objects.get(firm=firm)
    edit = admin.get(reverse("store:installation_edit", args=[installation.pk])).content.decode()
    assert "k-99" not in edit and "https://api.partner.example" in edit


def test_collaborators_get_403_on_every_admin_page(collaborator, installation, redirect_app):
    pk = installation.pk
    gets = [
        reverse("store:install", args=[redirect_app.slug]),
        reverse("store:installation_edit", args=[pk]),
        reverse("store:installation_remove", args=[pk]),
        reverse("store:custom_app_create"),
        reverse("audit:index"),
    ]
    assert [collaborator.get(url).status_code for url in gets] == [403] * 5
    posts = [*gets[:4], reverse("store:tile_move", args=[pk])]
    assert [collaborator.post(url).status_code for url in posts] == [403] * 5
    assert Installation.objects.filter(pk=pk).exists()
    assert not App.objects.filter(owner_firm__isnull=False).exists()


def test_other_firms_rows_are_404_on_every_page(admin, other_installation, other_firm):
    pk = other_installation.pk
    theirs = AppFactory(owner_firm=other_firm)
    urls = [
        reverse("store:installation_edit", args=[pk]),
        reverse("store:installation_remove", args=[pk]),
        reverse("store:install", args=[theirs.slug]),
        reverse("store:app_detail", args=[theirs.slug]),
        reverse("portal:open", args=[pk]),
    ]
    assert [admin.get(url).status_code for url in urls] == [404] * 5
    assert admin.post(reverse("store:installation_remove", args=[pk])).status_code == 404
    assert admin.post(reverse("store:tile_move", args=[pk])).status_code == 404
    assert Installation.objects.filter(pk=pk).exists()


def test_edit_settings(admin, firm, firm_admin, automation_app):
    installation = services.installation_add(
        actor=firm_admin,
        firm=firm,
        app=automation_app,
        settings={"api_url": "https://a.example", "api_key": "s3cret"},
    )
    url = reverse("store:installation_edit", args=[installation.pk])
    response = admin.post(url, {"api_url": "https://b.example", "api_key": "", "mode": "test"})
    assert response.status_code == 302
    installation.refresh_from_db()
    assert installation.settings["api_url"] == "https://b.example"
    assert "$encrypted" in installation.settings["api_key"]


def test_remove_shows_the_impact_then_removes(admin, installation):
    url = reverse("store:installation_remove", args=[installation.pk])
    page = admin.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and 'id="removal-impact"' in html
    for key in ("companies", "users", "connections", "pending_deliveries"):
        assert f'data-impact="{key}"' in html
    assert Installation.objects.filter(pk=installation.pk).exists()  # nothing yet
    assert admin.post(url).status_code == 302
    assert not Installation.objects.filter(pk=installation.pk).exists()


def test_create_a_custom_app_with_a_logo(admin, firm):
    buffer = io.BytesIO()
    Image.new("RGB", (80, 80), "#123456").save(buffer, format="PNG")
    response = admin.post(
        reverse("store:custom_app_create"),
        {
            "name": "Notre blog",
            "url": "https://blog.cabinet.example",
            "description": "Actualités",
            "audience": "both",
            "assign_to_all_companies": "on",
            "roles": ["invite"],
            "logo": SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    app = App.objects.get(owner_firm=firm)
    assert app.custom_options == {"assign_to_all_companies": True, "roles": ["invite"]}
    logo = admin.get(app.logo_url)
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "https://u:p@evil.example", "data:,x"])
def test_a_hostile_custom_app_address_is_refused_on_the_form(admin, url):
    response = admin.post(
        reverse("store:custom_app_create"), {"name": "X", "url": url, "audience": "both"}
    )
    assert response.status_code == 422
    assert 'class="field field--error' in response.content.decode()
    assert not App.objects.exists()


def test_an_svg_logo_is_refused_on_the_form(admin):
    svg = SimpleUploadedFile("logo.svg", b"<svg onload='alert(1)'/>", content_type="image/svg+xml")
    response = admin.post(
        reverse("store:custom_app_create"),
        {"name": "X", "url": "https://x.example", "audience": "both", "logo": svg},
    )
    assert response.status_code == 422
    assert not App.objects.exists()


def test_tile_move(admin, firm):
    a = InstallationFactory(firm=firm, position=0)
    b = InstallationFactory(firm=firm, position=1)
    response = admin.post(
        reverse("store:tile_move", args=[b.pk]),
        {"direction": "up", "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response.url == STORE
    assert list(Installation.objects.order_by("position").values_list("pk", flat=True)) == [
        b.pk,
        a.pk,
    ]


# --- the launcher ------------------------------------------------------------------------------


def test_open_records_the_launch_and_redirects(admin, firm_admin, installation):
    response = admin.get(reverse("portal:open", args=[installation.pk]))
    assert response.status_code == 302
    assert response.url == "https://agenda.partenaire.example/rdv"
    assert response["Referrer-Policy"] == "no-referrer"
    launch = LaunchEvent.objects.get()
    assert (launch.user, launch.installation, launch.company) == (firm_admin, installation, None)


def test_open_is_404_for_what_the_user_may_not_open(admin, firm, company, other_installation):
    automation = InstallationFactory(firm=firm, app=AutomationAppFactory())
    company_only = InstallationFactory(firm=firm, app=AppFactory(audience="company"))
    for pk in (automation.pk, company_only.pk, other_installation.pk, 99999):
        assert admin.get(reverse("portal:open", args=[pk])).status_code == 404
    company_user = client_for(CompanyMembershipFactory(company=company).user)
    assert company_user.get(reverse("portal:open", args=[company_only.pk])).status_code == 404
    assert not LaunchEvent.objects.exists()


def test_a_tampered_address_is_not_followed(admin, installation):
    App.objects.filter(pk=installation.app_id).update(launch_url="javascript:alert(1)")
    assert admin.get(reverse("portal:open", args=[installation.pk])).status_code == 404


def test_open_needs_a_login(client, installation):
    response = client.get(reverse("portal:open", args=[installation.pk]))
    assert response.status_code == 302 and "connexion" in response.url


# --- logos -------------------------------------------------------------------------------------


def test_catalogue_logos_are_served_inert(admin, redirect_app):
    response = admin.get(redirect_app.logo_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "immutable" in response["Cache-Control"]


def test_another_firms_custom_logo_is_404(admin, other_firm):
    theirs = AppFactory(owner_firm=other_firm)
    assert admin.get(theirs.logo_url).status_code == 404
    assert (
        admin.get(reverse("portal:logo", args=[AppFactory(logo_version="").pk, "x"])).status_code
        == 404
    )


# --- the firm home page ------------------------------------------------------------------------


def test_home_tiles_open_in_a_new_tab_without_referrer(admin, firm):
    tiles = [InstallationFactory(firm=firm, app=AppFactory(audience=a)) for a in ("firm", "both")]
    InstallationFactory(firm=firm, app=AppFactory(name="Pour les clients", audience="company"))
    InstallationFactory(firm=firm, app=AutomationAppFactory(name="Robot", audience="both"))
    response = admin.get(reverse("portal:firm_home"))
    tile_links = [a for a in links(response) if "tile" in a.get("class", "").split()]
    assert [a["href"] for a in tile_links] == [f"/apps/{t.pk}/open" for t in tiles]
    for link in tile_links:
        assert link["target"] == "_blank"
        assert set(link["rel"].split()) >= {"noopener", "noreferrer"}
    html = response.content.decode()
    assert "Pour les clients" not in html and "Robot" not in html


def test_the_home_page_uses_a_constant_number_of_queries(
    admin, firm, django_assert_max_num_queries
):
    InstallationFactory.create_batch(2, firm=firm)
    admin.get(reverse("portal:firm_home"))
    with django_assert_max_num_queries(30) as small:
        admin.get(reverse("portal:firm_home"))
    InstallationFactory.create_batch(30, firm=firm)
    with django_assert_max_num_queries(len(small.captured_queries)):
        admin.get(reverse("portal:firm_home"))
