"""The deliveries API: the send history (firm-wide and per version), filters, pagination,
"Renvoyer"; 404 across firms and companies, 403 for company users who try to resend."""

from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comptoir.audit.models import AuditEvent
from comptoir.deliveries import engine
from comptoir.deliveries.models import Delivery
from tests.api_errors import assert_api_error
from tests.deliveries.connections import (
    connect,
    connect_https,
    email_app,
    later,
    sent_failed_pending,
    upload,
)
from tests.factories import CompanyFactory, CompanyMembershipFactory, FirmMembershipFactory

pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture
def history(firm_admin, connection, company, http_server):
    """Three deliveries of ``company``: sent, failed (1 attempt each), pending."""
    return sent_failed_pending(firm_admin, company, http_server, refusal="bad dossier")


@pytest.fixture
def other_firm_delivery(other_company, http_server, allow_loopback):
    admin = FirmMembershipFactory(firm=other_company.firm).user
    connect_https(other_company, http_server.url(), name="Autre appli")
    upload(admin, other_company)
    return Delivery.objects.get(firm=other_company.firm)


def test_the_firm_history_lists_deliveries_with_their_attempts(firm_admin, history, api_as):
    response = api_as(firm_admin).get("/deliveries")

    assert response.status_code == 200, response.content
    items = response.json()["items"]  # newest first
    assert [item["status"] for item in items] == ["pending", "failed", "sent"]
    pending, failed, sent = items
    assert sent["document"]["title"] == "Facture 0"
    assert sent["version"] == 1
    assert sent["app"]["name"] == "Automatiser Horizon"
    assert sent["destination"]["kind"] == "https"
    assert sent["destination"]["label"].startswith("127.0.0.1:")
    assert sent["sent_at"] is not None
    assert [a["outcome"] for a in sent["attempts"]] == ["sent"]
    assert sent["attempts"][0]["code"] == 200
    assert failed["attempts"][0]["code"] == 400
    assert "bad dossier" in failed["last_error"]
    assert pending["attempts"] == [] and pending["attempt_count"] == 0
    assert all(item["idempotency_key"].startswith("cpt-") for item in items)
    assert "secrets" not in str(response.json())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=sent", ["sent"]),
        ("status=failed", ["failed"]),
        ("status=pending", ["pending"]),
        ("status=cancelled", []),
    ],
)
def test_filter_by_status(firm_admin, history, api_as, query, expected):
    items = api_as(firm_admin).get(f"/deliveries?{query}").json()["items"]
    assert [item["status"] for item in items] == expected


def test_filter_by_installation_company_and_dates(
    firm_admin, history, connection, company, firm, api_as, smtp_server
):
    sibling = CompanyFactory(firm=firm)
    connect(sibling, email_app(), company_settings={"email_achats": "a@box.example"})
    upload(firm_admin, sibling)
    api = api_as(firm_admin)

    by_installation = api.get(f"/deliveries?installation={connection.installation_id}").json()
    assert len(by_installation["items"]) == 3
    by_company = api.get(f"/deliveries?company={sibling.pk}").json()["items"]
    assert [item["company"]["id"] for item in by_company] == [sibling.pk]
    today = timezone.localdate().isoformat()
    assert len(api.get(f"/deliveries?since={today}&until={today}").json()["items"]) == 4
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert api.get(f"/deliveries?since={tomorrow}").json()["items"] == []
    past = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert api.get(f"/deliveries?until={past}").json()["items"] == []


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("status=done", "invalid_status"),
        ("since=yesterday", "invalid_date"),
        ("until=2026-13-45", "invalid_date"),
        ("installation=abc", "invalid_id"),
        ("limit=0", "invalid_limit"),
        ("cursor=%%%", "invalid_cursor"),
    ],
)
def test_bad_filters_answer_422_with_a_clear_code(firm_admin, history, api_as, query, code):
    response = api_as(firm_admin).get(f"/deliveries?{query}")

    assert response.status_code == 422
    assert_api_error(response, code=code)


def test_cursor_pagination_walks_every_delivery_once(firm_admin, history, api_as):
    api = api_as(firm_admin)
    seen, cursor = [], None
    while True:
        page = api.get("/deliveries", {"limit": 2, **({"cursor": cursor} if cursor else {})})
        body = page.json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next"]
        if not cursor:
            break
    newest_first = Delivery.objects.order_by("-created_at", "-id")
    assert seen == list(newest_first.values_list("pk", flat=True))


def test_the_list_costs_the_same_queries_for_3_or_30_deliveries(
    firm_admin, connection, company, api_as
):
    api = api_as(firm_admin)

    def count() -> int:
        with CaptureQueriesContext(db_connection) as captured:
            assert api.get("/deliveries").status_code == 200
        return len(captured)

    for _ in range(3):
        upload(firm_admin, company)
    for delivery in Delivery.objects.all():
        engine.process_delivery(delivery.pk, clock=later)
    count()  # the token's first use records it once
    few = count()
    for _ in range(27):
        upload(firm_admin, company)
    for delivery in Delivery.objects.filter(status="pending"):
        engine.process_delivery(delivery.pk, clock=later)

    assert count() == few


def test_one_delivery(firm_admin, history, api_as):
    delivery = Delivery.objects.get(status="failed")

    body = api_as(firm_admin).get(f"/deliveries/{delivery.pk}").json()

    assert body["id"] == delivery.pk
    assert body["status_label"]
    assert body["attempts"][0]["outcome"] == "failed"


def test_the_send_history_of_one_version(firm_admin, history, api_as):
    document = history[0]

    response = api_as(firm_admin).get(f"/documents/{document.pk}/versions/1/deliveries")

    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["document"]["id"] == document.pk
    assert item["status"] == "sent"
    assert item["attempts"][0]["outcome"] == "sent"
    assert response.json()["next"] is None
    missing = api_as(firm_admin).get(f"/documents/{document.pk}/versions/9/deliveries")
    assert missing.status_code == 404


def test_the_version_history_costs_the_same_queries_for_1_or_4_deliveries(
    firm_admin, history, api_as
):
    api = api_as(firm_admin)
    url = f"/documents/{history[0].pk}/versions/1/deliveries"

    def count() -> int:
        with CaptureQueriesContext(db_connection) as captured:
            assert api.get(url).status_code == 200
        return len(captured)

    count()  # the token's first use records it once
    one = count()
    for _ in range(3):  # each resend is sent (one attempt) before the next one
        latest = Delivery.objects.filter(version__document=history[0]).latest("id")
        api.post(f"/deliveries/{latest.pk}/resend")
        for delivery in Delivery.objects.filter(status="pending", version__document=history[0]):
            engine.process_delivery(delivery.pk, clock=later)

    assert len(api.get(url).json()["items"]) == 4
    assert count() == one


def test_resend_answers_201_with_the_new_delivery(firm_admin, history, api_as):
    failed = Delivery.objects.get(status="failed")

    response = api_as(firm_admin).post(f"/deliveries/{failed.pk}/resend")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["resend_of"] == failed.pk
    assert body["status"] in {"pending", "sent"}
    assert body["idempotency_key"] != failed.idempotency_key
    assert AuditEvent.objects.filter(action="delivery.resend", target_id=str(failed.pk)).exists()


def test_resend_of_a_delivery_on_its_way_answers_409(firm_admin, history, api_as):
    pending = Delivery.objects.get(status="pending")

    response = api_as(firm_admin).post(f"/deliveries/{pending.pk}/resend")

    assert response.status_code == 409
    assert_api_error(response, code="already_under_way")


def test_a_collaborator_of_the_firm_may_resend(firm_collaborator, history, api_as):
    failed = Delivery.objects.get(status="failed")

    assert api_as(firm_collaborator).post(f"/deliveries/{failed.pk}/resend").status_code == 201


# --- other firms, other companies, company users ----------------------------------------------


def test_another_firms_deliveries_are_not_found(firm_admin, history, other_firm_delivery, api_as):
    api = api_as(firm_admin)
    theirs = other_firm_delivery
    document = theirs.version.document

    assert theirs.pk not in [item["id"] for item in api.get("/deliveries").json()["items"]]
    assert api.get(f"/deliveries/{theirs.pk}").status_code == 404
    assert api.post(f"/deliveries/{theirs.pk}/resend").status_code == 404
    assert api.get(f"/documents/{document.pk}/versions/1/deliveries").status_code == 404
    assert api.get("/deliveries/not-a-number").status_code == 404
    assert Delivery.objects.count() == 4  # nothing was resent


def test_a_company_user_reads_their_own_companys_history_only(
    firm_admin, history, company, company_admin, api_as, smtp_server
):
    sibling = CompanyFactory(firm=company.firm)
    connect(sibling, email_app(), company_settings={"email_achats": "a@box.example"})
    upload(firm_admin, sibling)
    theirs = Delivery.objects.get(company=sibling)
    api = api_as(company_admin)

    items = api.get("/deliveries").json()["items"]
    assert {item["company"]["id"] for item in items} == {company.pk}
    assert len(items) == 3
    assert api.get(f"/deliveries/{theirs.pk}").status_code == 404
    sibling_document = theirs.version.document
    response = api.get(f"/documents/{sibling_document.pk}/versions/1/deliveries")
    assert response.status_code == 404
    own = api.get(f"/documents/{history[0].pk}/versions/1/deliveries")
    assert own.status_code == 200 and len(own.json()["items"]) == 1


def test_a_company_user_never_resends(history, company, api_as):
    failed = Delivery.objects.get(status="failed")
    guest = CompanyMembershipFactory(company=company, role="invite").user
    admin = CompanyMembershipFactory(company=company, role="administrateur").user

    for user in (guest, admin):  # firm endpoints answer 404 in a company context
        response = api_as(user).post(f"/deliveries/{failed.pk}/resend")
        assert response.status_code == 404
    assert Delivery.objects.filter(resend_of=failed).count() == 0


def test_the_openapi_document_describes_the_endpoints(firm_admin, api_as):
    schema = api_as(firm_admin).get("/openapi.json").json()

    assert "/api/v1/deliveries" in schema["paths"]
    assert "/api/v1/deliveries/{delivery_id}/resend" in schema["paths"]
    assert "/api/v1/documents/{document_id}/versions/{number}/deliveries" in schema["paths"]
