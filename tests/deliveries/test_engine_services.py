"""Cancellations when an app is taken back or removed (the history stays), and "Renvoyer"."""

import pytest
from django.utils import timezone

from comptoir.assignments.services import assignment_unassign
from comptoir.audit.models import AuditEvent
from comptoir.core.errors import Conflict, Forbidden
from comptoir.deliveries import engine
from comptoir.deliveries.models import Delivery
from comptoir.deliveries.services import delivery_resend
from comptoir.store.selectors import compute_impact
from comptoir.store.services import installation_remove
from tests.deliveries.connections import (
    connect,
    connect_https,
    email_app,
    later,
    upload,
)
from tests.deliveries.servers import Reply
from tests.factories import CompanyFactory

pytestmark = pytest.mark.usefixtures("media_root", "english")


@pytest.fixture
def connection(company, http_server, allow_loopback):
    return connect_https(company, http_server.url("/ok"))


def three_deliveries(actor, company):
    """One sent, one being sent, one waiting."""
    for _ in range(3):
        upload(actor, company)
    sent, sending, pending = Delivery.objects.order_by("id")
    engine.process_delivery(sent.pk, clock=later)
    engine.claim(engine.load(sending.pk), timezone.now())
    return sent, sending, pending


def statuses():
    return list(Delivery.objects.order_by("id").values_list("status", flat=True))


# --- cancellations ------------------------------------------------------------------------------


def test_unassigning_cancels_pending_deliveries_and_keeps_the_history(
    firm_admin, connection, company
):
    three_deliveries(firm_admin, company)
    other_company = CompanyFactory(firm=company.firm)
    connect(other_company, connection.installation.app)
    upload(firm_admin, other_company)  # another company's delivery: untouched

    result = assignment_unassign(actor=firm_admin, assignment=connection)

    assert result.cancelled_deliveries == 1
    assert statuses() == ["sent", "sending", "cancelled", "pending"]
    cancelled = Delivery.objects.get(status="cancelled")
    assert cancelled.assignment is None  # the connection is gone...
    assert cancelled.app_name == "Automatiser Horizon"  # ...its history stays
    assert "taken back" in cancelled.last_error
    assert Delivery.objects.filter(assignment__isnull=True).count() == 3
    event = AuditEvent.objects.get(action="assignment.unassign")
    assert event.details["cancelled_deliveries"] == 1


def test_removing_the_app_cancels_pending_deliveries_and_keeps_the_history(
    firm_admin, connection, company
):
    three_deliveries(firm_admin, company)

    assert compute_impact(connection.installation)["pending_deliveries"] == 1
    installation_remove(actor=firm_admin, installation=connection.installation)

    assert statuses() == ["sent", "sending", "cancelled"]
    assert not Delivery.objects.filter(installation__isnull=False).exists()
    cancelled = Delivery.objects.get(status="cancelled")
    assert "removed" in cancelled.last_error
    event = AuditEvent.objects.get(action="installation.remove")
    assert event.details["cancelled"]["deliveries"] == {"pending_deliveries_cancelled": 1}


def test_a_delivery_being_sent_when_its_app_goes_finishes_its_attempt(
    firm_admin, connection, company, http_server
):
    upload(firm_admin, company)
    read = engine.load(Delivery.objects.get().pk)
    claimed = engine.claim(read, timezone.now())
    result = engine.send(read)  # the partner takes it...
    installation_remove(actor=firm_admin, installation=connection.installation)  # ...meanwhile

    assert engine.record(read, claimed, result, finished=timezone.now()) == "sent"
    assert Delivery.objects.get().status == "sent"
    assert len(http_server.requests) == 1


# --- "Renvoyer" ---------------------------------------------------------------------------------


def failed_delivery(actor, company, http_server) -> Delivery:
    upload(actor, company)
    delivery = Delivery.objects.get()
    http_server.script(Reply(status=404, body=b'{"message": "unknown endpoint"}'))
    assert engine.process_delivery(delivery.pk, clock=later) == "failed"
    delivery.refresh_from_db()
    return delivery


def test_resend_creates_a_new_linked_delivery_with_its_own_key_and_is_audited(
    firm_admin, connection, company, http_server
):
    failed = failed_delivery(firm_admin, company, http_server)

    resend = delivery_resend(actor=firm_admin, delivery=failed)

    assert resend.pk != failed.pk
    assert resend.resend_of == failed
    assert resend.requested_by == firm_admin
    assert resend.status == "pending"
    assert resend.idempotency_key != failed.idempotency_key
    assert resend.version_id == failed.version_id
    failed.refresh_from_db()
    assert failed.status == "failed"  # the history is not rewritten
    assert failed.attempts.count() == 1
    event = AuditEvent.objects.get(action="delivery.resend")
    assert event.actor == firm_admin
    assert event.target_id == str(failed.pk)
    assert event.details["resend"] == resend.pk
    assert event.details["previous_status"] == "failed"

    assert engine.process_delivery(resend.pk, clock=later) == "sent"
    keys = [request.headers["webhook-id"] for request in http_server.requests]
    assert keys == [failed.idempotency_key, resend.idempotency_key]


def test_resend_uses_the_settings_as_they_are_now(firm_admin, company, smtp_server, settings):
    connection = connect(
        company, email_app(), company_settings={"email_achats": "typo@box.example"}
    )
    upload(firm_admin, company)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", next_attempt_at=None)
    connection.settings = {**connection.settings, "email_achats": "achat@box.example"}
    connection.save(update_fields=["settings"])

    resend = delivery_resend(actor=firm_admin, delivery=delivery)

    assert resend.destination["address"] == "achat@box.example"


def test_a_sent_or_cancelled_delivery_can_be_resent(firm_admin, connection, company):
    upload(firm_admin, company)
    upload(firm_admin, company)
    sent, cancelled = Delivery.objects.order_by("id")
    engine.process_delivery(sent.pk, clock=later)
    Delivery.objects.filter(pk=cancelled.pk).update(status="cancelled", next_attempt_at=None)

    for delivery in (sent, cancelled):
        delivery.refresh_from_db()
        assert delivery_resend(actor=firm_admin, delivery=delivery).status == "pending"


def test_resend_is_refused_while_the_delivery_or_a_resend_is_on_its_way(
    firm_admin, connection, company, http_server
):
    failed = failed_delivery(firm_admin, company, http_server)
    upload(firm_admin, company)
    pending = Delivery.objects.get(status="pending")

    with pytest.raises(Conflict) as refused:
        delivery_resend(actor=firm_admin, delivery=pending)
    assert refused.value.code == "already_under_way"

    delivery_resend(actor=firm_admin, delivery=failed)
    with pytest.raises(Conflict) as refused:
        delivery_resend(actor=firm_admin, delivery=failed)  # a double click
    assert refused.value.code == "resend_under_way"
    assert Delivery.objects.filter(resend_of=failed).count() == 1


def test_resend_is_refused_when_the_app_is_no_longer_connected(
    firm_admin, connection, company, http_server
):
    failed = failed_delivery(firm_admin, company, http_server)
    assignment_unassign(actor=firm_admin, assignment=connection)
    failed.refresh_from_db()

    with pytest.raises(Conflict) as refused:
        delivery_resend(actor=firm_admin, delivery=failed)

    assert refused.value.code == "not_connected"
    assert "Connect the application" in str(refused.value.message)
    assert Delivery.objects.count() == 1


def test_resend_is_refused_when_the_connection_is_disabled_or_no_longer_routed(
    firm_admin, connection, company, http_server
):
    failed = failed_delivery(firm_admin, company, http_server)
    connection.enabled = False
    connection.save(update_fields=["enabled"])

    with pytest.raises(Conflict) as refused:
        delivery_resend(actor=firm_admin, delivery=failed)
    assert refused.value.code == "connection_disabled"

    connection.enabled = True
    connection.save(update_fields=["enabled"])
    app = connection.installation.app
    app.accepted_folders = ["banque"]
    app.save(update_fields=["accepted_folders"])
    with pytest.raises(Conflict) as refused:
        delivery_resend(actor=firm_admin, delivery=failed)
    assert refused.value.code == "not_routed"


def test_only_firm_users_resend(firm_admin, connection, company, company_admin, http_server):
    failed = failed_delivery(firm_admin, company, http_server)

    with pytest.raises(Forbidden):
        delivery_resend(actor=company_admin, delivery=failed)
    assert not AuditEvent.objects.filter(action="delivery.resend").exists()


def test_deleting_a_company_takes_its_documents_history_with_it(
    firm_admin, connection, company, firm
):
    from comptoir.companies.services import company_delete

    three_deliveries(firm_admin, company)
    sibling = CompanyFactory(firm=firm)
    connect(sibling, connection.installation.app)
    upload(firm_admin, sibling)

    company_delete(actor=firm_admin, company=company)

    assert list(Delivery.objects.values_list("company_id", flat=True)) == [sibling.pk]
