"""Encryption of the secrets kept in app settings (API keys, passwords of partner tools).

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``). The key comes from
``settings.FIELD_ENCRYPTION_KEY``: one Fernet key, or several separated by commas to rotate
(the first encrypts, all decrypt). Left empty, a key is derived from ``SECRET_KEY`` — then
changing SECRET_KEY makes the stored secrets unreadable, which is why production should set
FIELD_ENCRYPTION_KEY (``comptoir shell -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"`` makes one).
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_DERIVATION_SALT = b"comptoir.core.crypto.field-encryption.v1"


class DecryptionError(Exception):
    """A stored secret cannot be read with the configured keys (key changed or data damaged)."""


def _derived_key(secret_key: str) -> bytes:
    digest = hashlib.pbkdf2_hmac("sha256", secret_key.encode(), _DERIVATION_SALT, 100_000)
    return base64.urlsafe_b64encode(digest)


@lru_cache(maxsize=4)
def _fernet(field_key: str, secret_key: str) -> MultiFernet:
    raw_keys = [part.strip() for part in field_key.split(",") if part.strip()]
    if not raw_keys:
        return MultiFernet([Fernet(_derived_key(secret_key))])
    fernets = []
    for raw in raw_keys:
        try:
            fernets.append(Fernet(raw.encode()))
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEY must be Fernet keys (44 URL-safe base64 characters), "
                "separated by commas; generate one with cryptography's Fernet.generate_key()."
            ) from None
    return MultiFernet(fernets)


def _current() -> MultiFernet:
    return _fernet(getattr(settings, "FIELD_ENCRYPTION_KEY", "") or "", settings.SECRET_KEY)


def encrypt_str(value: str) -> str:
    """An opaque token for ``value``; a new random IV each time."""
    return _current().encrypt(value.encode()).decode("ascii")


def decrypt_str(token: str) -> str:
    try:
        return _current().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError, ValueError):
        raise DecryptionError(
            "A stored secret cannot be decrypted: was FIELD_ENCRYPTION_KEY or SECRET_KEY changed?"
        ) from None


def rotate_str(token: str) -> str:
    """Re-encrypt a token with the first key (after adding a new key in front)."""
    try:
        return _current().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError):
        raise DecryptionError("A stored secret cannot be decrypted for rotation.") from None
