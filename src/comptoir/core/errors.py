"""Errors that services raise and that pages and the API turn into clear messages.

Each carries a machine ``code``, a translated ``message`` and the HTTP status the API answers
with. Pages show ``message``; the API answers ``{"error": {"code", "message", "details"}}``.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

NOT_FOUND_MESSAGE = _(
    "Not found: check the address, and that you work in the firm or company it belongs to."
)
FORBIDDEN_MESSAGE = _("You are not allowed to do this: ask an administrator if you need to.")


class ServiceError(Exception):
    status = 400
    code = "bad_request"
    default_message = _("The request is not valid: check what you sent and try again.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.details = details or []
        self.field = field
        super().__init__(str(self.message))


class ValidationFailed(ServiceError):
    status = 422
    code = "validation_error"
    default_message = _("Some fields are not valid: correct them and try again.")


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    default_message = _(
        "This conflicts with what already exists: reload the page and check it first."
    )


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
    default_message = FORBIDDEN_MESSAGE


class NotFound(ServiceError):
    status = 404
    code = "not_found"
    default_message = NOT_FOUND_MESSAGE


class TooLarge(ServiceError):
    status = 413
    code = "too_large"
    default_message = _("The file is too large: send a smaller one.")


class TooManyRequests(ServiceError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: Any = None, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
