"""Which grant wins: a grant made for the user's very company over one for every company, then
the oldest. Each path that applies grants records the winner, so reversing the rule (in
``grants.grant_precedence``) fails here: a member who joins, a member whose role changes, and a
company that gets the app while living grants exist."""

import pytest

from comptoir.assignments import grants, services
from comptoir.assignments.models import RoleGrant, UserAccess
from comptoir.companies.services import company_member_change_role
from tests.factories import CompanyFactory, CompanyMembershipFactory


def living_grant(installation, *, company=None, roles=("collaborateur",)) -> RoleGrant:
    return RoleGrant.objects.create(
        firm_id=installation.firm_id,
        installation=installation,
        company=company,
        roles=list(roles),
        include_future_users=True,
    )


def given_by(user, company) -> RoleGrant | None:
    return UserAccess.objects.get(user=user, assignment__company=company).granted_by_rule


@pytest.fixture
def assigned(firm_admin, company, redirect_installation):
    services.assignment_create(
        actor=firm_admin, installation=redirect_installation, company=company
    )
    return redirect_installation


def test_the_company_grant_wins_over_an_older_grant_for_every_company(assigned, company):
    for_all = living_grant(assigned)
    for_company = living_grant(assigned, company=company)
    assert for_all.pk < for_company.pk  # the older one would win if only age counted
    membership = CompanyMembershipFactory(company=company, role="collaborateur")
    grants.apply_role_grants_to_member(membership=membership)
    assert given_by(membership.user, company) == for_company


def test_the_company_grant_wins_over_a_newer_grant_for_every_company(assigned, company):
    for_company = living_grant(assigned, company=company)
    living_grant(assigned)
    membership = CompanyMembershipFactory(company=company, role="collaborateur")
    grants.apply_role_grants_to_member(membership=membership)
    assert given_by(membership.user, company) == for_company


def test_between_two_grants_for_the_company_the_older_wins(assigned, company):
    older = living_grant(assigned, company=company, roles=("collaborateur", "invite"))
    living_grant(assigned, company=company)
    membership = CompanyMembershipFactory(company=company, role="collaborateur")
    grants.apply_role_grants_to_member(membership=membership)
    assert given_by(membership.user, company) == older


def test_a_role_change_records_the_winning_grant(firm_admin, assigned, company):
    for_all = living_grant(assigned, roles=("collaborateur",))
    for_company = living_grant(assigned, company=company, roles=("collaborateur",))
    membership = CompanyMembershipFactory(company=company, role="invite")
    assert not UserAccess.objects.filter(user=membership.user).exists()
    company_member_change_role(actor=firm_admin, membership=membership, role="collaborateur")
    assert given_by(membership.user, company) == for_company != for_all


def test_a_company_that_gets_the_app_records_the_winning_grant(
    firm, firm_admin, redirect_installation
):
    company = CompanyFactory(firm=firm)
    member = CompanyMembershipFactory(company=company, role="collaborateur").user
    living_grant(redirect_installation)
    for_company = living_grant(redirect_installation, company=company)
    services.assignment_create(
        actor=firm_admin, installation=redirect_installation, company=company
    )
    assert given_by(member, company) == for_company


def test_the_import_records_the_winning_grant(firm, firm_admin, connector):
    # Automation apps give no tiles, but grants may name them: the plan's set-based insert
    # still hands the new assignments to the rules (grants.grant_living_rules).
    company = CompanyFactory(firm=firm)
    member = CompanyMembershipFactory(company=company, role="collaborateur").user
    living_grant(connector)
    for_company = living_grant(connector, company=company)
    content = f"siret;code_dossier;email_achats\r\n{company.siret};D1;a@x.example\r\n".encode()
    summary = services.assignment_import_apply(
        actor=firm_admin, installation=connector, data=content, filename="a.csv"
    )
    assert summary.created == 1
    assert given_by(member, company) == for_company


def test_winning_grant_reads_the_role_then_the_precedence(redirect_installation, company):
    for_all = living_grant(redirect_installation, roles=("invite", "collaborateur"))
    for_company = living_grant(redirect_installation, company=company, roles=("collaborateur",))
    both = [for_all, for_company]
    assert grants.winning_grant(both, "collaborateur") == for_company
    assert grants.winning_grant(list(reversed(both)), "collaborateur") == for_company
    assert grants.winning_grant(both, "invite") == for_all  # the only one naming the role
    assert grants.winning_grant(both, "administrateur") is None
