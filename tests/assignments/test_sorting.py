"""An app's companies (tab "Clients") sorted by ``?tri=``: each column both ways, bad values
fall back to the name order, ``aria-sort`` on the active column, another firm's app 404s."""

import pytest
from django.urls import reverse

from comptoir.assignments.models import CompanyAssignment
from tests.conftest import client_for
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

KEYS = {
    "name": lambda a: (a.company.name, a.pk),
    "siret": lambda a: (a.company.siret, a.pk),
    "status": lambda a: (a.enabled, a.pk),
    "users": lambda a: (a.user_count, a.pk),
}


@pytest.fixture
def listed(firm, redirect_installation):
    for name, siret, enabled in [
        ("Bravo", "73282932000074", True),
        ("Alpha", "80295478500028", False),
        ("Charlie", "55208131766522", True),
    ]:
        CompanyAssignment.objects.create(
            firm=firm,
            installation=redirect_installation,
            company=CompanyFactory(firm=firm, name=name, siret=siret),
            enabled=enabled,
        )
    return reverse("assignments:installation", args=[redirect_installation.pk])


def rows(response):
    assert response.status_code == 200
    return list(response.context["page"].object_list)


@pytest.mark.parametrize("key", sorted(KEYS))
def test_sorted_by_each_column_both_ways(firm_collaborator, listed, key):
    client = client_for(firm_collaborator)
    ascending = rows(client.get(listed, {"tri": key}))
    assert len(ascending) == 3
    assert [a.pk for a in ascending] == [a.pk for a in sorted(ascending, key=KEYS[key])]
    response = client.get(listed, {"tri": f"-{key}"})
    assert [a.pk for a in rows(response)] == [a.pk for a in reversed(ascending)]
    html = response.content.decode()
    assert 'class="sort-link" href="?tri=users"' in html  # a tile app: the "Users" column
    assert html.count("aria-sort=") == 1 and 'aria-sort="descending"' in html


def test_name_and_siret_orders_differ(firm_collaborator, listed):
    client = client_for(firm_collaborator)
    by_name = [a.company.name for a in rows(client.get(listed, {"tri": "name"}))]
    by_siret = [a.company.name for a in rows(client.get(listed, {"tri": "siret"}))]
    assert by_name == ["Alpha", "Bravo", "Charlie"] and by_siret == ["Charlie", "Bravo", "Alpha"]


@pytest.mark.parametrize("bad", ["settings", "-", "company__firm__name", "nom"])
def test_bad_value_falls_back_to_the_name_order(firm_collaborator, listed, bad):
    response = client_for(firm_collaborator).get(listed, {"tri": bad})
    assert [a.company.name for a in rows(response)] == ["Alpha", "Bravo", "Charlie"]
    assert 'aria-sort="ascending"' in response.content.decode()


def test_another_firms_app_is_404_whatever_the_sort(other_firm_admin, listed):
    assert client_for(other_firm_admin).get(listed, {"tri": "-name"}).status_code == 404


@pytest.mark.parametrize("tri", ["users", "-status", "siret"])
def test_sorting_costs_no_query(firm_collaborator, listed, tri):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(firm_collaborator)
    client.get(listed)
    with CaptureQueriesContext(connection) as default:
        client.get(listed)
    with CaptureQueriesContext(connection) as sorted_:
        client.get(listed, {"tri": tri})
    assert len(sorted_) == len(default)
