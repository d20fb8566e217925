"""The request id: taken from X-Request-ID when safe, made up otherwise, returned, and carried
into the tasks the request queues (and their log lines)."""

import io
import json
import logging
import re

import pytest

from comptoir.core import request_context
from comptoir.deliveries.models import Delivery
from comptoir.deliveries.tasks import send_delivery
from comptoir.ops.logs import ContextFilter, JsonFormatter
from tests.conftest import client_for
from tests.deliveries.connections import connect_https
from tests.factories import uploaded_file

pytestmark = pytest.mark.usefixtures("media_root")

GENERATED = re.compile(r"[0-9a-f]{32}")


def test_a_safe_request_id_is_kept_and_returned(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42:9")

    assert response["X-Request-ID"] == "lb-7f3a.42:9"


@pytest.mark.parametrize(
    "offered",
    [
        "",
        "x" * 65,  # too long for a log line
        "abc def",
        "abc\r\nSet-Cookie: a=b",
        "<script>",
        "-starts-with-a-dash",
        "é",
    ],
)
def test_an_unsafe_request_id_is_replaced(client, offered):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=offered)

    assert GENERATED.fullmatch(response["X-Request-ID"])


def test_each_request_gets_its_own_id(client, db):
    first = client.get("/connexion/")["X-Request-ID"]
    second = client.get("/connexion/")["X-Request-ID"]

    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


@pytest.fixture
def queue(settings):
    """A queue that keeps what is enqueued (nothing runs), to read the task's arguments."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = send_delivery.get_backend()
    backend.clear()
    return backend.results


def test_the_delivery_task_queued_by_an_upload_carries_the_request_id(
    transactional_db, queue, firm_admin, company, http_server, allow_loopback
):
    connect_https(company, http_server.url())
    client = client_for(firm_admin)

    response = client.post(
        f"/cabinet/clients/{company.pk}/documents/",
        {"file": uploaded_file("facture.pdf"), "folder": "achats"},
        HTTP_X_REQUEST_ID="upload-1234",
    )

    assert response.status_code == 302, response.content.decode()[:500]
    assert response["X-Request-ID"] == "upload-1234"
    delivery = Delivery.objects.get()
    assert [(r.args, r.kwargs) for r in queue] == [([delivery.pk], {"request_id": "upload-1234"})]


def test_a_task_queued_outside_a_request_carries_nothing(queue, firm_admin, company, http_server):
    from comptoir.deliveries.outbox import enqueue_send

    enqueue_send(123)

    assert [(r.args, r.kwargs) for r in queue] == [([123], {})]


def test_the_task_logs_with_the_request_and_delivery_ids(
    transactional_db, monkeypatch, firm_admin, company, http_server, allow_loopback, queue
):
    connect_https(company, http_server.url())
    client_for(firm_admin).post(
        f"/cabinet/clients/{company.pk}/documents/",
        {"file": uploaded_file("facture.pdf"), "folder": "achats"},
        HTTP_X_REQUEST_ID="upload-5678",
    )
    (queued,) = queue
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    engine_logger = logging.getLogger("comptoir")
    engine_logger.addHandler(handler)
    previous = engine_logger.level
    engine_logger.setLevel(logging.DEBUG)

    def spy(delivery_id):  # what the engine would log while it sends
        logging.getLogger("comptoir.deliveries.engine").info("sending %s", delivery_id)
        return "sent"

    from comptoir.deliveries import engine

    monkeypatch.setattr(engine, "process_delivery", spy)
    try:
        assert send_delivery.call(*queued.args, **queued.kwargs) == "sent"
    finally:
        engine_logger.removeHandler(handler)
        engine_logger.setLevel(previous)

    lines = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert [(line["logger"], line["message"]) for line in lines] == [
        ("comptoir.deliveries.engine", f"sending {queued.args[0]}"),
        ("comptoir.deliveries.tasks", f"delivery {queued.args[0]}: sent"),
    ]
    assert {(line["request_id"], line["delivery_id"]) for line in lines} == {
        ("upload-5678", queued.args[0])
    }
    assert request_context.request_id.get() is None  # nothing leaks past the task
    assert request_context.delivery_id.get() is None


def test_the_invitation_email_task_carries_the_request_id(
    queue, firm, firm_admin, django_capture_on_commit_callbacks
):
    from comptoir.accounts.services import invitation_create
    from comptoir.accounts.tasks import send_invitation
    from tests.factories import UserFactory

    token = request_context.request_id.set("invite-77")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invitation_create(
                actor=firm_admin, user=UserFactory(), firm=firm, role="collaborator"
            )
    finally:
        request_context.request_id.reset(token)

    assert [(r.task.func, r.args, r.kwargs) for r in queue] == [
        (send_invitation.func, [invitation.pk], {"request_id": "invite-77"})
    ]
    # the worker's call: the id is bound while the e-mail goes, and only then
    seen = []
    import comptoir.accounts.tasks as tasks

    def spy(invitation_id):
        seen.append(request_context.request_id.get())
        return True

    assert tasks.carries_request_id(spy)(invitation.pk, request_id="invite-77") is True
    assert seen == ["invite-77"] and request_context.request_id.get() is None
