"""Sortable lists (``?tri=``): the shared parser, and the clients list and audit log sorted by
each allowed column both ways, a bad value falling back to the default order, ``aria-sort``."""

import re

import pytest
from django.urls import reverse

from comptoir.audit.models import AuditEvent
from comptoir.core.sorting import parse_sort
from tests.conftest import client_for
from tests.factories import CompanyFactory, CompanyMembershipFactory

ALLOWED = {"name": ("name",), "date": ("created_at",)}


def test_parse_sort_reads_a_key_both_ways_and_adds_the_tie_breaker():
    ascending = parse_sort("name", ALLOWED, "-date")
    assert (ascending.key, ascending.descending, ascending.order_by) == (
        "name",
        False,
        ("name", "id"),
    )
    descending = parse_sort("-name", ALLOWED, "-date")
    assert descending.order_by == ("-name", "-id")
    assert descending.aria("name") == "descending" and descending.aria("date") is None
    assert ascending.next_value("name") == "-name" and descending.next_value("name") == "name"
    assert ascending.next_value("date") == "date"


@pytest.mark.parametrize("value", [None, "", "-", "--name", "password", "name;drop", "id", "-id"])
def test_parse_sort_falls_back_to_the_default_on_anything_else(value):
    sort = parse_sort(value, ALLOWED, "-date")
    assert (sort.key, sort.descending, sort.order_by) == ("date", True, ("-created_at", "-id"))


@pytest.mark.django_db
class TestClientsList:
    @pytest.fixture
    def companies(self, firm):
        b = CompanyFactory(firm=firm, name="Bravo", siret="73282932000074")
        a = CompanyFactory(firm=firm, name="Alpha", siret="80295478500028")
        c = CompanyFactory(firm=firm, name="Charlie", siret="55208131766522")
        CompanyMembershipFactory.create_batch(2, company=a)
        CompanyMembershipFactory.create_batch(1, company=c)
        return {"name": [a, b, c], "siret": [c, b, a], "members": [b, c, a]}

    def _names(self, user, tri, **extra):
        response = client_for(user).get(reverse("companies:list"), {"tri": tri, **extra})
        assert response.status_code == 200
        html = response.content.decode()
        return [n for n in re.findall(r">(Alpha|Bravo|Charlie)</a>", html)], html

    @pytest.mark.parametrize("key", ["name", "siret", "members"])
    def test_sorted_by_each_column_both_ways(self, firm_collaborator, companies, key):
        expected = [c.name for c in companies[key]]
        names, html = self._names(firm_collaborator, key)
        assert names == expected
        assert 'aria-sort="ascending"' in html and html.count("aria-sort=") == 1
        names, html = self._names(firm_collaborator, f"-{key}")
        assert names == expected[::-1]
        assert 'aria-sort="descending"' in html and html.count("aria-sort=") == 1

    @pytest.mark.parametrize("bad", ["nope", "-", "created_at", "name__x", "🙂"])
    def test_bad_value_falls_back_to_name_order(self, firm_collaborator, companies, bad):
        names, html = self._names(firm_collaborator, bad)
        assert names == ["Alpha", "Bravo", "Charlie"]
        assert 'aria-sort="ascending"' in html

    def test_header_links_keep_the_search_and_drop_the_page(self, firm_collaborator, companies):
        _names, html = self._names(firm_collaborator, "name", q="a", page="1")
        links = re.findall(r'class="sort-link" href="([^"]*)"', html)
        assert links and all("q=a" in link and "page=" not in link for link in links)
        assert "tri=-name" in links[0]

    def test_export_follows_the_sort(self, firm_collaborator, companies):
        response = client_for(firm_collaborator).get(
            reverse("companies:export"), {"format": "csv", "tri": "-name"}
        )
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert body.index("Charlie") < body.index("Bravo") < body.index("Alpha")


@pytest.mark.django_db
class TestAuditLog:
    @pytest.fixture
    def events(self, firm, other_firm):
        for email, action in [
            ("b@x.fr", "company.create"),
            ("a@x.fr", "installation.add"),
            ("c@x.fr", "company.delete"),
        ]:
            AuditEvent.objects.create(firm=firm, actor_email=email, action=action)
        AuditEvent.objects.create(
            firm=other_firm, actor_email="z@other.fr", action="company.create"
        )

    def _actors(self, user, tri):
        response = client_for(user).get(reverse("audit:index"), {"tri": tri})
        assert response.status_code == 200
        html = response.content.decode()
        assert "z@other.fr" not in html
        return re.findall(r"\b([abc])@x\.fr", html), html

    @pytest.mark.parametrize(
        ("key", "expected"),
        [("date", ["b", "a", "c"]), ("actor", ["a", "b", "c"]), ("action", ["b", "c", "a"])],
    )
    def test_sorted_by_each_column_both_ways(self, firm_admin, events, key, expected):
        actors, html = self._actors(firm_admin, key)
        assert actors == expected and 'aria-sort="ascending"' in html
        actors, html = self._actors(firm_admin, f"-{key}")
        assert actors == expected[::-1] and 'aria-sort="descending"' in html

    def test_bad_value_falls_back_to_newest_first(self, firm_admin, events):
        actors, html = self._actors(firm_admin, "ip_address")
        assert actors == ["c", "a", "b"] and 'aria-sort="descending"' in html


@pytest.mark.django_db
def test_search_and_filter_forms_keep_the_sort(firm_collaborator, firm_admin, firm):
    CompanyFactory(firm=firm, name="Alpha")
    html = client_for(firm_collaborator).get(reverse("companies:list"), {"tri": "-siret"})
    assert '<input type="hidden" name="tri" value="-siret">' in html.content.decode()
    html = client_for(firm_admin).get(reverse("audit:index"), {"tri": "actor"}).content.decode()
    assert '<input type="hidden" name="tri" value="actor">' in html
    html = client_for(firm_admin).get(reverse("audit:index")).content.decode()
    assert 'name="tri"' not in html


@pytest.mark.django_db
@pytest.mark.parametrize("tri", ["members", "-members", "siret"])
def test_sorting_the_clients_list_costs_no_query(firm_collaborator, firm, tri):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(5):
        CompanyMembershipFactory(company=CompanyFactory(firm=firm, name=f"C{n}"))
    client = client_for(firm_collaborator)
    client.get(reverse("companies:list"))
    with CaptureQueriesContext(connection) as default:
        client.get(reverse("companies:list"))
    with CaptureQueriesContext(connection) as sorted_:
        client.get(reverse("companies:list"), {"tri": tri})
    assert len(sorted_) == len(default)


@pytest.mark.django_db
@pytest.mark.parametrize("tri", ["actor", "-action", "date"])
def test_sorting_the_audit_log_costs_no_query(firm_admin, firm, tri):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(5):
        AuditEvent.objects.create(firm=firm, actor_email=f"u{n}@x.fr", action="company.create")
    client = client_for(firm_admin)
    client.get(reverse("audit:index"))
    with CaptureQueriesContext(connection) as default:
        client.get(reverse("audit:index"))
    with CaptureQueriesContext(connection) as sorted_:
        client.get(reverse("audit:index"), {"tri": tri})
    assert len(sorted_) == len(default)
