"""Bulk paths and list pages run a number of queries that does not grow with the data.

SQLite caps a statement at 999 parameters, so Django splits a bulk insert of more than ~120
assignments into several statements: the sizes compared here stay below that (PostgreSQL has
no such split; ``bench/`` measures the large sizes).
"""

from dataclasses import asdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.assignments import services
from comptoir.companies.models import Company, CompanyMembership
from tests.assignments.conftest import install, make_app
from tests.conftest import client_for
from tests.factories import UserFactory, valid_siret

_n = iter(range(40_000_000, 41_000_000))


def make_companies(firm, count, *, users_per_company=0, role="collaborateur"):
    companies = Company.objects.bulk_create(
        [
            Company(
                firm=firm,
                name=f"Q {i}",
                slug=f"q-{next(_n)}",
                siret=valid_siret(next(_n)),
                fiscal_year_start="2026-01-01",
                fiscal_year_end="2026-12-31",
            )
            for i in range(count)
        ]
    )
    for company in companies:
        for _ in range(users_per_company):
            CompanyMembership.objects.create(
                firm=firm, company=company, user=UserFactory(), role=role
            )
    return companies


def csv_for(companies) -> bytes:
    lines = ["siret;code_dossier;email_achats"] + [
        f"{c.siret};D{c.pk};a{c.pk}@x.example" for c in companies
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


IMPORT_QUERIES = 10


@pytest.mark.parametrize("size", [10, 100])
def test_import_validation_and_apply(size, firm, firm_admin, connector, django_assert_num_queries):
    content = csv_for(make_companies(firm, size))
    with django_assert_num_queries(IMPORT_QUERIES):
        summary = services.assignment_import_apply(
            actor=firm_admin, installation=connector, data=content, filename="f.csv"
        )
    assert summary.created == size


@pytest.mark.parametrize("size", [10, 100])
def test_import_dry_run(size, firm, connector, django_assert_num_queries):
    content = csv_for(make_companies(firm, size))
    with django_assert_num_queries(2):  # companies by SIRET, their current assignments
        check = services.check_file(installation=connector, data=content, filename="f.csv")
    assert check.created == size


def test_import_of_500_rows_stays_bounded(firm, firm_admin, connector):
    content = csv_for(make_companies(firm, 500))
    with CaptureQueriesContext(connection) as queries:
        services.assignment_import_apply(
            actor=firm_admin, installation=connector, data=content, filename="f.csv"
        )
    # The same queries, with the INSERT split in SQLite-sized batches (999 parameters).
    assert len(queries) <= IMPORT_QUERIES + 4


@pytest.mark.parametrize("size", [5, 60])
def test_assign_all(size, firm, firm_admin, redirect_installation, django_assert_num_queries):
    make_companies(firm, size, users_per_company=1)
    services.role_grant_create(
        actor=firm_admin,
        installation=redirect_installation,
        companies="all",
        roles=["collaborateur"],
        include_future_users=True,
        assign_missing=False,
    )
    with django_assert_num_queries(12):
        result = services.assign_all(
            actor=firm_admin, installation=redirect_installation, include_future_companies=True
        )
    assert result.created == size


@pytest.mark.parametrize("size", [5, 40])
def test_role_grant(size, firm, firm_admin, redirect_installation, django_assert_num_queries):
    make_companies(firm, size, users_per_company=3)
    with django_assert_num_queries(9):
        result = services.role_grant_create(
            actor=firm_admin,
            installation=redirect_installation,
            companies="all",
            roles=["collaborateur"],
            include_future_users=True,
        )
    assert result.users_granted == size * 3


# Set-based writes: one INSERT … SELECT whatever the number of companies, so the sizes may go
# past SQLite's 999-parameter batches (a bulk_create of instances would split at ~120 rows).


@pytest.mark.parametrize("size", [3, 300])
def test_assign_all_is_one_insert(
    size, firm, firm_admin, redirect_installation, django_assert_num_queries
):
    companies = make_companies(firm, size)
    services.assignment_create(
        actor=firm_admin, installation=redirect_installation, company=companies[0]
    )
    # Member check, living rules?, count, INSERT … SELECT, the rule (one upsert), the audit
    # event, and the transaction's savepoint (2).
    with django_assert_num_queries(8):
        result = services.assign_all(
            actor=firm_admin, installation=redirect_installation, include_future_companies=True
        )
    assert asdict(result) == {
        "created": size - 1,
        "already_assigned": 1,
        "total": size,
        "include_future_companies": True,
    }
    assert redirect_installation.assignments.count() == size


@pytest.mark.parametrize("size", [3, 200])
def test_role_grant_is_two_inserts(
    size, firm, firm_admin, redirect_installation, django_assert_num_queries
):
    make_companies(firm, size, users_per_company=2)
    services.assignment_create(
        actor=firm_admin, installation=redirect_installation, company=Company.objects.first()
    )
    # Member check, living rules?, INSERT … SELECT assignments, companies count, the grant,
    # INSERT … SELECT accesses, the audit event, and the transaction's savepoint (2).
    with django_assert_num_queries(9):
        result = services.role_grant_create(
            actor=firm_admin,
            installation=redirect_installation,
            companies="all",
            roles=["collaborateur"],
            include_future_users=False,
        )
    assert result.companies == size
    assert result.assigned == size - 1
    assert result.users_granted == 2 * size
    assert redirect_installation.assignments.count() == size


@pytest.mark.parametrize("apps", [1, 8])
def test_company_home_page(apps, firm, firm_admin, django_assert_num_queries):
    companies = make_companies(firm, 3, users_per_company=2)
    for i in range(apps):
        installation = install(firm, make_app(name=f"Tuile {i}", audience="company"))
        services.role_grant_create(
            actor=firm_admin,
            installation=installation,
            companies="all",
            roles=["collaborateur"],
            include_future_users=False,
        )
    user = companies[0].memberships.first().user
    client = client_for(user)
    client.get(reverse("portal:start"))
    # 5 (the context switcher's choices are one query), and the user's pending invitations
    # (the banner); the tiles are one query of values, with no extra query for the user.
    with django_assert_num_queries(6):
        page = client.get(reverse("portal:company_home"))
    assert page.content.decode().count('class="tile"') == apps


@pytest.mark.parametrize("members", [2, 12])
def test_users_tab(members, firm, firm_admin, django_assert_num_queries):
    company = make_companies(firm, 1, users_per_company=members)[0]
    for i in range(3):
        installation = install(firm, make_app(name=f"App {i}", audience="both"))
        services.role_grant_create(
            actor=firm_admin,
            installation=installation,
            companies=[company],
            roles=["collaborateur"],
            include_future_users=False,
        )
    client = client_for(firm_admin)
    with django_assert_num_queries(9):  # 8, and the invitations waiting for an answer
        page = client.get(reverse("companies:users", args=[company.pk]))
    assert page.content.decode().count('name="apps"') == 3 * members


@pytest.mark.parametrize("size", [3, 30])
def test_installation_clients_page(
    size, firm, firm_admin, redirect_installation, django_assert_num_queries
):
    make_companies(firm, size * 2)
    services.assign_all(
        actor=firm_admin, installation=redirect_installation, include_future_companies=False
    )
    make_companies(firm, size)
    client = client_for(firm_admin)
    with django_assert_num_queries(10):  # the context switcher's choices are one query
        page = client.get(reverse("assignments:installation", args=[redirect_installation.pk]))
    assert page.status_code == 200
