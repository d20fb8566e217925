"""The demo's side of deliveries: the local HTTP receiver (signatures, files kept, partners in
trouble) with the real engine, and the seed that wires the demo firms to the local sinks."""

import base64
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from comptoir.deliveries import engine
from comptoir.deliveries.models import Delivery
from comptoir.demo import deliveries as demo
from comptoir.demo.receiver import ReceiverServer, ReceiverSink
from comptoir.demo.seed import seed_demo
from comptoir.store.models import Installation
from comptoir.store.schema import reveal_settings
from tests.deliveries.connections import (
    connect,
    https_app,
    later,
    new_secret,
    sha256,
    upload,
)
from tests.factories import PDF_BYTES

pytestmark = pytest.mark.usefixtures("media_root")
SECRET = new_secret()  # the receiver's, in these tests


@pytest.fixture(autouse=True)
def _demo_mode_settings(settings, tmp_path):
    """As in demo mode: the local sinks listen on loopback, and var/ is this test's own (the
    seed keeps the demo SFTP server's host key there)."""
    settings.DELIVERY_ALLOW_LOOPBACK = True
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def receiver(tmp_path, allow_loopback):
    import threading

    notices: list[str] = []
    folder = tmp_path / "received"
    folder.mkdir()
    server = ReceiverServer(("127.0.0.1", 0), secret=SECRET, folder=folder, notify=notices.append)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.notices = notices
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def send_to(receiver, company, actor, path, secret=SECRET) -> Delivery:
    connect(
        company,
        https_app(),
        firm_settings={"api_url": receiver.base + path, "api_key": secret},
    )
    upload(actor, company, content=PDF_BYTES + b"% demo\n")
    return Delivery.objects.get()


def test_the_receiver_keeps_signed_files_and_notes_repeats(firm_admin, company, receiver):
    delivery = send_to(receiver, company, firm_admin, "/hooks/horizon/cabinet-durand")

    assert engine.process_delivery(delivery.pk, clock=later) == "sent"

    [saved] = list(Path(receiver.folder).iterdir())
    assert saved.name.endswith("facture.pdf")
    assert sha256(saved.read_bytes()) == delivery.version.sha256
    delivery.refresh_from_db()
    assert delivery.remote_id.startswith("rcv-")
    # The same delivery again (a repeat after a crash): answered, noted as a repeat.
    Delivery.objects.filter(pk=delivery.pk).update(status="pending", next_attempt_at=timezone.now())
    assert engine.process_delivery(delivery.pk, clock=later) == "sent"
    assert receiver.notices[-1].endswith("(a repeat of the same delivery)")


@pytest.mark.parametrize(
    ("path", "outcome", "code"),
    [("/fail/facturea", "retry", 500), ("/refuse/facturea", "failed", 422)],
)
def test_the_receiver_plays_a_partner_in_trouble(
    firm_admin, company, receiver, path, outcome, code
):
    delivery = send_to(receiver, company, firm_admin, path)

    assert engine.process_delivery(delivery.pk, clock=later) == outcome

    assert delivery.attempts.get().code == code
    assert list(Path(receiver.folder).iterdir()) == []


def test_the_receiver_refuses_a_wrong_signature(firm_admin, company, receiver):
    delivery = send_to(receiver, company, firm_admin, "/hooks/x", secret=new_secret())

    assert engine.process_delivery(delivery.pk, clock=later) == "failed"

    assert delivery.attempts.get().code == 401
    assert "bad or missing signature" in receiver.notices[-1]


def test_the_seed_wires_the_demo_to_the_local_sinks_once(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("load-catalog", stdout=open("/dev/null", "w"))  # noqa: SIM115

    first = seed_demo()
    second = seed_demo()

    assert first.created["cabinet-durand:connections"] == 5
    assert first.created["fiducia-conseil:connections"] == 2
    assert first.created["cabinet-durand:documents"] == 5
    assert not any(key.endswith((":connections", ":documents")) for key in second.created)
    statuses = set(Delivery.objects.values_list("status", flat=True))
    assert statuses == {"pending"}  # the worker sends them once the demo runs
    assert Delivery.objects.filter(version__original_name="devis-four-a-pain.docx").count() == 2
    assert Delivery.objects.filter(version__number=2).exists()
    facturea = Installation.objects.get(
        firm__slug="cabinet-durand", app__slug="automatiser-facturea"
    )
    plain = reveal_settings(facturea.app, "firm", facturea.settings)
    assert plain["api_url"] == demo.receiver_url("/fail/facturea/cabinet-durand")
    assert plain["api_token"] == demo.webhook_secret(settings.VAR_DIR)
    assert (settings.VAR_DIR / demo.WEBHOOK_SECRET_FILE).exists()

    # The receiver started on another port: the demo apps follow it.
    assert demo.point_demo_apps_at("http://127.0.0.1:9999") == 2
    facturea.refresh_from_db()
    assert facturea.settings["api_url"] == "http://127.0.0.1:9999/fail/facturea/cabinet-durand"
    assert demo.point_demo_apps_at("http://127.0.0.1:9999") == 0


def test_the_demo_sink_describes_itself(tmp_path, transactional_db):
    # start() closes the process's database connections (rundemo forks workers after it),
    # which only a transactional test survives on PostgreSQL.
    sink = ReceiverSink()
    notices: list[str] = []
    env = sink.start(var_dir=tmp_path, notify=notices.append)
    try:
        assert env == {"DELIVERY_ALLOW_LOOPBACK": "true"}
        assert f"127.0.0.1:{sink.port}" in sink.describe()
        assert (tmp_path / "received").is_dir()
    finally:
        sink.stop()


# --- the demo's SFTP server, and destinations that follow the sinks ------------------------------


def seed_the_demo():
    call_command("load-catalog", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return seed_demo()


def test_the_demo_sftp_app_uploads_to_the_local_sftp_server(
    transactional_db, settings, monkeypatch
):
    from comptoir.deliveries import outbox
    from comptoir.demo.deliveries import sftp_fingerprint
    from comptoir.demo.sinks import SftpSink

    with monkeypatch.context() as seeding:
        # As in the demo, nothing is sent while seeding: the worker starts after the sinks.
        seeding.setattr(outbox, "enqueue_sends", lambda ids: None)
        seed_the_demo()
    iscribe = Installation.objects.get(firm__slug="fiducia-conseil", app__slug=demo.SFTP_APP)
    seeded_key = iscribe.settings["sftp_host_key"]
    assert seeded_key == sftp_fingerprint(settings.VAR_DIR)  # the real key, kept in var/
    assert (settings.VAR_DIR / "sftp_host_key").exists()
    [delivery] = Delivery.objects.filter(app_slug=demo.SFTP_APP)

    notices: list[str] = []
    sink = SftpSink()
    env = sink.start(var_dir=settings.VAR_DIR, notify=notices.append)
    try:
        assert env == {"DELIVERY_ALLOW_LOOPBACK": "true"}
        assert sink.fingerprint == seeded_key
        assert f"127.0.0.1:{sink.port}" in sink.describe() and seeded_key in sink.describe()
        iscribe.refresh_from_db()
        assert iscribe.settings["sftp_port"] == str(sink.port)

        assert engine.process_delivery(delivery.pk, clock=later) == "sent"

        [received] = list((settings.VAR_DIR / "sftp").iterdir())
        assert received.name.startswith("GRANDCHENE01_")
        assert received.name.endswith("facture-metro.pdf")
        assert sha256(received.read_bytes()) == delivery.version.sha256
        assert any("facture-metro.pdf" in line and str(received) in line for line in notices)
        delivery.refresh_from_db()
        assert delivery.remote_id == received.name
    finally:
        sink.stop()
    # Started again: the same host key, so the configured fingerprint still matches.
    again = SftpSink()
    again.start(var_dir=settings.VAR_DIR, notify=notices.append)
    try:
        assert again.fingerprint == seeded_key
    finally:
        again.stop()


def test_a_delivery_planned_for_another_port_follows_the_receiver(db, receiver, tmp_path):
    import threading

    actor = seed_the_demo().users["sophie.durand@cabinet-durand.test"]
    receiver.secret = demo.webhook_secret()  # our receiver, with this demo's secret
    # Another demo on this machine holds the port our receiver had before this start.
    theirs_folder = tmp_path / "their-received"
    theirs_folder.mkdir()
    # (The worst case: it even has our secret.)
    theirs = ReceiverServer(
        ("127.0.0.1", 0), secret=demo.webhook_secret(), folder=theirs_folder, notify=print
    )
    threading.Thread(target=theirs.serve_forever, daemon=True).start()
    their_base = f"http://127.0.0.1:{theirs.server_address[1]}"
    try:
        demo.point_demo_apps_at(their_base)  # where our receiver listened last time
        martin = (
            Installation.objects.get(
                firm__slug="cabinet-durand", app__slug="automatiser-horizon-releves"
            )
            .assignments.get()
            .company
        )
        upload(actor, martin, folder="banque", title="Relevé de mai")
        planned = Delivery.objects.get(
            app_slug="automatiser-horizon-releves", version__document__title="Relevé de mai"
        )
        assert planned.destination["url"].startswith(their_base)

        # This start: our receiver is elsewhere, the demo apps are pointed at it.
        assert demo.point_demo_apps_at(receiver.base) == 2
        pending = Delivery.objects.filter(app_slug="automatiser-horizon-releves")
        for delivery in pending:
            assert engine.process_delivery(delivery.pk, clock=later) == "sent"

        assert list(theirs_folder.iterdir()) == []  # the other demo received nothing
        assert len(list(Path(receiver.folder).iterdir())) == pending.count()
        planned.refresh_from_db()
        assert planned.destination["url"] == receiver.base + "/hooks/horizon/cabinet-durand"
    finally:
        theirs.shutdown()
        theirs.server_close()


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"%PDF-1.4 \xff\xfe not JSON", "not JSON"),
        (b'{"type": "document.version", "data": {}}', "not a document.version envelope"),
        (
            b'{"data": {"document": {"file_name": "a.pdf", "size": 3, "sha256": "00"},'
            b' "file": {"encoding": "base64", "content": "YWJj"}}}',
            "does not match",
        ),
    ],
)
def test_the_receiver_answers_400_to_a_signed_body_that_is_not_an_envelope(receiver, body, why):
    from datetime import UTC, datetime

    import httpx
    from standardwebhooks import Webhook

    now = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": "dlv_test",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(SECRET).sign("dlv_test", now, body),
    }
    answer = httpx.post(receiver.base + "/hooks/x", content=body, headers=headers, timeout=5)

    assert answer.status_code == 400
    assert why in receiver.notices[-1]
    assert list(Path(receiver.folder).iterdir()) == []


def test_each_demo_signs_with_its_own_secret(tmp_path):
    first = demo.webhook_secret(tmp_path / "one")
    assert first.startswith("whsec_") and len(base64.b64decode(first[6:])) == 32
    assert demo.webhook_secret(tmp_path / "one") == first  # kept in var/
    assert demo.webhook_secret(tmp_path / "two") != first  # another demo's receiver: 401
    assert oct((tmp_path / "one" / demo.WEBHOOK_SECRET_FILE).stat().st_mode & 0o777) == "0o600"
