"""The sweep: abandoned attempts are taken back, lost queue messages are replaced, and the
``deliveries-sweep`` command runs it."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from comptoir.deliveries import engine
from comptoir.deliveries.models import Delivery
from comptoir.deliveries.policy import MAX_ATTEMPTS
from comptoir.deliveries.sweep import sweep
from tests.deliveries.connections import (
    connect_https,
    upload,
)

pytestmark = pytest.mark.usefixtures("media_root", "english")


@pytest.fixture
def dummy_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from comptoir.deliveries.tasks import send_delivery

    return send_delivery.get_backend().results


@pytest.fixture
def delivery(firm_admin, company, http_server, allow_loopback):
    connect_https(company, http_server.url())
    upload(firm_admin, company)
    return Delivery.objects.get()


def claim(delivery, at):
    read = engine.load(delivery.pk)
    claimed = engine.claim(read, at)
    assert claimed is not None
    return claimed


def test_an_attempt_abandoned_by_a_dead_worker_is_taken_back(
    delivery, dummy_queue, django_capture_on_commit_callbacks
):
    started = timezone.now()
    claimed = claim(delivery, started)
    later = started + timedelta(minutes=10, seconds=1)

    with django_capture_on_commit_callbacks(execute=True):
        result = sweep(now=later, grace=timedelta(hours=1))

    assert (result.reclaimed, result.given_up, result.requeued) == (1, 0, 0)
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.next_attempt_at == later
    assert (delivery.claimed_by, delivery.claimed_at) == ("", None)
    assert delivery.attempt_count == 1
    [attempt] = delivery.attempts.all()
    assert (attempt.number, attempt.outcome, attempt.error_code) == (1, "retry", "abandoned")
    assert (attempt.started_at, attempt.finished_at, attempt.worker) == (
        started,
        later,
        claimed.worker,
    )
    assert "interrupted" in delivery.last_error
    assert [r.args[0] for r in dummy_queue] == [delivery.pk]


def test_a_worker_within_its_lease_is_left_alone(delivery, dummy_queue):
    started = timezone.now()
    claim(delivery, started)

    result = sweep(now=started + timedelta(minutes=9))

    assert not result.anything
    delivery.refresh_from_db()
    assert delivery.status == "sending"
    assert not delivery.attempts.exists()


def test_an_abandoned_last_attempt_fails_the_delivery(delivery, dummy_queue):
    Delivery.objects.filter(pk=delivery.pk).update(attempt_count=MAX_ATTEMPTS - 1)
    delivery.refresh_from_db()
    started = timezone.now()
    claim(delivery, started)

    result = sweep(now=started + timedelta(hours=1))

    assert (result.reclaimed, result.given_up) == (0, 1)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.next_attempt_at) == ("failed", None)
    assert delivery.last_error.endswith(f"Given up after {MAX_ATTEMPTS} attempts.")
    assert delivery.attempts.get().outcome == "failed"
    assert dummy_queue == []


def test_due_deliveries_whose_message_was_lost_are_queued_again(delivery, dummy_queue):
    now = timezone.now()
    # Created a while ago; its message never reached a worker.
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=now - timedelta(minutes=5), enqueued_at=now - timedelta(minutes=5)
    )

    assert sweep(now=now).requeued == 1

    assert [r.args[0] for r in dummy_queue] == [delivery.pk]
    delivery.refresh_from_db()
    assert delivery.enqueued_at == now
    assert sweep(now=now + timedelta(seconds=30)).requeued == 0  # queued recently: left alone
    assert sweep(now=now + timedelta(seconds=61)).requeued == 1


def test_deliveries_not_due_or_just_queued_are_not_queued_again(delivery, dummy_queue):
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now + timedelta(minutes=5))
    assert sweep(now=now).requeued == 0
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now, enqueued_at=now)
    assert sweep(now=now + timedelta(seconds=10)).requeued == 0
    assert dummy_queue == []


def test_a_lost_message_is_still_delivered_after_the_sweep(delivery, http_server):
    """The outbox's on-commit enqueue never ran (as if the queue lost it): the sweep sends."""
    later = timezone.now() + timedelta(minutes=2)

    assert sweep(now=later).requeued == 1  # the immediate backend of the tests sends at once

    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert len(http_server.requests) == 1


def test_the_command_runs_one_pass(delivery, dummy_queue):
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5), enqueued_at=None
    )
    output = StringIO()

    call_command("deliveries-sweep", "--once", stdout=output)

    assert "1 queued again" in output.getvalue()
    assert len(dummy_queue) == 1


def test_the_command_refuses_nonsense(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("deliveries-sweep", "--once", "--lease", "0")
    with pytest.raises(CommandError):
        call_command("deliveries-sweep", "--every", "-1")
