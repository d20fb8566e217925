"""``comptoir seed-demo``: believable, valid, complete and idempotent demo data."""

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from comptoir.accounts.models import User
from comptoir.audit.models import AuditEvent
from comptoir.companies.models import Company, CompanyMembership
from comptoir.companies.siret import normalize_siret
from comptoir.demo import data
from comptoir.demo.seed import seed_demo
from comptoir.firms.models import Firm, FirmMembership

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 28)


@pytest.fixture(autouse=True)
def _demo_mode_settings(settings, tmp_path):
    """As in demo mode: the local sinks listen on loopback, and var/ is this test's own (the
    seed keeps the demo SFTP server's host key there)."""
    settings.DELIVERY_ALLOW_LOOPBACK = True
    settings.VAR_DIR = tmp_path / "var"


def snapshot() -> dict[str, int]:
    models = [User, Firm, FirmMembership, Company, CompanyMembership, AuditEvent]
    return {model.__name__: model.objects.count() for model in models}


def test_two_firms_with_at_least_thirty_clients_each():
    seed_demo(today=TODAY)

    firms = {firm.slug: firm for firm in Firm.objects.all()}
    assert set(firms) == {"cabinet-durand", "fiducia-conseil"}
    assert firms["cabinet-durand"].name == "Cabinet Durand & Associés"
    assert firms["cabinet-durand"].brand_colour != firms["fiducia-conseil"].brand_colour
    per_firm = Counter(Company.objects.values_list("firm__slug", flat=True))
    assert min(per_firm.values()) >= 30
    assert sum(per_firm.values()) >= 60


def test_sirets_are_valid_and_some_companies_have_none():
    seed_demo(today=TODAY)

    sirets = list(Company.objects.values_list("siret", flat=True))
    present = [s for s in sirets if s]
    assert all(normalize_siret(s) == s for s in present)
    assert len(set(present)) == len(present)
    assert 0 < sirets.count(None) < len(sirets) // 4


def test_fiscal_years_contain_today_and_some_are_not_calendar_years():
    seed_demo(today=TODAY)

    years = list(Company.objects.values_list("fiscal_year_start", "fiscal_year_end"))
    assert all(start <= TODAY <= end for start, end in years)
    starts = Counter(start.month for start, _ in years)
    assert starts[1] > len(years) // 2
    assert {4, 7, 10} <= set(starts)
    assert (date(2026, 4, 1), date(2027, 3, 31)) in years


def test_a_login_in_every_role_and_one_in_two_places():
    seed_demo(today=TODAY)

    for slug in ("cabinet-durand", "fiducia-conseil"):
        roles = set(FirmMembership.objects.filter(firm__slug=slug).values_list("role", flat=True))
        assert roles == {"admin", "collaborator"}
        company_roles = set(
            CompanyMembership.objects.filter(firm__slug=slug).values_list("role", flat=True)
        )
        assert company_roles == {"administrateur", "collaborateur", "invite"}
    both = User.objects.get(email="julie.moreau@cabinet-durand.test")
    assert both.firm_memberships.get().firm.slug == "cabinet-durand"
    assert both.company_memberships.get().company.firm.slug == "fiducia-conseil"
    assert User.objects.get(email=data.OPERATOR_EMAIL).is_superuser


def test_every_demo_login_works_with_the_demo_password():
    seed_demo(today=TODAY)

    emails = {data.OPERATOR_EMAIL, *(login.email for login in data.LOGINS)}
    for email in emails:
        assert Client().login(username=email, password=data.DEMO_PASSWORD), email


def test_demo_admin_sees_the_firm_home_page_after_logging_in():
    seed_demo(today=TODAY)
    client = Client()

    response = client.post(
        reverse("accounts:login"),
        {"username": "sophie.durand@cabinet-durand.test", "password": data.DEMO_PASSWORD},
    )

    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).status_code == 200


def test_running_twice_creates_nothing_more():
    seed_demo(today=TODAY)
    first = snapshot()

    ctx = seed_demo(today=TODAY)

    assert snapshot() == first
    assert sum(ctx.created.values()) == 0


def test_one_audit_event_per_firm_says_what_was_seeded():
    seed_demo(today=TODAY)

    events = AuditEvent.objects.filter(action="demo.seed").order_by("firm__slug")
    assert [e.firm.slug for e in events] == ["cabinet-durand", "fiducia-conseil"]
    assert events[0].details["companies"] == len(data.FIRMS[0].companies)


def test_seed_completes_what_is_missing_without_touching_the_rest():
    seed_demo(today=TODAY)
    CompanyMembership.objects.filter(company__name="Garage des Tilleuls").delete()
    kept = CompanyMembership.objects.get(user__email="pierre.martin@boulangerie-martin.test")
    before = snapshot()

    ctx = seed_demo(today=TODAY)

    assert dict(ctx.created) == {"cabinet-durand:company_members": 3}
    assert snapshot() == {
        **before,
        "CompanyMembership": before["CompanyMembership"] + 3,
        "AuditEvent": before["AuditEvent"] + 1,
    }
    assert CompanyMembership.objects.get(pk=kept.pk).updated_at == kept.updated_at


def test_command_prints_the_logins_and_the_password():
    out = StringIO()

    call_command("seed-demo", stdout=out)
    call_command("seed-demo", stdout=out)

    text = out.getvalue()
    assert "Demo data created" in text
    assert "Demo data already in place: nothing to create." in text
    assert f"password for all: {data.DEMO_PASSWORD}" in text
    assert "sophie.durand@cabinet-durand.test" in text
    assert "company invité" in text


def test_a_durand_collaborator_has_fiducias_invitation_waiting_on_his_home_page():
    seed_demo(today=TODAY)
    seed_demo(today=TODAY)  # created once
    email, _firm, company_name = data.PENDING_INVITATION
    lucas = User.objects.get(email=email)
    assert lucas.invitations.count() == 1 and lucas.invitations.get().is_pending
    assert not CompanyMembership.objects.filter(user=lucas, company__name=company_name).exists()
    client = Client()
    assert client.login(email=email, password=data.DEMO_PASSWORD)
    home = client.get(reverse("portal:start"), follow=True).content.decode()
    assert f"Fiducia Conseil vous invite à rejoindre {company_name}" in home
