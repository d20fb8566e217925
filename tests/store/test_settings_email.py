"""The settings' e-mail check remembers each domain's verdict: the same addresses as Django's
``validate_email`` pass, and the same are refused."""

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from comptoir.store.settings_validation import _email_ok

ADDRESSES = [
    "achats.dossier@partenaire.fr",
    "ACHATS@Partenaire.FR",
    "a@b.co",
    "a@localhost",
    "a@[127.0.0.1]",
    "a@[IPv6:::1]",
    "a@[999.0.0.1]",
    "a@-partenaire.fr",
    "a@partenaire..fr",
    "a@partenaire.fr.",
    '"quoted local"@partenaire.fr',
    "a b@partenaire.fr",
    "a@b@partenaire.fr",
    "@partenaire.fr",
    "achats@",
    "achats",
    "",
    "é@exemple.fr",
    "achats@exémple.fr",
    "x" * 310 + "@partenaire.fr",
    "achats@" + "p" * 64 + ".fr",
]


def _django_ok(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("value", ADDRESSES)
def test_email_check_is_djangos(value):
    assert _email_ok(value) is _django_ok(value)
    assert _email_ok(value) is _django_ok(value)  # the remembered domain, the same verdict
