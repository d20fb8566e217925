import pytest
from hypothesis import given
from hypothesis import strategies as st

from comptoir.companies.siret import SiretError, format_siret, normalize_siret
from tests.factories import luhn_complete, valid_siret


def in_script(text: str, zero: int) -> str:
    """``text`` with its ASCII digits written in the script whose zero is ``zero``."""
    return "".join(chr(zero + int(ch)) if ch.isdigit() else ch for ch in text)


@pytest.mark.parametrize(
    "pasted",
    [
        "73282932000074",
        "732 829 320 00074",
        "732\u00a0829\u00a0320\u00a000074",  # non-breaking spaces, as copied from a web page
        "732\u202f829\u202f320\u202f00074",  # narrow non-breaking spaces (French typography)
        "732.829.320.00074",
        "732-829-320-00074",
        " 73282932000074 ",
        "73282932000074.0",  # a spreadsheet cell read as a float
        "\t732 829 320 00074\n",
        "73282932000074,0",  # the same float, written by a French spreadsheet
        # Unicode: folded before the rules apply, so what is stored is 14 ASCII digits.
        in_script("73282932000074", 0xFF10),  # fullwidth, from a Japanese or Chinese IME
        in_script("732 829 320 00074", 0xFF10).replace(" ", "\u3000"),  # ideographic spaces
        "732\uff0e829\uff0e320\uff0d00074",  # fullwidth full stop and hyphen
        in_script("73282932000074", 0x0660),  # Arabic-Indic
        in_script("73282932000074", 0x06F0),  # Persian (extended Arabic-Indic)
        in_script("73282932000074", 0x0966),  # Devanagari
        "732\u2007829\u2009320\u200a00074",  # figure, thin and hair spaces
        "732\u2011829\u2013320\u221200074",  # non-breaking hyphen, en dash, minus sign
        "\ufeff73282932000074",  # a BOM left at the start of a pasted cell
    ],
)
def test_accepts_what_people_paste(pasted):
    assert normalize_siret(pasted) == "73282932000074"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "siret_empty"),
        ("   ", "siret_empty"),
        (None, "siret_empty"),
        ("7328293200007", "siret_wrong_length"),
        ("732829320000745", "siret_wrong_length"),
        ("73282932O00074", "siret_not_digits"),  # letter O instead of zero
        ("SIRET 73282932000074", "siret_not_digits"),
        ("73282932000075", "siret_bad_checksum"),
        ("73282932000047", "siret_bad_checksum"),  # swapped digits
        ("7,32829E+13", "siret_scientific_notation"),
        ("7.32829e13", "siret_scientific_notation"),
        ("7,32829320000740E+13", "siret_scientific_notation"),
        ("1,97E+13", "siret_scientific_notation"),
        ("7,32829E+13\u00a0", "siret_scientific_notation"),
        (in_script("7,32829E+13", 0xFF10), "siret_scientific_notation"),
        # Look-alike digits are not digits of a number (NFKC alone would accept them).
        ("7328293200007\u2074", "siret_not_digits"),  # superscript four
        ("7328293200007\u2463", "siret_not_digits"),  # circled digit four
        ("\u00b2\u00b3", "siret_not_digits"),
        ("73282932000074.5", "siret_wrong_length"),
        ("73282932000074.0.0", "siret_wrong_length"),
        ("+73282932000074", "siret_not_digits"),
        (in_script("73282932000075", 0xFF10), "siret_bad_checksum"),
    ],
)
def test_refuses_with_a_reason(raw, code):
    with pytest.raises(SiretError) as error:
        normalize_siret(raw)
    assert error.value.code == code
    assert error.value.message


def test_messages_repeat_the_value_as_typed():
    typed = "\uff17\uff13\uff12 O29"
    with pytest.raises(SiretError) as error:
        normalize_siret(typed)
    assert typed in error.value.message
    with pytest.raises(SiretError) as error:
        normalize_siret("1,97E+13")
    assert "1,97E+13" in error.value.message and error.value.code == "siret_scientific_notation"


@given(st.integers(min_value=10_000_000, max_value=99_999_999).filter(lambda n: n != 35_600_000))
def test_fullwidth_and_ascii_are_the_same_siret(n):
    siret = valid_siret(n)
    fullwidth = in_script(siret, 0xFF10)
    assert normalize_siret(fullwidth) == normalize_siret(siret) == siret


def test_messages_are_french_by_default():
    from django.utils import translation

    with translation.override("fr"), pytest.raises(SiretError) as error:
        normalize_siret("123")
    assert "14 chiffres" in error.value.message


def test_la_poste_uses_a_digit_sum_rule():
    # La Poste's establishments (SIREN 356000000) fail Luhn but their digits add up to a
    # multiple of 5; the head office 356 000 000 00048 is a plain Luhn number.
    assert normalize_siret("35600000000048") == "35600000000048"
    assert normalize_siret("35600000049837") == "35600000049837"
    with pytest.raises(SiretError) as error:
        normalize_siret("35600000049838")
    assert error.value.code == "siret_bad_checksum"


# SIREN 356000000 (La Poste) follows another rule, tested above.
SIREN_STEMS = st.integers(min_value=10_000_000, max_value=99_999_999).filter(
    lambda n: n != 35_600_000
)


@given(SIREN_STEMS)
def test_every_generated_siret_is_valid(n):
    siret = valid_siret(n)
    assert normalize_siret(siret) == siret
    assert normalize_siret(format_siret(siret)) == siret


@given(SIREN_STEMS, st.integers(0, 13))
def test_a_changed_digit_is_caught(n, position):
    siret = valid_siret(n)
    changed = siret[:position] + str((int(siret[position]) + 1) % 10) + siret[position + 1 :]
    with pytest.raises(SiretError):
        normalize_siret(changed)


def test_luhn_helper():
    assert luhn_complete("7328293200007") == "73282932000074"


def test_format():
    assert format_siret("73282932000074") == "732 829 320 00074"
    assert format_siret(None) == ""
