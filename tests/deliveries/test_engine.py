"""The engine against real local servers (aiosmtpd, an HTTP server): what arrives is the
version's bytes, signed; outcomes, retries and the schedule follow the policy, with a clock
the tests control."""

import base64
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from comptoir.core.errors import ValidationFailed
from comptoir.deliveries import engine
from comptoir.deliveries.models import Delivery, DeliveryAttempt
from comptoir.deliveries.policy import MAX_ATTEMPTS, RETRY_SCHEDULE
from comptoir.deliveries.transports.email import message_id_for
from tests.deliveries.connections import (
    attachment_bytes,
    connect,
    email_app,
    generic_email_app,
    https_app,
    new_secret,
    parse_mail,
    request_file,
    request_metadata,
    sha256,
    signature_valid,
    upload,
    use_smtp,
)
from tests.deliveries.servers import Reply
from tests.factories import PDF_BYTES

pytestmark = pytest.mark.usefixtures("media_root", "english")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = timezone.now() + timedelta(seconds=1)

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


class NoJitter:
    def uniform(self, a, b):
        return 0.0


@pytest.fixture
def clock():
    return Clock()


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
def smtp_settings(settings, smtp_server):
    return use_smtp(settings, smtp_server)


@pytest.fixture
def email_connection(company, smtp_settings):
    return connect(
        company,
        email_app(),
        firm_settings={"bot_sender": "robot+cabinet@envoi.example"},
        company_settings={"email_achats": "achat.dossier@box.saisix.example"},
    )


def one_delivery(**filters) -> Delivery:
    return Delivery.objects.get(**filters)


def run(delivery, clock, **kwargs) -> str:
    return engine.process_delivery(delivery.pk, clock=clock, rng=NoJitter(), **kwargs)


# --- success ------------------------------------------------------------------------------------


def test_email_arrives_with_the_versions_bytes_and_a_message_id_from_the_key(
    firm_admin, email_connection, smtp_server, clock
):
    content = PDF_BYTES + b"% unique invoice 2026-0042\n"
    document = upload(firm_admin, email_connection.company, content=content, title="Facture 42")
    delivery = one_delivery()

    assert run(delivery, clock) == "sent"

    [received] = smtp_server.messages
    message = parse_mail(received)
    version = document.versions.get()
    assert sha256(attachment_bytes(message)) == version.sha256 == sha256(content)
    assert received.rcpt_tos == ["achat.dossier@box.saisix.example"]
    assert received.mail_from == "robot+cabinet@envoi.example"
    assert message["Message-ID"] == message_id_for(
        delivery.idempotency_key, "robot+cabinet@envoi.example"
    )
    assert "Facture 42" in message["Subject"]
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert delivery.sent_at == clock.now
    assert delivery.attempt_count == 1
    assert (delivery.claimed_by, delivery.claimed_at, delivery.next_attempt_at) == ("", None, None)
    [attempt] = delivery.attempts.all()
    assert (attempt.number, attempt.outcome, attempt.code) == (1, "sent", 250)


def test_https_post_carries_the_bytes_signed_with_the_key_as_webhook_id(
    firm_admin, https_connection, http_server, clock, secret
):
    document = upload(firm_admin, https_connection.company)
    delivery = one_delivery()

    assert run(delivery, clock) == "sent"

    [request] = http_server.requests
    assert request.path == "/hooks/comptoir"
    version = document.versions.get()
    assert sha256(request_file(request)) == version.sha256
    assert signature_valid(request, secret)
    assert Webhook(secret).verify(request.body, request.headers)["type"] == "document.version"
    assert request.headers["webhook-id"] == delivery.idempotency_key
    assert request.headers["idempotency-key"] == delivery.idempotency_key
    metadata = request_metadata(request)["data"]
    assert metadata["document"]["id"] == document.pk
    assert metadata["document"]["sha256"] == version.sha256
    assert metadata["dossier_code"] == "HZ-7"
    assert metadata["company"]["name"] == https_connection.company.name
    delivery.refresh_from_db()
    assert (delivery.status, delivery.remote_id, delivery.last_code) == ("sent", "rcv-1", 200)


def test_a_partner_api_key_that_is_not_a_whsec_secret_signs_as_raw_bytes(
    firm_admin, company, http_server, allow_loopback, clock
):
    connect(
        company,
        https_app(),
        firm_settings={"api_url": http_server.url(), "api_key": "hz_live_4f9a!key"},
    )
    upload(firm_admin, company)

    assert run(one_delivery(), clock) == "sent"

    raw = "whsec_" + base64.b64encode(b"hz_live_4f9a!key").decode()
    [request] = http_server.requests
    assert signature_valid(request, raw)
    # The partner verifies with the reference library, its API key as the raw key.
    assert Webhook(b"hz_live_4f9a!key").verify(request.body, request.headers)["data"]["file"]
    assert Webhook(raw).verify(request.body, request.headers)


# --- retries and the schedule -------------------------------------------------------------------


def test_a_5xx_retries_on_the_schedule_with_the_same_key_then_succeeds(
    firm_admin, https_connection, http_server, clock
):
    upload(firm_admin, https_connection.company)
    delivery = one_delivery()
    http_server.script(
        Reply(status=500, body=b'{"message": "maintenance"}'),
        Reply(status=503, headers={"Retry-After": "120"}, body=b""),
    )

    assert run(delivery, clock) == "retry"
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.next_attempt_at == clock.now + RETRY_SCHEDULE[0]
    assert "HTTP 500" in delivery.last_error and "maintenance" in delivery.last_error

    clock.advance(seconds=4)  # not due yet: nothing happens
    assert run(delivery, clock) == "skipped"
    assert len(http_server.requests) == 1

    clock.advance(seconds=1)
    assert run(delivery, clock) == "retry"
    delivery.refresh_from_db()
    # Retry-After (120 s) is shorter than the schedule's 5 minutes: the schedule wins.
    assert delivery.next_attempt_at == clock.now + RETRY_SCHEDULE[1]

    clock.now = delivery.next_attempt_at
    assert run(delivery, clock) == "sent"

    keys = [request.headers["webhook-id"] for request in http_server.requests]
    assert keys == [delivery.idempotency_key] * 3
    assert [a.outcome for a in delivery.attempts.order_by("number")] == ["retry", "retry", "sent"]


def test_retry_after_longer_than_the_schedule_is_honoured(
    firm_admin, https_connection, http_server, clock
):
    upload(firm_admin, https_connection.company)
    delivery = one_delivery()
    http_server.script(Reply(status=429, headers={"Retry-After": "3600"}, body=b""))

    assert run(delivery, clock) == "retry"

    delivery.refresh_from_db()
    assert delivery.next_attempt_at == clock.now + timedelta(hours=1)
    [attempt] = delivery.attempts.all()
    assert (attempt.outcome, attempt.code, attempt.next_attempt_at) == (
        "retry",
        429,
        delivery.next_attempt_at,
    )


def test_every_attempt_is_recorded_and_the_tenth_failure_is_final(
    firm_admin, https_connection, http_server, clock
):
    upload(firm_admin, https_connection.company)
    delivery = one_delivery()
    http_server.default = Reply(status=502, body=b"")

    waits = []
    for number in range(1, MAX_ATTEMPTS + 1):
        outcome = run(delivery, clock)
        delivery.refresh_from_db()
        if number < MAX_ATTEMPTS:
            assert outcome == "retry"
            waits.append(delivery.next_attempt_at - clock.now)
            clock.now = delivery.next_attempt_at
        else:
            assert outcome == "failed"

    assert waits == list(RETRY_SCHEDULE)
    assert delivery.status == "failed"
    assert delivery.next_attempt_at is None
    assert delivery.last_error.endswith("Given up after 10 attempts.")
    attempts = list(delivery.attempts.order_by("number"))
    assert [a.number for a in attempts] == list(range(1, MAX_ATTEMPTS + 1))
    assert [a.outcome for a in attempts] == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    keys = {request.headers["webhook-id"] for request in http_server.requests}
    assert keys == {delivery.idempotency_key}
    assert len(http_server.requests) == MAX_ATTEMPTS


def test_jitter_stays_within_ten_percent(firm_admin, https_connection, http_server, clock):
    import random

    upload(firm_admin, https_connection.company)
    delivery = one_delivery()
    http_server.default = Reply(status=500, body=b"")

    engine.process_delivery(delivery.pk, clock=clock, rng=random.Random(7))

    delivery.refresh_from_db()
    wait = (delivery.next_attempt_at - clock.now).total_seconds()
    assert 4.5 <= wait <= 5.5


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "sent"),
        (201, "sent"),
        (202, "sent"),
        (408, "retry"),
        (425, "retry"),
        (429, "retry"),
        (500, "retry"),
        (502, "retry"),
        (503, "retry"),
        (504, "retry"),
        (301, "failed"),
        (400, "failed"),
        (401, "failed"),
        (403, "failed"),
        (404, "failed"),
        (409, "failed"),
        (410, "failed"),
        (413, "failed"),
        (422, "failed"),
    ],
)
def test_http_status_classification(
    firm_admin, https_connection, http_server, clock, status, outcome
):
    upload(firm_admin, https_connection.company)
    http_server.script(Reply(status=status, body=b"{}"))

    assert run(one_delivery(), clock) == outcome

    delivery = one_delivery()
    expected = {"sent": "sent", "retry": "pending", "failed": "failed"}[outcome]
    assert delivery.status == expected
    assert delivery.attempts.get().code == status


@pytest.mark.parametrize(
    ("mode", "outcome", "code"),
    [
        ("rcpt_451", "retry", 451),
        ("data_451", "retry", 451),
        ("rcpt_550", "failed", 550),
        ("data_550", "failed", 550),
    ],
)
def test_smtp_replies_classification(
    firm_admin, email_connection, smtp_server, clock, mode, outcome, code
):
    upload(firm_admin, email_connection.company)
    smtp_server.handler.mode = mode

    assert run(one_delivery(), clock) == outcome

    attempt = DeliveryAttempt.objects.get()
    assert attempt.code == code
    assert str(code) in attempt.error


def test_an_unreachable_partner_is_retried(firm_admin, company, allow_loopback, clock):
    from tests.deliveries.servers import free_port

    connect(
        company,
        https_app(),
        firm_settings={
            "api_url": f"http://127.0.0.1:{free_port()}/hooks",
            "api_key": new_secret(),
        },
    )
    upload(firm_admin, company)

    assert run(one_delivery(), clock) == "retry"
    assert one_delivery().attempts.get().error_code == "connection_error"


def test_a_pending_delivery_follows_the_address_the_firm_corrects(
    firm_admin, company, http_server, allow_loopback, clock
):
    from comptoir.store.services import installation_update_settings
    from tests.deliveries.servers import free_port

    wrong = f"http://127.0.0.1:{free_port()}/hooks/comptoir"
    assignment = connect(
        company, https_app(), firm_settings={"api_url": wrong, "api_key": new_secret()}
    )
    upload(firm_admin, company)
    assert run(one_delivery(), clock) == "retry"

    installation_update_settings(
        actor=firm_admin,
        installation=assignment.installation,
        settings={"api_url": http_server.url()},
    )
    clock.now = one_delivery().next_attempt_at
    assert run(one_delivery(), clock) == "sent"

    assert len(http_server.requests) == 1
    delivery = one_delivery()
    assert delivery.destination["url"] == http_server.url()  # the history says where it went
    assert [a.outcome for a in delivery.attempts.order_by("number")] == ["retry", "sent"]


# --- refused before any network call --------------------------------------------------------------


def test_a_file_too_large_fails_at_once_without_connecting(
    firm_admin, company, http_server, allow_loopback, clock, outbound
):
    connect(
        company,
        https_app(max_file_size=len(PDF_BYTES) - 1),
        firm_settings={"api_url": http_server.url(), "api_key": new_secret()},
    )
    upload(firm_admin, company)
    outbound.attempts.clear()

    assert run(one_delivery(), clock) == "failed"

    delivery = one_delivery()
    assert "too large" in delivery.last_error
    assert delivery.attempts.get().error_code == "file_too_large"
    assert http_server.connections == 0
    assert outbound.attempts == []


def test_a_refused_file_type_fails_at_once_without_connecting(
    firm_admin, email_connection, smtp_server, clock, outbound
):
    upload(firm_admin, email_connection.company, content=b"col1;col2\n1;2\n", name="releve.csv")
    outbound.attempts.clear()

    assert run(one_delivery(), clock) == "failed"

    assert one_delivery().attempts.get().error_code == "file_type_refused"
    assert smtp_server.messages == []
    assert outbound.attempts == []


def test_a_missing_required_address_fails_with_what_to_fill_in(
    firm_admin, company, smtp_settings, clock, outbound
):
    connect(company, generic_email_app(), company_settings={}, unchecked=True)
    upload(firm_admin, company, folder="banque")
    outbound.attempts.clear()

    assert run(one_delivery(), clock) == "failed"

    delivery = one_delivery()
    assert delivery.attempts.get().error_code == "bad_configuration"
    assert company.name in delivery.last_error
    assert outbound.attempts == []


def test_a_missing_secret_fails_with_a_clear_message(
    firm_admin, company, http_server, allow_loopback, clock
):
    connect(company, https_app(), firm_settings={"api_url": http_server.url()}, unchecked=True)
    upload(firm_admin, company)

    assert run(one_delivery(), clock) == "failed"

    assert one_delivery().attempts.get().error_code == "bad_configuration"
    assert http_server.connections == 0


def test_loopback_is_refused_unless_allowed(firm_admin, company, http_server, clock, settings):
    settings.DELIVERY_ALLOW_LOOPBACK = False
    app = https_app()
    firm_settings = {"api_url": http_server.url(), "api_key": new_secret()}
    with pytest.raises(ValidationFailed) as refused:  # refused when it is saved...
        connect(company, app, firm_settings=firm_settings)
    assert [d["code"] for d in refused.value.details] == ["address_refused"]
    # ... and when it is sent, had it been saved while loopback was allowed.
    settings.DELIVERY_ALLOW_LOOPBACK = True
    connect(company, app, firm_settings=firm_settings)
    settings.DELIVERY_ALLOW_LOOPBACK = False
    upload(firm_admin, company)

    assert run(one_delivery(), clock) == "failed"
    assert one_delivery().attempts.get().error_code == "address_refused"

    assert http_server.connections == 0


# --- idempotent task, claims, cancellation ------------------------------------------------------


def test_the_task_does_nothing_for_a_gone_sent_or_not_due_delivery(
    firm_admin, https_connection, http_server, clock
):
    upload(firm_admin, https_connection.company)
    delivery = one_delivery()

    assert engine.process_delivery(987654, clock=clock) == "skipped"
    early = Clock()
    early.now = delivery.next_attempt_at - timedelta(seconds=1)
    assert engine.process_delivery(delivery.pk, clock=early) == "skipped"
    assert run(delivery, clock) == "sent"
    assert run(delivery, clock) == "skipped"
    assert len(http_server.requests) == 1


def test_the_send_task_runs_the_engine(firm_admin, https_connection, http_server):
    from comptoir.deliveries.tasks import send_delivery

    upload(firm_admin, https_connection.company)
    delivery = one_delivery()

    result = send_delivery.enqueue(delivery.pk)  # the immediate backend of the test settings

    assert result.return_value == "sent"
    assert one_delivery().status == "sent"


def test_only_one_of_two_workers_claims_a_delivery(firm_admin, https_connection, clock):
    upload(firm_admin, https_connection.company)
    first_read = engine.load(one_delivery().pk)
    second_read = engine.load(first_read.pk)

    first = engine.claim(first_read, clock.now)
    second = engine.claim(second_read, clock.now)

    assert first is not None and first.number == 1
    assert second is None
    delivery = one_delivery()
    assert (delivery.status, delivery.claimed_by, delivery.attempt_count) == (
        "sending",
        first.worker,
        1,
    )


def test_a_late_result_after_the_row_was_taken_back_is_dropped(firm_admin, https_connection, clock):
    from comptoir.deliveries.sweep import sweep
    from comptoir.deliveries.transports.base import sent

    upload(firm_admin, https_connection.company)
    read = engine.load(one_delivery().pk)
    claimed = engine.claim(read, clock.now)
    clock.advance(minutes=11)
    assert sweep(now=clock.now, grace=timedelta(hours=1)).reclaimed == 1

    assert engine.record(read, claimed, sent(code=200), finished=clock.now) == engine.LOST

    delivery = one_delivery()
    assert delivery.status == "pending"
    [attempt] = delivery.attempts.all()
    assert (attempt.number, attempt.error_code) == (1, "abandoned")


def test_a_disabled_connection_cancels_its_pending_delivery(
    firm_admin, https_connection, http_server, clock
):
    upload(firm_admin, https_connection.company)
    https_connection.enabled = False
    https_connection.save(update_fields=["enabled"])

    assert run(one_delivery(), clock) == "cancelled"

    delivery = one_delivery()
    assert delivery.status == "cancelled"
    assert "disabled" in delivery.last_error
    assert http_server.requests == []


def test_a_retry_whose_connection_went_meanwhile_ends_cancelled(
    firm_admin, https_connection, http_server, clock
):
    upload(firm_admin, https_connection.company)
    read = engine.load(one_delivery().pk)
    claimed = engine.claim(read, clock.now)
    http_server.script(Reply(status=503, body=b""))
    result = engine.send(read)
    https_connection.delete()  # unassigned while the attempt was running

    assert engine.record(read, claimed, result, finished=clock.now) == "cancelled"

    delivery = one_delivery()
    assert delivery.status == "cancelled"
    assert delivery.attempts.get().outcome == "retry"


def test_a_retry_is_queued_for_its_time_when_the_backend_can_defer(
    firm_admin, https_connection, http_server, clock, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from comptoir.deliveries.tasks import send_delivery

    upload(firm_admin, https_connection.company)
    delivery = one_delivery()
    http_server.script(Reply(status=500, body=b""))

    with django_capture_on_commit_callbacks(execute=True):
        assert run(delivery, clock) == "retry"

    delivery.refresh_from_db()
    [queued] = send_delivery.get_backend().results
    assert list(queued.args) == [delivery.pk]
    assert queued.task.run_after == delivery.next_attempt_at


def test_one_attempt_costs_a_fixed_handful_of_queries(
    firm_admin, https_connection, http_server, clock, django_assert_num_queries
):
    upload(firm_admin, https_connection.company)
    delivery = one_delivery()

    # read (one query, everything joined), claim, then in one transaction: status, attempt.
    with django_assert_num_queries(6):  # + SAVEPOINT/RELEASE of the test's transaction
        assert run(delivery, clock) == "sent"
