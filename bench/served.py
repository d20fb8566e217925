"""Served pages: the bench's database behind a real gunicorn on 127.0.0.1, and a bounded load.

:class:`Server` builds (``comptoir build``) and starts ``comptoir serve`` (gunicorn, 2 sync
workers) as a child process on a free loopback port, with the bench's own settings and
database and the bench-only URL conf (``bench.served_urls``) that adds the floor: a trivial
view through the same middleware.
:func:`load` sends a fixed number of GETs from a few client threads, stopping early at a time
cap, and returns the latencies and any error. Nothing here fails on timing: only an error (a
status other than 200, a refused connection) is a failure.
"""

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

import httpx

PROJECT = Path(__file__).resolve().parent.parent
FLOOR_PATH = "/bench/floor/"
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


class Server:
    """gunicorn serving the bench database; a context manager that stops it on exit."""

    def __init__(self, workers: int = WORKERS) -> None:
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.via = ""
        self.log = Path(os.environ["COMPTOIR_VAR_DIR"]) / "gunicorn.log"

    def __enter__(self) -> "Server":
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "bench.served_settings",
                "DATABASE_URL": database_url(),
                "ALLOWED_HOSTS": "127.0.0.1",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT), env.get("PYTHONPATH")])),
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
        self._wait_until_ready()
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
                {"HOST": "127.0.0.1", "PORT": str(self.port), "WEB_CONCURRENCY": str(self.workers)}
            )
            return [sys.executable, "-m", "comptoir", "serve"]
        self.via = "gunicorn"
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "comptoir.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
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

    def _wait_until_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start: {self.tail()}")
            if b"Traceback" in self.log.read_bytes():  # a worker failed to boot
                raise RuntimeError(f"gunicorn could not load Comptoir: {self.tail()}")
            try:
                if httpx.get(self.base + FLOOR_PATH, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s: {self.tail()}")

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
    """What one bounded load gave: latencies (ms) of the answered requests, errors, time."""

    path: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    capped: bool = False

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(p) - 1]


def load(
    server: Server,
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
    started = time.perf_counter()
    deadline = started + time_cap

    def worker() -> None:
        nonlocal issued
        with httpx.Client(base_url=server.base, cookies=cookies, timeout=30) as client:
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
                    response = client.get(path)
                except httpx.HTTPError as error:
                    with lock:
                        result.errors.append(f"{path}: {type(error).__name__}: {error}")
                    return
                elapsed = (time.perf_counter() - begin) * 1000
                problem = None
                if response.status_code != 200:
                    problem = f"{path} answered {response.status_code}"
                elif first and check is not None:
                    problem = check(response.content)
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
    return result
