"""Retry schedule, outcome classification and app limits, with a controllable clock."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.utils.translation import override

from comptoir.deliveries.policy import (
    MAX_ATTEMPTS,
    RETRY_AFTER_CAP,
    RETRY_SCHEDULE,
    next_attempt_at,
    plan_after_attempt,
)
from comptoir.deliveries.transports.base import OutgoingDocument, TransportResult, check_document
from comptoir.deliveries.transports.replies import (
    classify_http_status,
    classify_smtp_code,
    parse_retry_after,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FixedRandom:
    """A random source that always picks the same point of the interval (0 = low, 1 = high)."""

    def __init__(self, position: float) -> None:
        self.position = position
        self.calls: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.calls.append((a, b))
        return a + (b - a) * self.position


EXPECTED = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
]


def test_the_schedule_is_the_documented_one():
    assert list(RETRY_SCHEDULE) == EXPECTED
    assert MAX_ATTEMPTS == 10


@pytest.mark.parametrize("attempt, base", list(enumerate(EXPECTED, start=1)))
@pytest.mark.parametrize("position, factor", [(0.0, 0.9), (0.5, 1.0), (1.0, 1.1)])
def test_next_attempt_follows_the_schedule_with_ten_percent_jitter(attempt, base, position, factor):
    rng = FixedRandom(position)
    when = next_attempt_at(attempt, NOW, None, rng)
    assert rng.calls == [(-0.1, 0.1)]
    assert when - NOW == pytest.approx(base * factor, abs=timedelta(microseconds=10))


def test_after_the_last_step_there_is_no_next_attempt():
    assert next_attempt_at(MAX_ATTEMPTS, NOW, None, FixedRandom(0.5)) is None
    assert next_attempt_at(MAX_ATTEMPTS + 3, NOW, 60, FixedRandom(0.5)) is None
    with pytest.raises(ValueError):
        next_attempt_at(0, NOW)


def test_real_jitter_stays_within_ten_percent():
    rng = random.Random(1234)
    for attempt, base in enumerate(EXPECTED, start=1):
        delays = {next_attempt_at(attempt, NOW, None, rng) - NOW for _ in range(200)}
        assert len(delays) > 100  # it does vary
        assert all(base * 0.9 <= delay <= base * 1.1 for delay in delays)


@pytest.mark.parametrize(
    "attempt, retry_after, expected",
    [
        (1, 120, timedelta(seconds=120)),  # later than 5 s: honoured
        (1, 2, timedelta(seconds=5)),  # earlier than the schedule: schedule wins
        (3, 3600, timedelta(hours=1)),  # 30 min scheduled, partner asks 1 h
        (2, 0, timedelta(minutes=5)),
        (1, 10 * 24 * 3600, RETRY_AFTER_CAP),  # capped at 24 h
        (9, 48 * 3600, timedelta(hours=24)),  # last step, capped too
    ],
)
def test_retry_after_is_never_undercut_and_is_capped(attempt, retry_after, expected):
    when = next_attempt_at(attempt, NOW, retry_after, FixedRandom(0.5))
    assert when - NOW == expected


def test_a_delivery_that_always_fails_gets_ten_attempts_then_fails():
    clock = NOW
    rng = FixedRandom(0.5)
    retrying = TransportResult(outcome="retry", error="HTTP 503")
    times = [clock]
    attempt = 1
    while True:
        plan = plan_after_attempt(retrying, attempt, clock, rng)
        if plan.status == "failed":
            break
        assert plan.status == "pending"
        clock = plan.next_attempt_at
        times.append(clock)
        attempt += 1
    assert attempt == 10
    assert len(times) == 10
    assert times[-1] - times[0] == sum(EXPECTED, timedelta())  # 80 h 35 min 5 s


@pytest.mark.parametrize(
    "outcome, attempt, status",
    [
        ("sent", 1, "sent"),
        ("sent", 10, "sent"),
        ("failed", 1, "failed"),
        ("retry", 1, "pending"),
        ("retry", 9, "pending"),
        ("retry", 10, "failed"),
    ],
)
def test_plan_after_attempt(outcome, attempt, status):
    plan = plan_after_attempt(TransportResult(outcome=outcome), attempt, NOW, FixedRandom(0.5))
    assert plan.status == status
    assert (plan.next_attempt_at is not None) == (status == "pending")


def test_plan_honours_the_results_retry_after():
    result = TransportResult(outcome="retry", code=429, retry_after=900)
    plan = plan_after_attempt(result, 1, NOW, FixedRandom(0.5))
    assert plan.next_attempt_at == NOW + timedelta(seconds=900)


@pytest.mark.parametrize(
    "status, outcome",
    [(200, "sent"), (201, "sent"), (202, "sent"), (204, "sent"), (299, "sent")]
    + [(s, "failed") for s in (300, 301, 302, 303, 304, 307, 308)]
    + [(s, "failed") for s in (400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 451)]
    + [(s, "retry") for s in (408, 425, 429, 500, 501, 502, 503, 504, 599)],
)
def test_classify_http_status(status, outcome):
    assert classify_http_status(status) == outcome


@pytest.mark.parametrize(
    "code, outcome",
    [(250, "sent"), (251, "sent")]
    + [(c, "retry") for c in (421, 450, 451, 452, 454, None, 354, -1)]
    + [(c, "failed") for c in (500, 550, 551, 552, 553, 554)],
)
def test_classify_smtp_code(code, outcome):
    assert classify_smtp_code(code) == outcome


@pytest.mark.parametrize(
    "value, expected",
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Mon, 02 Mar 2026 09:10:00 GMT", 600.0),
        ("Mon, 02 Mar 2026 08:00:00 GMT", 0.0),  # already past
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
        ("²", None),  # str.isdigit() says yes, int() raises
        ("\uff15", None),  # fullwidth five: int() would read 5
        ("9" * 5000, None),  # int() raises past 4300 digits
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, NOW) == expected


def doc(name="Facture-2026-001.pdf", content_type="application/pdf", size=1000):
    return OutgoingDocument(
        file_name=name, content_type=content_type, size=size, sha256="0" * 64, content=b""
    )


@pytest.mark.parametrize(
    "document, accepted, max_size, refusal",
    [
        (doc(), (), None, None),
        (doc(size=10 * 1024 * 1024), (), 10 * 1024 * 1024, None),  # exactly at the limit
        (doc(size=10 * 1024 * 1024 + 1), (), 10 * 1024 * 1024, "file_too_large"),
        (doc(name="FACTURE.PDF"), (".pdf",), None, None),
        (doc(name="scan"), ("application/pdf",), None, None),
        (doc(name="ticket.png", content_type="image/png"), (".pdf", "image/*"), None, None),
        (
            doc(name="x.pdf", content_type="application/pdf; charset=binary"),
            ("application/pdf",),
            None,
            None,
        ),
        (
            doc(name="releve.csv", content_type="text/csv"),
            ("pdf", "jpg"),
            None,
            "file_type_refused",
        ),
        (
            doc(name="setup.exe", content_type="application/x-msdownload"),
            (".pdf", "image/*"),
            None,
            "file_type_refused",
        ),
        (doc(name="a.docx", content_type="application/octet-stream"), ("*/*",), None, None),
        (doc(size=5), (".pdf",), 0, None),  # 0 means no limit
    ],
)
def test_check_document(document, accepted, max_size, refusal):
    result = check_document(document, accepted_types=accepted, max_size=max_size)
    if refusal is None:
        assert result is None
    else:
        assert result.outcome == "failed"
        assert result.error_code == refusal
        assert result.error


@override("en")
def test_refusal_messages_say_what_to_do():
    too_large = check_document(doc(size=12 * 1024 * 1024), max_size=10 * 1024 * 1024)
    assert "12" in too_large.error and "10" in too_large.error
    refused = check_document(doc(name="a.exe", content_type="x/y"), accepted_types=(".pdf",))
    assert ".exe" in refused.error and ".pdf" in refused.error
