"""A bad environment variable stops every command with one line naming it and what it expects."""

import pytest

from tests.subprocess_env import clean_env, read_settings, run_comptoir


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "DOCUMENT_MAX_UPLOAD_BYTES",
            "abc",
            "DOCUMENT_MAX_UPLOAD_BYTES must be a whole number of bytes of at least 1, not 'abc'.",
        ),
        (
            "DOCUMENT_MAX_UPLOAD_BYTES",
            "0",
            "DOCUMENT_MAX_UPLOAD_BYTES must be a whole number of bytes of at least 1, not 0.",
        ),
        ("EMAIL_PORT", "smtp", "EMAIL_PORT must be a whole number from 1 to 65535, not 'smtp'."),
        ("EMAIL_PORT", "70000", "EMAIL_PORT must be a whole number from 1 to 65535, not 70000."),
        (
            "INVITATION_VALID_DAYS",
            "7.5",
            "INVITATION_VALID_DAYS must be a whole number of days of at least 1, not '7.5'.",
        ),
        (
            "DEBUG",
            "maybe",
            "DEBUG must be on or off (1/0, true/false, yes/no), not 'maybe'.",
        ),
        (
            "METRICS_ALLOWED_IPS",
            "10.0.0.0/8, intranet",
            "METRICS_ALLOWED_IPS must list IP addresses or networks (10.0.0.0/8, 127.0.0.1), "
            "not 'intranet'.",
        ),
        (
            "READY_SWEEP_MAX_AGE_SECONDS",
            "5m",
            "READY_SWEEP_MAX_AGE_SECONDS must be a whole number of seconds of at least 1, "
            "not '5m'.",
        ),
        (
            "ADMINS",
            "Jeanne Martin",
            "ADMINS must list e-mail addresses, e.g. 'Jeanne Martin <jeanne@example.com>, "
            "ops@example.com', not 'Jeanne Martin'.",
        ),
    ],
)
def test_a_bad_value_names_the_variable_in_one_line(tmp_path, variable, value, message):
    env = clean_env(tmp_path / "var", COMPTOIR_MODE="test", **{variable: value})

    result = run_comptoir("check", env=env)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"comptoir: {message}"]  # no traceback


def test_gunicorn_settings_name_the_variable_too(tmp_path):
    env = clean_env(tmp_path / "var", COMPTOIR_MODE="test", WEB_CONCURRENCY="many")
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import comptoir.ops.gunicorn_conf"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert (
        "WEB_CONCURRENCY must be a whole number from 1 to 64, not 'many'."
        in result.stderr.splitlines()[-1]
    )


def test_good_values_are_read(tmp_path):
    env = clean_env(
        tmp_path / "var",
        COMPTOIR_MODE="test",
        DOCUMENT_MAX_UPLOAD_BYTES="1_048_576",
        DEBUG="off",
        ADMINS="Jeanne Martin <jeanne@example.com>, ops@example.com",
        METRICS_ALLOWED_IPS="10.0.0.0/8, 192.0.2.7",
        LOG_FORMAT="JSON",
    )

    values = read_settings(
        env, "DOCUMENT_MAX_UPLOAD_BYTES", "DEBUG", "ADMINS", "METRICS_ALLOWED_IPS", "LOG_FORMAT"
    )

    assert values == {
        "DOCUMENT_MAX_UPLOAD_BYTES": 1048576,
        "DEBUG": False,
        "ADMINS": [["Jeanne Martin", "jeanne@example.com"], ["ops@example.com", "ops@example.com"]],
        "METRICS_ALLOWED_IPS": ["10.0.0.0/8", "192.0.2.7/32"],
        "LOG_FORMAT": "json",
    }


def test_retention_settings_name_the_variable(tmp_path):
    env = clean_env(tmp_path / "var", COMPTOIR_MODE="test", AUDIT_RETENTION_DAYS="un an")

    result = run_comptoir("check", env=env)

    assert result.stderr.splitlines() == [
        "comptoir: AUDIT_RETENTION_DAYS must be a whole number of days of at least 0, not 'un an'."
    ]
