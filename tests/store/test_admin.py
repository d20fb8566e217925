"""The operator edits the catalogue in Django's admin with the same checks as the files."""

import pytest
from django.test import Client

from comptoir.accounts.models import User
from comptoir.store.models import App
from tests.store.factories import SVG, AppFactory, AutomationAppFactory, CategoryFactory


@pytest.fixture
def operator(db):
    user = User.objects.create_superuser("operateur@comptoir.example", "mot-de-passe-42")
    client = Client()
    client.force_login(user)
    return client


def form_data(**overrides):
    category = CategoryFactory()
    data = {
        "slug": "nouvelle-appli",
        "name": "Nouvelle appli",
        "publisher": "Éditeur",
        "category": category.pk,
        "short_description": "Courte",
        "long_description": "Longue",
        "business_model": "Gratuit",
        "type": "redirect",
        "audience": "both",
        "launch_url": "https://nouvelle.example/",
        "logo_svg": SVG,
        "transport": "",
        "accepted_folders": "[]",
        "accepted_file_types": "[]",
        "max_file_size": "",
        "settings_schema": "[]",
        "requires_siret": "",
        "is_active": "on",
        "owner_firm": "",
        "custom_options": "{}",
    }
    return {**data, **overrides}


def test_the_admin_lists_and_edits_apps(operator):
    AppFactory()
    AutomationAppFactory()
    assert operator.get("/admin/store/app/").status_code == 200
    response = operator.post("/admin/store/app/add/", form_data())
    assert response.status_code == 302
    app = App.objects.get(slug="nouvelle-appli")
    assert app.logo_version and app.logo_url


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"launch_url": "javascript:alert(1)"}, "https://"),
        ({"launch_url": ""}, "adresse de lancement"),
        ({"logo_svg": "<svg><script>alert(1)</script></svg>"}, "script"),
        ({"type": "automation", "launch_url": "", "settings_schema": '[{"key": "x"}]'}, "label_fr"),
    ],
)
def test_the_admin_refuses_what_the_loader_refuses(operator, overrides, message):
    response = operator.post("/admin/store/app/add/", form_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not App.objects.filter(slug="nouvelle-appli").exists()
