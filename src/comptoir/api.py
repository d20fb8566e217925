"""The JSON API (``/api/v1/``): each domain app contributes its router; here they are
assembled with the authentication, the error handlers and the OpenAPI document's shared parts."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from comptoir.accounts.api import router as accounts_router
from comptoir.assignments.api import router as assignments_router
from comptoir.audit.api import router as audit_router
from comptoir.companies.api import router as companies_router
from comptoir.core.api import ERROR_DESCRIPTIONS, ErrorOut, error_body
from comptoir.core.bad_request import install_api_handlers
from comptoir.core.errors import FORBIDDEN_MESSAGE, NOT_FOUND_MESSAGE, ServiceError
from comptoir.core.ids import ID_JSON_SCHEMA, MAX_ID
from comptoir.deliveries.api import router as deliveries_router
from comptoir.documents.api import router as documents_router
from comptoir.portal.api import router as portal_router
from comptoir.store.api import router as store_router
from comptoir.tenancy.api import BearerTokenAuth, BrowserSessionAuth


class ComptoirAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
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
    for router in ROUTERS:
        api.add_router("", router)
    return api


# Each domain app's endpoints, in the order of the OpenAPI document.
ROUTERS = (
    accounts_router,
    companies_router,
    store_router,
    portal_router,
    assignments_router,
    documents_router,
    deliveries_router,
    audit_router,
)


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
    def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
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
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(request, error_body("not_found", NOT_FOUND_MESSAGE), status=404)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(request, error_body("forbidden", FORBIDDEN_MESSAGE), status=403)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        message = _("Log in, or send a valid token in the Authorization header.")
        return api.create_response(request, error_body("not_authenticated", message), status=401)

    @api.exception_handler(NinjaValidationError)
    def invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
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
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
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


api = build_api()
