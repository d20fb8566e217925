"""SIRET: accept what people paste, keep 14 digits, explain every refusal in plain words.

One helper for every way a SIRET comes in (forms, the API, CSV and XLSX imports), so that
what is stored, what is unique in a firm and what an import matches are the same 14 ASCII
digits.

Unicode first (``fold_unicode``): compatibility forms are folded with NFKC (fullwidth digits
(U+FF10-FF19) typed with a Japanese or Chinese input method, fullwidth hyphens and dots, every
kind of space), and every *decimal digit* (Unicode category Nd: Arabic-Indic U+0660-0669,
Devanagari...) counts as that digit, as Python's ``int()`` reads it: the number is the same
whoever's keyboard typed it. Characters that only *look* like digits — superscripts ``²``,
circled ``③``, fractions — are not digits of a number and are refused (NFKC would turn ``²``
into ``2``; we do not let it). Invisible format characters (BOM, zero-width space, direction
marks) that come with a copy from a web page or a PDF are dropped.
"""

import re
import unicodedata

from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.fr import siret as stdnum_siret

# What people paste around the digits: spaces of every kind, dots, hyphens, slashes.
_SEPARATORS = re.compile(r"[\s\u00a0\u202f\u2007\u2010-\u2015\u2212.\-_/]+")
_ASCII_DIGITS = re.compile(r"^[0-9]+$")
# What Excel shows for a long number stored as a float: 7,32829E+13 or 7.32829e13.
_SCIENTIFIC = re.compile(r"^\d+([.,]\d+)?[eE][+]?\d+$", re.ASCII)
# 73282932000074.0 (or ,0 with a French decimal comma): a spreadsheet cell read as a float.
_FLOAT_TAIL = re.compile(r"^\d{14}[.,]0+$", re.ASCII)


class SiretError(ValueError):
    """A SIRET that cannot be used. ``code`` is stable; ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


def fold_unicode(text: str) -> str:
    """Decimal digits of any script as ASCII, NFKC on the rest, look-alike digits kept as is."""
    if text.isascii():
        return text  # nothing to fold (what nearly every SIRET is)
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
        elif unicodedata.category(ch) == "Nd":
            out.append(str(unicodedata.decimal(ch)))
        elif unicodedata.category(ch) == "Cf":
            continue  # invisible: BOM, zero-width space, direction marks copied from a page
        else:
            folded = unicodedata.normalize("NFKC", ch)
            # ² ③ ⒈ ½ fold into digits: keep them unchanged so that they are refused.
            out.append(ch if any(c.isdigit() for c in folded) else folded)
    return "".join(out)


# La Poste's establishments (not its head office) follow a digit-sum rule instead of Luhn's.
_LA_POSTE, _LA_POSTE_HEAD_OFFICE = "356000000", "35600000000048"


# Luhn's doubled digit: twice the digit, less 9 above 9.
_DOUBLED = str.maketrans("0123456789", "0246813579")


def _luhn_ok(digits: str) -> bool:
    """Luhn's checksum of ASCII digits: from the right, every second digit doubled (the sum
    of their bytes, less 48 for each "0")."""
    backwards = digits[::-1]
    total = sum(backwards[::2].encode()) + sum(backwards[1::2].translate(_DOUBLED).encode())
    return (total - 48 * len(digits)) % 10 == 0


def passes_checksums(digits: str) -> bool:
    """Whether 14 ASCII digits pass ``stdnum.fr.siret.validate``'s checks, without its per-call
    cost (an import checks 500 of them): the SIRET's Luhn (La Poste: its digit sum) and its
    SIREN's. ``normalize_siret`` asks stdnum only when this says no, for the reason."""
    if digits.startswith(_LA_POSTE) and digits != _LA_POSTE_HEAD_OFFICE:
        own = sum(ord(char) - 48 for char in digits) % 5 == 0
    else:
        own = _luhn_ok(digits)
    return own and _luhn_ok(digits[:9])


def _typed_digits(text: str, typed: str) -> str:
    """The 14 digits of a cell that is not plainly 14 digits, or ``SiretError`` saying why."""
    if _SCIENTIFIC.match(re.sub(r"\s+", "", text)):
        raise SiretError(
            "siret_scientific_notation",
            str(
                _(
                    "“%(value)s” looks like a number that Excel turned into scientific "
                    "notation and rounded: the SIRET is lost. Format the column as Text in "
                    "the spreadsheet and type the 14 digits again."
                )
                % {"value": typed}
            ),
        )
    if _FLOAT_TAIL.match(text):
        text = re.split(r"[.,]", text)[0]
    digits = _SEPARATORS.sub("", text)
    if not _ASCII_DIGITS.match(digits):
        raise SiretError(
            "siret_not_digits",
            str(
                _("“%(value)s” is not a SIRET: a SIRET has only digits (14 of them).")
                % {"value": typed}
            ),
        )
    if len(digits) != 14:
        raise SiretError(
            "siret_wrong_length",
            str(
                _("“%(value)s” has %(count)d digits; a SIRET has exactly 14.")
                % {"value": typed, "count": len(digits)}
            ),
        )
    return digits


def normalize_siret(raw: object) -> str:
    """Return the 14 ASCII digits of a valid SIRET or raise :class:`SiretError`."""
    typed = "" if raw is None else str(raw).strip()
    text = fold_unicode(typed).strip()
    if not text:
        raise SiretError("siret_empty", str(_("The SIRET is empty.")))
    if len(text) == 14 and text.isascii() and text.isdigit():
        digits = text  # the usual cell: 14 digits, nothing to undo or refuse before the checksums
    else:
        digits = _typed_digits(text, typed)
    try:
        if not passes_checksums(digits):
            stdnum_siret.validate(digits)  # says why (and has the last word)
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
