"""The demo's side of deliveries: the local HTTP receiver (signatures, files kept, partners in
trouble) with the real engine, and the seed that wires the demo firms to the local sinks."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from comptoir.core.demo.seed import seed_demo
from comptoir.deliveries import demo, engine
from comptoir.deliveries.demo_receiver import ReceiverServer, ReceiverSink
from comptoir.deliveries.models import Delivery
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


@pytest.fixture
def receiver(tmp_path, allow_loopback):
    import threading

    notices: list[str] = []
    folder = tmp_path / "received"
    folder.mkdir()
    server = ReceiverServer(
        ("127.0.0.1", 0), secret=demo.DEMO_WEBHOOK_SECRET, folder=folder, notify=notices.append
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.notices = notices
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def send_to(receiver, company, actor, path, secret=demo.DEMO_WEBHOOK_SECRET) -> Delivery:
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
    assert first.created["fiducia-conseil:connections"] == 1
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
    assert plain["api_token"] == demo.DEMO_WEBHOOK_SECRET

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
