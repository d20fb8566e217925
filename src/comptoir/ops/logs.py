"""Log lines that say when, how bad, and for whom.

``LOG_FORMAT=text`` (the default): ``2026-12-04 01:02:03,456 INFO comptoir.x [req-id] message``.
``LOG_FORMAT=json``: one JSON object per line with ``time``, ``level``, ``logger``,
``message`` and, where known, ``request_id``, ``firm_id``, ``user_id``, ``delivery_id``
(plus ``exc_info`` and whatever ``extra=`` a call passes). Plain Python and the logging
module only: configured before Django is ready, and by gunicorn's master too.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.utils.functional import LazyObject, empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from comptoir.core import request_context

CONTEXT_FIELDS = ("request_id", "firm_id", "user_id", "delivery_id")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Attributes Django or libraries attach that are objects, not data (the request, a socket).
_NOT_DATA = ("request", "server_time", "socket", "taskName", "status_code", "color_message")


def _known_user(request):
    """The request's user if something already loaded it; never loads it (a query)."""
    user = getattr(request, "_cached_user", None)  # what AuthenticationMiddleware's lazy user set
    if user is not None:
        return user
    user = request.__dict__.get("user")  # the API's token auth sets a real user
    if isinstance(user, LazyObject):
        wrapped = user.__dict__.get("_wrapped", empty)
        return None if wrapped is empty else wrapped
    return user


def _request_ids(request) -> tuple[int | None, int | None]:
    """(user id, firm id) of a request, only if already known: never a query for a log line."""
    user = _known_user(request)
    user_pk = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    tenant = getattr(request, "_comptoir_tenant", None) or getattr(
        request, "_comptoir_api_tenant", None
    )
    firm = getattr(tenant, "firm", None)
    return user_pk, getattr(firm, "pk", None)


class ContextFilter(logging.Filter):
    """Adds the request id, user, firm and delivery the current code works for to the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        values: dict[str, Any] = {
            "request_id": request_context.request_id.get(),
            "delivery_id": request_context.delivery_id.get(),
            "firm_id": request_context.firm_id.get(),
            "user_id": None,
        }
        request = request_context.current_request.get()
        if request is not None:
            try:
                user_pk, firm_pk = _request_ids(request)
            except Exception:  # a log line must never break the code that logs
                user_pk = firm_pk = None
            values["user_id"] = user_pk
            values["firm_id"] = values["firm_id"] or firm_pk
        for name, value in values.items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        return True


class TextFormatter(logging.Formatter):
    def __init__(self, fmt: str | None = None, *args, **kwargs) -> None:
        super().__init__(fmt or TEXT_FORMAT, *args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


class JsonFormatter(_JsonFormatter):
    """One JSON object per line; the context fields only when they are known."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, *_NOT_DATA])
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)

    def add_fields(self, log_data, record, message_dict) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, tz=UTC).isoformat(
            timespec="milliseconds"
        )
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        for name in CONTEXT_FIELDS:
            value = record.__dict__.get(name)
            if value is not None and value != "-":
                log_data[name] = value
        skip = {"levelname", "name", "message", *CONTEXT_FIELDS}
        for key, value in message_dict.items():
            log_data.setdefault(key, value)
        for key, value in record.__dict__.items():
            if key not in self.reserved_attrs and key not in skip and not key.startswith("_"):
                log_data.setdefault(key, value)


class AccessJsonFormatter(JsonFormatter):
    """gunicorn's access log as JSON: the request line's parts as fields, not one string."""

    ATOMS = {
        "remote_addr": "h",
        "method": "m",
        "path": "U",
        "query": "q",
        "status": "s",
        "bytes": "B",
        "duration_ms": "M",
        "user_agent": "a",
    }

    def add_fields(self, log_data, record, message_dict) -> None:
        atoms = record.args if isinstance(record.args, dict) else {}
        log_data["time"] = datetime.fromtimestamp(record.created, tz=UTC).isoformat(
            timespec="milliseconds"
        )
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        method, path, status = atoms.get("m", "-"), atoms.get("U", "-"), atoms.get("s", "-")
        log_data["message"] = f"{method} {path} {status}"
        request_id = atoms.get("{x-request-id}o")
        if request_id and request_id != "-":
            log_data["request_id"] = request_id
        for field, atom in self.ATOMS.items():
            value = atoms.get(atom)
            if value in (None, "-", ""):
                continue
            if field in {"status", "bytes", "duration_ms"} and str(value).isdigit():
                value = int(value)
            log_data[field] = value


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING setting: everything to stderr, in ``log_format`` ("text" or "json")."""
    formatter = "json" if log_format == "json" else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "comptoir.ops.logs.ContextFilter"}},
        "formatters": {
            "text": {"()": "comptoir.ops.logs.TextFormatter"},
            "json": {"()": "comptoir.ops.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # Django's own handlers stay on its "django" logger: mail_admins (ADMINS get a mail
        # per 500 when DEBUG is off) and its DEBUG-only console.
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }
