"""The SIRET checksum fast path agrees with python-stdnum on every kind of number."""

import random

import pytest
from stdnum.fr import siret as stdnum_siret

from comptoir.companies.siret import SiretError, normalize_siret, passes_checksums
from tests.factories import valid_siret


def numbers() -> list[str]:
    rng = random.Random(20261204)
    found = [f"{rng.randrange(10**14):014d}" for _ in range(20_000)]
    found += [f"356000000{rng.randrange(10**5):05d}" for _ in range(5_000)]  # La Poste
    found += ["35600000000048", "35600000000049", "00000000000000", "99999999999999"]
    found += [valid_siret(n) for n in range(2_000)]
    return found


def test_the_fast_path_agrees_with_stdnum():
    disagree = [n for n in numbers() if passes_checksums(n) != stdnum_siret.is_valid(n)]
    assert disagree == []
    assert sum(map(passes_checksums, numbers())) > 2_000  # valid ones were checked too


@pytest.mark.parametrize("number", ["73282932000074", "35600000000048", "35600000049837"])
def test_valid_sirets_pass(number):
    assert stdnum_siret.is_valid(number) and normalize_siret(number) == number


def test_a_wrong_check_digit_keeps_its_message():
    with pytest.raises(SiretError) as error:
        normalize_siret("73282932000075")
    assert error.value.code == "siret_bad_checksum"
