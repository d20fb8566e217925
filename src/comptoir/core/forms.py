"""Form helpers shared by the pages: service errors land on the field they concern."""

from collections.abc import Callable
from typing import Any

from django import forms

from comptoir.core.errors import ServiceError


class ServiceForm(forms.Form):
    """A form whose cleaned data feeds a service.

    ``submit(service, **extra)`` calls the service with the cleaned data when the form is
    valid. A :class:`ServiceError` becomes an error on ``error.field`` when the form has that
    field, otherwise a non-field error. The service's result is kept in ``self.result``.
    """

    result: Any = None
    error_status: int = 422

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # labels sit above their field: no colon
        super().__init__(*args, **kwargs)

    def add_service_error(self, error: ServiceError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error.message))
        self.error_status = error.status

    def service_arguments(self) -> dict[str, Any]:
        """What the service receives from the form: the cleaned data unless overridden."""
        return dict(self.cleaned_data)

    def submit(self, service: Callable[..., Any], **extra: Any) -> bool:
        if not self.is_valid():
            return False
        try:
            self.result = service(**self.service_arguments(), **extra)
        except ServiceError as error:
            self.add_service_error(error)
            return False
        return True

    @property
    def status(self) -> int:
        """The HTTP status to answer with: 200, or the refusal's 4xx once it was refused."""
        if not self.is_bound or not self.errors:
            return 200
        return self.error_status if 400 <= self.error_status < 500 else 422


class DateInput(forms.DateInput):
    """The browser's date picker; its value is always ISO (yyyy-mm-dd)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
