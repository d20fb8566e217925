"""``comptoir serve`` refuses to start, in one line, what would only serve 500s; ``comptoir
build`` makes what it needs; started for real, gunicorn answers and logs JSON."""

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from comptoir.demo.sinks import free_port
from comptoir.ops import preflight
from tests.subprocess_env import clean_env, run_comptoir

KEY = secrets.token_urlsafe(60)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A production installation's var/: static files built, database migrated."""
    var = tmp_path_factory.mktemp("serve") / "var"
    env = clean_env(var, SECRET_KEY=KEY, DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}")
    build = run_comptoir("build", "--verbosity", "0", env={**env, "SECRET_KEY": ""})
    assert build.returncode == 0, build.stderr
    assert (var / "static" / "staticfiles.json").is_file()
    return env


def test_serve_refuses_to_start_without_the_static_files(tmp_path):
    env = clean_env(tmp_path / "var", SECRET_KEY=KEY)

    result = run_comptoir("serve", "--check", env=env)

    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"comptoir serve: the static files are not collected (no {tmp_path}/var/static/"
        "staticfiles.json): run `comptoir build` first (once per release)."
    )


def test_serve_refuses_to_start_with_migrations_not_applied(built):
    result = run_comptoir("serve", "--check", env=built)

    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("comptoir serve: ")
    assert "database migration(s) not applied (first: " in line
    assert line.endswith("run `comptoir migrate` first.")


def test_serve_refuses_to_start_when_the_database_does_not_answer(built):
    env = {**built, "DATABASE_URL": "postgres://comptoir@127.0.0.1:9/comptoir"}

    result = run_comptoir("serve", "--check", env=env)

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "comptoir serve: the postgresql database does not answer (OperationalError): "
        "check DATABASE_URL and that the server is up."
    )


def test_serve_refuses_to_start_with_translations_not_compiled(settings, tmp_path):
    messages = tmp_path / "locale" / "fr" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "django.po").write_text('msgid ""\nmsgstr ""\n')
    settings.LOCALE_PATHS = [tmp_path / "locale"]

    problem = preflight.translations_problem()

    assert problem == (
        f"the translations are not compiled (no {messages / 'django.mo'}): "
        "run `comptoir build` first (once per release)."
    )
    (messages / "django.mo").write_bytes(b"")
    os.utime(messages / "django.mo", (1, 1))  # older than the .po: out of date
    assert "the translations are out of date" in preflight.translations_problem()


def _get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_serve_starts_gunicorn_that_answers_and_logs_json(built):
    migrate = run_comptoir("migrate", "-v0", env=built)
    assert migrate.returncode == 0, migrate.stderr
    port = free_port()
    env = {
        **built,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "LOG_FORMAT": "json",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "off",
        "METRICS_TOKEN": "scrape",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "comptoir", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert server.poll() is None, server.communicate()
                assert time.monotonic() < deadline, "comptoir serve did not answer in 30 s"
                time.sleep(0.2)
        login = _get(f"http://127.0.0.1:{port}/connexion/", **{"X-Request-ID": "probe-42"})
        # the login page's stylesheet, from the manifest, served by whitenoise
        css = [part.split('"')[0] for part in login[2].decode().split('href="/static/')[1:]]
        static = _get(f"http://127.0.0.1:{port}/static/{css[0]}")
        metrics = _get(f"http://127.0.0.1:{port}/metrics", Authorization="Bearer scrape")
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)

    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert login[0] == 200 and login[1]["X-Request-ID"] == "probe-42"
    assert static[0] == 200 and "immutable" in static[1].get("Cache-Control", "")
    assert metrics[0] == 200 and b"django_http_responses_total_by_status_view_method" in metrics[2]
    access = [json.loads(line) for line in out.splitlines()]  # every line is JSON
    assert {"message": "GET /connexion/ 200", "request_id": "probe-42"}.items() <= next(
        line for line in access if line.get("path") == "/connexion/"
    ).items()
    errors = [json.loads(line) for line in err.splitlines()]
    assert any(line["message"].startswith("Listening at: http://127.0.0.1:") for line in errors)
    assert server.returncode == 0
