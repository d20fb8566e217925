import pytest

from tests.store.factories import AppFactory, AutomationAppFactory, InstallationFactory


@pytest.fixture
def redirect_app(db):
    return AppFactory(name="Agenda Cabinet", launch_url="https://agenda.partenaire.example/rdv")


@pytest.fixture
def automation_app(db):
    return AutomationAppFactory(name="Automatiser Banque")


@pytest.fixture
def installation(firm, redirect_app):
    return InstallationFactory(firm=firm, app=redirect_app)


@pytest.fixture
def other_installation(other_firm):
    """An installation of another firm: every URL must answer 404 for it."""
    return InstallationFactory(firm=other_firm, app=AppFactory(name="Autre cabinet"))
