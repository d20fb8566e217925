"""Factories for the Store tests."""

import factory
from factory.django import DjangoModelFactory

from comptoir.store.models import App, Category, Installation

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" '
    'rx="14" fill="#0f766e"/></svg>'
)

API_SCHEMA = [
    {
        "key": "api_url",
        "label_fr": "URL de l'API",
        "label_en": "API URL",
        "kind": "url",
        "level": "firm",
        "required": True,
    },
    {
        "key": "api_key",
        "label_fr": "Clé d'API",
        "label_en": "API key",
        "kind": "secret",
        "level": "firm",
        "required": True,
    },
    {
        "key": "mode",
        "label_fr": "Mode",
        "label_en": "Mode",
        "kind": "choice",
        "level": "firm",
        "choices": ["test", "production"],
    },
    {
        "key": "dossier_code",
        "label_fr": "Code dossier",
        "label_en": "Dossier code",
        "kind": "text",
        "level": "company",
        "required": True,
    },
    {
        "key": "email_achats",
        "label_fr": "Adresse Achats",
        "label_en": "Purchases address",
        "kind": "email",
        "level": "company",
        "folder": "achats",
    },
]


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"categorie-{n}")
    name_fr = factory.Sequence(lambda n: f"Catégorie {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    order = factory.Sequence(lambda n: n)


class AppFactory(DjangoModelFactory):
    """A platform redirect app for the firm and its companies."""

    class Meta:
        model = App

    slug = factory.Sequence(lambda n: f"appli-{n}")
    name = factory.Sequence(lambda n: f"Appli {n}")
    publisher = "Éditeur SAS"
    category = factory.SubFactory(CategoryFactory)
    short_description = "Une application de test."
    long_description = "Une longue description."
    business_model = "Abonnement mensuel."
    type = "redirect"
    audience = "both"
    launch_url = factory.Sequence(lambda n: f"https://app{n}.partenaire.example/")
    logo_svg = SVG
    logo_version = "abc123"


class AutomationAppFactory(AppFactory):
    type = "automation"
    audience = "firm"
    launch_url = ""
    transport = "https"
    accepted_folders = ["achats", "banque"]
    accepted_file_types = ["pdf"]
    max_file_size = 10 * 1024 * 1024
    settings_schema = factory.LazyFunction(lambda: [dict(f) for f in API_SCHEMA])


class InstallationFactory(DjangoModelFactory):
    class Meta:
        model = Installation

    app = factory.SubFactory(AppFactory)
    position = factory.Sequence(lambda n: n)
