"""SSH keys as an SFTP connection's settings give them: the partner's host key (a public key
or its ``SHA256:`` fingerprint) and the firm's private key. Read by the settings checks, the
SFTP destination's configuration check and the SFTP transport."""

from __future__ import annotations

import base64
import re

import asyncssh

_FINGERPRINT = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}=?$")


def parse_host_key(value: str) -> asyncssh.SSHKey | str | None:
    """The configured host key: an SSHKey, a ``SHA256:`` fingerprint, or None if invalid."""
    value = (value or "").strip()
    if _FINGERPRINT.match(value):
        digest = value.removeprefix("SHA256:").rstrip("=")
        try:  # 43 characters of base64 hold 258 bits: the last one must encode 32 bytes exactly
            decoded = base64.b64decode(digest + "=", validate=True)
        except (ValueError, TypeError):
            return None
        if len(decoded) != 32 or base64.b64encode(decoded).decode().rstrip("=") != digest:
            return None
        return "SHA256:" + digest
    try:
        return asyncssh.import_public_key(value)
    except (asyncssh.KeyImportError, ValueError, TypeError):
        return None


def private_key_readable(value: str) -> bool:
    """Can this private key be used as it is (readable, not encrypted)?"""
    try:
        asyncssh.import_private_key(value)
    except (asyncssh.KeyImportError, ValueError, TypeError):
        return False
    return True
