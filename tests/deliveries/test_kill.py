"""Kill test: 500 deliveries, two real workers (``comptoir deliveries-worker``, the delivery
loop; and on SQLite also ``comptoir db_worker`` with ``DELIVERY_SENDER=tasks``, one task per
attempt) killed with SIGKILL at random moments and restarted, the sweep run until nothing is
pending or sending.

Afterwards every delivery is ``sent`` or ``failed``, none is lost, the attempts of each one are
numbered without a gap, and the local HTTP sink shows that every repeat of one delivery
carried the same idempotency key (and a valid signature).

Runs on a real SQLite file (always) and on PostgreSQL when the test session's database is
PostgreSQL (``DATABASE_URL=postgres://...``: the test database pytest-django created).
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict

import pytest
from django.db import connection

from tests.deliveries.connections import new_secret, request_metadata, signature_valid
from tests.deliveries.servers import HttpServer, Reply
from tests.subprocess_env import clean_env, run_comptoir

APPS = 5
DOCUMENTS = 100  # x 5 apps = 500 deliveries
KILLS = 6
DEADLINE = 50  # seconds for the workers and the sweep to finish everything

SEED = """
import json, sys
from datetime import date
from django.core.files.uploadedfile import SimpleUploadedFile
from comptoir.assignments.models import CompanyAssignment
from comptoir.companies.models import Company
from comptoir.documents.services import document_upload
from comptoir.firms.services import firm_create
from comptoir.store.models import App, Installation
from comptoir.store.settings_validation import validate_settings

base_url, secret, apps, documents = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
firm = firm_create(name="Cabinet Kill Test")
company = Company.objects.create(
    firm=firm, name="Boulangerie Robuste", slug="robuste", siret="73282932000074",
    fiscal_year_start=date(2026, 1, 1), fiscal_year_end=date(2026, 12, 31),
)
schema = [
    {"key": "api_url", "label_fr": "URL", "label_en": "URL", "kind": "url", "level": "firm"},
    {"key": "api_key", "label_fr": "Cle", "label_en": "Key", "kind": "secret", "level": "firm"},
]
for n in range(apps):
    app = App.objects.create(
        slug=f"sink-{n}", name=f"Sink {n}", type="automation", audience="firm",
        transport="https", accepted_folders=["achats"], settings_schema=schema,
    )
    url = f"{base_url}/sink/{n}"
    settings = validate_settings(app, "firm", {"api_url": url, "api_key": secret})
    installation = Installation.objects.create(firm=firm, app=app, settings=settings)
    CompanyAssignment.objects.create(firm=firm, installation=installation, company=company)
for n in range(documents):
    content = b"%PDF-1.7\\n% document " + str(n).encode() + b"\\n%%EOF\\n"
    document_upload(
        actor=None, company=company, folder="achats",
        file=SimpleUploadedFile(f"facture-{n}.pdf", content),
    )
print(json.dumps({"firm": firm.pk}))
"""

SWEEP_AND_COUNT = """
import json
from datetime import timedelta
from django.db.models import Count
from comptoir.deliveries.models import Delivery
from comptoir.deliveries.sweep import sweep

result = sweep(lease=timedelta(seconds=3), grace=timedelta(seconds=2))
counts = dict(Delivery.objects.values_list("status").annotate(n=Count("id")).order_by())
print(json.dumps({"counts": counts, "reclaimed": result.reclaimed, "requeued": result.requeued}))
"""

REPORT = """
import json
from comptoir.deliveries.models import Delivery, DeliveryAttempt

rows = []
for d in Delivery.objects.order_by("id"):
    numbers = list(DeliveryAttempt.objects.filter(delivery=d).values_list("number", "error_code"))
    rows.append({
        "id": d.pk, "key": d.idempotency_key, "status": d.status, "count": d.attempt_count,
        "document": d.version.document_id, "path": d.destination["url"].split("/", 3)[3],
        "numbers": [n for n, _ in numbers], "abandoned": sum(c == "abandoned" for _, c in numbers),
    })
print(json.dumps(rows))
"""


def shell(script: str, env: dict) -> dict | list:
    result = run_comptoir("shell", "--no-imports", "-c", script, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def shell_with_args(script: str, *args: str, env: dict):
    command = f"import sys; sys.argv = ['seed', *{list(args)!r}]\n" + script
    return shell(command, env=env)


WORKER_COMMANDS = {
    "worker": ["deliveries-worker", "--idle", "0.05"],
    "tasks": ["db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.05"],
}


class Workers:
    """Two worker processes, killed and restarted on demand."""

    def __init__(self, env: dict, log_dir, sender: str = "worker"):
        self.env = {**env, "DELIVERY_SENDER": sender}
        self.command = WORKER_COMMANDS[sender]
        self.sender = sender
        self.log_dir = log_dir
        self.generation = 0
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        self.generation += 1
        log = open(self.log_dir / f"worker-{self.generation}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "comptoir",
                *self.command,
                *(
                    ["--worker-id", f"kill-test-{self.generation}"]
                    if self.sender == "tasks"
                    else []
                ),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return process

    def worker_id(self) -> list[str]:
        return ["--worker-id", f"kill-test-{self.generation}"] if self.sender == "tasks" else []

    def __enter__(self):
        self.processes = [self.start(), self.start()]
        return self

    def kill_one(self, rng: random.Random) -> None:
        index = rng.randrange(len(self.processes))
        victim = self.processes[index]
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        self.processes[index] = self.start()

    def kill_all_while_sending(self, sink: HttpServer, timeout: float = 10) -> None:
        """Wait for a request to reach the sink, then kill both workers before it is answered:
        one attempt at least is cut in the middle."""
        seen = len(sink.requests)
        deadline = time.monotonic() + timeout
        while len(sink.requests) == seen and time.monotonic() < deadline:
            time.sleep(0.001)
        for process in self.processes:
            process.send_signal(signal.SIGKILL)
        for index, process in enumerate(self.processes):
            process.wait()
            self.processes[index] = self.start()

    def __exit__(self, *exc):
        for process in self.processes:
            process.kill()
            process.wait()


@pytest.fixture
def sink():
    server = HttpServer().start()
    # A short wait before each answer, so that kills often land in the middle of a send.
    server.default = Reply(status=200, body=b'{"id": "ok"}', delay=0.02)
    yield server
    server.stop()


def sqlite_env(tmp_path) -> dict:
    database = tmp_path / "kill.sqlite3"
    env = clean_env(tmp_path / "var", COMPTOIR_MODE="demo", DATABASE_URL=f"sqlite:///{database}")
    migrated = run_comptoir("migrate", "--verbosity", "0", env=env, timeout=300)
    assert migrated.returncode == 0, migrated.stderr
    return env


def postgresql_env(tmp_path) -> dict:
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST'] or '127.0.0.1'}"
        f":{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    return clean_env(tmp_path / "var", COMPTOIR_MODE="demo", DATABASE_URL=url)


def kill_and_recover(env: dict, sink: HttpServer, tmp_path, sender: str = "worker") -> None:
    env = {**env, "DELIVERY_SENDER": sender}
    secret = new_secret()
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    shell_with_args(SEED, sink.url(""), secret, str(APPS), str(DOCUMENTS), env=env)

    started = time.monotonic()
    last = {}
    with Workers(env, tmp_path, sender) as workers:  # 500 deliveries are due: they start at once
        for n in range(KILLS):
            time.sleep(rng.uniform(0.5, 1.5))
            if n == KILLS // 2:
                workers.kill_all_while_sending(sink)
            else:
                workers.kill_one(rng)
        while time.monotonic() - started < DEADLINE:
            last = shell(SWEEP_AND_COUNT, env=env)
            counts = last["counts"]
            if not counts.get("pending") and not counts.get("sending"):
                break
            time.sleep(0.5)
    assert not last["counts"].get("pending") and not last["counts"].get("sending"), (
        f"not finished after {DEADLINE} s (random seed {seed}): {last}"
    )

    rows = shell(REPORT, env=env)
    assert len(rows) == APPS * DOCUMENTS, "a delivery was lost"
    assert {row["status"] for row in rows} <= {"sent", "failed"}
    assert all(row["status"] == "sent" for row in rows), [r for r in rows if r["status"] != "sent"]
    for row in rows:
        assert row["numbers"] == list(range(1, row["count"] + 1)), row

    # What the partner saw: every delivery at least once; its repeats with the same key.
    keys_seen = defaultdict(set)
    for request in sink.requests:
        assert request.headers["webhook-id"] == request.headers["idempotency-key"]
        assert signature_valid(request, secret)
        document = request_metadata(request)["data"]["document"]["id"]
        keys_seen[(request.path.lstrip("/"), document)].add(request.headers["webhook-id"])
    by_target = {(row["path"], row["document"]): row["key"] for row in rows}
    assert set(keys_seen) == set(by_target)
    for target, keys in keys_seen.items():
        assert keys == {by_target[target]}, f"{target} was sent with several keys: {keys}"
    repeats = len(sink.requests) - len(rows)
    abandoned = sum(row["abandoned"] for row in rows)
    assert abandoned >= 1, "no attempt was cut in the middle: the test proved nothing"
    assert repeats >= 1
    print(
        f"\nkill test, {sender} (seed {seed}): {len(rows)} deliveries sent in "
        f"{time.monotonic() - started:.1f} s, {KILLS} workers killed, {abandoned} attempts "
        f"abandoned, {repeats} repeated requests (same key)"
    )


@pytest.mark.parametrize("sender", ["worker", "tasks"])
def test_killed_workers_lose_nothing_on_sqlite(tmp_path, sink, sender):
    kill_and_recover(sqlite_env(tmp_path), sink, tmp_path, sender)


@pytest.mark.skipif(
    "postgres" not in os.environ.get("DATABASE_URL", ""),
    reason="PostgreSQL only when the tests run on it (DATABASE_URL=postgres://...)",
)
def test_killed_workers_lose_nothing_on_postgresql(tmp_path, sink, transactional_db):
    assert connection.vendor == "postgresql"
    kill_and_recover(postgresql_env(tmp_path), sink, tmp_path)
