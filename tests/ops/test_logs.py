"""Log lines: readable text with time and level by default, one JSON object per line with
LOG_FORMAT=json, with the request, user and firm they concern."""

import io
import json
import logging
import re

import pytest

from comptoir.ops.logs import ContextFilter, JsonFormatter, TextFormatter
from tests.subprocess_env import clean_env, run_comptoir

LOG_SOME = (
    "import logging; log = logging.getLogger('comptoir.check'); "
    "log.info('démarrage'); log.warning('attention %s', 42, extra={'partner': 'Horizon'});\n"
    "try:\n    1 / 0\nexcept ZeroDivisionError:\n    log.exception('échec')"
)


def _shell(tmp_path, **variables):
    env = clean_env(tmp_path / "var", COMPTOIR_MODE="test", **variables)
    result = run_comptoir("shell", "-c", LOG_SOME, env=env)
    assert result.returncode == 0, result.stderr
    return result.stderr.splitlines()


def test_json_format_gives_one_object_per_line(tmp_path):
    lines = _shell(tmp_path, LOG_FORMAT="json")

    records = [json.loads(line) for line in lines]  # every line parses
    assert [(r["level"], r["logger"], r["message"]) for r in records] == [
        ("INFO", "comptoir.check", "démarrage"),
        ("WARNING", "comptoir.check", "attention 42"),
        ("ERROR", "comptoir.check", "échec"),
    ]
    assert records[1]["partner"] == "Horizon"
    assert "ZeroDivisionError" in records[2]["exc_info"]
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", r["time"]) for r in records
    )
    assert all("request_id" not in r for r in records)  # none known outside a request


def test_text_format_has_time_and_level(tmp_path):
    lines = _shell(tmp_path)

    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO comptoir\.check \[-\] démarrage", lines[0]
    )
    assert " WARNING comptoir.check [-] attention 42" in lines[1]


def test_an_unknown_log_format_is_refused(tmp_path):
    env = clean_env(tmp_path / "var", COMPTOIR_MODE="test", LOG_FORMAT="xml")

    result = run_comptoir("check", env=env)

    assert result.returncode != 0
    assert result.stderr.strip() == "comptoir: LOG_FORMAT must be one of text, json, not 'xml'."


@pytest.fixture
def captured():
    """Log lines of 'comptoir.*' as the production handler writes them, parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("comptoir")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(previous)


def test_lines_written_during_a_request_say_who_and_for_which_firm(captured, rf, firm_admin):
    from django.http import HttpResponse

    from comptoir.ops.middleware import RequestIdMiddleware
    from comptoir.tenancy.contexts import resolve_context

    def view(request):
        logging.getLogger("comptoir.test").info("page opened")
        return HttpResponse("ok")

    request = rf.get("/", HTTP_X_REQUEST_ID="home-1")
    request._cached_user = firm_admin  # what AuthenticationMiddleware leaves once read
    request._comptoir_tenant = resolve_context(firm_admin)
    response = RequestIdMiddleware(view)(request)
    logging.getLogger("comptoir.test").info("later")  # outside the request

    inside, outside = captured()
    assert response["X-Request-ID"] == "home-1"
    assert inside["request_id"] == "home-1"
    assert inside["user_id"] == firm_admin.pk
    assert inside["firm_id"] == request._comptoir_tenant.firm.pk
    assert {"request_id", "user_id", "firm_id"}.isdisjoint(outside)


def test_an_anonymous_request_logs_no_user(captured, rf, db):
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse

    from comptoir.ops.middleware import RequestIdMiddleware

    def view(request):
        logging.getLogger("comptoir.test").warning("anonymous")
        return HttpResponse("ok")

    request = rf.get("/")
    request._cached_user = AnonymousUser()
    RequestIdMiddleware(view)(request)

    (line,) = captured()
    assert "user_id" not in line and "firm_id" not in line
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])


def test_the_text_formatter_shows_the_request_id():
    record = logging.LogRecord("comptoir.x", logging.INFO, __file__, 1, "hello", None, None)
    record.request_id = "abc"

    assert TextFormatter().format(record).endswith(" INFO comptoir.x [abc] hello")


def test_a_log_line_never_loads_the_user(captured, rf, firm_admin, django_assert_num_queries):
    from django.http import HttpResponse
    from django.utils.functional import SimpleLazyObject

    from comptoir.ops.middleware import RequestIdMiddleware

    loaded = []

    def view(request):
        with django_assert_num_queries(0):
            logging.getLogger("comptoir.test").info("before anyone looked at the user")
        return HttpResponse("ok")

    request = rf.get("/")
    request.user = SimpleLazyObject(lambda: loaded.append(1) or firm_admin)
    RequestIdMiddleware(view)(request)

    (line,) = captured()
    assert loaded == [] and "user_id" not in line
