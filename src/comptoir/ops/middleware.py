"""The request id: taken from ``X-Request-ID`` when it is safe, made up otherwise.

It is returned in the response's ``X-Request-ID``, carried by every log line written while
the request runs (``comptoir.ops.logs.ContextFilter``) and handed to the tasks the request
queues (``comptoir.core.request_context.carried``).
"""

from comptoir.core import request_context

HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(HEADER)
        value = request_context.valid_request_id(offered) or request_context.new_request_id()
        request.request_id = value
        id_token = request_context.request_id.set(value)
        request_token = request_context.current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            request_context.current_request.reset(request_token)
            request_context.request_id.reset(id_token)
        response[HEADER] = value
        return response
