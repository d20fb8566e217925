"""/healthz answers while the process runs; /readyz says whether everything it needs is there."""

import json
import sqlite3
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from comptoir.deliveries.models import Delivery
from comptoir.ops import heartbeat
from comptoir.ops.models import Heartbeat
from tests.deliveries.connections import connect_https, upload
from tests.subprocess_env import clean_env, run_comptoir

pytestmark = pytest.mark.usefixtures("storage_ok")


def test_healthz_answers_without_login_or_database(client):
    response = client.get("/healthz")  # no db fixture: a query would fail the test

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_probes_ignore_the_host_check_and_the_https_redirect(client, settings, swept):
    # A load balancer probes by IP address over plain HTTP.
    settings.ALLOWED_HOSTS = ["portal.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/connexion/", HTTP_HOST="10.1.2.3:8000").status_code == 400


def test_readyz_is_green_when_everything_is_there(client, swept):
    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "migrations": "ok",
            "storage": "ok",
            "cache": "ok",
            "deliveries_sweep": "ok",
            "deliveries_overdue": "ok",
        },
    }


def test_readyz_is_red_when_the_sweep_never_ran(client, db):
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["deliveries_sweep"] == "the deliveries sweep has never run"
    assert body["checks"]["database"] == "ok"


def test_readyz_is_red_when_the_sweep_stopped(client, settings, swept):
    settings.READY_SWEEP_MAX_AGE_SECONDS = 300
    Heartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=6))

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["deliveries_sweep"].startswith(
        "the deliveries sweep last ran 36"
    )


def test_the_sweep_command_records_its_pass(db):
    from django.core.management import call_command

    assert heartbeat.last_beat(heartbeat.SWEEP) is None
    call_command("deliveries-sweep", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115

    last = heartbeat.last_beat(heartbeat.SWEEP)
    assert last is not None and timezone.now() - last < timedelta(seconds=5)


def test_readyz_is_red_when_a_delivery_is_overdue(
    client, settings, swept, firm_admin, company, http_server, allow_loopback
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.READY_DELIVERY_OVERDUE_SECONDS = 600
    connect_https(company, http_server.url())
    upload(firm_admin, company)  # queued, and no worker ever runs it
    assert client.get("/readyz").status_code == 200  # due just now: not overdue yet

    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=11))
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["deliveries_overdue"] == "deliveries due for more than 600 s"


def test_a_red_probe_is_not_reported_as_a_server_error(client, db, settings):
    from django.core import mail

    mail.outbox = []
    settings.ADMINS = [("Ops", "ops@example.com")]
    settings.DEBUG = False

    assert client.get("/readyz").status_code == 503
    assert mail.outbox == []  # no e-mail to ADMINS at every probe


_READYZ = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/readyz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def _readyz_in_child(env) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _READYZ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_readyz_is_red_when_the_database_is_unreachable(tmp_path):
    # Nothing listens on port 9 of 127.0.0.1: the connection is refused at once.
    env = clean_env(
        tmp_path / "var",
        COMPTOIR_MODE="test",
        DATABASE_URL="postgres://comptoir@127.0.0.1:9/comptoir",
        MEDIA_ROOT=str(tmp_path / "media"),
    )

    answer = _readyz_in_child(env)

    assert answer["status"] == 503
    checks = answer["body"]["checks"]
    assert checks["database"] == "database unreachable"
    assert checks["storage"] == "ok"
    assert checks["deliveries_sweep"] == "skipped: database unreachable"
    assert "127.0.0.1" not in json.dumps(answer["body"])  # nothing about where it lives


def test_readyz_turns_red_once_the_sweep_process_stops(tmp_path):
    env = clean_env(
        tmp_path / "var",
        COMPTOIR_MODE="test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        READY_SWEEP_MAX_AGE_SECONDS="120",
    )
    assert run_comptoir("migrate", "-v0", env=env).returncode == 0
    swept = run_comptoir("deliveries-sweep", "--once", env=env)
    assert swept.returncode == 0, swept.stderr

    first = _readyz_in_child(env)
    assert first["status"] == 200, json.dumps(first["body"]["checks"])
    # Two minutes without a sweep, without waiting them (a busy machine takes seconds to
    # start a child, so a short real wait would race): the heartbeat is moved back in time.
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        aged = db.execute(
            "UPDATE ops_heartbeat SET beat_at = datetime(beat_at, '-121 seconds')"
        ).rowcount
    assert aged == 1
    answer = _readyz_in_child(env)

    assert answer["status"] == 503
    assert answer["body"]["checks"]["deliveries_sweep"].startswith("the deliveries sweep last ran")
