"""Every URL and every API endpoint, called with another firm's objects, answers 404.

The lists of URLs come from the URL resolver and from the OpenAPI document, so a new page or
endpoint without a case here fails ``test_every_page_url_has_a_case`` or
``test_every_endpoint_has_a_case``: add its parameters to ``PAGE_CASES`` / ``API_PARAMS``.
"""

from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from comptoir.api import api
from comptoir.assignments.models import AssignmentImport, CompanyAssignment, RoleGrant
from comptoir.companies.invitations import company_member_invite
from comptoir.deliveries.models import Delivery
from comptoir.documents.services import document_upload
from comptoir.store.models import App, Installation
from comptoir.tenancy.tokens import token_create
from tests.api_errors import assert_api_error
from tests.factories import (
    CompanyFactory,
    CompanyMembershipFactory,
    FirmMembershipFactory,
    uploaded_file,
)
from tests.passkeys import passkey_create

pytestmark = pytest.mark.django_db

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>'

# URLs without tenant objects in them, tested elsewhere.
NO_TENANT_OBJECT = {
    "set_language",  # Django's language switch
    "companies:invitation_accept",  # a secret link, not an id (tests/test_pages_accounts.py)
    # django-allauth's secret links (tests/accounts/test_password_reset.py)
    "account_reset_password_from_key",
    "account_confirm_email",  # e-mail verification is off: the invitation proved the address
    # Public sign-in addresses, used before any login; a firm without an enabled SSO answers
    # 404 (tests/sso/test_sso_flow.py)
    "sso:firm_login",
    "sso:firm_login_start",
    "openid_connect_login",
    "openid_connect_callback",
}


@dataclass
class OtherFirm:
    """Everything another firm owns, one of each."""

    company: object
    member: object
    token_id: int
    custom_app: App
    installation: Installation
    connector: Installation
    assignment: CompanyAssignment
    grant: RoleGrant
    import_: AssignmentImport
    document: object
    delivery: Delivery
    invitation: object
    passkey_id: int = 0
    session_id: int = 0  # one of their admin's sessions (allauth.usersessions)


@pytest.fixture
def theirs(other_firm, settings, tmp_path) -> OtherFirm:
    settings.MEDIA_ROOT = str(tmp_path)
    admin = FirmMembershipFactory(firm=other_firm, role="admin").user
    company = CompanyFactory(firm=other_firm)
    member = CompanyMembershipFactory(company=company, role="administrateur").user
    token, _ = token_create(user=admin, name="theirs")
    session = UserSession.objects.create(
        user=admin, ip="203.0.113.9", session_key=f"theirs-{other_firm.pk}", user_agent="x"
    )
    custom_app = App.objects.create(
        slug=f"custom-{other_firm.slug}",
        name="Prise de rendez-vous",
        type="redirect",
        audience="both",
        launch_url="https://rdv.example/",
        owner_firm=other_firm,
        logo_svg=SVG,
        logo_version="v1",
    )
    connector_app = App.objects.create(
        slug=f"connector-{other_firm.slug}",
        name="Automatiser",
        type="automation",
        audience="firm",
        transport="email",
        accepted_folders=["achats"],
    )
    installation = Installation.objects.create(firm=other_firm, app=custom_app)
    connector = Installation.objects.create(firm=other_firm, app=connector_app, position=1)
    assignment = CompanyAssignment.objects.create(
        firm=other_firm, installation=installation, company=company
    )
    grant = RoleGrant.objects.create(
        firm=other_firm, installation=installation, company=company, roles=["invite"]
    )
    import_ = AssignmentImport.objects.create(
        firm=other_firm,
        installation=installation,
        uploaded_by=admin,
        filename="a.csv",
        content=b"siret\n",
        size=6,
    )
    document = document_upload(
        actor=admin,
        company=company,
        folder="achats",
        file=uploaded_file(),
    )
    delivery = Delivery.objects.create(
        firm=other_firm,
        company=company,
        company_name=company.name,
        version=document.versions.get(number=1),
        installation=connector,
        app_name="Automatiser",
        app_slug=connector_app.slug,
        destination={"kind": "email"},
        folder="achats",
        status="failed",
        idempotency_key=f"key-{other_firm.pk}",
        next_attempt_at=timezone.now() - timedelta(minutes=1),
    )
    invitation = company_member_invite(
        actor=admin, company=company, email="invitee@other.test", role="invite"
    ).invitation
    # A passkey of theirs (two-factor pages: /compte/2fa/webauthn/keys/<pk>/...).
    passkey = passkey_create(admin, name="Leur clé")
    return OtherFirm(
        passkey_id=passkey.pk,
        session_id=session.pk,
        invitation=invitation,
        company=company,
        member=member,
        token_id=token.pk,
        custom_app=custom_app,
        installation=installation,
        connector=connector,
        assignment=assignment,
        grant=grant,
        import_=import_,
        document=document,
        delivery=delivery,
    )


def _page_cases(t: OtherFirm) -> dict[str, dict]:
    company, inst = t.company.pk, t.installation.pk
    return {
        "accounts:token_revoke": {"pk": t.token_id},
        "accounts:session_end": {"pk": t.session_id},
        "companies:detail": {"pk": company},
        "companies:delete": {"pk": company},
        "companies:users": {"pk": company},
        "companies:member_role": {"pk": company, "user_id": t.member.pk},
        "companies:member_remove": {"pk": company, "user_id": t.member.pk},
        "companies:invitation_revoke": {"pk": company, "invitation_id": t.invitation.pk},
        "companies:self_invitation_revoke": {"invitation_id": t.invitation.pk},
        "companies:invitation_accept_mine": {"pk": t.invitation.pk},
        "companies:invitation_decline_mine": {"pk": t.invitation.pk},
        "store:app_detail": {"slug": t.custom_app.slug},
        "store:install": {"slug": t.custom_app.slug},
        "store:installation_edit": {"pk": inst},
        "store:installation_remove": {"pk": inst},
        "store:tile_move": {"pk": inst},
        "portal:open": {"installation_id": inst},
        "portal:logo": {"app_id": t.custom_app.pk, "version": "v1"},
        "assignments:installation": {"pk": inst},
        "assignments:add_companies": {"pk": inst},
        "assignments:installation_export": {"pk": inst},
        "assignments:assign_all": {"pk": inst},
        "assignments:assign_all_stop": {"pk": inst},
        "assignments:import": {"pk": inst},
        "assignments:import_template": {"pk": inst},
        "assignments:import_preview": {"pk": inst, "import_id": t.import_.pk},
        "assignments:import_apply": {"pk": inst, "import_id": t.import_.pk},
        "assignments:import_errors": {"pk": inst, "import_id": t.import_.pk},
        "assignments:portal": {"pk": inst},
        "assignments:portal_grant_stop": {"pk": inst, "grant_id": t.grant.pk},
        "assignments:company_apps": {"pk": company},
        "assignments:company_assignment": {"pk": company, "installation_id": inst},
        "assignments:company_assignment_toggle": {"pk": company, "installation_id": inst},
        "assignments:company_assignment_remove": {"pk": company, "installation_id": inst},
        "assignments:firm_user_apps": {"pk": company, "user_id": t.member.pk},
        "assignments:company_user_apps": {"user_id": t.member.pk},
        "companies:self_member_role": {"user_id": t.member.pk},
        "companies:self_member_remove": {"user_id": t.member.pk},
        "documents:firm_company_documents": {"pk": company},
        "documents:detail": {"pk": t.document.pk},
        "documents:download": {"pk": t.document.pk, "number": 1},
        "deliveries:resend": {"pk": t.delivery.pk},
        "deliveries:version_history": {"pk": t.document.pk, "number": 1},
        "mfa_remove_webauthn": {"pk": t.passkey_id},
        "mfa_edit_webauthn": {"pk": t.passkey_id},
    }


class _Nested:
    """A pattern inside an include() whose own path takes parameters (allauth's
    ``keys/<int:pk>/`` + ``remove/``): it takes those parameters too."""

    def __init__(self, pattern: URLPattern, parameters: dict):
        groups = {**parameters, **pattern.pattern.regex.groupindex}
        self.pattern = SimpleNamespace(regex=SimpleNamespace(groupindex=groups))


def _named_patterns(resolver=None, namespace="", parameters=None):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith(("admin/", "api/")):
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            inherited = {**(parameters or {}), **pattern.pattern.regex.groupindex}
            yield from _named_patterns(pattern, inner, inherited)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (
                f"{namespace}{pattern.name}",
                (_Nested(pattern, parameters) if parameters else pattern),
            )


def _pages_with_parameters():
    return {
        name
        for name, pattern in _named_patterns()
        if pattern.pattern.regex.groupindex and name not in NO_TENANT_OBJECT
    }


def test_every_page_url_has_a_case():
    missing = _pages_with_parameters() - set(_page_cases(_DummyTheirs()))
    assert not missing, f"add a cross-firm case to _page_cases for: {sorted(missing)}"


class _DummyTheirs:
    """Stands in for OtherFirm to list the case names without a database."""

    def __getattr__(self, name):
        return self

    pk = 1
    slug = "x"


@pytest.fixture
def our_users(firm, company):
    """A firm admin, a firm collaborator and a company administrateur of our own firm."""
    return [
        FirmMembershipFactory(firm=firm, role="admin").user,
        FirmMembershipFactory(firm=firm, role="collaborator").user,
        CompanyMembershipFactory(company=company, role="administrateur").user,
    ]


def test_every_page_answers_404_with_another_firms_objects(theirs, our_users):
    cases = _page_cases(theirs)
    assert set(cases) >= _pages_with_parameters()
    for user in our_users:
        client = Client()
        client.force_login(user)
        for name, kwargs in cases.items():
            url = reverse(name, kwargs=kwargs)
            # A view that takes only POST (or only GET) may answer 405 to the other method
            # before looking anything up: that says nothing about the object.
            statuses = {
                method: getattr(client, method)(url).status_code for method in ("get", "post")
            }
            assert set(statuses.values()) <= {404, 405}, (user, url, statuses)
            assert 404 in statuses.values(), (user, url, statuses)
    # Nothing of theirs changed.
    theirs.delivery.refresh_from_db()
    assert theirs.delivery.status == "failed"
    assert Installation.objects.filter(pk=theirs.installation.pk).exists()
    assert CompanyAssignment.objects.filter(pk=theirs.assignment.pk).exists()
    theirs.invitation.refresh_from_db()
    assert theirs.invitation.is_open  # neither revoked, accepted nor declined by us
    assert Authenticator.objects.filter(pk=theirs.passkey_id).exists()


# --- API ------------------------------------------------------------------------------------


def _api_params(t: OtherFirm) -> dict[str, object]:
    return {
        "company_id": t.company.pk,
        "user_id": t.member.pk,
        "installation_id": t.installation.pk,
        "slug": t.custom_app.slug,
        "grant_id": t.grant.pk,
        "document_id": t.document.pk,
        "number": 1,
        "delivery_id": t.delivery.pk,
        "invitation_id": t.invitation.pk,
    }


# Plausible bodies, so that the answer is about whose object it is, not about the body.
API_BODIES = {
    ("patch", "/companies/{company_id}"): {"name": "Repris"},
    ("post", "/companies/{company_id}/users"): {"email": "x@example.test", "role": "invite"},
    ("patch", "/companies/{company_id}/users/{user_id}"): {"role": "invite"},
    ("patch", "/installations/{installation_id}"): {"settings": {}},
    ("post", "/installations/{installation_id}/assignments"): {"companies": [], "settings": {}},
    ("patch", "/installations/{installation_id}/assignments/{company_id}"): {"enabled": False},
    ("post", "/installations/{installation_id}/assign-all"): {"include_future_companies": False},
    ("post", "/installations/{installation_id}/role-grants"): {
        "companies": "all",
        "roles": ["invite"],
        "include_future_users": False,
    },
    ("post", "/installations/{installation_id}/role-grants/{grant_id}/stop"): {},
    ("put", "/companies/{company_id}/users/{user_id}/apps/{installation_id}"): {},
    ("post", "/deliveries/{delivery_id}/resend"): {},
    ("post", "/me/invitations/{invitation_id}/accept"): {},
    ("post", "/me/invitations/{invitation_id}/decline"): {},
}
MULTIPART = {
    ("post", "/installations/{installation_id}/assignments/import"),
    ("post", "/companies/{company_id}/documents"),
    ("post", "/documents/{document_id}/versions"),
}


def _endpoints_with_parameters():
    prefix = "/api/v1"
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "{" not in path:
            continue
        for method in operations:
            yield method, path.removeprefix(prefix)


def test_every_endpoint_has_a_body_when_it_needs_one():
    needing = {(m, p) for m, p in _endpoints_with_parameters() if m in ("post", "patch", "put")}
    missing = needing - set(API_BODIES) - MULTIPART
    assert not missing, f"add a plausible body to API_BODIES for: {sorted(missing)}"


def test_every_endpoint_answers_404_with_another_firms_objects(theirs, our_users, api_as):
    params = _api_params(theirs)
    for user in our_users:
        headers = {}
        api_client = api_as(user, **headers)
        for method, template in _endpoints_with_parameters():
            path = template.format(**params)
            if (method, template) in MULTIPART:
                upload = uploaded_file("a.pdf")
                response = api_client.client.post(
                    f"/api/v1{path}", {"file": upload, "folder": "achats"}
                )
            elif method in ("post", "patch", "put"):
                response = getattr(api_client, method)(path, API_BODIES[(method, template)])
            else:
                response = getattr(api_client, method)(path)
            expected = 404
            assert response.status_code == expected, (user, method, path, response.content[:200])
            assert_api_error(response, code="not_found")
    theirs.delivery.refresh_from_db()
    assert theirs.delivery.status == "failed"
    assert Delivery.objects.count() == 1
    theirs.invitation.refresh_from_db()
    assert theirs.invitation.is_open
