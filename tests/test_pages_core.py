"""Login, language, the start page, context switching, the home pages and the layout."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    CompanyMembershipFactory,
    FirmFactory,
    FirmMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_login_page_is_french_by_default_and_switches_to_english():
    client = Client()
    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="fr">' in html
    assert "Se connecter" in html
    assert "Adresse e-mail" in html

    switched = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("accounts:login")}
    )
    assert switched.status_code == 302
    assert switched["Location"] == reverse("accounts:login")
    html = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "E-mail address" in html
    assert "Se connecter" not in html


def test_login_with_any_case_of_the_address_lands_on_the_firm_home(firm_admin):
    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {"username": firm_admin.email.upper(), "password": DEFAULT_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("portal:firm_home")
    assert response.status_code == 200
    assert '<section id="tiles"' in response.content.decode()


def test_wrong_password_is_refused_with_a_message(firm_admin):
    response = Client().post(
        reverse("accounts:login"), {"username": firm_admin.email, "password": "nope"}
    )
    assert response.status_code == 200
    assert "mot de passe est incorrect" in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_logout_is_a_post_and_ends_the_session(firm_admin):
    client = client_for(firm_admin)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert client.get(reverse("portal:firm_home")).status_code == 302


def test_pages_need_a_login():
    for name in ("portal:start", "portal:firm_home", "portal:company_home", "companies:list"):
        response = Client().get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_start_sends_each_user_to_their_home(firm_admin, company_admin):
    assert client_for(firm_admin).get("/")["Location"] == reverse("portal:firm_home")
    assert client_for(company_admin).get("/")["Location"] == reverse("portal:company_home")


def test_a_user_without_any_space_is_told_so():
    response = client_for(UserFactory()).get("/")
    assert response.status_code == 403
    assert "Demandez à votre cabinet" in response.content.decode()


def test_firm_home_renders_tiles_section_and_branding(firm, firm_collaborator):
    firm.brand_colour = "#aa3300"
    firm.save(update_fields=["brand_colour"])
    response = client_for(firm_collaborator).get(reverse("portal:firm_home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "--brand: #aa3300" in html
    assert '<section id="tiles"' in html
    assert firm.name in html
    for label in ("Accueil", "Clients", "Paramètres", "Mon compte"):
        assert label in html
    assert 'href="#main"' in html  # skip link


def test_company_home_shows_the_company_and_its_fiscal_year(company, company_guest):
    response = client_for(company_guest).get(reverse("portal:company_home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert company.name in html
    assert "Exercice comptable du 01/01/2026 au 31/12/2026" in html
    assert '<section id="tiles"' in html
    assert reverse("companies:list") not in html  # no firm navigation for a company user


def test_company_users_get_404_on_firm_pages(company, company_admin):
    client = client_for(company_admin)
    for url in (
        reverse("portal:firm_home"),
        reverse("portal:firm_settings"),
        reverse("companies:list"),
        reverse("companies:create"),
        reverse("companies:detail", args=[company.pk]),
        reverse("companies:users", args=[company.pk]),
        reverse("companies:delete", args=[company.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_firm_users_get_404_on_the_company_home(firm_admin):
    assert client_for(firm_admin).get(reverse("portal:company_home")).status_code == 404


def test_firm_settings_index_renders_for_firm_members(firm, firm_collaborator):
    response = client_for(firm_collaborator).get(reverse("portal:firm_settings"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Le cabinet" in html
    assert firm.brand_colour in html


def test_context_switch_between_a_firm_and_a_company():
    user = UserFactory()
    firm_membership = FirmMembershipFactory(user=user, firm=FirmFactory(name="Alpha"))
    company = CompanyFactory(name="Zeta SARL")
    CompanyMembershipFactory(user=user, company=company, role="administrateur")
    client = client_for(user)

    html = client.get(reverse("portal:firm_home")).content.decode()
    assert 'name="context"' in html  # the switcher shows: two spaces
    assert f'value="company:{company.pk}"' in html

    response = client.post(reverse("portal:switch_context"), {"context": f"company:{company.pk}"})
    assert response["Location"] == reverse("portal:start")
    assert client.get("/")["Location"] == reverse("portal:company_home")
    assert client.get(reverse("portal:firm_home")).status_code == 404

    client.post(reverse("portal:switch_context"), {"context": f"firm:{firm_membership.firm.slug}"})
    assert client.get("/")["Location"] == reverse("portal:firm_home")


def test_context_switch_to_a_place_the_user_lacks_is_404(
    firm_admin, other_firm, other_firm_admin, other_company
):
    # The other firm and its company have members: a membership check that forgot the caller
    # would find them.
    CompanyMembershipFactory(company=other_company, role="administrateur")
    client = client_for(firm_admin)
    keys = (f"firm:{other_firm.slug}", f"company:{other_company.pk}", "company:x", "nope", "")
    not_ids = ("²", "③", "\uff15", "-1", " 1", "01", str(2**63), "9" * 5000)
    for key in keys + tuple(f"company:{value}" for value in not_ids):
        assert client.post(reverse("portal:switch_context"), {"context": key}).status_code == 404
    assert client.get(reverse("portal:switch_context")).status_code == 405


def test_one_context_hides_the_switcher(firm_admin):
    html = client_for(firm_admin).get(reverse("portal:firm_home")).content.decode()
    assert 'name="context"' not in html


def test_unknown_page_answers_a_friendly_404(firm_admin):
    response = client_for(firm_admin).get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_static_stylesheet_is_linked_and_htmx_included(firm_admin):
    html = client_for(firm_admin).get(reverse("portal:firm_home")).content.decode()
    assert "comptoir/app.css" in html
    assert "django_htmx/htmx" in html


def test_brand_colours_stay_readable_whatever_the_firm_picks(rf):
    from comptoir.core.templatetags.comptoir_tags import (
        _luminance,
        brand_colour,
        brand_ink,
        brand_text,
        query_with,
    )

    def contrast(a, b):
        hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    for colour in ("#f5c518", "#ffffff", "#1d4ed8", "#0f766e", "#000000", "#7fffd4"):
        assert contrast(brand_ink(colour), "#ffffff") >= 4.5, colour
        assert contrast(brand_text(colour), colour) >= 4.5, colour
    assert brand_colour("red; background: url(x)") == "#1d4ed8"  # never raw CSS from data
    assert brand_ink("#1d4ed8") == "#1d4ed8"  # already dark enough: unchanged

    request = rf.get("/cabinet/clients/", {"q": "dupont", "page": "2"})
    assert query_with({"request": request}, page=3) == "?q=dupont&page=3"
    assert query_with({"request": request}, page=None) == "?q=dupont"


def test_firm_logo_is_served_to_its_own_users_only(
    firm, firm_admin, company_admin, other_firm, tmp_path, settings
):
    from django.core.files.base import ContentFile
    from django.test import Client

    from tests.factories import FirmMembershipFactory

    settings.MEDIA_ROOT = tmp_path
    png = bytes.fromhex("89504e470d0a1a0a") + b"\x00" * 16
    firm.logo.save("logo.png", ContentFile(png))
    for user in (firm_admin, company_admin):
        client = Client()
        client.force_login(user)
        response = client.get("/marque/logo/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == png
    stranger = FirmMembershipFactory(firm=other_firm).user
    client = Client()
    client.force_login(stranger)
    assert client.get("/marque/logo/").status_code == 404
    assert Client().get("/marque/logo/").status_code == 302  # to the login page
    assert Client().get(f"/media/{firm.logo.name}").status_code == 404
