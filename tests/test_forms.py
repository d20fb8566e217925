"""The product's one form style (templates/partials/field.html, app.css "forms") on the pages
that have choices: every input has its label (``for`` = the input's id, or the label around
it), every ``label for`` names an input of the page, the required marker sits on the question
(the field's label or legend), not on its options; "Personnaliser le portail client" keeps the
choice made and shows the roles by their French names."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from comptoir.assignments import services as assignment_services
from comptoir.assignments.models import RoleGrant
from tests.assignments.conftest import install, make_app
from tests.conftest import client_for
from tests.factories import CompanyFactory, CompanyMembershipFactory

APP_CSS = Path(__file__).resolve().parent.parent / "src/comptoir/static/comptoir/app.css"
LABELLED_ELSEWHERE = {"hidden", "submit", "button", "reset", "image"}


class _Labels(HTMLParser):
    """The form controls of a page and its labels."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.label_for: list[str] = []
        self.controls: list[dict] = []
        self._open_labels = 0
        self.fieldsets: list[dict] = []
        self._stack: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "label":
            self._open_labels += 1
            if attrs.get("for"):
                self.label_for.append(attrs["for"])
        if tag in {"input", "select", "textarea"} and attrs.get("type") not in LABELLED_ELSEWHERE:
            self.controls.append({**attrs, "tag": tag, "in_label": self._open_labels > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self._open_labels -= 1


def check_labels(html: str) -> _Labels:
    page = _Labels()
    page.feed(html)
    assert page.controls, "no form control on the page"
    for control in page.controls:
        named = (
            (control.get("id") in page.label_for)
            or control["in_label"]
            or control.get("aria-label")
            or control.get("aria-labelledby")
        )
        assert named, f"a {control['tag']} without a label: {control}"
        if control.get("type") in {"checkbox", "radio"}:
            # A choice: its label names it by its id (clicking anywhere on the words ticks it).
            assert control.get("id") in page.label_for, f"a choice without label for=: {control}"
    for target in page.label_for:
        assert target in page.ids, f'<label for="{target}"> names no element of the page'
    return page


@pytest.fixture
def bank(firm):
    return install(firm, make_app(name="Banque Partenaire", audience="both"))


@pytest.fixture
def pages(firm_admin, company, bank):
    CompanyMembershipFactory(company=company, role="collaborateur")
    # The client's users tab shows each user's apps as checkboxes once the company has one.
    assignment_services.assignment_create(actor=firm_admin, installation=bank, company=company)
    return {
        "portal": reverse("assignments:portal", args=[bank.pk]),
        "clients": reverse("assignments:installation", args=[bank.pk]),
        "custom_app": reverse("store:custom_app_create"),
        "security": reverse("firms:security"),
        "sso": reverse("sso:firm_settings"),
        "account": reverse("accounts:settings"),
        "users": reverse("companies:users", args=[company.pk]),
    }


@pytest.mark.parametrize(
    "name", ["portal", "clients", "custom_app", "security", "sso", "account", "users"]
)
def test_every_input_of_a_form_page_has_its_label(firm_admin, pages, name):
    response = client_for(firm_admin).get(pages[name])
    assert response.status_code == 200
    check_labels(response.content.decode())


def test_choices_are_labelled_rows_and_the_marker_is_on_the_question(firm_admin):
    html = client_for(firm_admin).get(reverse("store:custom_app_create")).content.decode()
    # "Qui la voit": a fieldset without the browser's border, required, its options rows.
    start = html.index('<fieldset class="field field--choices field--required"')
    group = html[start : html.index("</fieldset>", start)]
    assert "<legend>" in group and group.count('<li class="choice">') == 3
    assert "field--required" not in group[group.index("<legend>") :]
    # The roles a company user may have: optional, no marker at all.
    roles = html[html.index('id="id_roles"') - 400 : html.index('id="id_roles"')]
    assert "field--choices" in roles and "field--required" not in roles


def test_the_marker_is_drawn_on_labels_and_legends_only():
    css = APP_CSS.read_text()
    assert ".field--required > label::after, .field--required > legend::after" in css
    assert ".field--required label::after" not in css  # the options' labels too


def test_the_portal_page_labels_its_choices_and_keeps_the_choice(firm_admin, firm, company, bank):
    other = CompanyFactory(firm=firm, name="Garage des Tilleuls")
    client = client_for(firm_admin)
    url = reverse("assignments:portal", args=[bank.pk])
    page = check_labels(client.get(url).content.decode())
    scope_ids = [c["id"] for c in page.controls if c.get("name") == "scope"]
    assert scope_ids == ["id_scope_0", "id_scope_1"]  # "Toutes…" / "… cochées ci-dessous"

    done = client.post(
        url,
        {"scope": "chosen", "companies": [other.pk], "roles": ["collaborateur", "invite"]},
    )
    assert done.status_code == 302
    after = client.get(done["Location"])
    checked = {
        (c["name"], c["value"])
        for c in check_labels(after.content.decode()).controls
        if "checked" in c
    }
    assert checked == {
        ("scope", "chosen"),
        ("companies", str(other.pk)),
        ("roles", "collaborateur"),
        ("roles", "invite"),
    }


def test_the_rules_show_the_roles_by_their_french_names(firm_admin, bank):
    client = client_for(firm_admin)
    url = reverse("assignments:portal", args=[bank.pk])
    client.post(url, {"scope": "all", "roles": ["administrateur", "collaborateur", "invite"]})
    assert RoleGrant.objects.count() == 1
    html = client.get(url).content.decode()
    table = html[html.index('id="role-grants"') :]
    assert "<td>Administrateur, Collaborateur, Invité</td>" in table
    assert "administrateur, collaborateur" not in table
