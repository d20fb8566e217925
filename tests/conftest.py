import pytest
from django.test import Client

from comptoir.accounts.services import token_create
from comptoir.core.tenancy import SESSION_KEY, resolve_context
from tests.factories import (
    CompanyFactory,
    CompanyMembershipFactory,
    FirmFactory,
    FirmMembershipFactory,
)

pytest_plugins = ["tests.i18n_plugin", "tests.api.schemathesis_report"]


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
    if context is not None:
        session = client.session
        session[SESSION_KEY] = context.key
        session.save()
    return client


@pytest.fixture
def admin_client_(firm_admin):
    return client_for(firm_admin)


class ApiClient:
    """The test client with a bearer token and JSON bodies."""

    def __init__(self, user, **headers):
        _, key = token_create(user=user, name="tests")
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
