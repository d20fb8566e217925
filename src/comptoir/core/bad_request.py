"""Django's 400 handler: requests it refuses before any view runs, said in the user's language.

Django refuses some requests while it reads them, before our views or the API's error
handlers see them: a multipart part whose headers exceed 1 KiB (a file name of about a
thousand characters), a malformed multipart body, more fields or files than
``DATA_UPLOAD_MAX_NUMBER_FIELDS`` / ``DATA_UPLOAD_MAX_NUMBER_FILES``, form fields larger than
``DATA_UPLOAD_MAX_MEMORY_SIZE``. Its default answer is an English HTML "Bad Request (400)",
even on the API. Here the API gets its one error shape (400, or 413 for what is too large or
too many), and a page gets a short French page that says what to do and links back to the
form. The page is rendered without the request's context processors, like the 500 page:
nothing that could fail again.
"""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.utils.translation import gettext as _

_HEADER_TOO_LONG = "max total header size"


def _explain(exception) -> tuple[int, str, str]:
    """(status, code, message) for what Django refused."""
    text = str(exception or "")
    if isinstance(exception, MultiPartParserError) and _HEADER_TOO_LONG in text.lower():
        return (
            400,
            "file_name_too_long",
            _(
                "The file could not be received: its name is far too long (about a thousand "
                "characters or more). Rename the file with a shorter name and upload it again."
            ),
        )
    if isinstance(exception, MultiPartParserError):
        return (
            400,
            "malformed_upload",
            _(
                "The upload could not be read (the form data is malformed or incomplete). "
                "Choose the file again and send the form once more."
            ),
        )
    if isinstance(exception, RequestDataTooBig):
        return (
            413,
            "request_too_large",
            _(
                "The form fields are too large to be received. Shorten what you typed (files "
                "are not concerned) and send the form again."
            ),
        )
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return (
            413,
            "too_many_parts",
            _(
                "The request has too many fields or files to be received. Send fewer at a "
                "time (one document per upload)."
            ),
        )
    return (
        400,
        "bad_request",
        _("The request could not be understood. Reload the page and try again."),
    )


def _api_error(exception) -> JsonResponse:
    status, code, message = _explain(exception)
    return JsonResponse({"error": {"code": code, "message": message, "details": []}}, status=status)


def install_api_handlers(api) -> None:
    """The same answers from inside the API, where ninja sees these errors first (and where
    Django, with DEBUG on, would answer its HTML debug page for the DATA_UPLOAD_* limits)."""
    for kind in (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        api.add_exception_handler(kind, lambda request, exc: _api_error(exc))


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _api_error(exception)
    status, _code, message = _explain(exception)
    template = loader.get_template("400.html")
    back = request.path if not request.path.startswith("//") else "/"  # never another host
    html = template.render({"message": message, "back": back})
    return HttpResponse(html, status=status)
