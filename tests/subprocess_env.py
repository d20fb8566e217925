"""Run ``comptoir`` (or the settings module) in a child process with a chosen environment.

The test process's own environment says ``COMPTOIR_MODE=test`` and names the test settings;
these helpers start from the machine's environment without any of Comptoir's variables, so
that each test states exactly the environment it is about, and nothing leaks between tests.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

# Every variable settings.py reads, so that the developer's shell cannot change the outcome.
SETTINGS_VARIABLES = {
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DEBUG",
    "DEFAULT_FROM_EMAIL",
    "FIELD_ENCRYPTION_KEY",
    "INVITATION_VALID_DAYS",
    "LOG_LEVEL",
    "MEDIA_ROOT",
    "REDIS_URL",
    "SECRET_KEY",
    "SECURE_HSTS_SECONDS",
    "SECURE_SSL_REDIRECT",
    "SITE_URL",
    "STATIC_ROOT",
    "TASKS_BACKEND",
    "TRUSTED_PROXIES",
    "PASSWORD_RESET_TIMEOUT",
    "LOGIN_FAILURE_LIMITS",
    "API_TOKEN_FAILURE_LIMIT",
}
SETTINGS_VARIABLES |= {"ADMINS", "BIND", "HOST", "LOG_FORMAT", "PORT", "PROMETHEUS_MULTIPROC_DIR"}
SETTINGS_PREFIXES = (
    *("COMPTOIR_", "DJANGO_", "EMAIL_", "DELIVERY_", "DOCUMENT_", "S3_"),
    *("METRICS_", "READY_", "SENTRY_", "WEB_", "SESSION_"),
)


def clean_env(var_dir: Path, **variables: str) -> dict[str, str]:
    """The machine's environment minus Comptoir's variables, plus ``variables``.

    ``var_dir`` becomes COMPTOIR_VAR_DIR so that nothing is written to the project's var/.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in SETTINGS_VARIABLES and not key.startswith(SETTINGS_PREFIXES)
    }
    env["DJANGO_SETTINGS_MODULE"] = "comptoir.settings"
    env["COMPTOIR_VAR_DIR"] = str(var_dir)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(variables)
    return env


def run_comptoir(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "comptoir", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


_READ_SETTINGS = """
import importlib, json, sys
try:
    module = importlib.import_module("comptoir.settings")
except Exception as error:
    print(json.dumps({"error": type(error).__name__, "message": str(error)}))
else:
    print(json.dumps({name: getattr(module, name, None) for name in sys.argv[1:]}, default=str))
"""


def read_settings(env: dict[str, str], *names: str) -> dict:
    """Import comptoir.settings in a child process; the values asked for, or the error."""
    result = subprocess.run(
        [sys.executable, "-c", _READ_SETTINGS, *names],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])
