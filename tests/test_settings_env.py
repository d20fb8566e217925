"""Settings come from the environment: each case imports them in a child process."""

import secrets
import stat

import pytest

from tests.subprocess_env import clean_env, read_settings, run_comptoir

PRODUCTION_KEY = secrets.token_urlsafe(60)


@pytest.fixture
def var_dir(tmp_path):
    return tmp_path / "var"


def test_production_refuses_to_start_without_secret_key(var_dir):
    result = run_comptoir("check", env=clean_env(var_dir))

    assert result.returncode != 0
    assert "SECRET_KEY is not set. Set it in the environment" in result.stderr
    assert not var_dir.exists(), "production must not generate a key of its own"


def test_source_tree_commands_need_no_secret_key(var_dir):
    # makemigrations --check runs in every checkout (and in the team's before-stop hook)
    result = run_comptoir("makemigrations", "--check", "--dry-run", env=clean_env(var_dir))

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_check_deploy_is_clean_with_production_settings(var_dir):
    env = clean_env(var_dir, SECRET_KEY=PRODUCTION_KEY, ALLOWED_HOSTS="comptoir.example.com")

    result = run_comptoir("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_defaults_are_strict(var_dir):
    env = clean_env(var_dir, SECRET_KEY=PRODUCTION_KEY, ALLOWED_HOSTS="a.example, b.example")

    values = read_settings(
        env, "DEBUG", "ALLOWED_HOSTS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECRET_KEY"
    )

    assert values == {
        "DEBUG": False,
        "ALLOWED_HOSTS": ["a.example", "b.example"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECRET_KEY": PRODUCTION_KEY,
    }


def test_unknown_mode_is_refused_with_the_choices(var_dir):
    values = read_settings(clean_env(var_dir, COMPTOIR_MODE="staging"), "DEBUG")

    assert values["error"] == "ImproperlyConfigured"
    assert "production, demo or test" in values["message"]


def test_demo_generates_a_secret_key_into_var_and_keeps_it(var_dir):
    env = clean_env(var_dir, COMPTOIR_MODE="demo")

    first = read_settings(env, "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS")
    second = read_settings(env, "SECRET_KEY")

    key_file = var_dir / "secret_key"
    assert first["SECRET_KEY"] == second["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first["SECRET_KEY"]) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first["DEBUG"] is False  # the demo shows the product's error pages
    assert "127.0.0.1" in first["ALLOWED_HOSTS"]


def test_debug_can_be_switched_on_in_demo(var_dir):
    values = read_settings(clean_env(var_dir, COMPTOIR_MODE="demo", DEBUG="1"), "DEBUG")

    assert values["DEBUG"] is True


def test_database_defaults_to_sqlite_in_var_with_wal(var_dir):
    values = read_settings(clean_env(var_dir, COMPTOIR_MODE="demo"), "DATABASES")

    default = values["DATABASES"]["default"]
    assert default["ENGINE"] == "django.db.backends.sqlite3"
    assert default["NAME"] == str(var_dir / "comptoir.sqlite3")
    assert "journal_mode=WAL" in default["OPTIONS"]["init_command"]


def test_database_url_selects_postgresql(var_dir):
    env = clean_env(
        var_dir,
        COMPTOIR_MODE="demo",
        DATABASE_URL="postgres://comptoir:secret@db.internal:5433/comptoir_prod",
    )

    default = read_settings(env, "DATABASES")["DATABASES"]["default"]

    assert default["ENGINE"] == "django.db.backends.postgresql"
    assert (default["NAME"], default["HOST"], default["PORT"]) == (
        "comptoir_prod",
        "db.internal",
        5433,
    )
    assert (default["USER"], default["PASSWORD"]) == ("comptoir", "secret")


def test_email_settings_come_from_the_environment(var_dir):
    env = clean_env(
        var_dir,
        COMPTOIR_MODE="demo",
        EMAIL_HOST="smtp.example.com",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="true",
        EMAIL_HOST_USER="mailer",
        DEFAULT_FROM_EMAIL="Cabinet <no-reply@example.com>",
    )

    values = read_settings(
        env,
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_USE_TLS",
        "EMAIL_HOST_USER",
        "DEFAULT_FROM_EMAIL",
    )

    assert values == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_USE_TLS": True,
        "EMAIL_HOST_USER": "mailer",
        "DEFAULT_FROM_EMAIL": "Cabinet <no-reply@example.com>",
    }
