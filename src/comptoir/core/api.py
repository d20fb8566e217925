"""The API's common parts: authentication, the error shape, the tenant context, pagination."""

import base64
import json
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from comptoir.core.bad_request import install_api_handlers
from comptoir.core.errors import (
    FORBIDDEN_MESSAGE,
    NOT_FOUND_MESSAGE,
    Forbidden,
    NotFound,
    ServiceError,
    ValidationFailed,
)
from comptoir.core.tenancy import SESSION_KEY, TenantContext, resolve_context


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        from comptoir.accounts.services import token_authenticate

        user = token_authenticate(token)
        if user is not None:
            request.user = user
            request.api_token_used = True  # type: ignore[attr-defined]
        return user


class BrowserSessionAuth(SessionAuth):
    """The logged-in browser session; CSRF is checked on unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


def error_body(code: str, message: Any, details: list | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "details": details or []}}


def api_context(request: HttpRequest) -> TenantContext:
    """The context the call acts in: the headers first, then the browser session's choice."""
    cached = getattr(request, "_comptoir_api_tenant", None)
    if cached is not None:
        return cached
    key = None
    if not getattr(request, "api_token_used", False):
        key = request.session.get(SESSION_KEY)
    context = resolve_context(
        request.user,
        firm_slug=request.headers.get("X-Comptoir-Firm"),
        company_id=request.headers.get("X-Comptoir-Company"),
        key=key,
    )
    if context is None:
        raise Forbidden(_("Your account belongs to no firm and no company yet."), code="no_context")
    request._comptoir_api_tenant = context  # type: ignore[attr-defined]
    return context


def firm_context(request: HttpRequest, *, admin: bool = False) -> TenantContext:
    """A firm context; ``admin`` also requires the admin role (403).

    In a company context firm endpoints answer 404, like the firm's pages do: a company user
    learns nothing about the firm's objects, not even that an id exists.
    """
    context = api_context(request)
    if not context.is_firm:
        raise NotFound(
            _("Not found in a company context: firm endpoints need the X-Comptoir-Firm header."),
        )
    if admin and not context.is_firm_admin:
        raise Forbidden(_("Only an administrator of the firm can do this."), code="admin_only")
    return context


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
    max_limit: int = 200,
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


# --- the API object -------------------------------------------------------------------------


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Comptoir API",
        version="1",
        description=(
            "The partner-applications hub of an accounting firm's client portal. "
            "Authenticate with `Authorization: Bearer <token>`; pick a context with "
            "`X-Comptoir-Firm: <slug>` or `X-Comptoir-Company: <id>`."
        ),
        urls_namespace="api",
        auth=[BearerTokenAuth(), BrowserSessionAuth()],
    )
    _install_error_handlers(api)
    install_api_handlers(api)  # what Django refuses while reading a request (uploads)
    for router_path, router in _routers():
        api.add_router(router_path, router)
    return api


def _routers():
    from comptoir.accounts.api import router as accounts_router
    from comptoir.assignments.api import router as assignments_router
    from comptoir.audit.api import router as audit_router
    from comptoir.companies.api import router as companies_router
    from comptoir.deliveries.api import router as deliveries_router
    from comptoir.documents.api import router as documents_router
    from comptoir.store.api import router as store_router

    return [
        ("", accounts_router),
        ("", companies_router),
        ("", store_router),
        ("", assignments_router),
        ("", documents_router),
        ("", deliveries_router),
        ("", audit_router),
    ]


def _install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ServiceError)
    def service_error(request, exc: ServiceError):
        details = exc.details or (
            [{"field": exc.field, "message": str(exc.message)}] if exc.field else []
        )
        return api.create_response(
            request, error_body(exc.code, exc.message, details), status=exc.status
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, error_body("not_found", NOT_FOUND_MESSAGE), status=404)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return api.create_response(request, error_body("forbidden", FORBIDDEN_MESSAGE), status=403)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        message = _("Log in, or send a valid token in the Authorization header.")
        return api.create_response(request, error_body("not_authenticated", message), status=401)

    @api.exception_handler(NinjaValidationError)
    def invalid(request, exc: NinjaValidationError):
        details = [_detail(error) for error in exc.errors]
        message = _("Some fields are missing or not valid.")
        return api.create_response(
            request, error_body("validation_error", message, details), status=422
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        # Ninja raises these with English texts: its CSRF refusal and an unreadable body.
        if exc.status_code == 403:
            code, message = (
                "csrf_failed",
                _(
                    "The security check failed: reload the page and try again, "
                    "or send an API token in the Authorization header."
                ),
            )
        elif exc.status_code == 400:
            code, message = "http_error", _("The request body could not be read: send valid JSON.")
        else:
            code, message = "http_error", exc.message
        return api.create_response(request, error_body(code, message), status=exc.status_code)


def _detail(error: dict[str, Any]) -> dict[str, Any]:
    location = [
        str(part) for part in error.get("loc", ()) if part not in ("body", "payload", "query")
    ]
    return {
        "field": ".".join(location),
        "message": error.get("msg", ""),
        "code": error.get("type", ""),
    }
