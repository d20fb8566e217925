"""What every app's API shares: the error shape, its OpenAPI pieces, pagination.

The API itself (its routers, authentication and error handlers) is assembled in
``comptoir.api``; the caller's firm or company context comes from ``comptoir.tenancy.api``.
"""

import base64
import json
from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from comptoir.core.errors import ValidationFailed


def error_body(code: str, message: Any, details: list | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "details": details or []}}


class ErrorInfo(Schema):
    code: str = Field(description="A machine code: `not_found`, `validation_error`...")
    message: str = Field(description="What happened and what to do, in the caller's language")
    details: list[dict[str, Any]] = Field(
        description="For a 422, one item per wrong field (`field`, `message`, `code`) or, "
        "for an import, per wrong cell (`row`, `column`, `value`, `code`, `message`)"
    )


class ErrorOut(Schema):
    """The one error shape of the API (``error_body``)."""

    error: ErrorInfo


ERROR_DESCRIPTIONS = {
    400: "The request body could not be read (not JSON)",
    401: "Not logged in: no session, or no valid token in `Authorization: Bearer`",
    403: "Logged in, but not allowed in their own firm or company (or no context at all)",
    404: "Not found for the caller: another firm's or company's object, an id that is not "
    "one (ASCII digits, 1 to 2^63-1), or a context header the caller does not have",
    409: "Conflicts with the current state (already there, changed at the same moment...)",
    413: "Too large",
    422: "Some values are not valid (see `details`)",
    429: "Too many requests: wait `Retry-After` seconds",
}


def documented(**json_schema: Any) -> Any:
    """A field whose rule the service checks with its own message (in the caller's
    language): the OpenAPI document states the rule (``enum``, ``maxLength``, ``format``...),
    pydantic does not refuse the value first with its English one.
    ``role: str = documented(enum=CompanyRole.values)``;
    optional: ``name: Annotated[str, documented(maxLength=200)] | None = None``."""
    return Field(json_schema_extra=json_schema)


def form_fields_documented(
    *, required: tuple[str, ...] = (), **fields: dict[str, Any]
) -> dict[str, Any]:
    """``openapi_extra`` stating the rules of a multipart body's fields (``documented`` for
    ``Form`` parameters, where a pydantic ``Field`` would make the field required), and the
    fields that the service requires."""
    schema: dict[str, Any] = {"properties": fields}
    if required:
        schema["required"] = list(required)
    return {"requestBody": {"content": {"multipart/form-data": {"schema": schema}}}}


# Pagination and time filters, as ``paginate`` and the endpoints' parsers check them.
PAGE_MAX = 200
Limit = Annotated[int, documented(minimum=1, maximum=PAGE_MAX, description="Page size (50)")]
MOMENT = {
    "maxLength": 64,
    "description": "A date (2026-05-31) or a date and time (2026-05-31T14:00:00Z)",
    "examples": ["2026-05-31", "2026-05-31T14:00:00Z"],
}


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Error responses an operation adds to the ones every operation has (see
    ``declare_errors``): ``response={201: CompanyOut, **errors(409)}``."""
    return dict.fromkeys(statuses, ErrorOut)


# --- cursor pagination ----------------------------------------------------------------------


def _encode_cursor(values: list[Any]) -> str:
    values = [v.isoformat() if isinstance(v, datetime | date) else v for v in values]
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise _invalid_cursor()
    return values


def paginate(
    queryset: QuerySet,
    *,
    limit: int | None,
    cursor: str | None,
    keys: tuple[str, ...] = ("id",),
    max_limit: int = PAGE_MAX,
    default_limit: int = 50,
) -> tuple[list[Any], str | None]:
    """A keyset page ordered by ``keys`` (the last one unique): (rows, next cursor).

    A key written ``-name`` sorts descending (``("-created_at", "-id")``: newest first).
    """
    if limit is None:
        limit = default_limit
    if limit < 1 or limit > max_limit:
        raise ValidationFailed(
            _("limit must be between 1 and %(max)d.") % {"max": max_limit}, code="invalid_limit"
        )
    fields = [key.lstrip("-") for key in keys]
    queryset = queryset.order_by(*keys)
    try:
        if cursor:
            queryset = queryset.filter(_after_cursor(keys, _decode_cursor(cursor, len(keys))))
        rows = list(queryset[: limit + 1])
    except (ValueError, TypeError, DjangoValidationError):  # a forged cursor's values
        raise _invalid_cursor() from None
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode_cursor([getattr(rows[-1], field) for field in fields])
    return rows, next_cursor


def _after_cursor(keys: tuple[str, ...], values: list[Any]) -> Q:
    """Rows strictly after the cursor's row in the ``keys`` order."""
    after = Q()
    for i, key in enumerate(keys):
        field = key.lstrip("-")
        step = Q(**{f"{field}__{'lt' if key.startswith('-') else 'gt'}": values[i]})
        for previous, value in zip(keys[:i], values[:i], strict=True):
            step &= Q(**{previous.lstrip("-"): value})
        after |= step
    return after


def _invalid_cursor() -> ValidationFailed:
    return ValidationFailed(
        _("The cursor is not valid: use the “next” value of the previous page."),
        code="invalid_cursor",
    )
