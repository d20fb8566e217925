"""The delivery loop (``comptoir deliveries-worker``): it claims due rows itself, in order,
a small batch per claim, records the batch in one transaction, and keeps every rule of the
engine (cancel when disconnected, record each attempt conditionally). The kill test runs it
as real processes."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from comptoir.deliveries import engine, outbox, sweep, worker
from comptoir.deliveries.models import Delivery, DeliveryAttempt, DeliveryStatus
from tests.deliveries.connections import connect, https_app, new_secret, signature_valid, upload
from tests.deliveries.servers import Reply

pytestmark = pytest.mark.usefixtures("media_root", "english")


@pytest.fixture
def secret():
    return new_secret()


@pytest.fixture
def https_connection(company, http_server, allow_loopback, secret):
    return connect(
        company,
        https_app(),
        firm_settings={"api_url": http_server.url("/hooks/comptoir"), "api_key": secret},
        company_settings={"customer_id": "HZ-7"},
    )


@pytest.fixture
def loop_sender(settings):
    settings.DELIVERY_SENDER = "worker"
    return settings


def test_the_loop_claims_a_due_delivery_sends_it_and_records_the_attempt(
    firm_admin, https_connection, http_server, secret
):
    upload(firm_admin, https_connection.company)

    assert worker.attempt_next() == "sent"

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempt_count, delivery.claimed_by) == ("sent", 1, "")
    [attempt] = delivery.attempts.all()
    assert (attempt.number, attempt.outcome, attempt.code) == (1, "sent", 200)
    assert attempt.worker.count(":") == 2  # host:pid:nonce, as the engine's claim writes it
    [request] = http_server.requests
    assert request.headers["webhook-id"] == delivery.idempotency_key
    assert signature_valid(request, secret)
    assert worker.attempt_next() is None  # nothing else is due


@pytest.mark.parametrize("due", [1, 10])
@pytest.mark.parametrize("synchronous_commit", [True, False])
def test_one_batch_of_the_loop_costs_a_fixed_handful_of_queries_whatever_its_size(
    firm_admin,
    https_connection,
    http_server,
    django_assert_num_queries,
    settings,
    synchronous_commit,
    due,
):
    settings.DELIVERY_WORKER_SYNCHRONOUS_COMMIT = synchronous_commit
    for number in range(due):
        upload(firm_admin, https_connection.company, name=f"{number}.pdf", title=f"F{number}")

    # SQLite: the claim (UPDATE … RETURNING), the read, then in one transaction: the statuses
    # (one UPDATE … FROM VALUES) and the attempts (one INSERT) (+ SAVEPOINT/RELEASE of the
    # test's transaction). PostgreSQL: the claim and the read in one statement, then the
    # same transaction; with DELIVERY_WORKER_SYNCHRONOUS_COMMIT off, each of the two
    # transactions also starts with SET LOCAL synchronous_commit (no worker session here).
    on_postgresql = {True: 5, False: 9}[synchronous_commit]
    expected = on_postgresql if connection.vendor == "postgresql" else 6
    with django_assert_num_queries(expected):
        assert worker.attempt_batch(size=20) == ["sent"] * due

    assert set(Delivery.objects.values_list("status", "attempt_count", "claimed_by")) == {
        ("sent", 1, "")
    }
    assert DeliveryAttempt.objects.filter(outcome="sent", number=1).count() == due
    assert len(http_server.requests) == due
    assert len({request.headers["webhook-id"] for request in http_server.requests}) == due


def test_a_batch_whose_row_the_sweep_took_back_records_the_others_and_leaves_that_one(
    firm_admin, https_connection, http_server
):
    for number in range(3):
        upload(firm_admin, https_connection.company, name=f"{number}.pdf", title=f"F{number}")
    now = timezone.now()
    claimed = worker.claim_batch(now, 10)
    assert len(claimed) == 3 and len({claim.worker for _d, claim in claimed}) == 1
    taken_back = claimed[1][0].pk
    # This row's lease ran out (its claim looks old): the sweep takes it back, not the others.
    Delivery.objects.filter(pk=taken_back).update(claimed_at=now - timedelta(minutes=11))
    assert sweep.sweep(now=now).reclaimed == 1

    assert worker.send_batch(claimed, now=now) == ["sent", engine.LOST, "sent"]

    row = Delivery.objects.get(pk=taken_back)
    assert (row.status, row.claimed_by, row.sent_at) == ("pending", "", None)
    assert [a.error_code for a in row.attempts.all()] == ["abandoned"]
    others = Delivery.objects.exclude(pk=taken_back)
    assert set(others.values_list("status", "claimed_by")) == {("sent", "")}
    assert DeliveryAttempt.objects.filter(delivery__in=others, outcome="sent").count() == 2


def test_a_loop_asked_to_stop_gives_back_the_rows_of_its_batch_not_yet_attempted(
    firm_admin, https_connection, http_server
):
    for number in range(3):
        upload(firm_admin, https_connection.company, name=f"{number}.pdf", title=f"F{number}")
    first = Delivery.objects.order_by("next_attempt_at", "id").first()

    assert worker.attempt_batch(size=10, running=lambda: False) == ["sent"]

    assert Delivery.objects.get(pk=first.pk).status == "sent"
    rest = Delivery.objects.exclude(pk=first.pk)
    assert set(rest.values_list("status", "attempt_count", "claimed_by")) == {("pending", 0, "")}
    assert rest.filter(claimed_at__isnull=True).count() == 2
    assert not DeliveryAttempt.objects.filter(delivery__in=rest).exists()
    assert len(http_server.requests) == 1
    assert worker.attempt_batch(size=10) == ["sent", "sent"]  # still due: taken next


def test_the_batch_size_follows_the_time_of_the_sends():
    sizing = worker.BatchSize()
    assert sizing.next() == 1  # nothing timed yet
    sizing.timed(0.001)
    assert sizing.next() == worker.MAX_BATCH
    for _ in range(50):
        sizing.timed(0.05)
    assert sizing.next() == int(worker.BATCH_SECONDS / 0.05)
    for _ in range(50):
        sizing.timed(30.0)
    assert sizing.next() == 1


def test_a_delivery_not_yet_due_or_not_pending_is_not_claimed(firm_admin, https_connection):
    upload(firm_admin, https_connection.company)
    Delivery.objects.update(next_attempt_at=timezone.now() + timedelta(minutes=5))

    assert worker.attempt_next() is None
    assert not worker.anything_due(timezone.now())
    assert worker.anything_due(timezone.now() + timedelta(minutes=6))

    Delivery.objects.update(next_attempt_at=timezone.now(), status=DeliveryStatus.FAILED)
    assert worker.claim_due(timezone.now() + timedelta(seconds=1)) is None
    assert Delivery.objects.get().attempt_count == 0


def test_the_oldest_due_delivery_is_claimed_first_and_only_once(firm_admin, https_connection):
    upload(firm_admin, https_connection.company, name="a.pdf", title="A")
    upload(firm_admin, https_connection.company, name="b.pdf", title="B")
    first, second = Delivery.objects.order_by("id")
    now = timezone.now()
    Delivery.objects.filter(pk=second.pk).update(next_attempt_at=now - timedelta(minutes=2))
    Delivery.objects.filter(pk=first.pk).update(next_attempt_at=now - timedelta(minutes=1))

    claims = [worker.claim_due(now), worker.claim_due(now), worker.claim_due(now)]

    assert [c[0] if c else None for c in claims] == [second.pk, first.pk, None]
    _id, claim = claims[0]
    row = Delivery.objects.get(pk=second.pk)
    assert (row.status, row.claimed_by, row.attempt_count) == ("sending", claim.worker, 1)
    assert claim.number == 1
    assert claims[0][1].worker != claims[1][1].worker  # a fresh nonce per claim


def test_a_disabled_connection_cancels_the_claimed_delivery_as_if_never_claimed(
    firm_admin, https_connection, http_server
):
    upload(firm_admin, https_connection.company)
    https_connection.enabled = False
    https_connection.save(update_fields=["enabled"])

    assert worker.attempt_next() == "cancelled"

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempt_count, delivery.claimed_by) == ("cancelled", 0, "")
    assert delivery.claimed_at is None and delivery.next_attempt_at is None
    assert "disabled" in delivery.last_error
    assert not delivery.attempts.exists()
    assert http_server.requests == []


def test_a_retry_goes_back_to_pending_at_its_time_and_the_loop_takes_it_then(
    firm_admin, https_connection, http_server, loop_sender
):
    upload(firm_admin, https_connection.company)
    http_server.script(Reply(status=503, body=b""))

    assert worker.attempt_next() == "retry"
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.next_attempt_at > timezone.now()
    assert worker.attempt_next() is None  # not due yet

    later = delivery.next_attempt_at + timedelta(seconds=1)
    assert worker.attempt_next(clock=lambda: later) == "sent"
    delivery.refresh_from_db()
    assert [a.number for a in delivery.attempts.all()] == [1, 2]
    keys = {request.headers["webhook-id"] for request in http_server.requests}
    assert keys == {delivery.idempotency_key}


def test_a_late_result_after_the_sweep_took_the_row_back_is_dropped(
    firm_admin, https_connection, http_server
):
    upload(firm_admin, https_connection.company)
    delivery_id, claim = worker.claim_due(timezone.now())
    delivery = engine.load(delivery_id)
    sweep.sweep(now=timezone.now() + timedelta(minutes=11))  # the lease ran out: taken back

    assert engine.attempt(delivery, claim) == engine.LOST
    row = Delivery.objects.get()
    assert row.status == "pending"
    assert [a.error_code for a in row.attempts.all()] == ["abandoned"]


def test_with_the_loop_nothing_is_queued_and_the_sweep_queues_nothing(
    firm_admin, https_connection, http_server, loop_sender, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        upload(firm_admin, https_connection.company)
    assert callbacks == []  # no send task: the loop finds the row
    assert http_server.requests == []
    assert not outbox.tasks_send()
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(hours=1), enqueued_at=None)

    assert sweep.sweep().requeued == 0
    assert Delivery.objects.get().status == "pending"


def test_the_command_sends_what_is_due_then_stops(
    firm_admin, https_connection, http_server, capsys
):
    upload(firm_admin, https_connection.company, name="a.pdf", title="A")
    upload(firm_admin, https_connection.company, name="b.pdf", title="B")

    call_command("deliveries-worker", "--until-idle")

    assert "2 attempts (2 sent)" in capsys.readouterr().out
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert len(http_server.requests) == 2


def test_the_command_refuses_a_bad_idle():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--idle"):
        call_command("deliveries-worker", "--idle", "0")


def test_the_loop_logs_with_the_request_id_of_the_upload(
    firm_admin, https_connection, http_server, caplog
):
    import logging

    from comptoir.core.request_context import bound
    from comptoir.ops.logs import ContextFilter

    with bound(request="upload-req-42"):
        upload(firm_admin, https_connection.company)
    assert Delivery.objects.get().request_id == "upload-req-42"

    caplog.handler.addFilter(ContextFilter())  # what the project's handlers add to a line
    with caplog.at_level(logging.INFO, logger="comptoir.deliveries.worker"):
        assert worker.attempt_next() == "sent"

    [line] = [r for r in caplog.records if r.name == "comptoir.deliveries.worker"]
    assert line.getMessage().endswith(": sent")
    assert (line.request_id, line.delivery_id) == ("upload-req-42", Delivery.objects.get().pk)
