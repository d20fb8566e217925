"""Served pages: the bench's database behind the production server on 127.0.0.1, a bounded load.

:class:`Server` builds (``comptoir build``) and starts ``comptoir serve`` (gunicorn, 2 sync
workers) as a child process on a free loopback port, with the bench's own settings and
database and the bench-only URL conf (``bench.served_urls``), which adds two pages through
the same middleware: ``/bench/empty/``, the layout (``base.html``) with nothing in it, for the
logged-in user who asks (session, user, tenant context, context switcher, banner: what every
page pays), and ``/bench/floor/``, a plain "ok" (what the server and middleware alone cost).
Workers are never recycled during the bench (``WEB_MAX_REQUESTS=0``), so that their resident
memory tells whether it grows with the requests.

:func:`load` sends a fixed number of GETs from a few client threads (``http.client``, one
connection per request, as the sync workers close them), stopping early at a time cap, and
returns the latencies, any error, and the CPU time the server's workers spent meanwhile
(``/proc/PID/schedstat``). Nothing here fails on timing: only an error (a status other than
200, a refused connection) is a failure.
"""

from __future__ import annotations

import http.client
import io
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

PROJECT = Path(__file__).resolve().parent.parent
FLOOR_PATH = "/bench/floor/"
EMPTY_PATH = "/bench/empty/"
WORKERS = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """A URL for the database the bench itself uses (PostgreSQL: its ``test_`` database)."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


# --- what /proc says of a process ---------------------------------------------------------------


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (gunicorn's workers of its master)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(p) for p in text.split()]
    except OSError:
        pass
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time the process has run (user and system, all its threads), to the nanosecond where
    the kernel keeps schedstat, else to the clock tick."""
    try:
        return (
            sum(
                int((task / "schedstat").read_text().split()[0])
                for task in Path(f"/proc/{pid}/task").iterdir()
            )
            / 1e9
        )
    except (OSError, ValueError, IndexError):
        pass
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def rss_mib(pid: int) -> float:
    """Resident memory (VmRSS) of the process, in MiB; 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


class Endpoint:
    """Where the load goes: a host and a port on loopback (a :class:`Server` is one)."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port

    def get(self, path: str, cookies: dict[str, str] | None = None, timeout: float = 30):
        """One GET: (status, body)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            headers = {"Host": self.host}
            if cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def workers_cpu_seconds(self) -> float:
        """CPU time of the processes answering (0 when unknown: not a server of ours)."""
        return 0.0


class Server(Endpoint):
    """gunicorn serving the bench database; a context manager that stops it on exit."""

    def __init__(self, workers: int = WORKERS) -> None:
        super().__init__("127.0.0.1", free_port())
        self.workers = workers
        self.process: subprocess.Popen | None = None
        self.via = ""
        self.log = Path(os.environ["COMPTOIR_VAR_DIR"]) / "gunicorn.log"

    def __enter__(self) -> Server:
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "bench.served_settings",
                "DATABASE_URL": database_url(),
                "ALLOWED_HOSTS": "127.0.0.1",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT), env.get("PYTHONPATH")])),
                "WEB_MAX_REQUESTS": "0",  # no recycling: memory growth would show
            }
        )
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own server, no shell)
                self._command(env),
                cwd=PROJECT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _command(self, env: dict[str, str]) -> list[str]:
        """``comptoir serve`` after ``comptoir build``, as in production; bare gunicorn (same
        worker model) where this checkout has no ``serve`` command."""
        from django.core.management import call_command, get_commands

        if "serve" in get_commands():
            self.via = "comptoir serve"
            # The static files into the bench's own STATIC_ROOT, the .mo files if out of date.
            call_command("build", verbosity=0, stdout=io.StringIO())
            env.update(
                {"HOST": self.host, "PORT": str(self.port), "WEB_CONCURRENCY": str(self.workers)}
            )
            return [sys.executable, "-m", "comptoir", "serve"]
        self.via = "gunicorn"
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "comptoir.wsgi:application",
            "--bind",
            f"{self.host}:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--timeout",
            "30",
            "--log-level",
            "warning",
            "--no-control-socket",
        ]

    def _wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start: {self.tail()}")
            if b"Traceback" in self.log.read_bytes():  # a worker failed to boot
                raise RuntimeError(f"gunicorn could not load Comptoir: {self.tail()}")
            try:
                status, _body = self.get(FLOOR_PATH, timeout=2)
                if status == 200 and len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s: {self.tail()}")

    def worker_pids(self) -> list[int]:
        return children(self.process.pid) if self.process is not None else []

    def workers_cpu_seconds(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.worker_pids())

    def workers_rss_mib(self) -> list[float]:
        return [rss_mib(pid) for pid in self.worker_pids()]

    def tail(self) -> str:
        try:
            return " | ".join(self.log.read_text(errors="replace").strip().splitlines()[-5:])
        except OSError:
            return "(no log)"

    def __exit__(self, *exc) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@dataclass
class Load:
    """What bounded loads of one path gave: latencies (ms), errors, time, server CPU time.

    Loads of the same path add up (``+=``): the bench alternates a page and its empty page in
    rounds, and reports each path's total."""

    path: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu_seconds: float = 0.0
    capped: bool = False

    def __iadd__(self, other: Load) -> Load:
        self.latencies_ms += other.latencies_ms
        self.errors += other.errors
        self.seconds += other.seconds
        self.server_cpu_seconds += other.server_cpu_seconds
        self.capped = self.capped or other.capped
        return self

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def server_cpu_ms(self) -> float:
        """The workers' CPU time per request."""
        return self.server_cpu_seconds * 1000 / self.requests if self.requests else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(p) - 1]


def load(
    server: Endpoint,
    path: str,
    *,
    cookies: dict[str, str],
    requests: int,
    concurrency: int,
    time_cap: float,
    check: Callable[[bytes], str | None] | None = None,
) -> Load:
    """GET ``path`` ``requests`` times from ``concurrency`` threads, stopping at ``time_cap``.

    ``check(body)`` returns an error message for a wrong answer (run on the first one only,
    to keep the client's own cost low).
    """
    result = Load(path=path)
    lock = threading.Lock()
    issued = 0
    cpu_before = server.workers_cpu_seconds()
    started = time.perf_counter()
    deadline = started + time_cap

    def worker() -> None:
        nonlocal issued
        while True:
            with lock:
                if issued >= requests or result.errors:
                    return
                if time.perf_counter() > deadline:
                    result.capped = True
                    return
                issued += 1
                first = issued == 1
            begin = time.perf_counter()
            try:
                status, body = server.get(path, cookies)
            except OSError as error:
                with lock:
                    result.errors.append(f"{path}: {type(error).__name__}: {error}")
                return
            elapsed = (time.perf_counter() - begin) * 1000
            problem = None
            if status != 200:
                problem = f"{path} answered {status}"
            elif first and check is not None:
                problem = check(body)
            with lock:
                if problem:
                    result.errors.append(problem)
                    return
                result.latencies_ms.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    result.server_cpu_seconds = server.workers_cpu_seconds() - cpu_before
    return result
