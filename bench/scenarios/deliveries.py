"""Deliveries at scale: the engine's throughput against bare sending, and the outbox fan-out.

``deliveries_engine``: ``size`` deliveries sent to a local HTTP sink through the whole engine
(read, claim, open the stored file, sign, POST, record the attempt and the status), by one
worker on SQLite and two on PostgreSQL (threads, each with its own connection, pulling ids
from a shared list like workers pulling tasks). The baseline sends the same files to the
same sink with the same transport in a bare loop (same number of threads), without any
database: the ratio is the engine's cost per delivery over the network's. Deliveries per
second = size ÷ (ms ÷ 1000). The task queue's own cost (``db_worker``) is not counted here;
the kill test runs the real workers.

``deliveries_outbox_fanout``: ``size`` documents uploaded through the documents service into
the Achats folder of a company connected to three automation apps (an e-mail app with one
address per folder, an e-mail app with one address per company, an HTTPS app): three
deliveries planned per upload, in the upload's transaction. The baseline uploads the same
files into a company that nothing is connected to: the ratio is the cost of the fan-out.
Both run inside a transaction rolled back at the end, so every timed run does the same work
(and nothing is queued: the queue is fed on commit only).

Query counts grow with the size by design (per delivery, per upload): ``constant_queries`` is
off; the query count per delivery and per upload is what to watch.
"""

import base64
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.utils import timezone

from bench.generate import generate_firm
from bench.registry import Scenario, ScenarioError, register

SECRET = "whsec_" + base64.b64encode(b"comptoir-bench-secret-0123456789").decode()
PDF = b"%PDF-1.7\n" + b"% bench invoice line\n" * 2000 + b"%%EOF\n"  # about 40 KB

HTTPS_SCHEMA = [
    {"key": "api_url", "label_fr": "URL", "label_en": "URL", "kind": "url", "level": "firm"},
    {"key": "api_key", "label_fr": "Clé", "label_en": "Key", "kind": "secret", "level": "firm"},
]
FOLDER_EMAIL_SCHEMA = [
    {
        "key": "email_achats",
        "label_fr": "Achats",
        "label_en": "Purchases",
        "kind": "email",
        "level": "company",
        "folder": "achats",
    },
]
COMPANY_EMAIL_SCHEMA = [
    {
        "key": "dossier_email",
        "label_fr": "Dossier",
        "label_en": "Dossier",
        "kind": "email",
        "level": "company",
    },
]


class _Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"id": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Sink(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Sink)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/bench"


_sink: Sink | None = None


def shared_sink() -> Sink:
    """One sink for the whole bench run (scenarios have no teardown to stop their own)."""
    global _sink
    if _sink is None:
        _sink = Sink()
    return _sink


def automation_app(name: str, transport: str, schema: list):
    from comptoir.store.models import App

    return App.objects.create(
        slug=f"bench-dlv-{uuid.uuid4().hex[:10]}",
        name=name,
        type="automation",
        audience="firm",
        transport=transport,
        accepted_folders=["achats"],
        accepted_file_types=["pdf"],
        settings_schema=schema,
    )


def connect(company, app, firm_settings=None, company_settings=None):
    from comptoir.assignments.models import CompanyAssignment
    from comptoir.store.models import Installation
    from comptoir.store.settings_validation import validate_settings

    installation = Installation.objects.create(
        firm=company.firm, app=app, settings=validate_settings(app, "firm", firm_settings or {})
    )
    return CompanyAssignment.objects.create(
        firm=company.firm,
        installation=installation,
        company=company,
        settings=validate_settings(app, "company", company_settings or {}),
    )


def invoice(n: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"facture-{n:05d}.pdf", PDF + f"% {n}\n".encode())


def workers_for_database() -> int:
    """One worker on SQLite (one writer at a time anyway), two on PostgreSQL."""
    return 1 if connection.vendor == "sqlite" else 2


def run_in_threads(items: list, work, threads: int) -> None:
    """Each thread pulls the next item and calls ``work(item)``; errors stop the run."""
    lock = threading.Lock()
    pending = list(reversed(items))
    errors: list[BaseException] = []

    def loop():
        try:
            while True:
                with lock:
                    if not pending or errors:
                        return
                    item = pending.pop()
                work(item)
        except BaseException as error:  # reported below, in the main thread
            errors.append(error)
        finally:
            connections.close_all()  # this thread's own connections

    if threads == 1:
        for item in items:
            work(item)
        return
    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:
        raise ScenarioError(f"a worker failed: {errors[0]!r}")


@register
class DeliveriesEngine(Scenario):
    name = "deliveries_engine"
    description = (
        "N deliveries through the engine (claim, send, record) to a local HTTP sink, "
        "1 worker on SQLite / 2 on PostgreSQL; baseline: the same POSTs without the database"
    )
    sizes = (100, 300)
    constant_queries = False

    def setup(self, size: int) -> None:
        from comptoir.deliveries import engine
        from comptoir.deliveries.models import Delivery
        from comptoir.documents.services import document_upload

        settings.DELIVERY_ALLOW_LOOPBACK = True
        self.sink = shared_sink()
        generated = generate_firm(companies=1, users=1, label=f"dlv{uuid.uuid4().hex[:6]}")
        company = generated.firm.companies.get()
        connect(
            company,
            automation_app("Bench HTTPS", "https", HTTPS_SCHEMA),
            firm_settings={"api_url": self.sink.url, "api_key": SECRET},
        )
        for n in range(size):
            document_upload(actor=None, company=company, folder="achats", file=invoice(n))
        self.ids = list(
            Delivery.objects.filter(firm=generated.firm).order_by("id").values_list("pk", flat=True)
        )
        if len(self.ids) != size:
            raise ScenarioError(f"{len(self.ids)} deliveries planned for {size} uploads")
        self.threads = workers_for_database()
        # What the baseline sends: the same documents and destination, built once.
        rows = [engine.load(pk) for pk in self.ids]
        secrets = {"secret": SECRET}
        self.prepared = [
            (engine.outgoing_document(d), engine.destination_for(d, secrets), d.idempotency_key)
            for d in rows
        ]

    def _reset(self) -> None:
        from comptoir.deliveries.models import Delivery, DeliveryAttempt

        DeliveryAttempt.objects.filter(delivery_id__in=self.ids).delete()
        Delivery.objects.filter(pk__in=self.ids).update(
            status="pending",
            attempt_count=0,
            next_attempt_at=timezone.now() - timedelta(seconds=1),
            claimed_at=None,
            claimed_by="",
            sent_at=None,
            last_error="",
        )

    def run(self) -> None:
        from comptoir.deliveries.engine import process_delivery
        from comptoir.deliveries.models import Delivery

        self._reset()
        outcomes: list[str] = []
        run_in_threads(self.ids, lambda pk: outcomes.append(process_delivery(pk)), self.threads)
        sent = Delivery.objects.filter(pk__in=self.ids, status="sent").count()
        if sent != len(self.ids):
            raise ScenarioError(f"{sent} of {len(self.ids)} sent: {set(outcomes)}")

    def baseline(self) -> None:
        from comptoir.deliveries.transports import get_transport

        transport = get_transport("https")

        def send(item) -> None:
            document, destination, key = item
            result = transport.send(document, destination, idempotency_key=key)
            if result.outcome != "sent":
                raise ScenarioError(f"the bare send failed: {result.error}")

        run_in_threads(self.prepared, send, self.threads)


@register
class DeliveriesOutboxFanout(Scenario):
    name = "deliveries_outbox_fanout"
    description = (
        "N uploads into Achats of a company with 3 connected automation apps (3 deliveries "
        "each); baseline: the same uploads into a company nothing is connected to"
    )
    sizes = (100, 1_000)
    constant_queries = False

    def setup(self, size: int) -> None:
        generated = generate_firm(companies=2, users=1, label=f"fan{uuid.uuid4().hex[:6]}")
        self.connected, self.alone = list(generated.firm.companies.order_by("id"))
        self.size = size
        connect(
            self.connected,
            automation_app("Bench folders", "email", FOLDER_EMAIL_SCHEMA),
            company_settings={"email_achats": "achat@box.bench.example"},
        )
        connect(
            self.connected,
            automation_app("Bench dossier", "email", COMPANY_EMAIL_SCHEMA),
            company_settings={"dossier_email": "dossier@in.bench.example"},
        )
        # Destinations are vetted when configured (DNS included): a loopback address, allowed
        # as in the demo, keeps the bench off the network. Nothing is sent in this scenario.
        settings.DELIVERY_ALLOW_LOOPBACK = True
        connect(
            self.connected,
            automation_app("Bench HTTPS", "https", HTTPS_SCHEMA),
            firm_settings={"api_url": "https://127.0.0.1:9443/in", "api_key": SECRET},
        )

    def _upload_all(self, company) -> int:
        from comptoir.deliveries.models import Delivery
        from comptoir.documents.services import document_upload

        with transaction.atomic():
            for n in range(self.size):
                document_upload(actor=None, company=company, folder="achats", file=invoice(n))
            planned = Delivery.objects.filter(company=company).count()
            transaction.set_rollback(True)
        return planned

    def run(self) -> None:
        planned = self._upload_all(self.connected)
        if planned != 3 * self.size:
            raise ScenarioError(f"{planned} deliveries planned for {self.size} uploads, not 3 each")

    def baseline(self) -> None:
        if self._upload_all(self.alone) != 0:
            raise ScenarioError("deliveries planned for a company nothing is connected to")
