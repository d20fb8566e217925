import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from comptoir.core.crypto import DecryptionError, decrypt_str, encrypt_str, rotate_str


def test_round_trip_with_the_key_derived_from_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEY = ""
    token = encrypt_str("clé-très-secrète")
    assert "clé" not in token
    assert token != encrypt_str("clé-très-secrète")  # a new IV each time
    assert decrypt_str(token) == "clé-très-secrète"


def test_a_configured_key_is_used_and_another_key_cannot_read(settings):
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    token = encrypt_str("s3cret")
    assert decrypt_str(token) == "s3cret"
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(DecryptionError):
        decrypt_str(token)


def test_rotation_keeps_old_tokens_readable(settings):
    old = Fernet.generate_key().decode()
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = old
    token = encrypt_str("s3cret")
    settings.FIELD_ENCRYPTION_KEY = f"{new},{old}"
    assert decrypt_str(token) == "s3cret"
    rotated = rotate_str(token)
    settings.FIELD_ENCRYPTION_KEY = new
    assert decrypt_str(rotated) == "s3cret"


def test_a_malformed_key_is_a_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEY = "not-a-fernet-key"
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY"):
        encrypt_str("x")


def test_garbage_is_a_decryption_error(settings):
    settings.FIELD_ENCRYPTION_KEY = ""
    with pytest.raises(DecryptionError):
        decrypt_str("garbage")
