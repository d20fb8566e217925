"""``comptoir housekeeping``: each retention rule on rows on both sides of its limit, the audit
floor, the dry run, and batches instead of one DELETE over a whole table."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comptoir.accounts.models import Invitation
from comptoir.audit.models import AuditEvent
from comptoir.deliveries.models import Delivery, DeliveryAttempt, DeliveryStatus
from comptoir.ops import housekeeping
from tests.deliveries.connections import connect, email_app, upload
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("media_root")


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("housekeeping", *args, stdout=out)
    return out.getvalue()


def session(key: str, expires) -> Session:
    return Session.objects.create(session_key=key, session_data="e30:", expire_date=expires)


def test_expired_sessions_go_and_live_ones_stay(db):
    session("expired" + "x" * 30, ago(seconds=1))
    session("live" + "x" * 30, ago(days=-1))

    out = run_command()

    assert list(Session.objects.values_list("session_key", flat=True)) == ["live" + "x" * 30]
    assert "expired sessions: 1 deleted" in out


def invitation(firm, *, expires, **fields) -> Invitation:
    return Invitation.objects.create(
        firm=firm, user=UserFactory(), role="collaborator", expires_at=expires, **fields
    )


def test_invitations_go_a_retention_period_after_their_link_stopped_working(firm, settings):
    settings.INVITATION_RETENTION_DAYS = 30
    expired_long_ago = invitation(firm, expires=ago(days=31))
    accepted_long_ago = invitation(firm, expires=ago(days=40), accepted_at=ago(days=45))
    cancelled_long_ago = invitation(firm, expires=ago(days=35), cancelled_at=ago(days=39))
    expired_recently = invitation(firm, expires=ago(days=29))
    still_open = invitation(firm, expires=ago(days=-7))

    out = run_command()

    left = set(Invitation.objects.values_list("pk", flat=True))
    assert left == {expired_recently.pk, still_open.pk}
    assert not left & {expired_long_ago.pk, accepted_long_ago.pk, cancelled_long_ago.pk}
    assert "invitations finished more than 30 days ago: 3 deleted" in out


def task_result(status: str, finished) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=status,
        finished_at=finished,
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="comptoir.deliveries.tasks.send_delivery",
        backend_name="default",
        run_after=ago(days=60),
    )


def test_finished_task_results_older_than_the_retention_go(db, settings):
    settings.TASK_RESULT_RETENTION_DAYS = 14
    old_success = task_result("SUCCESSFUL", ago(days=15))
    old_failure = task_result("FAILED", ago(days=20))
    recent = task_result("SUCCESSFUL", ago(days=13))
    waiting = task_result("READY", None)  # queued long ago, never run: not finished, kept
    running = task_result("RUNNING", None)

    out = run_command()

    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert left == {recent.pk, waiting.pk, running.pk}
    assert old_success.pk not in left and old_failure.pk not in left
    assert "finished task results older than 14 days: 2 deleted" in out


@pytest.fixture
def delivery(firm_admin, company):
    connect(
        company,
        email_app(),
        firm_settings={"bot_sender": "robot@cabinet.example"},
        company_settings={"email_achats": "achats@box.example"},
    )
    upload(firm_admin, company)
    return Delivery.objects.get()


def attempt(delivery, number: int, finished, error: str) -> DeliveryAttempt:
    return DeliveryAttempt.objects.create(
        firm_id=delivery.firm_id,
        delivery=delivery,
        number=number,
        started_at=finished,
        finished_at=finished,
        outcome="retry",
        code=503,
        error=error,
        error_code="http_503",
        error_params={"status": 503, "detail": error},
    )


def test_partner_replies_older_than_the_retention_are_blanked_and_the_history_stays(
    delivery, settings
):
    settings.DELIVERY_DETAIL_RETENTION_DAYS = 90
    old = attempt(delivery, 1, ago(days=91), "Le partenaire répond : dossier de M. Martin")
    recent = attempt(delivery, 2, ago(days=89), "Le partenaire répond : réessayez")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, last_error="dossier de M. Martin", updated_at=ago(days=91)
    )

    out = run_command()

    old.refresh_from_db()
    recent.refresh_from_db()
    delivery.refresh_from_db()
    assert old.error == "" and old.error_params is None  # nothing to render it again from
    assert old.error_message == ""
    assert recent.error_params == {"status": 503, "detail": "Le partenaire répond : réessayez"}
    assert (old.outcome, old.code, old.error_code) == ("retry", 503, "http_503")
    assert recent.error == "Le partenaire répond : réessayez"
    assert delivery.last_error == "" and delivery.status == DeliveryStatus.FAILED
    assert "delivery attempts' partner replies older than 90 days: 1 blanked" in out
    assert "finished deliveries' last errors older than 90 days: 1 blanked" in out


def test_an_active_delivery_keeps_its_last_error(delivery, settings):
    settings.DELIVERY_DETAIL_RETENTION_DAYS = 90
    Delivery.objects.filter(pk=delivery.pk).update(
        last_error="réessai prévu", updated_at=ago(days=200)
    )
    run_command()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_error == "réessai prévu"


def audit_event(firm, when, action="company.update") -> AuditEvent:
    event = AuditEvent.objects.create(firm=firm, action=action)
    AuditEvent.objects.filter(pk=event.pk).update(created_at=when)
    return event


def test_audit_events_older_than_the_retention_go_and_each_firm_is_told(firm, other_firm, settings):
    settings.AUDIT_RETENTION_DAYS = 400
    gone = [audit_event(firm, ago(days=401)), audit_event(firm, ago(days=500))]
    other_gone = audit_event(other_firm, ago(days=800))
    kept = audit_event(firm, ago(days=399))

    out = run_command()

    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in [*gone, other_gone]]).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    notes = {
        event.firm_id: event.details
        for event in AuditEvent.objects.filter(action="audit.retention")
    }
    assert notes[firm.pk]["deleted"] == 2 and notes[firm.pk]["retention_days"] == 400
    assert notes[other_firm.pk]["deleted"] == 1
    assert "audit events older than 400 days: 3 deleted" in out


def test_audit_events_are_kept_a_year_by_default(firm, settings):
    assert settings.AUDIT_RETENTION_DAYS == 365
    kept = audit_event(firm, ago(days=364))
    gone = audit_event(firm, ago(days=366))
    run_command()
    assert set(
        AuditEvent.objects.exclude(action="audit.retention").values_list("pk", flat=True)
    ) == {kept.pk}
    assert not AuditEvent.objects.filter(pk=gone.pk).exists()


@pytest.mark.parametrize("days", [364, 30, 0, -1])
def test_an_audit_retention_below_a_year_is_refused_and_nothing_is_touched(firm, settings, days):
    settings.AUDIT_RETENTION_DAYS = days
    old_event = audit_event(firm, ago(days=5000))
    session("expired" + "x" * 30, ago(days=1))

    with pytest.raises(CommandError) as error:
        run_command()

    assert str(error.value) == (
        f"AUDIT_RETENTION_DAYS={days} is below the minimum of 365 day(s): audit events are kept "
        "at least a year."
    )
    assert AuditEvent.objects.filter(pk=old_event.pk).exists()
    assert Session.objects.exists()


def test_other_retentions_must_be_at_least_a_day(db, settings):
    settings.TASK_RESULT_RETENTION_DAYS = 0
    with pytest.raises(CommandError, match=r"^TASK_RESULT_RETENTION_DAYS=0 is below the minimum"):
        run_command()


def test_dry_run_counts_and_changes_nothing(firm, delivery, settings):
    session("expired" + "x" * 30, ago(days=1))
    invitation(firm, expires=ago(days=100))
    task_result("SUCCESSFUL", ago(days=100))
    attempt(delivery, 1, ago(days=100), "réponse du partenaire")
    audit_event(firm, ago(days=1000))
    audit_event(firm, ago(days=1001))

    out = run_command("--dry-run")

    assert out.splitlines() == [
        "expired sessions: 1 would be deleted",
        "invitations finished more than 30 days ago: 1 would be deleted",
        "finished task results older than 14 days: 1 would be deleted",
        "delivery attempts' partner replies older than 90 days: 1 would be blanked",
        "finished deliveries' last errors older than 90 days: 0 would be blanked",
        "audit events older than 365 days: 2 would be deleted",
        "Dry run: nothing was changed.",
    ]
    assert Session.objects.count() == 1
    assert Invitation.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
    assert DeliveryAttempt.objects.get().error == "réponse du partenaire"
    assert AuditEvent.objects.filter(created_at__lt=ago(days=900)).count() == 2


def test_deletes_and_updates_go_in_batches(firm, delivery):
    for _ in range(5):
        audit_event(firm, ago(days=800))
    for number in range(1, 6):
        attempt(delivery, number, ago(days=200), "réponse")

    with CaptureQueriesContext(connection) as queries:
        outcomes = housekeeping.run(batch_size=2)

    counts = {outcome.kind: outcome.count for outcome in outcomes}
    assert counts["audit events older than 365 days"] == 5
    assert counts["delivery attempts' partner replies older than 90 days"] == 5
    statements = [q["sql"] for q in queries.captured_queries]
    audit_deletes = [s for s in statements if s.startswith('DELETE FROM "audit_auditevent"')]
    attempt_updates = [s for s in statements if s.startswith('UPDATE "deliveries_deliveryattempt"')]
    assert len(audit_deletes) == 3  # 2 + 2 + 1 rows, each by primary key
    assert all(" IN (" in s for s in audit_deletes)
    assert len(attempt_updates) == 3
    assert not DeliveryAttempt.objects.exclude(error="").exists()


def test_batch_size_must_be_positive(db):
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        run_command("--batch-size", "0")
