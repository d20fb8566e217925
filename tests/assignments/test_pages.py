"""The assignment pages through the test client: the app's clients, import, client portal,
the client's Applications tab, users' access (firm and company admin), the company home."""

import csv
import io
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comptoir.assignments import services
from comptoir.assignments.models import AssignmentImport, CompanyAssignment, RoleGrant, UserAccess
from tests.assignments.conftest import connector_settings
from tests.conftest import client_for
from tests.factories import CompanyFactory, CompanyMembershipFactory


@pytest.fixture
def admin(firm_admin):
    return client_for(firm_admin)


def company_client(user, company):
    client = client_for(user)
    client.post(reverse("portal:switch_context"), {"context": f"company:{company.pk}"})
    return client


# --- the app's page -----------------------------------------------------------------------------


def test_clients_tab_lists_and_adds_companies(admin, firm, company, connector):
    url = reverse("assignments:installation", args=[connector.pk])
    page = admin.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert company.name in html and 'name="setting_code_dossier"' in html
    assert 'id="assign-all"' not in html  # automation app: no "assign to all"

    refused = admin.post(
        reverse("assignments:add_companies", args=[connector.pk]),
        {"companies": [company.pk], "setting_code_dossier": "", "setting_email_achats": "faux"},
    )
    assert refused.status_code == 422
    assert not CompanyAssignment.objects.exists()

    done = admin.post(
        reverse("assignments:add_companies", args=[connector.pk]),
        {
            "companies": [company.pk],
            "setting_code_dossier": "D1",
            "setting_email_achats": "achats@gestivo.example",
        },
    )
    assert done.status_code == 302
    assert CompanyAssignment.objects.get().settings["code_dossier"] == "D1"
    assert company.name in admin.get(url).content.decode()


def test_collaborators_use_the_page_too(firm_collaborator, company, redirect_installation):
    client = client_for(firm_collaborator)
    url = reverse("assignments:installation", args=[redirect_installation.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        reverse("assignments:assign_all", args=[redirect_installation.pk]),
        {"include_future_companies": "on"},
    )
    assert response.status_code == 302
    assert CompanyAssignment.objects.filter(company=company).exists()


def test_firm_only_app_page_explains(admin, firm, firm_only_app):
    from tests.assignments.conftest import install

    installation = install(firm, firm_only_app)
    page = admin.get(reverse("assignments:installation", args=[installation.pk]))
    assert page.status_code == 200
    assert "firm only" in page.content.decode() or "cabinet" in page.content.decode()


def test_import_flow_bad_file_then_fixed(admin, firm, connector):
    a, b = CompanyFactory(firm=firm), CompanyFactory(firm=firm)
    template = admin.get(reverse("assignments:import_template", args=[connector.pk]))
    assert template.status_code == 200 and template.content.startswith(b"\xef\xbb\xbfsiret;")

    bad = (
        f"siret;code_dossier;email_achats\r\n{a.siret};D1;pas-un-email\r\n12345;D2;b@x.example\r\n"
    ).encode()
    upload = admin.post(
        reverse("assignments:import", args=[connector.pk]),
        {"file": SimpleUploadedFile("clients.csv", bad)},
    )
    assert upload.status_code == 302
    preview = admin.get(upload["Location"])
    assert preview.status_code == 422
    html = preview.content.decode()
    assert 'id="import-errors"' in html and 'id="apply-import"' not in html
    stored = AssignmentImport.objects.get()
    report = admin.get(reverse("assignments:import_errors", args=[connector.pk, stored.pk]))
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["2", "3"]
    applied = admin.post(reverse("assignments:import_apply", args=[connector.pk, stored.pk]))
    assert applied.status_code == 302 and not CompanyAssignment.objects.exists()

    good = (
        f"siret;code_dossier;email_achats\r\n{a.siret};D1;a@x.example\r\n"
        f"{b.siret};D2;b@x.example\r\n"
    ).encode()
    upload = admin.post(
        reverse("assignments:import", args=[connector.pk]),
        {"file": SimpleUploadedFile("clients.csv", good)},
    )
    preview = admin.get(upload["Location"])
    assert preview.status_code == 200
    assert 'id="import-summary"' in preview.content.decode()
    stored = AssignmentImport.objects.order_by("-id").first()
    applied = admin.post(reverse("assignments:import_apply", args=[connector.pk, stored.pk]))
    assert applied.status_code == 302
    assert CompanyAssignment.objects.count() == 2
    stored.refresh_from_db()
    assert stored.applied_at is not None and stored.result["created"] == 2
    # Applying the same stored file again does nothing.
    admin.post(reverse("assignments:import_apply", args=[connector.pk, stored.pk]))
    assert CompanyAssignment.objects.count() == 2


def test_import_refuses_a_wrong_file_on_the_form(admin, connector):
    response = admin.post(
        reverse("assignments:import", args=[connector.pk]),
        {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 ...")},
    )
    assert response.status_code == 422
    assert 'id="file-errors"' in response.content.decode()
    assert not AssignmentImport.objects.exists()


def test_portal_grants_roles(admin, firm, company, redirect_installation):
    member = CompanyMembershipFactory(company=company, role="collaborateur").user
    url = reverse("assignments:portal", args=[redirect_installation.pk])
    assert admin.get(url).status_code == 200
    refused = admin.post(url, {"scope": "chosen", "roles": ["collaborateur"]})
    assert refused.status_code == 422
    response = admin.post(
        url, {"scope": "all", "roles": ["collaborateur"], "include_future_users": "on"}
    )
    assert response.status_code == 302
    assert UserAccess.objects.filter(user=member).exists()
    grant = RoleGrant.objects.get()
    assert grant.include_future_users
    admin.post(reverse("assignments:portal_grant_stop", args=[redirect_installation.pk, grant.pk]))
    grant.refresh_from_db()
    assert not grant.include_future_users


# --- the client's page --------------------------------------------------------------------------


def test_client_applications_tab_and_assignment_form(admin, firm, company, connector):
    tab = reverse("assignments:company_apps", args=[company.pk])
    page = admin.get(tab)
    assert page.status_code == 200 and connector.app.name in page.content.decode()
    chosen = admin.post(tab, {"installation": connector.pk})
    assert chosen["Location"] == reverse(
        "assignments:company_assignment", args=[company.pk, connector.pk]
    )
    form_url = chosen["Location"]
    assert admin.post(form_url, {"setting_code_dossier": ""}).status_code == 422
    saved = admin.post(
        form_url,
        {"setting_code_dossier": "A1", "setting_email_achats": "a@x.example", "enabled": "on"},
    )
    assert saved.status_code == 302
    assignment = CompanyAssignment.objects.get()
    admin.post(form_url, {"setting_code_dossier": "A2", "setting_email_achats": "a@x.example"})
    assignment.refresh_from_db()
    assert assignment.settings["code_dossier"] == "A2" and not assignment.enabled
    admin.post(
        reverse("assignments:company_assignment_toggle", args=[company.pk, connector.pk]),
        {"enabled": "1"},
    )
    assignment.refresh_from_db()
    assert assignment.enabled
    remove = reverse("assignments:company_assignment_remove", args=[company.pk, connector.pk])
    assert admin.get(remove).status_code == 200
    assert admin.post(remove).status_code == 302
    assert not CompanyAssignment.objects.exists()


def test_next_parameter_cannot_leave_the_site(admin, firm_admin, company, connector):
    services.assignment_create(
        actor=firm_admin, installation=connector, company=company, settings=connector_settings()
    )
    response = admin.post(
        reverse("assignments:company_assignment_toggle", args=[company.pk, connector.pk]),
        {"enabled": "0", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("assignments:company_apps", args=[company.pk])


class _Checkboxes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.boxes = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == "apps":
            self.boxes.append((attrs["value"], "checked" in attrs))


def test_users_tab_per_user_apps(admin, firm_admin, company, company_guest, redirect_installation):
    services.assignment_create(
        actor=firm_admin, installation=redirect_installation, company=company
    )
    page = admin.get(reverse("companies:users", args=[company.pk]))
    parser = _Checkboxes()
    parser.feed(page.content.decode())
    assert parser.boxes == [(str(redirect_installation.pk), False)]
    url = reverse("assignments:firm_user_apps", args=[company.pk, company_guest.pk])
    response = admin.post(url, {"apps": [redirect_installation.pk]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    parser = _Checkboxes()
    parser.feed(response.content.decode())
    assert parser.boxes == [(str(redirect_installation.pk), True)]
    assert admin.post(url, {}).status_code == 302  # untick all, without HTMX
    assert not UserAccess.objects.exists()


# --- the company administrateur -----------------------------------------------------------------


def test_company_admin_manages_users_of_their_company(
    firm_admin, company, company_admin, company_guest, redirect_installation
):
    services.assignment_create(
        actor=firm_admin, installation=redirect_installation, company=company
    )
    client = company_client(company_admin, company)
    page = client.get(reverse("assignments:company_users"))
    assert page.status_code == 200 and company_guest.email in page.content.decode()
    response = client.post(
        reverse("assignments:company_user_apps", args=[company_guest.pk]),
        {"apps": [redirect_installation.pk]},
    )
    assert response.status_code == 302
    assert UserAccess.objects.filter(user=company_guest).exists()
    sibling_user = CompanyMembershipFactory(company=CompanyFactory(firm=company.firm)).user
    assert (
        client.post(
            reverse("assignments:company_user_apps", args=[sibling_user.pk]), {"apps": []}
        ).status_code
        == 404
    )


@pytest.mark.parametrize("role", ["collaborateur", "invite"])
def test_company_users_page_is_for_admins(company, role):
    user = CompanyMembershipFactory(company=company, role=role).user
    client = company_client(user, company)
    assert client.get(reverse("assignments:company_users")).status_code == 403
    assert (
        client.post(
            reverse("assignments:company_user_apps", args=[user.pk]), {"apps": []}
        ).status_code
        == 403
    )


def test_company_home_shows_the_tiles_and_opens_them(
    firm_admin, company, company_guest, redirect_installation
):
    assignment = services.assignment_create(
        actor=firm_admin, installation=redirect_installation, company=company
    )
    client = company_client(company_guest, company)
    open_url = reverse("portal:open", args=[redirect_installation.pk])
    assert open_url not in client.get(reverse("portal:company_home")).content.decode()
    assert client.get(open_url).status_code == 404
    services.user_access_grant(actor=firm_admin, assignment=assignment, user=company_guest)
    html = client.get(reverse("portal:company_home")).content.decode()
    assert f'href="{open_url}" target="_blank" rel="noopener noreferrer"' in html
    opened = client.get(open_url)
    assert opened.status_code == 302 and opened["Location"] == redirect_installation.app.launch_url


# --- every URL: another firm's objects are 404, company users have no firm pages ---------------


def firm_urls(installation, company, user, import_id=1, grant_id=1):
    i, c, u = installation.pk, company.pk, user.pk
    return [
        ("get", reverse("assignments:installation", args=[i])),
        ("post", reverse("assignments:add_companies", args=[i])),
        ("post", reverse("assignments:assign_all", args=[i])),
        ("post", reverse("assignments:assign_all_stop", args=[i])),
        ("get", reverse("assignments:import", args=[i])),
        ("post", reverse("assignments:import", args=[i])),
        ("get", reverse("assignments:import_template", args=[i])),
        ("get", reverse("assignments:import_preview", args=[i, import_id])),
        ("post", reverse("assignments:import_apply", args=[i, import_id])),
        ("get", reverse("assignments:import_errors", args=[i, import_id])),
        ("get", reverse("assignments:portal", args=[i])),
        ("post", reverse("assignments:portal", args=[i])),
        ("post", reverse("assignments:portal_grant_stop", args=[i, grant_id])),
        ("get", reverse("assignments:company_apps", args=[c])),
        ("post", reverse("assignments:company_apps", args=[c])),
        ("get", reverse("assignments:company_assignment", args=[c, i])),
        ("post", reverse("assignments:company_assignment", args=[c, i])),
        ("post", reverse("assignments:company_assignment_toggle", args=[c, i])),
        ("get", reverse("assignments:company_assignment_remove", args=[c, i])),
        ("post", reverse("assignments:company_assignment_remove", args=[c, i])),
        ("post", reverse("assignments:firm_user_apps", args=[c, u])),
    ]


def test_another_firms_objects_are_404_on_every_page(
    admin, other_firm_admin, other_user, other_installation, other_company
):
    stored = services.assignment_import_store(
        actor=other_firm_admin,
        installation=other_installation,
        data=b"siret\r\n1\r\n",
        filename="a.csv",
    )
    grant = RoleGrant.objects.get()
    before = (
        CompanyAssignment.objects.count(),
        UserAccess.objects.count(),
        RoleGrant.objects.filter(include_future_users=True).count(),
    )
    for method, url in firm_urls(
        other_installation, other_company, other_user, stored.pk, grant.pk
    ):
        response = getattr(admin, method)(url)
        assert response.status_code == 404, (method, url, response.status_code)
    assert before == (
        CompanyAssignment.objects.count(),
        UserAccess.objects.count(),
        RoleGrant.objects.filter(include_future_users=True).count(),
    )


def test_firm_pages_are_404_in_a_company_context(
    company, company_admin, redirect_installation, company_guest
):
    client = company_client(company_admin, company)
    for method, url in firm_urls(redirect_installation, company, company_guest):
        assert getattr(client, method)(url).status_code == 404, url


def test_company_pages_are_404_in_a_firm_context(admin, company_guest):
    assert admin.get(reverse("assignments:company_users")).status_code == 404
    assert (
        admin.post(reverse("assignments:company_user_apps", args=[company_guest.pk])).status_code
        == 404
    )
