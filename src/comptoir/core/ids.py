"""Ids, parsed in one place: ASCII digits within the database's 64-bit range, nothing else.

Every id that comes from outside (a URL, a header, a query filter, a JSON body, a form field)
goes through ``parse_id``, the ``id`` path converter of the pages or the API's ``Id`` type.
``str.isdigit()`` is not enough: it accepts ``²``, ``③`` or a fullwidth five, which ``int()``
then refuses or reads, and numbers past 2⁶³ - 1 overflow the database's integer columns.

The one written form of an id is the canonical one, as the application writes it: ASCII
digits, no sign, no spaces, no leading zero, 1 to 2⁶³ - 1. ``007`` is refused rather than read
as 7 so that an id and its text round-trip (``str(parse_id(text)) == text``): comparisons of
ids as text, cache and session keys never see two spellings of one object.

- pages: ``<id:pk>`` in ``urls.py`` (registered by ``CoreConfig.ready``); anything else does
  not match the URL, a 404;
- API: ``Id`` for path parameters (a bad one is a 404, see ``core.api``), query filters and
  body fields (a 422 in the error shape);
- forms: ``ModelIdsField`` for ticked objects (an error on the field);
- services and selectors: ``parse_id`` (None when not an id) or ``require_id`` (404).
"""

import re
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_ID = 2**63 - 1
_ID_RE = re.compile(r"[1-9][0-9]{0,18}")  # [0-9], not \d: \d matches every Unicode digit


def parse_id(value: Any) -> int | None:
    """The id written in ``value`` (text or int), or None if it is not a valid id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ID_RE.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def require_id(value: Any) -> int:
    """The id written in ``value``; Http404 if it is not one (an id no object can have)."""
    number = parse_id(value)
    if number is None:
        raise Http404
    return number


def parse_ids(values: Any) -> list[int] | None:
    """A list of ids, or None if ``values`` is not a list of valid ids."""
    if not isinstance(values, list | tuple | set | frozenset):
        return None
    numbers = [parse_id(value) for value in values]
    return None if any(number is None for number in numbers) else numbers  # type: ignore[return-value]


class IdConverter:
    """The ``<id:name>`` path converter of the pages: a bad id does not match (404)."""

    regex = "[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)  # Django then tries the next pattern: none matches, 404
        return number

    def to_url(self, value: Any) -> str:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)
        return str(number)


class ModelIdsField(forms.ModelMultipleChoiceField):
    """Ticked objects by id. Django's field hands each value to the database, which fails
    (a 500 on SQLite) for a number past 2⁶³ - 1: here anything that is not an id is refused
    first, with the field's "not a valid value" message."""

    def _check_values(self, value):
        for pk in value:
            if parse_id(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


def _strict_id(value: Any) -> int:
    number = parse_id(value)
    if number is None:
        raise PydanticCustomError(
            "invalid_id",
            "An id is a whole number from 1 to {max} written in digits 0-9 only.",
            {"max": MAX_ID},
        )
    return number


# The API's id: an integer 1..2⁶³-1 in the OpenAPI document; in a path or a query string the
# canonical digits only, in JSON an integer (or those digits as a string), never a boolean.
ID_JSON_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}
Id = Annotated[int, BeforeValidator(_strict_id), WithJsonSchema(ID_JSON_SCHEMA)]


def _filter_id(value: Any) -> int | None:
    return None if value == "" else _strict_id(value)


# A query filter by id: as ``Id``, and empty (``?company=``, as a form sends it) is no filter.
IdFilter = Annotated[int | None, BeforeValidator(_filter_id), WithJsonSchema(ID_JSON_SCHEMA)]
