"""Apps of the Store and installations for the assignments tests."""

import itertools

import pytest

from comptoir.assignments import services
from comptoir.store.models import App, Installation
from tests.factories import CompanyMembershipFactory

_slugs = itertools.count(1)

CONNECTOR_SCHEMA = [
    {
        "key": "api_url",
        "label_fr": "URL de l'API",
        "label_en": "API URL",
        "kind": "url",
        "level": "firm",
        "required": False,
    },
    {
        "key": "code_dossier",
        "label_fr": "Code dossier",
        "label_en": "Dossier code",
        "kind": "text",
        "level": "company",
        "required": True,
    },
    {
        "key": "email_achats",
        "label_fr": "E-mail de collecte Achats",
        "label_en": "Purchases collection e-mail",
        "kind": "email",
        "level": "company",
        "required": True,
        "folder": "achats",
    },
    {
        "key": "email_ventes",
        "label_fr": "E-mail de collecte Ventes",
        "label_en": "Sales collection e-mail",
        "kind": "email",
        "level": "company",
        "required": False,
        "folder": "ventes",
    },
    {
        "key": "mot_de_passe",
        "label_fr": "Mot de passe du dossier",
        "label_en": "Dossier password",
        "kind": "secret",
        "level": "company",
        "required": False,
    },
    {
        "key": "frequence",
        "label_fr": "Fréquence",
        "label_en": "Frequency",
        "kind": "choice",
        "level": "company",
        "required": False,
        "choices": ["jour", "semaine"],
    },
]


def make_app(**fields) -> App:
    n = next(_slugs)
    defaults = {
        "slug": f"app-test-{n}",
        "name": f"Appli {n}",
        "publisher": "Éditeur",
        "type": "redirect",
        "audience": "both",
        "launch_url": f"https://app{n}.example/",
    }
    defaults.update(fields)
    if defaults["type"] == "automation":
        defaults["launch_url"] = ""
        defaults.setdefault("transport", "email")
        defaults.setdefault("accepted_folders", ["achats", "ventes"])
    return App.objects.create(**defaults)


def install(firm, app, **fields) -> Installation:
    position = Installation.objects.filter(firm=firm).count()
    return Installation.objects.create(firm=firm, app=app, position=position, **fields)


@pytest.fixture
def redirect_app(db):
    return make_app(name="Portail Banque", audience="both")


@pytest.fixture
def redirect_installation(firm, redirect_app):
    return install(firm, redirect_app)


@pytest.fixture
def connector_app(db):
    return make_app(
        name="Automatiser Gestivo Achats",
        type="automation",
        audience="firm",
        settings_schema=CONNECTOR_SCHEMA,
    )


@pytest.fixture
def connector(firm, connector_app):
    return install(firm, connector_app)


@pytest.fixture
def siret_app(db):
    return make_app(name="Facturéa", type="automation", audience="firm", requires_siret=True)


@pytest.fixture
def firm_only_app(db):
    return make_app(name="Outil interne", audience="firm")


@pytest.fixture
def other_installation(other_firm, redirect_app):
    return install(other_firm, redirect_app)


@pytest.fixture
def other_user(other_firm_admin, other_installation, other_company):
    """A user of another firm's company, which has that firm's app and a living role rule."""
    user = CompanyMembershipFactory(company=other_company).user
    services.assignment_create(
        actor=other_firm_admin, installation=other_installation, company=other_company
    )
    services.role_grant_create(
        actor=other_firm_admin,
        installation=other_installation,
        companies="all",
        roles=["invite"],
        include_future_users=True,
    )
    return user


def connector_settings(n: int = 1, **overrides) -> dict:
    settings = {"code_dossier": f"D{n:04d}", "email_achats": f"achats.{n}@gestivo.example"}
    settings.update(overrides)
    return settings
