from datetime import date, timedelta

import pytest
from django.utils import timezone

from comptoir.accounts.models import Invitation
from comptoir.audit.models import AuditEvent
from comptoir.companies import services
from comptoir.companies.models import Company, CompanyMembership
from comptoir.core.errors import Conflict, ValidationFailed
from tests.factories import CompanyFactory, CompanyMembershipFactory, valid_siret

pytestmark = pytest.mark.django_db


def test_create_normalises_siret_and_slug_and_audits(firm, firm_admin):
    company = services.company_create(
        actor=firm_admin, firm=firm, name="  Boulangerie   Martin ", siret="732 829 320 00074"
    )
    assert company.name == "Boulangerie Martin"
    assert company.siret == "73282932000074"
    assert company.slug == "boulangerie-martin"
    assert (company.fiscal_year_start.month, company.fiscal_year_start.day) == (1, 1)
    event = AuditEvent.objects.get(action="company.create")
    assert event.firm == firm and event.actor == firm_admin and event.target_id == str(company.pk)


def test_slugs_stay_unique_in_the_firm(firm, firm_admin):
    first = services.company_create(actor=firm_admin, firm=firm, name="Garage Dupont")
    second = services.company_create(actor=firm_admin, firm=firm, name="Garage  Dupont")
    assert (first.slug, second.slug) == ("garage-dupont", "garage-dupont-2")


def test_same_siret_twice_in_a_firm_is_a_conflict(firm, firm_admin):
    services.company_create(actor=firm_admin, firm=firm, name="A", siret="73282932000074")
    with pytest.raises(Conflict) as error:
        services.company_create(actor=firm_admin, firm=firm, name="B", siret="732.829.320.00074")
    assert error.value.field == "siret"
    assert Company.objects.filter(firm=firm).count() == 1


def test_same_siret_in_two_firms_is_fine(firm, other_firm, firm_admin):
    services.company_create(actor=firm_admin, firm=firm, name="A", siret="73282932000074")
    services.company_create(actor=None, firm=other_firm, name="A", siret="73282932000074")
    assert Company.objects.filter(siret="73282932000074").count() == 2


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"name": ""}, "name_required"),
        ({"name": "   "}, "name_required"),
        ({"name": "x" * 201}, "name_too_long"),
        ({"name": "A", "siret": "123"}, "siret_wrong_length"),
        ({"name": "A", "siret": "73282932000075"}, "siret_bad_checksum"),
        ({"name": "A", "siret": "7,32829E+13"}, "siret_scientific_notation"),
        (
            {
                "name": "A",
                "fiscal_year_start": date(2026, 12, 31),
                "fiscal_year_end": date(2026, 1, 1),
            },
            "fiscal_year_order",
        ),
        ({"name": "A", "fiscal_year_start": date(2026, 1, 1)}, "fiscal_year_incomplete"),
        (
            {
                "name": "A",
                "fiscal_year_start": date(2026, 1, 1),
                "fiscal_year_end": date(2028, 1, 1),
            },
            "fiscal_year_too_long",
        ),
    ],
)
def test_bad_input_saves_nothing(firm, firm_admin, kwargs, code):
    with pytest.raises(ValidationFailed) as error:
        services.company_create(actor=firm_admin, firm=firm, **kwargs)
    assert error.value.code == code
    assert not Company.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_first_fiscal_year_may_last_up_to_24_months(firm, firm_admin):
    company = services.company_create(
        actor=firm_admin,
        firm=firm,
        name="Jeune pousse",
        fiscal_year_start=date(2026, 3, 1),
        fiscal_year_end=date(2028, 2, 28),
    )
    assert company.fiscal_year_end == date(2028, 2, 28)


def test_update_changes_only_given_fields_and_keeps_the_slug(firm, firm_admin):
    company = services.company_create(actor=firm_admin, firm=firm, name="Ancien nom")
    services.company_update(
        actor=firm_admin, company=company, name="Nouveau nom", siret=valid_siret()
    )
    company.refresh_from_db()
    assert company.name == "Nouveau nom" and company.slug == "ancien-nom"
    event = AuditEvent.objects.get(action="company.update")
    assert event.details["name"] == {"before": "Ancien nom", "after": "Nouveau nom"}


def test_update_to_a_siret_taken_by_another_company_is_refused(firm, firm_admin):
    taken = CompanyFactory(firm=firm)
    company = CompanyFactory(firm=firm, siret=None)
    with pytest.raises(Conflict):
        services.company_update(actor=firm_admin, company=company, siret=taken.siret)
    company.refresh_from_db()
    assert company.siret is None


def test_update_may_keep_its_own_siret_and_clear_it(firm, firm_admin):
    company = CompanyFactory(firm=firm)
    services.company_update(actor=firm_admin, company=company, siret=company.siret)
    services.company_update(actor=firm_admin, company=company, siret="")
    company.refresh_from_db()
    assert company.siret is None


def test_change_role_and_remove_are_audited(company, firm_admin):
    membership = CompanyMembershipFactory(company=company, role="invite")
    services.company_member_change_role(
        actor=firm_admin, membership=membership, role="collaborateur"
    )
    membership.refresh_from_db()
    assert membership.role == "collaborateur"
    with pytest.raises(ValidationFailed):
        services.company_member_change_role(actor=firm_admin, membership=membership, role="chef")
    services.company_member_remove(actor=firm_admin, membership=membership)
    assert not CompanyMembership.objects.filter(pk=membership.pk).exists()
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert sorted(actions) == ["company.member_remove", "company.member_role"]


def test_removing_a_member_voids_their_open_invitation(company, firm_admin):
    membership = CompanyMembershipFactory(company=company, role="invite")
    invitation = Invitation.objects.create(
        firm=company.firm,
        company=company,
        user=membership.user,
        role="invite",
        expires_at=timezone.now() + timedelta(days=7),
    )
    services.company_member_remove(actor=firm_admin, membership=membership)
    invitation.refresh_from_db()
    assert invitation.cancelled_at is not None


def test_delete_company_is_audited_and_removes_members(company, firm_admin):
    CompanyMembershipFactory(company=company)
    services.company_delete(actor=firm_admin, company=company)
    assert not Company.objects.filter(pk=company.pk).exists()
    assert not CompanyMembership.objects.exists()
    assert AuditEvent.objects.filter(action="company.delete").count() == 1
