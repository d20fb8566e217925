"""Background work: which backend the settings choose, and real workers sending real e-mail.

The end-to-end cases run Comptoir in child processes against an SQLite file, enqueue an
invitation e-mail, run a worker (``db_worker``, or ``rqworker`` on Redis) and check that the
message reaches a real SMTP server: the demo's SMTP sink, an aiosmtpd server.
"""

import os
import shutil
import socket
from email import message_from_bytes, policy
from urllib.parse import urlparse

import pytest
from django.conf import settings

from comptoir.demo.sinks import SmtpSink
from tests.subprocess_env import clean_env, read_settings, run_comptoir

REDIS_URL = os.environ.get("COMPTOIR_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
SITE_URL = "http://comptoir.test:8123"
INVITED = "alice.martin@boulangerie.test"


# --- which backend ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["production", "demo"])
def test_database_backend_by_default(tmp_path, mode):
    env = clean_env(tmp_path, COMPTOIR_MODE=mode, SECRET_KEY="k" * 60)

    values = read_settings(env, "TASKS", "INSTALLED_APPS")

    assert values["TASKS"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert "django_tasks_db" in values["INSTALLED_APPS"]
    assert "django_rq" not in values["INSTALLED_APPS"]


def test_rq_backend_when_asked_with_a_redis_url(tmp_path):
    env = clean_env(
        tmp_path, COMPTOIR_MODE="demo", TASKS_BACKEND="rq", REDIS_URL="redis://cache:6379/2"
    )

    values = read_settings(env, "TASKS", "INSTALLED_APPS", "RQ_QUEUES")

    assert values["TASKS"]["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    assert "django_rq" in values["INSTALLED_APPS"]
    assert values["RQ_QUEUES"]["default"]["URL"] == "redis://cache:6379/2"


def test_rq_backend_without_redis_url_says_what_is_missing(tmp_path):
    values = read_settings(clean_env(tmp_path, COMPTOIR_MODE="demo", TASKS_BACKEND="rq"), "TASKS")

    assert values["error"] == "ImproperlyConfigured"
    assert "TASKS_BACKEND=rq needs REDIS_URL" in values["message"]


def test_unknown_backend_is_refused_with_the_choices(tmp_path):
    env = clean_env(tmp_path, COMPTOIR_MODE="demo", TASKS_BACKEND="celery")

    values = read_settings(env, "TASKS")

    assert values["error"] == "ImproperlyConfigured"
    assert "database, rq or immediate" in values["message"]


def test_immediate_backend_in_test_mode(tmp_path):
    values = read_settings(clean_env(tmp_path, COMPTOIR_MODE="test"), "TASKS")

    immediate = "django_tasks.backends.immediate.ImmediateBackend"
    assert values["TASKS"]["default"]["BACKEND"] == immediate
    assert settings.TASKS["default"]["BACKEND"] == immediate  # and in this very test run


# --- real workers -------------------------------------------------------------------------

ENQUEUE_INVITATION = f"""
from comptoir.companies.invitations import company_member_invite
from comptoir.companies.services import company_create
from comptoir.firms.services import firm_create

firm = firm_create(name="Cabinet Worker")
company = company_create(actor=None, firm=firm, name="Boulangerie du Test")
company_member_invite(actor=None, company=company, email="{INVITED}", role="invite")
"""

INVITATION_STATE = """
from comptoir.accounts.models import Invitation
invitation = Invitation.objects.get()
print("link issued" if invitation.token_hash else "no link")
"""


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory):
    """An SQLite file with every migration applied, made once and copied by each test."""
    folder = tmp_path_factory.mktemp("migrated")
    env = clean_env(folder, COMPTOIR_MODE="demo", DATABASE_URL=f"sqlite:///{folder}/db.sqlite3")
    result = run_comptoir("migrate", "--verbosity", "0", env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    return folder / "db.sqlite3"


@pytest.fixture
def mail_sink(tmp_path):
    sink = SmtpSink()
    notices: list[str] = []
    sink.start(var_dir=tmp_path / "sink", notify=notices.append)
    sink.notices = notices
    yield sink
    sink.stop()


def worker_env(tmp_path, migrated_database, mail_sink, **variables):
    database = tmp_path / "db.sqlite3"
    shutil.copy(migrated_database, database)
    return clean_env(
        tmp_path / "var",
        COMPTOIR_MODE="demo",
        DATABASE_URL=f"sqlite:///{database}",
        SITE_URL=SITE_URL,
        EMAIL_HOST=mail_sink.host,
        EMAIL_PORT=str(mail_sink.port),
        **variables,
    )


def assert_invitation_delivered(mail_sink, env):
    messages = sorted(mail_sink.folder.glob("*.eml"))
    assert len(messages) == 1, mail_sink.notices
    message = message_from_bytes(messages[0].read_bytes(), policy=policy.default)
    assert message["To"] == INVITED
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert f"{SITE_URL}/invitation/" in body
    subject = " ".join(message["Subject"].split())
    assert mail_sink.notices == [f"e-mail to {INVITED}: “{subject}” → {messages[0]}"]
    state = run_comptoir("shell", "--no-imports", "-c", INVITATION_STATE, env=env)
    assert state.stdout.strip() == "link issued", state.stderr


def test_db_worker_sends_the_invitation_email(tmp_path, migrated_database, mail_sink):
    env = worker_env(tmp_path, migrated_database, mail_sink)
    enqueued = run_comptoir("shell", "--no-imports", "-c", ENQUEUE_INVITATION, env=env)
    assert enqueued.returncode == 0, enqueued.stderr
    assert not list(mail_sink.folder.glob("*.eml")), "nothing is sent before the worker runs"

    worker = run_comptoir(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", env=env, timeout=120
    )

    assert worker.returncode == 0, worker.stderr
    assert_invitation_delivered(mail_sink, env)
    results = run_comptoir(
        "shell",
        "--no-imports",
        "-c",
        "from django_tasks_db.models import DBTaskResult;"
        "print([(r.task_path, r.status) for r in DBTaskResult.objects.all()])",
        env=env,
    )
    assert results.stdout.strip() == "[('comptoir.accounts.tasks.send_invitation', 'SUCCESSFUL')]"


def redis_answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def test_rq_worker_sends_the_invitation_email(tmp_path, migrated_database, mail_sink):
    if not redis_answers(REDIS_URL):
        if os.environ.get("CI"):
            pytest.fail(f"Redis does not answer at {REDIS_URL}: .ci/run should have started it")
        pytest.skip(f"Redis does not answer at {REDIS_URL} (start redis-server to run this)")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # the test's own Redis database (14)
    env = worker_env(
        tmp_path, migrated_database, mail_sink, TASKS_BACKEND="rq", REDIS_URL=REDIS_URL
    )
    enqueued = run_comptoir("shell", "--no-imports", "-c", ENQUEUE_INVITATION, env=env)
    assert enqueued.returncode == 0, enqueued.stderr

    worker = run_comptoir(
        "rqworker", "default", "--burst", "--job-class", "django_tasks_rq.backend.Job", env=env
    )

    assert worker.returncode == 0, worker.stderr
    assert_invitation_delivered(mail_sink, env)
