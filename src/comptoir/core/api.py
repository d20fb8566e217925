"""The API's common parts: authentication, the error shape, the tenant context, pagination."""

import base64
import json
from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth
from pydantic import Field

from comptoir.core.bad_request import install_api_handlers
from comptoir.core.errors import (
    FORBIDDEN_MESSAGE,
    NOT_FOUND_MESSAGE,
    Forbidden,
    NotFound,
    ServiceError,
    ValidationFailed,
)
from comptoir.core.ids import ID_JSON_SCHEMA, MAX_ID
from comptoir.core.tenancy import SESSION_KEY, TenantContext, resolve_context


class TooManyRequests(ServiceError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: Any = None, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <key>``. Wrong keys are counted per client IP in the shared
    cache: past API_TOKEN_FAILURE_LIMIT in a minute, that IP's wrong keys get 429 until the
    minute ends (a valid key still works: it costs no cache query).
    An expired token is 401 ``token_expired``; a read-only one writing is 403
    ``token_read_only``; a pinned one acts only in its firm or company (``api_context``)."""

    def authenticate(self, request: HttpRequest, token: str):
        from django.conf import settings

        from comptoir.accounts.services import token_check
        from comptoir.core.request_context import ip_from_request
        from comptoir.core.throttle import is_blocked, note_failure

        api_token = token_check(token)
        if api_token is None:
            # Only wrong keys touch the counter: a valid key costs no cache query.
            who = ip_from_request(request) or "unknown"
            limit, window = settings.API_TOKEN_FAILURE_LIMIT, 60
            wait = is_blocked("api_token", who, limit=limit, window=window)
            if wait:
                raise TooManyRequests(
                    _(
                        "Too many wrong tokens from your address: wait %(seconds)d seconds, "
                        "then try again with a valid token."
                    )
                    % {"seconds": wait},
                    retry_after=wait,
                )
            note_failure("api_token", who, window=window)
            return None
        if api_token.scope == "read" and request.method in UNSAFE_METHODS:
            raise Forbidden(
                _("This token may only read: create a read-and-write token to change data."),
                code="token_read_only",
            )
        request.user = api_token.user
        request.api_token_used = True  # type: ignore[attr-defined]
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class BrowserSessionAuth(SessionAuth):
    """The logged-in browser session; CSRF is checked on unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


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


def api_context(request: HttpRequest) -> TenantContext:
    """The context the call acts in: the headers first, then the browser session's choice."""
    cached = getattr(request, "_comptoir_api_tenant", None)
    if cached is not None:
        return cached
    key = None
    if not getattr(request, "api_token_used", False):
        key = request.session.get(SESSION_KEY)
    firm_slug = request.headers.get("X-Comptoir-Firm")
    company_id = request.headers.get("X-Comptoir-Company")
    token = getattr(request, "api_token", None)
    if token is not None and (token.firm_id or token.company_id):
        return _pinned_context(request, token, firm_slug=firm_slug, company_id=company_id)
    context = resolve_context(request.user, firm_slug=firm_slug, company_id=company_id, key=key)
    if context is None:
        raise Forbidden(_("Your account belongs to no firm and no company yet."), code="no_context")
    require_two_factor_if_asked(request, context)
    request._comptoir_api_tenant = context  # type: ignore[attr-defined]
    return context


def require_two_factor_if_asked(request: HttpRequest, context: TenantContext) -> None:
    """A firm that requires two-factor ("Exiger la double authentification") shows nothing of
    its own until the user has a second factor: 403 ``two_factor_required`` (a query only for
    those firms)."""
    if not (context.is_firm and context.firm.require_two_factor):
        return
    from comptoir.firms.selectors import user_has_two_factor

    if not user_has_two_factor(request.user):
        raise Forbidden(
            _(
                "Your firm requires two-factor authentication: set it up in My account → "
                "Two-factor authentication, then try again."
            ),
            code="two_factor_required",
        )


def _pinned_context(
    request: HttpRequest, token: Any, *, firm_slug: str | None, company_id: str | None
) -> TenantContext:
    """A pinned token acts in its firm or company only: another context header is 403
    ``token_pinned``; no header means the pinned one. Losing the membership is a 404."""
    pinned_firm = token.firm.slug if token.firm_id else None
    pinned_company = str(token.company_id) if token.company_id else None
    asked_other = (firm_slug and firm_slug != pinned_firm) or (
        company_id and company_id.strip() != pinned_company
    )
    if asked_other:
        raise Forbidden(
            _("This token is pinned to %(place)s: it cannot act anywhere else.")
            % {"place": token.pinned_to.name},
            code="token_pinned",
        )
    context = resolve_context(request.user, firm_slug=pinned_firm, company_id=pinned_company)
    if context is None:  # pragma: no cover - resolve_context raises 404 first
        raise NotFound()
    require_two_factor_if_asked(request, context)
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


# --- the API object -------------------------------------------------------------------------


class ComptoirAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        declare_errors(schema)
        return schema


def build_api() -> NinjaAPI:
    api = ComptoirAPI(
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


# --- the OpenAPI document ------------------------------------------------------------------

CONTEXT_HEADERS = {
    "ContextFirm": {
        "name": "X-Comptoir-Firm",
        "in": "header",
        "required": False,
        "description": "Act in this firm of the caller's (its slug); 404 if not theirs",
        "schema": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 60},
    },
    "ContextCompany": {
        "name": "X-Comptoir-Company",
        "in": "header",
        "required": False,
        "description": "Act in this client company of the caller's (its id); 404 if not theirs",
        "schema": ID_JSON_SCHEMA,
    },
}


def declare_errors(schema: dict[str, Any]) -> None:
    """Give every operation the error responses that the common parts can answer, in the one
    error shape, and the context headers that every operation reads.

    Done on the generated document rather than in each decorator because these errors come
    from the shared layers, for every operation alike: 401 (authentication), 403 (no context,
    CSRF on a session), 404 (a context header the caller does not have, a firm endpoint in a
    company context, a path id that names nothing), 422 for an operation that reads query
    parameters or a body (pydantic, pagination), and for a body 400 (not JSON, a malformed
    multipart) and 413 (larger than Django reads, ``core.bad_request``). What only some
    operations answer (409) they declare with ``errors(...)``.
    """
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    if "ErrorOut" not in schemas:
        error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(error_schema.pop("$defs", {}))
        schemas["ErrorOut"] = error_schema
    components.setdefault("parameters", {}).update(CONTEXT_HEADERS)
    reference = {"$ref": "#/components/schemas/ErrorOut"}
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            statuses = {401, 403, 404}
            parameters = operation.setdefault("parameters", [])
            for parameter in parameters:
                _drop_null(parameter)
            body = operation.get("requestBody", {}).get("content", {})
            if body or any(p.get("in") == "query" for p in parameters):
                statuses.add(422)
            if body:
                statuses |= {400, 413}
            responses = {int(code): value for code, value in operation["responses"].items()}
            for status in statuses | {code for code in responses if code >= 400}:
                responses[status] = {
                    "description": ERROR_DESCRIPTIONS.get(status, "Error"),
                    "content": {"application/json": {"schema": reference}},
                }
            operation["responses"] = dict(sorted(responses.items()))
            parameters.extend(
                {"$ref": f"#/components/parameters/{name}"} for name in CONTEXT_HEADERS
            )


def _drop_null(parameter: dict[str, Any]) -> None:
    """``limit: Limit | None = None`` is an optional parameter, not one that may be null: a
    query string or a header cannot say null (the generated ``anyOf [.., null]`` would invite
    clients to send the text ``null``)."""
    schema = parameter.get("schema", {})
    variants = schema.get("anyOf")
    if variants and {"type": "null"} in variants and len(variants) == 2:
        (kept,) = (variant for variant in variants if variant != {"type": "null"})
        schema.pop("anyOf")
        schema.update(kept)


def _install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ServiceError)
    def service_error(request, exc: ServiceError):
        details = exc.details or (
            [{"field": exc.field, "message": str(exc.message)}] if exc.field else []
        )
        response = api.create_response(
            request, error_body(exc.code, exc.message, details), status=exc.status
        )
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response

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
        if any(_source(error) == "path" for error in exc.errors):
            # A path that names no object (``/companies/²``, an id past 2⁶³ - 1) is a 404,
            # exactly as an id of another firm's: the path does not exist for the caller.
            return not_found(request, exc)
        details = [_detail(error) for error in exc.errors]
        code, message = "validation_error", _("Some fields are missing or not valid.")
        if all(error.get("type") == "invalid_id" for error in exc.errors):
            code = "invalid_id"
            message = _("“%(name)s” must be a number (an id).") % {"name": details[0]["field"]}
        return api.create_response(request, error_body(code, message, details), status=422)

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


def _source(error: dict[str, Any]) -> str | None:
    location = error.get("loc") or ()
    return str(location[0]) if location else None


def _detail(error: dict[str, Any]) -> dict[str, Any]:
    if error.get("type") == "invalid_id":
        message = _("Give an id: a whole number from 1 to %(max)d, in digits 0-9 only.") % {
            "max": MAX_ID
        }
    else:
        message = error.get("msg", "")
    location = [
        str(part) for part in error.get("loc", ()) if part not in ("body", "payload", "query")
    ]
    return {
        "field": ".".join(location),
        "message": message,
        "code": error.get("type", ""),
    }
