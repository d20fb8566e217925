import time

import pytest
from django.test import Client

from comptoir.accounts.middleware import SEEN_KEY, STARTED_KEY
from comptoir.tenancy.contexts import SESSION_KEY, resolve_context
from comptoir.tenancy.tokens import token_create
from tests.factories import (
    CompanyFactory,
    CompanyMembershipFactory,
    FirmFactory,
    FirmMembershipFactory,
)

pytest_plugins = ["tests.i18n_plugin", "tests.api.schemathesis_report"]


def pytest_configure(config):
    """pytest-playwright empties its output folder (``--output``, test-results/ by default)
    when any session starts, browser tests or not: give it a folder of its own inside
    test-results/, so that the reports and screenshots kept there for CI stay."""
    if getattr(config.option, "output", None) == "test-results":
        config.option.output = "test-results/playwright"


# A public address (outside every range the outbound guard refuses) that names of the reserved
# test domains resolve to in tests; nothing ever connects to it (tests/deliveries/conftest.py
# refuses any connection that is not to loopback).
TEST_PUBLIC_IP = "93.184.215.14"


@pytest.fixture(autouse=True)
def _test_dns(monkeypatch):
    """Tests never depend on real DNS: ``*.example`` and ``*.test`` names resolve to
    TEST_PUBLIC_IP, ``*.invalid`` names do not exist, anything else goes to the system."""
    import socket

    from comptoir.deliveries import netguard, settings_checks

    real = netguard.system_resolver

    def resolver(host: str, port: int) -> list[str]:
        name = host.lower().rstrip(".")
        if name.endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if name.endswith((".example", ".test")):
            return [TEST_PUBLIC_IP]
        return real(host, port)

    monkeypatch.setattr(netguard, "system_resolver", resolver)
    settings_checks.forget_lookups()  # no answer remembered from another test


@pytest.fixture
def firm(db):
    return FirmFactory()


@pytest.fixture
def other_firm(db):
    return FirmFactory()


@pytest.fixture
def firm_admin(firm):
    return FirmMembershipFactory(firm=firm, role="admin").user


@pytest.fixture
def firm_collaborator(firm):
    return FirmMembershipFactory(firm=firm, role="collaborator").user


@pytest.fixture
def company(firm):
    return CompanyFactory(firm=firm)


@pytest.fixture
def other_company(other_firm):
    """A company of another firm: every URL must answer 404 for it."""
    return CompanyFactory(firm=other_firm)


@pytest.fixture
def company_admin(company):
    return CompanyMembershipFactory(company=company, role="administrateur").user


@pytest.fixture
def company_guest(company):
    return CompanyMembershipFactory(company=company, role="invite").user


@pytest.fixture
def company_collaborator(company):
    return CompanyMembershipFactory(company=company, role="collaborateur").user


@pytest.fixture
def sibling_company(firm):
    """Another client company of the same firm."""
    return CompanyFactory(firm=firm)


@pytest.fixture
def other_firm_admin(other_firm):
    return FirmMembershipFactory(firm=other_firm, role="admin").user


@pytest.fixture
def media_root(settings, tmp_path):
    """Store the files of one test in its own temporary directory."""
    root = tmp_path / "media"
    root.mkdir(exist_ok=True)
    settings.MEDIA_ROOT = str(root)
    return root


def client_for(user) -> Client:
    """A logged-in client whose session already remembers the user's context, as after the
    first page of a visit (query counts then measure the steady state)."""
    client = Client()
    client.force_login(user)
    context = resolve_context(user)
    session = client.session
    if context is not None:
        session[SESSION_KEY] = context.key
    # Seen just now (accounts/middleware.py): the next page does not record the activity.
    session[SEEN_KEY] = session[STARTED_KEY] = time.time()
    session.save()
    return client


@pytest.fixture
def admin_client_(firm_admin):
    return client_for(firm_admin)


class ApiClient:
    """The test client with a bearer token and JSON bodies."""

    def __init__(self, user, **headers):
        from comptoir.audit.models import AuditEvent

        token, key = token_create(user=user, name="tests")
        # The harness's own token is not what the tests read in the audit log.
        AuditEvent.objects.filter(action="identity.token_create", target_id=str(token.pk)).delete()
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", **headers)

    def _call(self, method, path, data=None, **extra):
        kwargs = {"content_type": "application/json"} if data is not None else {}
        return getattr(self.client, method)(f"/api/v1{path}", data, **kwargs, **extra)

    def get(self, path, data=None, **extra):
        return self.client.get(f"/api/v1{path}", data, **extra)

    def post(self, path, data=None, **extra):
        return self._call("post", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self._call("patch", path, data, **extra)

    def put(self, path, data=None, **extra):
        return self._call("put", path, data, **extra)

    def delete(self, path, **extra):
        return self.client.delete(f"/api/v1{path}", **extra)


@pytest.fixture
def api_as():
    return ApiClient
