"""The delivery worker as it runs in production: real ``comptoir deliveries-worker`` processes
against a bare send loop, to an instant loopback sink and to a sink with 50 ms of latency.

Everything is on 127.0.0.1: the sinks are HTTP servers in the bench process; the workers are
child processes (one on SQLite, two on PostgreSQL) on the bench's own database and files.

``deliveries_worker`` (its own ``measure``, see ``bench.registry``):

- **throughput**: ``size`` deliveries planned by the outbox (real uploads) are made due at
  once; a timed run lasts until the workers have sent them all (claim, read, sign, POST,
  record: the whole loop, polled from here every 10 ms). The baseline sends the same
  documents to the same sink with the same transport in a bare loop, in as many processes
  as there are workers, with no database at all. Against the instant sink (goal >= 0.5x the
  bare loop) and against the 50 ms sink (a tenth of the size; goal >= 0.9x);
- **latency, spaced**: a tenth of the size uploaded through the documents service at 20 a
  second (below capacity): upload -> end of the first attempt, p50/p99 (goal p99 <= 1 s);
- **latency, burst**: 5x the measured capacity for one second (0.2 s with ``--quick``) made
  due at once: the drain rate against the capacity and against the bare loop of the same
  sends, and the p99 of those deliveries' first attempts;
- the workers' resident memory after the warm-up, the throughput runs and the end.

    python -m bench.run --scenario deliveries_worker [--quick]
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/comptoir_bench \
        python -m bench.run --scenario deliveries_worker
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.registry import Scenario, ScenarioError, register

PROJECT = Path(__file__).resolve().parent.parent.parent
POLL_SECONDS = 0.01
DRAIN_TIMEOUT = 300.0
SPACED_RATE = 20.0  # uploads per second, well below one worker's capacity
BURST_FACTOR = 5


# --- sinks ----------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    delay = 0.0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.delay:
            time.sleep(self.delay)
        body = b'{"id": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class Sink(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, delay: float) -> None:
        handler = type("DelayedHandler", (_Handler,), {"delay": delay})
        super().__init__(("127.0.0.1", 0), handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/bench"


_sinks: dict[float, Sink] = {}


def sink(delay: float) -> Sink:
    if delay not in _sinks:
        _sinks[delay] = Sink(delay)
    return _sinks[delay]


# --- workers --------------------------------------------------------------------------------------


def worker_count() -> int:
    from django.db import connection

    return 1 if connection.vendor == "sqlite" else 2


def worker_env() -> dict[str, str]:
    from bench.served import database_url

    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "comptoir.settings",
            "DATABASE_URL": database_url(),
            "DELIVERY_ALLOW_LOOPBACK": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT), env.get("PYTHONPATH")])),
        }
    )
    return env


class Workers:
    """``count`` ``comptoir deliveries-worker`` processes, stopped at exit (or by stop())."""

    def __init__(self, count: int) -> None:
        env = worker_env()
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-m", "comptoir", "deliveries-worker"],
                cwd=PROJECT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(count)
        ]
        atexit.register(self.stop)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def check_alive(self) -> None:
        dead = [p.returncode for p in self.processes if p.poll() is not None]
        if dead:
            raise ScenarioError(f"a delivery worker stopped (exit codes {dead})")


# --- the bare loop (forked processes, no database) ----------------------------------------------

_PREPARED: list[tuple[Any, Any, str]] = []


def _bare_send(bounds: tuple[int, int]) -> int:
    from comptoir.deliveries.transports import get_transport

    transport = get_transport("https")
    for document, destination, key in _PREPARED[bounds[0] : bounds[1]]:
        result = transport.send(document, destination, idempotency_key=key)
        if result.outcome != "sent":
            raise RuntimeError(f"the bare send failed: {result.error}")
    return bounds[1] - bounds[0]


class BareLoop:
    """The same sends as the workers, in as many forked processes, started once."""

    def __init__(self, prepared: list[tuple[Any, Any, str]], processes: int) -> None:
        global _PREPARED
        _PREPARED = prepared
        self.size = len(prepared)
        self.processes = processes
        self.pool = multiprocessing.get_context("fork").Pool(processes)
        atexit.register(self.pool.terminate)

    def run(self, count: int | None = None) -> None:
        count = self.size if count is None else min(count, self.size)
        step = -(-count // self.processes)
        chunks = [(start, min(start + step, count)) for start in range(0, count, step)]
        if sum(self.pool.map(_bare_send, chunks)) != count:
            raise ScenarioError("the bare loop did not send everything")


# --- data ---------------------------------------------------------------------------------------


def plan_deliveries(size: int, sink_url: str) -> tuple[Any, list[int]]:
    """A firm and company connected to one HTTPS app at ``sink_url``; ``size`` real uploads
    (the outbox plans one delivery each). The deliveries are parked (``sent``) until a run."""
    from django.conf import settings

    from bench.generate import generate_firm
    from bench.scenarios.deliveries import HTTPS_SCHEMA, SECRET, automation_app, connect, invoice
    from comptoir.deliveries.models import Delivery
    from comptoir.documents.services import document_upload

    settings.DELIVERY_ALLOW_LOOPBACK = True
    settings.DELIVERY_SENDER = "worker"  # the bench process itself sends nothing
    generated = generate_firm(companies=1, users=1, label=f"wrk{uuid.uuid4().hex[:6]}")
    company = generated.firm.companies.get()
    connect(
        company,
        automation_app("Bench worker", "https", HTTPS_SCHEMA),
        firm_settings={"api_url": sink_url, "api_key": SECRET},
    )
    for n in range(size):
        document_upload(actor=None, company=company, folder="achats", file=invoice(n))
    deliveries = Delivery.objects.filter(firm=generated.firm)
    deliveries.update(status="sent", next_attempt_at=None)
    ids = list(deliveries.order_by("id").values_list("pk", flat=True))
    if len(ids) != size:
        raise ScenarioError(f"{len(ids)} deliveries planned for {size} uploads")
    return generated.firm, ids


def prepared_sends(ids: list[int]) -> list[tuple[Any, Any, str]]:
    """What the bare loop sends: the same documents and destinations, built once."""
    from bench.scenarios.deliveries import SECRET
    from comptoir.deliveries import engine

    rows = [engine.load(pk) for pk in ids]
    return [
        (
            engine.outgoing_document(d),
            engine.destination_for(d, {"secret": SECRET}),
            d.idempotency_key,
        )
        for d in rows
    ]


def make_due(firm: Any, ids: list[int]) -> None:
    """Every delivery back to pending and due now, its attempts forgotten (one transaction)."""
    from django.db import transaction
    from django.utils import timezone

    from comptoir.deliveries.models import Delivery, DeliveryAttempt

    now = timezone.now()
    with transaction.atomic():
        DeliveryAttempt.objects.filter(delivery__firm=firm).delete()
        Delivery.objects.filter(pk__in=ids).update(
            status="pending",
            attempt_count=0,
            next_attempt_at=now,
            created_at=now,
            claimed_at=None,
            claimed_by="",
            sent_at=None,
            last_error="",
        )


def wait_sent(firm: Any, count: int, workers: Workers) -> None:
    """Until ``count`` deliveries of ``firm`` are sent (one indexed count every 10 ms)."""
    from django.db.models import Count

    from comptoir.deliveries.models import Delivery

    deadline = time.monotonic() + DRAIN_TIMEOUT
    deliveries = Delivery.objects.filter(firm=firm)
    while deliveries.filter(status="sent").count() < count:
        if time.monotonic() > deadline:
            counts = dict(deliveries.values_list("status").annotate(n=Count("id")).order_by())
            raise ScenarioError(f"not drained after {DRAIN_TIMEOUT:.0f} s: {counts}")
        workers.check_alive()
        time.sleep(POLL_SECONDS)


def latencies_ms(firm: Any) -> list[float]:
    """Upload → end of the first attempt, per delivery of ``firm``, in ms."""
    from django.db.models import F

    from comptoir.deliveries.models import DeliveryAttempt

    rows = DeliveryAttempt.objects.filter(delivery__firm=firm, number=1).values_list(
        F("finished_at"), F("delivery__created_at")
    )
    return sorted((finished - created).total_seconds() * 1000 for finished, created in rows)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


# --- the scenario -------------------------------------------------------------------------------


def rss_mib(processes: list[subprocess.Popen]) -> float:
    """The largest resident memory of these processes, in MiB (Linux /proc)."""
    sizes = []
    for process in processes:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return round(max(sizes), 1) if sizes else float("nan")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time these processes have used so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


class Run:
    """Deliveries planned once for one sink, made due again for each timed run. Counts the
    CPU time the worker processes and the bare loop's processes spend on the timed runs: on a
    shared machine, wall time follows the neighbours' load; CPU time per delivery does not."""

    def __init__(self, size: int, delay: float, workers: Workers) -> None:
        self.sink = sink(delay)
        self.firm, self.ids = plan_deliveries(size, self.sink.url)
        self.bare = BareLoop(prepared_sends(self.ids), worker_count())
        self.workers = workers
        self.cpu = {"worker": 0.0, "bare": 0.0}
        self.sent = {"worker": 0, "bare": 0}

    def _counted(self, which: str, pids: list[int], function: Any) -> None:
        before = cpu_seconds(pids)
        function()
        self.cpu[which] += cpu_seconds(pids) - before
        self.sent[which] += len(self.ids)

    def worker(self) -> None:
        def send_all() -> None:
            make_due(self.firm, self.ids)
            wait_sent(self.firm, len(self.ids), self.workers)

        self._counted("worker", [p.pid for p in self.workers.processes], send_all)

    def baseline(self) -> None:
        pids = [p.pid for p in self.bare.pool._pool]  # type: ignore[attr-defined]
        self._counted("bare", pids, self.bare.run)

    def cpu_ms_per_delivery(self, which: str) -> float | None:
        if not self.sent[which]:
            return None
        return round(self.cpu[which] * 1000 / self.sent[which], 3)

    def reset_counts(self) -> None:
        self.cpu = {"worker": 0.0, "bare": 0.0}
        self.sent = {"worker": 0, "bare": 0}

    def close(self) -> None:
        self.bare.pool.terminate()


def spaced_latency(count: int, sink_url: str, workers: Workers) -> list[float]:
    """``count`` real uploads at SPACED_RATE a second; upload → first attempt, in ms."""
    from bench.generate import generate_firm
    from bench.scenarios.deliveries import HTTPS_SCHEMA, SECRET, automation_app, connect, invoice
    from comptoir.documents.services import document_upload

    generated = generate_firm(companies=1, users=1, label=f"lat{uuid.uuid4().hex[:6]}")
    company = generated.firm.companies.get()
    connect(
        company,
        automation_app("Bench latency", "https", HTTPS_SCHEMA),
        firm_settings={"api_url": sink_url, "api_key": SECRET},
    )
    start = time.monotonic()
    for n in range(count):
        time.sleep(max(0.0, start + n / SPACED_RATE - time.monotonic()))
        document_upload(actor=None, company=company, folder="achats", file=invoice(n))
    wait_sent(generated.firm, count, workers)
    return latencies_ms(generated.firm)


@register
class DeliveriesWorker(Scenario):
    name = "deliveries_worker"
    description = (
        "real deliveries-worker processes (1 on SQLite, 2 on PostgreSQL) against a bare send "
        "loop in as many processes, to an instant and a 50 ms loopback sink; latency spaced "
        "and in a burst of 5x capacity"
    )
    sizes = (1_000,)
    constant_queries = False

    def measure(self, bench: Any) -> list[Any]:
        from bench.registry import Result

        results: list[Any] = []
        count = worker_count()
        repeat = min(bench.repeat, 3 if bench.quick else 5)
        for size in bench.sizes(type(self)):
            workers = Workers(count)
            runs: list[Run] = []
            try:
                time.sleep(1.0)  # the workers start (Django setup) and go idle
                instant = Run(size, 0.0, workers)
                runs.append(instant)
                instant.worker()  # warm up both
                instant.baseline()
                rss = {"start": rss_mib(workers.processes)}
                instant.reset_counts()
                mine, base = bench.time_pair(instant.worker, instant.baseline, repeat)
                rss["middle"] = rss_mib(workers.processes)
                capacity = size / (mine.wall_ms / 1000)
                bare = size / (base.wall_ms / 1000)
                results.append(
                    Result(
                        scenario=self.name,
                        size=size,
                        kind="worker",
                        label=f"instant sink, {count} worker(s) vs bare loop",
                        rps=capacity,
                        baseline_rps=bare,
                        wall_ms=mine.wall_ms,
                        baseline_wall_ms=base.wall_ms,
                        cpu_ms=instant.cpu_ms_per_delivery("worker"),
                        baseline_cpu_ms=instant.cpu_ms_per_delivery("bare"),
                        target=">= 0.5x",
                        met=capacity >= 0.5 * bare,
                        extra={"cpu_ms": "CPU ms per delivery of the sending processes"},
                    )
                )

                slow_size = max(10, size // 10)
                slow = Run(slow_size, 0.05, workers)
                runs.append(slow)
                slow.worker()
                slow.reset_counts()
                mine, base = bench.time_pair(slow.worker, slow.baseline, min(repeat, 3))
                per_second = slow_size / (mine.wall_ms / 1000)
                bare_slow = slow_size / (base.wall_ms / 1000)
                results.append(
                    Result(
                        scenario=self.name,
                        size=slow_size,
                        kind="worker",
                        label=f"50 ms sink, {count} worker(s) vs bare loop",
                        rps=per_second,
                        baseline_rps=bare_slow,
                        wall_ms=mine.wall_ms,
                        baseline_wall_ms=base.wall_ms,
                        cpu_ms=slow.cpu_ms_per_delivery("worker"),
                        baseline_cpu_ms=slow.cpu_ms_per_delivery("bare"),
                        target=">= 0.9x",
                        met=per_second >= 0.9 * bare_slow,
                    )
                )

                spaced = spaced_latency(max(10, size // 10), instant.sink.url, workers)
                p99 = percentile(spaced, 99)
                results.append(
                    Result(
                        scenario=self.name,
                        size=len(spaced),
                        kind="latency",
                        label=f"upload -> first attempt, spaced at {SPACED_RATE:.0f}/s",
                        p50_ms=percentile(spaced, 50),
                        p99_ms=p99,
                        target="p99 <= 1000 ms",
                        met=p99 <= 1000,
                    )
                )

                seconds = 0.2 if bench.quick else 1.0  # how long the arrivals outpace it
                burst = Run(max(10, int(BURST_FACTOR * capacity * seconds)), 0.0, workers)
                runs.append(burst)
                mine, base = bench.time_pair(burst.worker, burst.baseline, min(repeat, 3))
                drained = len(burst.ids) / (mine.wall_ms / 1000)
                bare_burst = len(burst.ids) / (base.wall_ms / 1000)
                values = latencies_ms(burst.firm)  # of the last run
                rss["end"] = rss_mib(workers.processes)
                results.append(
                    Result(
                        scenario=self.name,
                        size=len(burst.ids),
                        kind="latency",
                        label=f"burst of {BURST_FACTOR}x capacity due at once, drained",
                        rps=drained,
                        baseline_rps=bare_burst,
                        p50_ms=percentile(values, 50),
                        p99_ms=percentile(values, 99),
                        target="drains at the worker's full throughput",
                        met=drained >= 0.9 * capacity,
                        extra={"capacity_per_s": round(capacity, 1)},
                    )
                )
                results[0].rss_mib = rss
                results[0].rss_flat = rss["end"] <= rss["start"] * 1.1 + 2
            finally:
                workers.stop()
                for run in runs:
                    run.close()
        return results
