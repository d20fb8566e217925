"""The API's one error shape, checked the same way by every test:
``{"error": {"code": ..., "message": ..., "details": [...]}}`` (``core.api.error_body``)."""

from typing import Any


def assert_api_error(
    response: Any, status: int | None = None, code: str | None = None
) -> dict[str, Any]:
    """Assert that ``response`` is an API error (of ``status`` and ``code`` when given) in the
    one error shape, with a message; return its ``error`` object for further checks."""
    if status is not None:
        assert response.status_code == status, response.content
    else:
        assert response.status_code >= 400, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["details"], list), error
    if code is not None:
        assert error["code"] == code, error
    return error
