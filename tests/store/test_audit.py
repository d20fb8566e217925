"""The audit log: GET /audit and the page /cabinet/parametres/journal/."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from comptoir.audit.models import AuditEvent
from comptoir.audit.services import audit_record
from comptoir.store import services
from tests.api_errors import assert_api_error
from tests.conftest import client_for
from tests.store.factories import AppFactory

AUDIT = reverse("audit:index")


@pytest.fixture
def events(firm, firm_admin, other_firm, other_firm_admin):
    """Three store events in the firm (one dated last week), one in another firm."""
    installation = services.installation_add(actor=firm_admin, firm=firm, app=AppFactory())
    services.custom_app_create(actor=firm_admin, firm=firm, name="Blog", url="https://b.example")
    old = audit_record(firm=firm, actor=None, action="company.create")
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=7))
    audit_record(firm=other_firm, actor=other_firm_admin, action="installation.add")
    return installation


def test_admins_read_the_log_newest_first(api_as, firm_admin, events):
    response = api_as(firm_admin).get("/audit")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["action"] for i in items] == [
        "custom_app.create",
        "installation.add",
        "company.create",
    ]
    first = items[1]
    assert first["actor"] == firm_admin.email
    assert first["target"]["type"] == "store.installation"
    assert first["target"]["id"] == str(events.pk)


@pytest.mark.parametrize(
    ("query", "actions"),
    [
        ({"action": "installation.add"}, ["installation.add"]),
        ({"action": "custom_app"}, ["custom_app.create"]),
        ({"actor": "nobody"}, []),
        (
            {"since": (timezone.now() - timedelta(days=1)).date().isoformat()},
            ["custom_app.create", "installation.add"],
        ),
        ({"until": (timezone.now() - timedelta(days=2)).date().isoformat()}, ["company.create"]),
    ],
)
def test_filters(api_as, firm_admin, events, query, actions):
    items = api_as(firm_admin).get("/audit", query).json()["items"]
    assert [i["action"] for i in items] == actions


def test_the_actor_filter_matches_part_of_the_address(api_as, firm_admin, events):
    part = firm_admin.email.split("@")[0]
    items = api_as(firm_admin).get("/audit", {"actor": part}).json()["items"]
    assert len(items) == 2


def test_pagination_walks_every_event_once(api_as, firm_admin, events):
    client = api_as(firm_admin)
    first = client.get("/audit", {"limit": 2}).json()
    second = client.get("/audit", {"limit": 2, "cursor": first["next"]}).json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next"] is None
    assert client.get("/audit", {"cursor": "garbage"}).status_code == 422
    assert client.get("/audit", {"limit": 0}).status_code == 422
    assert client.get("/audit", {"since": "yesterday"}).status_code == 422


def test_collaborators_and_company_users_cannot_read_it(api_as, firm_collaborator, company_admin):
    response = api_as(firm_collaborator).get("/audit")
    assert response.status_code == 403
    assert_api_error(response, code="admin_only")
    assert api_as(company_admin).get("/audit").status_code == 404


def test_the_page_lists_and_filters_the_firms_events(firm_admin, events, other_firm_admin):
    client = client_for(firm_admin)
    html = client.get(AUDIT).content.decode()
    assert "custom_app.create" in html and "company.create" in html
    assert other_firm_admin.email not in html
    filtered = client.get(AUDIT, {"action": "custom_app.create"}).content.decode()
    assert 'data-action="custom_app.create"' in filtered
    assert 'data-action="company.create"' not in filtered
    assert client.get(AUDIT, {"since": "not a date"}).status_code == 200


def test_the_page_reads_as_a_journal_in_french(firm_admin, events):
    client = client_for(firm_admin)
    client.cookies["django_language"] = "fr"
    response = client.get(AUDIT, {"action": "custom_app.create"})
    html = response.content.decode()
    assert "Application personnalisée créée" in html  # the action in words
    assert "<li>Nom\u00a0: Blog</li>" in html  # details as lines, not a dictionary
    assert "{&#x27;" not in html and "{'" not in html
    labels = dict(response.context["form"].fields["action"].choices)
    assert labels["installation.add"] == "Application ajoutée à l’espace"  # noqa: RUF001
    export = reverse("audit:export")
    assert f'href="{export}?action=custom_app.create&amp;format=csv"' in html
    assert f'href="{export}?action=custom_app.create&amp;format=xlsx"' in html


def test_the_page_is_for_admins(firm_collaborator, company_admin):
    assert client_for(firm_collaborator).get(AUDIT).status_code == 403
    assert client_for(company_admin).get(AUDIT).status_code == 404


def test_the_page_costs_the_same_queries_at_any_size(firm, firm_admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(firm_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(AUDIT).status_code == 200
        return len(captured)

    audit_record(firm=firm, actor=firm_admin, action="company.create", details={"siret": "1"})
    few = count()
    for n in range(20):
        audit_record(firm=firm, actor=firm_admin, action="tiles.reorder", details={"order": [n]})
    assert count() == few
