#!/usr/bin/env python3
"""Production smoke: Comptoir as a deployer runs it, end to end, on 127.0.0.1 only.

    .venv/bin/python deploy/smoke/run.py        # .ci/run runs it ("production smoke")

From the working tree: ``comptoir build``; a fresh PostgreSQL database (``comptoir_smoke``,
dropped at the end; SMOKE_POSTGRES_URL points at the server, default
postgres://postgres@127.0.0.1:5432); ``migrate``, ``load-catalog``, a firm with its admin, a
client company and the demo's automation apps connected to it (deploy/smoke/seed.py); then,
each as its own process with COMPTOIR_MODE=production and LOG_FORMAT=json: ``comptoir serve``
(2 gunicorn workers), two ``db_worker``, two ``deliveries-worker`` and one
``deliveries-sweep``, next to a local SMTP server and the demo's HTTP receiver (signature
checked). Then, over HTTP like a browser: log
in (CSRF), open the home page and a tile, upload a bank statement (HTTPS app) and a purchase
invoice (e-mail apps) into the company's folders, wait until the receiver and the SMTP
server got them; /readyz must be green, /metrics must count the deliveries, every log line
of every process must be one JSON object, and the worker's line for the delivery must carry
the upload's request id. When ``comptoir backup`` and ``restore`` exist: back up, drop the
database and the media, restore onto the empty installation, serve again, and find the
document and its send history through the API.

Bounded: every wait has a deadline and the whole run stops after SMOKE_TIMEOUT seconds
(default 240). Every process it started is stopped on the way out, whatever happens.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
POSTGRES = os.environ.get("SMOKE_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = "comptoir_smoke"
EMAIL = "sophie.durand@cabinet-durand.test"
PASSWORD = "smoke-" + secrets.token_urlsafe(12)
TIMEOUT = float(os.environ.get("SMOKE_TIMEOUT", "240"))
STARTED = time.monotonic()


class SmokeFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"[smoke {time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailed(message)


def remaining() -> float:
    left = TIMEOUT - (time.monotonic() - STARTED)
    if left <= 0:
        raise SmokeFailed(f"the smoke run took more than {TIMEOUT:g} s")
    return left


def wait_until(what: str, probe, *, timeout: float) -> object:
    deadline = time.monotonic() + min(timeout, remaining())
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise SmokeFailed(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.25)


# --- the database ------------------------------------------------------------------------


def psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def fresh_database() -> None:
    psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    psql(f"CREATE DATABASE {DATABASE}")


# --- processes ---------------------------------------------------------------------------


class Processes:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.running: dict[str, subprocess.Popen] = {}

    def comptoir(self, *args: str, timeout: float = 120, stdin: str | None = None) -> str:
        result = subprocess.run(  # noqa: S603 - our own interpreter and command
            [PYTHON, "-m", "comptoir", *args],
            env=self.env,
            capture_output=True,
            text=True,
            input=stdin,
            timeout=min(timeout, remaining()),
            check=False,
        )
        name = re.sub(r"[^a-z-]", "", args[0])
        with (self.logs / f"run-{name}.err").open("a") as err:
            err.write(result.stderr)
        if result.returncode != 0:
            raise SmokeFailed(
                f"comptoir {' '.join(args[:3])} exited {result.returncode}:\n"
                + result.stderr[-3000:]
            )
        return result.stdout

    def start(self, name: str, *args: str) -> None:
        out = (self.logs / f"{name}.out").open("w")
        err = (self.logs / f"{name}.err").open("w")
        self.running[name] = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [PYTHON, "-m", "comptoir", *args],
            env=self.env,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )

    def assert_alive(self) -> None:
        for name, process in self.running.items():
            if process.poll() is not None:
                err = (self.logs / f"{name}.err").read_text()[-3000:]
                raise SmokeFailed(f"{name} stopped (exit {process.returncode}):\n{err}")

    def stop(self, *names: str) -> None:
        chosen = names or tuple(self.running)
        for name in chosen:
            process = self.running.get(name)
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for name in chosen:
            process = self.running.pop(name, None)
            if process is None:
                continue
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


# --- a browser, enough of one ----------------------------------------------------------------


class Browser:
    """HTTP/1.1 over loopback with its own cookie jar (the session cookie is Secure in
    production, which a standard jar would keep off plain http)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body: bytes | None = None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        sent = {"Host": f"127.0.0.1:{self.port}", "Accept-Language": "fr", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content

    def get(self, path: str, **headers):
        return self.request("GET", path, headers=headers)

    def follow(self, path: str, limit: int = 5):
        for _ in range(limit):
            status, headers, content = self.get(path)
            if status not in (301, 302, 303):
                return path, status, headers, content
            path = urlsplit(headers["location"]).path or "/"
        raise SmokeFailed(f"too many redirects from {path}")

    def csrf(self, path: str) -> str:
        status, _, content = self.get(path)
        check(status == 200, f"GET {path} answered {status}")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        check(match is not None, f"no CSRF token in {path}")
        return match.group(1).decode()

    def post_form(self, path: str, fields: dict[str, str], **headers):
        return self.request(
            "POST",
            path,
            body=urlencode(fields).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + path,
                **headers,
            },
        )

    def post_multipart(self, path: str, fields: dict[str, str], files, **headers):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for name, (filename, content, content_type) in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST",
            path,
            body=b"".join(parts),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Origin": self.origin,
                "Referer": self.origin + path,
                **headers,
            },
        )


# --- the run -------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def metric(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        if head.split("{")[0] != name:
            continue
        if all(f'{k}="{v}"' in head for k, v in labels.items()):
            return float(value)
    return None


def json_lines(logs: Path) -> tuple[int, list[dict]]:
    """Every line of every process's output as JSON; fails on the first that is not."""
    records = []
    for path in sorted(logs.glob("*")):
        if path.name.startswith("run-"):
            continue  # one-off commands (build, migrate...) print their own reports
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                raise SmokeFailed(f"{path.name}:{number} is not JSON: {line[:300]}") from None
            check(isinstance(record, dict), f"{path.name}:{number} is not a JSON object")
            check({"time", "level", "logger", "message"} <= set(record), f"{path.name}:{number}")
            records.append(record)
    return len(records), records


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="comptoir-smoke-"))
    var = work / "var"
    logs = work / "logs"
    logs.mkdir(parents=True)
    port = free_port()
    token = secrets.token_urlsafe(24)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COMPTOIR_", "DJANGO_", "DATABASE_", "EMAIL_", "PROMETHEUS_"))
    }
    env.update(
        COMPTOIR_MODE="production",
        DJANGO_SETTINGS_MODULE="comptoir.settings",
        COMPTOIR_VAR_DIR=str(var),
        SECRET_KEY=secrets.token_urlsafe(60),
        DATABASE_URL=f"{POSTGRES}/{DATABASE}",
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"http://127.0.0.1:{port}",
        SECURE_SSL_REDIRECT="off",
        LOG_FORMAT="json",
        DELIVERY_ALLOW_LOOPBACK="1",
        PORT=str(port),
        WEB_CONCURRENCY="2",
        METRICS_TOKEN=token,
        METRICS_DB_CACHE_SECONDS="0",
        PYTHONUNBUFFERED="1",
        TASKS_BACKEND="database",
    )
    processes = Processes(env, logs)
    os.environ.update(env)  # for the receivers below (they read the demo's wiring)
    sys.path.insert(0, str(ROOT / "src"))

    def on_signal(signum, frame):
        raise SmokeFailed(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    smtp = receiver = None
    database_created = False
    try:
        say(f"working in {work}")
        processes.comptoir("build", "--verbosity", "0")
        say("build: translations compiled, static files collected")
        fresh_database()
        database_created = True
        processes.comptoir("migrate", "-v0")
        processes.comptoir("load-catalog")
        say(f"database {DATABASE}: migrated, catalogue loaded")

        import django

        django.setup()
        from comptoir.demo import deliveries as demo
        from comptoir.demo.receiver import ReceiverServer
        from comptoir.demo.sinks import SmtpSink

        arrivals: list[str] = []
        smtp = SmtpSink()
        smtp_env = smtp.start(var_dir=work, notify=arrivals.append)
        receiver = ReceiverServer(
            ("127.0.0.1", 0),
            secret=demo.webhook_secret(var),  # the seed wires the apps with the same one
            folder=(work / "received"),
            notify=arrivals.append,
        )
        (work / "received").mkdir()
        import threading

        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        receiver_url = f"http://127.0.0.1:{receiver.server_address[1]}"
        env.update(smtp_env)
        say(f"SMTP server on {smtp.host}:{smtp.port}, HTTP receiver on {receiver_url}")

        seeded = json.loads(_seed(processes, env, receiver_url))
        check(seeded["connections"] >= 1 and seeded["moved"] >= 1, f"seed: {seeded}")
        api_key = processes.comptoir("create-token", EMAIL, "--name", "smoke").strip()
        say(f"seeded: {seeded}")

        processes.comptoir("serve", "--check")
        processes.start("web", "serve")
        processes.start("worker-1", "db_worker", "--worker-id", "smoke-1", "--interval", "0.5")
        processes.start("worker-2", "db_worker", "--worker-id", "smoke-2", "--interval", "0.5")
        processes.start("deliveries-1", "deliveries-worker")
        processes.start("deliveries-2", "deliveries-worker")
        processes.start("sweep", "deliveries-sweep", "--every", "2")
        browser = Browser(port)

        def healthy():
            processes.assert_alive()
            try:
                return browser.get("/healthz")[0] == 200
            except OSError:
                return False

        wait_until("comptoir serve to answer /healthz", healthy, timeout=60)

        def ready():
            processes.assert_alive()
            status, _, content = browser.get("/readyz")
            return json.loads(content) if status == 200 else None

        wait_until("/readyz to turn green", ready, timeout=30)
        say("serve, 2 workers and the sweep are up; /readyz is green")

        # Log in like a browser: the form's CSRF token, then the session.
        token_field = browser.csrf("/connexion/")
        login_page = browser.get("/connexion/")[2]
        field = "login" if b'name="login"' in login_page else "username"  # allauth or Django's
        status, headers, _ = browser.post_form(
            "/connexion/",
            {field: EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": token_field},
        )
        check(status == 302, f"log-in answered {status}")
        home_path, status, _, home = browser.follow(headers["location"])
        check(status == 200, f"home {home_path} answered {status}")
        tiles = re.findall(rb'href="(/apps/\d+/open/?)"', home)
        check(bool(tiles), f"no tile on the home page {home_path}")
        status, headers, _ = browser.get(tiles[0].decode())
        check(status == 302 and headers["location"].startswith("http"), f"tile: {status}")
        say(
            f"logged in; home {home_path} has {len(tiles)} tile(s); "
            f"a tile opens {headers['location']}"
        )

        # Upload into connected folders: bank statement → HTTPS app; purchase → e-mail apps.
        documents_path = f"/cabinet/clients/{seeded['company']}/documents/"
        request_id = f"smoke-upload-{secrets.token_hex(4)}"
        for folder, name in (("banque", "releve-avril.pdf"), ("achats", "facture-farine.pdf")):
            token_field = browser.csrf(documents_path)
            status, headers, content = browser.post_multipart(
                documents_path,
                {"folder": folder, "csrfmiddlewaretoken": token_field, "title": name},
                {"file": (name, demo.pdf_bytes(name), "application/pdf")},
                **({"X-Request-ID": request_id} if folder == "banque" else {}),
            )
            check(status == 302, f"upload into {folder} answered {status}: {content[:300]!r}")
        say("uploaded a bank statement and a purchase invoice")

        received = wait_until(
            "the HTTP receiver to get the bank statement",
            lambda: processes.assert_alive() or list((work / "received").glob("*releve*")),
            timeout=45,
        )
        mails = wait_until(
            "the SMTP server to get the purchase invoice",
            lambda: processes.assert_alive() or list((work / "mail").glob("*.eml")),
            timeout=45,
        )
        check(received[0].read_bytes().startswith(b"%PDF"), "the receiver did not get the PDF")
        say(f"delivered: {received[0].name} over HTTPS API, {len(mails)} e-mail(s) over SMTP")

        status, _, content = browser.get("/readyz")
        check(status == 200, f"/readyz after the deliveries: {status} {content[:300]!r}")
        status, _, content = browser.get("/metrics")
        check(status == 403, f"/metrics without the token answered {status}")
        status, _, content = browser.get("/metrics", Authorization=f"Bearer {token}")
        check(status == 200, f"/metrics answered {status}")
        text = content.decode()

        def sent_count():
            _, _, body = browser.get("/metrics", Authorization=f"Bearer {token}")
            value = metric(body.decode(), "comptoir_deliveries", status="sent") or 0
            return value >= 1 + len(mails) and body.decode()

        text = wait_until("/metrics to count the deliveries as sent", sent_count, timeout=30)
        https_sent = metric(
            text, "comptoir_delivery_attempts_total", outcome="sent", transport="https"
        )
        check(bool(https_sent), "no sent HTTPS attempt in /metrics")
        check(
            metric(text, "django_http_responses_total_by_status_view_method_total") is not None,
            "no request metrics",
        )
        say(
            f"/metrics: {metric(text, 'comptoir_deliveries', status='sent'):g} sent, "
            f"{https_sent:g} HTTPS attempt(s) sent"
        )

        def median_ms(path: str, times: int, **headers) -> float:
            spent = []
            for _ in range(times):
                started = time.perf_counter()
                browser.get(path, **headers)
                spent.append((time.perf_counter() - started) * 1000)
            return sorted(spent)[len(spent) // 2]

        say(
            f"median over loopback: /healthz {median_ms('/healthz', 20):.1f} ms, "
            f"/readyz {median_ms('/readyz', 20):.1f} ms, /metrics "
            f"{median_ms('/metrics', 10, Authorization=f'Bearer {token}'):.1f} ms"
        )

        backup_archive = None
        has_backup = "backup" in processes.comptoir("help", "--commands").split()
        if has_backup:
            out = processes.comptoir("backup", "--output", str(work / "backups"))
            backup_archive = out.strip().splitlines()[-1].strip()
            check(Path(backup_archive).exists(), f"backup printed {backup_archive!r}")
            say(f"backup: {backup_archive}")

        processes.stop()
        count, records = json_lines(logs)
        carried = [
            r
            for r in records
            if r.get("request_id") == request_id
            and r["logger"] in ("comptoir.deliveries.worker", "comptoir.deliveries.tasks")
        ]
        check(bool(carried), f"no worker log line carries the upload's request id {request_id}")
        check(
            any(
                r.get("request_id") == request_id and r["logger"] == "gunicorn.access"
                for r in records
            ),
            "the access log has no line with the upload's request id",
        )
        say(f"{count} log lines, every one a JSON object; the worker's: {carried[0]['message']!r}")

        if not has_backup:
            say("comptoir backup is not there yet: backup and restore skipped")
            return 0

        # Restore onto an empty installation: a fresh database and no media.
        fresh_database()
        shutil.rmtree(var / "media", ignore_errors=True)
        processes.comptoir("restore", backup_archive)
        processes.start("web", "serve")
        wait_until("comptoir serve after the restore", healthy, timeout=60)
        api = Browser(port)
        bearer = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
        status, _, content = api.get(f"/api/v1/companies/{seeded['company']}/documents", **bearer)
        check(status == 200, f"documents after restore: {status} {content[:300]!r}")
        items = json.loads(content)["items"]
        statement = next((d for d in items if d.get("title") == "releve-avril.pdf"), None)
        check(statement is not None, f"the bank statement is not back: {items}")
        status, _, content = api.get(
            f"/api/v1/documents/{statement['id']}/versions/1/deliveries", **bearer
        )
        check(status == 200, f"send history after restore: {status}")
        history = json.loads(content)
        history = history.get("items", history) if isinstance(history, dict) else history
        check(any(d.get("status") == "sent" for d in history), f"send history: {history}")
        status, _, content = api.get(
            f"/api/v1/documents/{statement['id']}/versions/1/file", **bearer
        )
        check(status == 200 and content.startswith(b"%PDF"), f"file after restore: {status}")
        say("restored onto an empty database: the document, its file and its send history are back")
        processes.stop()
        return 0
    except Exception as failure:  # SmokeFailed, or a bug: the same report, and cleanup
        say(f"FAILED: {type(failure).__name__}: {failure}")
        for path in sorted(logs.glob("*.err")):
            tail = path.read_text()[-1500:]
            if tail.strip():
                print(f"--- {path.name} (end) ---\n{tail}", flush=True)
        return 1
    finally:
        processes.stop()
        if receiver is not None:
            receiver.shutdown()
            receiver.server_close()
        if smtp is not None:
            smtp.stop()
        if database_created:
            try:
                from django.db import connections

                connections.close_all()
                psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            except Exception as error:  # the run's outcome matters more than the cleanup
                say(f"could not drop {DATABASE}: {error}")
        if os.environ.get("SMOKE_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)
        say(f"done in {time.monotonic() - STARTED:.0f} s")


def _seed(processes: Processes, env: dict[str, str], receiver_url: str) -> str:
    processes.env = {
        **env,
        "SMOKE_RECEIVER_URL": receiver_url,
        "SMOKE_EMAIL": EMAIL,
        "SMOKE_PASSWORD": PASSWORD,
    }
    try:
        out = processes.comptoir("shell", "-c", (ROOT / "deploy" / "smoke" / "seed.py").read_text())
    finally:
        processes.env = env
    return [line for line in out.splitlines() if line.startswith("{")][-1]


if __name__ == "__main__":
    sys.exit(main())
