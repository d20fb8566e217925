"""The demo's data, and every page of the product each role can open, for the browser checks
that visit them all (tests/browser/test_every_page.py).

Pages are found, not listed: every named URL of the URL resolver (the cross-firm test's walk,
``tests/test_every_url_cross_firm.py``) is reversed with the demo's own objects and asked for
with the test client as each role; what answers 200 with HTML is a page of that role. A URL
that no role can open must be in ``NOT_A_PAGE`` with the reason, so that a new page is
checked from the day it exists.
"""

import base64
from dataclasses import dataclass
from types import SimpleNamespace

from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse

from comptoir.accounts.models import Invitation
from comptoir.assignments.models import AssignmentImport, CompanyAssignment, RoleGrant
from comptoir.companies.invitations import company_member_invite
from comptoir.companies.models import Company
from comptoir.deliveries import engine, outbox
from comptoir.deliveries.models import Delivery
from comptoir.demo import data
from comptoir.demo.seed import seed_demo
from comptoir.documents.models import Document
from comptoir.store.models import AppType, Installation
from comptoir.tenancy.tokens import token_create
from tests.conftest import client_for
from tests.passkeys import passkey_create
from tests.test_every_url_cross_firm import NO_TENANT_OBJECT, _named_patterns, _page_cases

FIRM = data.DURAND
COMPANY = "Boulangerie Martin"

# One login per role, all of Cabinet Durand (the demo's logins, tests/browser/site.py).
ROLES = {
    "firm-admin": "sophie.durand@cabinet-durand.test",
    "collaborator": "lucas.bernard@cabinet-durand.test",
    "company-admin": "pierre.martin@boulangerie-martin.test",
    "company-user": "emma.petit@boulangerie-martin.test",
}

# Named URLs that are no page any role can open, and why. The others are found by asking:
# an action (GET answers 405) or a file (200, not HTML) needs no entry here; any other URL
# that no role opens must have its reason, or test_every_url_is_a_page_or_has_a_reason fails.
NOT_A_PAGE = {
    **dict.fromkeys(NO_TENANT_OBJECT, "a secret link or a public sign-in address"),
    "accounts:logout": "ends the session",
    "account_logout": "ends the session",
    "portal:start": "redirects to the home page of the current context",
    "portal:open": "redirects to the app's site",
    "portal:logo": "an image",
    "portal:firm_logo": "an image (404 for a firm without a logo)",
    "store:install": "the add button's action (a GET goes back to the Store)",
    "companies:member_role": "the role form's action (a GET goes back to the users page)",
    "companies:self_member_role": "the role form's action (a GET goes back to the users page)",
    "companies:self_member_invite": "the invitation form's action (a GET goes back)",
    "account_signup": "sign-up is closed: redirects to the login page",
    "socialaccount_signup": "sign-up is closed: redirects to the login page",
    "account_email": "addresses are not managed by allauth here: redirects to the account",
    "account_set_password": "every user has a password: redirects to the change form",
    "account_confirm_login_code": "login by code is off: redirects",
    "account_request_reauthentication_code": "login by code is off: redirects",
    "account_confirm_reauthentication_code": "login by code is off: redirects",
    "mfa_authenticate": "a login step: only while logging in",
    "mfa_login_webauthn": "a login step: only while logging in",
    "mfa_reauthenticate": "redirects while the session's authentication is fresh",
    "socialaccount_login_error": "answers 401: in EXTRA_PAGES",
    "deliveries:version_history": "an htmx fragment of the document page (checked there)",
}

# Pages that no URL name gives alone with a 200 (a query, an error page), by role.
EXTRA_PAGES = {
    "anonymous": {
        "error 404": "/nulle-part/",
        "socialaccount_login_error": "/compte/3rdparty/login/error/",  # answers 401
    },
    "firm-admin": {"error 404": "/cabinet/nulle-part/"},
    "company-user": {"error 404": "/entreprise/nulle-part/"},
}

# The main pages, by role: screenshots at 1366 and 390 px (test-results/screenshots/).
MAIN_PAGES = {
    "firm-admin": [
        "portal:firm_home",
        "companies:list",
        "store:index",
        "assignments:installation",
        "assignments:portal",
        "deliveries:index",
        "audit:index",
        "documents:firm_company_documents",
    ],
    "collaborator": ["portal:firm_home", "store:index"],
    "company-admin": ["portal:company_home", "companies:self_users"],
    "company-user": ["portal:company_home"],
}


@dataclass
class Site:
    """The demo, seeded, with a few more rows so that every page has something to show."""

    users: dict  # role -> User
    cases: dict  # role -> {url name: kwargs}


def seed_site(settings, tmp_path, monkeypatch) -> Site:
    """The demo as ``make demo`` seeds it, its deliveries attempted once (sent, retrying and
    refused side by side), an import waiting for its preview, and per role a token, a
    passkey and a session of their own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.VAR_DIR = tmp_path
    settings.DELIVERY_ALLOW_LOOPBACK = True  # the demo's destinations are local sinks
    with open("/dev/null", "w") as quiet:
        call_command("load-catalog", stdout=quiet)
    with monkeypatch.context() as seeding:
        seeding.setattr(outbox, "enqueue_sends", lambda ids: None)
        seed_demo()
        # Nothing listens on the sinks' ports here: the HTTP and SFTP sends retry, the
        # e-mails go (the test e-mail backend), the .docx is refused.
        for pk in Delivery.objects.order_by("pk").values_list("pk", flat=True):
            engine.process_delivery(pk)
    company = Company.objects.get(firm__slug=FIRM, name=COMPANY)
    firm = company.firm
    users = {role: _user(email) for role, email in ROLES.items()}
    admin = users["firm-admin"]
    custom = Installation.objects.get(firm=firm, app__owner_firm=firm)
    connector = (
        Installation.objects.filter(
            firm=firm, app__type=AppType.AUTOMATION, deliveries__company=company
        )
        .order_by("position")
        .first()
    )
    delivery = Delivery.objects.filter(installation=connector, company=company).first()
    document = Document.objects.get(pk=delivery.version.document_id)
    assignment = (
        CompanyAssignment.objects.filter(company=company, installation=custom).first()
        or CompanyAssignment.objects.filter(company=company).first()
    )
    grant = RoleGrant.objects.filter(firm=firm).first()
    if grant is None:
        grant = RoleGrant.objects.create(
            firm=firm, installation=custom, company=company, roles=["invite"]
        )
    import_ = AssignmentImport.objects.create(
        firm=firm,
        installation=custom,
        uploaded_by=admin,
        filename="clients.csv",
        content=f"siret\n{company.siret}\n".encode(),
        size=20,
    )
    invitation = company_member_invite(
        actor=admin, company=company, email="nouvelle.recrue@boulangerie-martin.test", role="invite"
    ).invitation
    member = users["company-user"]
    cases = {}
    TOTP.activate(admin, base64.b32encode(b"0123456789abcdefghij").decode())
    RecoveryCodes.activate(admin)  # the admin's two-factor pages have something to show
    for role, user in users.items():
        token, _ = token_create(user=user, name="Export comptable")
        passkey = passkey_create(user, name="Clé USB", rp_id="localhost")
        session = user.usersession_set.create(
            ip="203.0.113.7", session_key=f"browser-{role}", user_agent="Firefox"
        )
        own_invitation = invitation
        if role == "collaborator":  # the demo's pending invitation is Lucas's
            own_invitation = Invitation.objects.open().filter(user=user).first() or invitation
        ours = SimpleNamespace(
            company=company,
            member=member,
            token_id=token.pk,
            custom_app=custom.app,
            installation=custom,
            connector=connector,
            assignment=assignment,
            grant=grant,
            import_=import_,
            document=document,
            delivery=delivery,
            invitation=own_invitation,
            passkey_id=passkey.pk,
            session_id=session.pk,
        )
        cases[role] = _page_cases(ours) | _self_invitation_cases(role, own_invitation, invitation)
    return Site(users=users, cases=cases)


def _self_invitation_cases(role, own, company_invitation) -> dict:
    """The company administrateur revokes invitations of their own company; the invitee
    answers their own."""
    return {
        "companies:self_invitation_revoke": {"invitation_id": company_invitation.pk},
        "companies:invitation_accept_mine": {"pk": own.pk},
        "companies:invitation_decline_mine": {"pk": own.pk},
    }


def _user(email):
    return get_user_model().objects.get(email=email)


def url_names() -> list[str]:
    return sorted({name for name, _ in _named_patterns()})


def url_of(name: str, kwargs: dict) -> str | None:
    try:
        return reverse(name, kwargs=kwargs.get(name) or None)
    except NoReverseMatch:
        return None


def pages_of(client: Client, cases: dict) -> dict[str, str]:
    """{url name: path} of the pages this client can open (200, HTML)."""
    pages = {}
    for name in url_names():
        if name in NOT_A_PAGE:
            continue
        url = url_of(name, cases)
        if url is None:
            continue
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages[name] = url
    return pages


def logged_in(user) -> Client:
    """A client as after confirming one's password a moment ago (the pages behind a fresh
    authentication, such as adding a passkey, open without asking for it again)."""
    client = client_for(user)
    response = client.post(reverse("account_reauthenticate"), {"password": data.DEMO_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def role_pages(site: Site) -> dict[str, dict[str, str]]:
    """{role: {url name: path}}, plus the pages of a visitor not logged in ("anonymous")."""
    found = {"anonymous": pages_of(Client(), {})}
    for role, user in site.users.items():
        found[role] = pages_of(logged_in(user), site.cases[role])
    return found


def session_cookie(client: Client) -> dict:
    """The client's session cookie, for Playwright's ``context.add_cookies``."""
    name = django_settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value}
