"""SIRET: accept what people paste, keep 14 digits, explain every refusal in plain words.

One helper for every way a SIRET comes in (forms, the API, CSV and XLSX imports).
"""

import re

from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.fr import siret as stdnum_siret

# What people paste around the digits: spaces of every kind, dots, hyphens, slashes.
_SEPARATORS = re.compile(r"[\s\u00a0\u202f\u2007.\-_/]+")
# What Excel shows for a long number stored as a float: 7,32829E+13 or 7.32829e13.
_SCIENTIFIC = re.compile(r"^\d+([.,]\d+)?[eE][+]?\d+$")
_FLOAT_TAIL = re.compile(r"^\d{14}\.0+$")


class SiretError(ValueError):
    """A SIRET that cannot be used. ``code`` is stable; ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


def normalize_siret(raw: object) -> str:
    """Return the 14 digits of a valid SIRET or raise :class:`SiretError`."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        raise SiretError("siret_empty", str(_("The SIRET is empty.")))
    if _SCIENTIFIC.match(text.replace(" ", "")):
        raise SiretError(
            "siret_scientific_notation",
            str(
                _(
                    "“%(value)s” looks like a number that Excel turned into scientific "
                    "notation and rounded: the SIRET is lost. Format the column as Text in "
                    "the spreadsheet and type the 14 digits again."
                )
                % {"value": text}
            ),
        )
    if _FLOAT_TAIL.match(text):  # 73282932000074.0: a spreadsheet cell read as a float
        text = text.split(".")[0]
    digits = _SEPARATORS.sub("", text)
    if not digits.isdigit():
        raise SiretError(
            "siret_not_digits",
            str(
                _("“%(value)s” is not a SIRET: a SIRET has only digits (14 of them).")
                % {"value": text}
            ),
        )
    if len(digits) != 14:
        raise SiretError(
            "siret_wrong_length",
            str(
                _("“%(value)s” has %(count)d digits; a SIRET has exactly 14.")
                % {"value": text, "count": len(digits)}
            ),
        )
    try:
        stdnum_siret.validate(digits)
    except InvalidChecksum:
        raise SiretError(
            "siret_bad_checksum",
            str(
                _(
                    "%(value)s is not a valid SIRET: its check digit is wrong. "
                    "Check for a mistyped or swapped digit."
                )
                % {"value": digits}
            ),
        ) from None
    except ValidationError:
        raise SiretError(
            "siret_invalid",
            str(_("%(value)s is not a valid SIRET.") % {"value": digits}),
        ) from None
    return digits


def format_siret(siret: str | None) -> str:
    """123 456 789 00012: how a SIRET is shown to people."""
    if not siret:
        return ""
    return f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
