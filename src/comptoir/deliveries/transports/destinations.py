"""Each transport's destination: what it needs, how a connection's settings describe it, how
it reads for people, and when its configuration cannot work.

One frozen dataclass per transport (:class:`EmailDestination`, :class:`HttpsDestination`,
:class:`SftpDestination`), each owning (see :class:`~.base.Destination`):

- ``plan(app, fields, …)`` — the destinations a connection's settings describe, as the
  snapshots stored on the deliveries (the routing calls it at upload time). Secrets are
  never copied: the snapshot says where each one is (``["firm", "api_key"]``);
- ``from_snapshot(snapshot, secrets)`` — the destination a delivery's snapshot describes,
  with its secrets' values (the engine, when it sends);
- ``label`` — where it goes, for people (the send history);
- ``missing_setting(...)`` / ``check()`` — the configuration problems that fail a delivery
  before any network call.

:func:`destination_class` picks the class of a transport kind; this module loads no network
library (the SSH one is imported only to check an SFTP key), so the web processes that plan
deliveries or list the history stay light.

Per transport, what the settings give (the app's schema, ``store/schema.py``):

- **email**: the company-level collection e-mail fields whose ``folder`` is the document's
  folder, each one a destination (two different addresses → two deliveries); when none has a
  value, the company-level collection e-mail without a folder (one address per company).
  The sender is the firm-level e-mail field (the firm's bot address registered in the
  partner's tool) when the schema has one, else the platform's default sender;
- **https**: the URL field (company level first, then firm level) and the signing secret
  (a secret field, company level first, then firm level);
- **sftp**: firm-level host, port, login, password or private key, host key and remote
  folder, recognised by their keys (:func:`sftp_role`).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from comptoir.deliveries.transports.base import (
    Destination,
    PlannedDestination,
    TransportResult,
    clean_text,
    failed,
    setting_value,
    snapshot_base,
)
from comptoir.deliveries.transports.ssh_keys import parse_host_key, private_key_readable
from comptoir.store.schema import COMPANY, FIRM, SettingField

# --- e-mail ---------------------------------------------------------------------------------------

_BAD_ADDRESS_CHARS = re.compile(r"[\x00-\x20\x7f<>,;\"\\\u0080-\u009f\u2028\u2029]")


class InvalidAddress(ValueError):
    pass


def parse_address(value: str, *, allow_name: bool = True) -> tuple[str, str]:
    """``(display name, address)`` from ``addr`` or (when ``allow_name``) ``Name <addr>``.
    The name loses its control characters; the address must be a valid e-mail address
    without any control, space or separator character."""
    value = (value or "").strip()
    name, address = "", value
    if allow_name and value.endswith(">") and "<" in value:
        name, _sep, address = value[:-1].rpartition("<")
    address = address.strip()
    if not address or _BAD_ADDRESS_CHARS.search(address):
        raise InvalidAddress(value)
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidAddress(value) from None
    return clean_text(name.strip().strip('"'), 100), address


@dataclass(frozen=True)
class EmailDestination(Destination):
    """``address``: the partner's collection address for this folder; ``sender``: the firm's
    sender address for this app (``"Name <addr>"`` allowed; falls back to
    ``settings.DEFAULT_FROM_EMAIL``)."""

    kind: ClassVar[str] = "email"
    address: str = ""
    sender: str = ""

    @classmethod
    def plan(
        cls,
        app: Any,
        fields: Sequence[SettingField],
        *,
        firm_settings: Mapping[str, Any],
        company_settings: Mapping[str, Any],
        folder: str,
        dossier_code: str,
    ) -> list[PlannedDestination]:
        emails = [f for f in fields if f.level == COMPANY and f.kind == "email"]
        specific = [f for f in emails if f.folder == folder]
        generic = [f for f in emails if not f.folder]
        sender_field = next((f for f in fields if f.level == FIRM and f.kind == "email"), None)
        sender = setting_value(firm_settings, sender_field.key) if sender_field else ""
        chosen: list[tuple[SettingField, str]] = []
        for group in (specific, generic):
            filled = [(f, setting_value(company_settings, f.key)) for f in group]
            chosen = [(f, address) for f, address in filled if address]
            if chosen:
                break
        if not chosen:
            # Nothing typed: a required address is a configuration error the firm must see.
            required = next((f for f in specific + generic if f.required), None)
            chosen = [(required, "")] if required is not None else []
        destinations, seen = [], set()
        for spec, address in chosen:
            if address and address.lower() in seen:
                continue
            seen.add(address.lower())
            snapshot = snapshot_base(app, f"email:{spec.key}", dossier_code)
            snapshot.update(
                address=address, sender=sender, setting=spec.key, folder_field=spec.folder
            )
            destinations.append(PlannedDestination(snapshot["key"], snapshot))
        return destinations

    @classmethod
    def from_snapshot(
        cls, snapshot: Mapping[str, Any], secrets: Mapping[str, str] | None = None
    ) -> Self:
        return cls(
            **cls.common_fields(snapshot),
            address=str(snapshot.get("address") or ""),
            sender=str(snapshot.get("sender") or ""),
        )

    @property
    def label(self) -> str:
        return self.address or "—"

    @classmethod
    def missing_setting(
        cls, snapshot: Mapping[str, Any], *, folder_label: str, company_name: str, app_name: str
    ) -> TransportResult | None:
        if snapshot.get("address"):
            return None
        return failed(
            _(
                "No collection address is set for the “%(folder)s” folder of %(company)s. Fill "
                "it in the settings of “%(app)s” for this company, then resend."
            )
            % {"folder": folder_label, "company": company_name, "app": app_name},
            error_code="bad_configuration",
        )

    def check(self) -> TransportResult | None:
        try:
            parse_address(self.address, allow_name=False)
        except InvalidAddress:
            return failed(
                _(
                    "The collection address “%(address)s” is not a valid e-mail address. "
                    "Correct it in the application's settings for this company."
                )
                % {"address": clean_text(self.address, 100)},
                error_code="bad_configuration",
            )
        try:
            parse_address(self.sender or settings.DEFAULT_FROM_EMAIL)
        except InvalidAddress:
            return failed(
                _(
                    "The sender address “%(address)s” is not a valid e-mail address. "
                    "Correct it in the application's settings."
                )
                % {"address": clean_text(self.sender, 100)},
                error_code="bad_configuration",
            )
        return None


# --- HTTPS ---------------------------------------------------------------------------------------

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret


def decode_secret(secret: str) -> bytes | None:
    """The signing key of a Standard Webhooks secret, or None when it is not valid."""
    text = secret.strip().removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return key or None


def signing_secret(value: str) -> str:
    """A Standard Webhooks secret from what the firm typed: ``whsec_…`` is used as it is; any
    other value (a partner's API key, say) is the raw HMAC key."""
    value = (value or "").strip()
    if not value or value.startswith(SECRET_PREFIX):
        return value
    return SECRET_PREFIX + base64.b64encode(value.encode("utf-8")).decode("ascii")


def _first(
    fields: Sequence[SettingField], kind: str, levels: tuple[str, ...] = (COMPANY, FIRM)
) -> SettingField | None:
    for level in levels:
        for spec in fields:
            if spec.level == level and spec.kind == kind:
                return spec
    return None


@dataclass(frozen=True)
class HttpsDestination(Destination):
    """``url`` and ``secret`` (the per-installation Standard Webhooks secret,
    ``whsec_<base64>`` or bare base64)."""

    kind: ClassVar[str] = "https"
    url: str = ""
    secret: str = field(default="", repr=False)

    @classmethod
    def plan(
        cls,
        app: Any,
        fields: Sequence[SettingField],
        *,
        firm_settings: Mapping[str, Any],
        company_settings: Mapping[str, Any],
        folder: str,
        dossier_code: str,
    ) -> list[PlannedDestination]:
        url_fields = [f for level in (COMPANY, FIRM) for f in fields if f.level == level]
        url_fields = [f for f in url_fields if f.kind == "url"]
        if not url_fields:
            return []  # the app takes no pushed documents (e.g. it is started from the screens)
        url = ""
        for spec in url_fields:
            url = setting_value(
                company_settings if spec.level == COMPANY else firm_settings, spec.key
            )
            if url:
                break
        secret = _first(fields, "secret")
        snapshot = snapshot_base(app, f"https:{url_fields[0].key}", dossier_code)
        snapshot.update(
            url=url, secrets={"secret": [secret.level, secret.key]} if secret is not None else {}
        )
        return [PlannedDestination(snapshot["key"], snapshot)]

    @classmethod
    def from_snapshot(
        cls, snapshot: Mapping[str, Any], secrets: Mapping[str, str] | None = None
    ) -> Self:
        return cls(
            **cls.common_fields(snapshot),
            url=str(snapshot.get("url") or ""),
            secret=signing_secret((secrets or {}).get("secret", "")),
        )

    @property
    def label(self) -> str:
        try:
            return urlsplit(self.url).netloc or self.url or "—"
        except ValueError:
            return self.url or "—"

    def check(self) -> TransportResult | None:
        if not self.url:
            return failed(
                _("No API URL is configured for this application. Fill it in its settings."),
                error_code="bad_configuration",
            )
        if not self.secret or decode_secret(self.secret) is None:
            return failed(
                _(
                    "The application's signing secret is missing or not valid (expected "
                    "whsec_ followed by base64). Set it again in the application's settings."
                ),
                error_code="bad_configuration",
            )
        return None


# --- SFTP ----------------------------------------------------------------------------------------

_SFTP_PLAIN_ROLES = (
    ("host_key", ("host_key", "fingerprint")),
    ("host", ("host",)),
    ("port", ("port",)),
    ("username", ("login", "user")),
    ("remote_dir", ("dir", "path")),
)


def _matches(key: str, *words: str) -> bool:
    return any(word in key for word in words)


def sftp_role(spec: SettingField) -> str | None:
    """What a firm-level field of an SFTP app is, recognised by its key: ``host``, ``port``,
    ``username``, ``host_key``, ``remote_dir``, ``password`` or ``private_key`` (None: none).
    The planning and the settings check (``deliveries.settings_checks``) read the same roles."""
    if spec.level != FIRM:
        return None
    if spec.is_secret:
        if _matches(spec.key, "private_key", "ssh_key"):
            return "private_key"
        if _matches(spec.key, "password", "pass"):
            return "password"
        return None
    for role, words in _SFTP_PLAIN_ROLES:
        if _matches(spec.key, *words):
            return role
    return None


@dataclass(frozen=True)
class SftpDestination(Destination):
    """``host``, ``port``, ``username``, ``password`` or ``private_key``, ``host_key`` (the
    server's public key line or its ``SHA256:`` fingerprint, required), ``remote_dir``."""

    kind: ClassVar[str] = "sftp"
    host: str = ""
    port: int | None = None
    username: str = ""
    password: str = field(default="", repr=False)
    private_key: str = field(default="", repr=False)
    host_key: str = ""
    remote_dir: str = ""

    @classmethod
    def plan(
        cls,
        app: Any,
        fields: Sequence[SettingField],
        *,
        firm_settings: Mapping[str, Any],
        company_settings: Mapping[str, Any],
        folder: str,
        dossier_code: str,
    ) -> list[PlannedDestination]:
        plain: dict[str, str] = {}
        secrets: dict[str, list[str]] = {}
        for spec in fields:
            role = sftp_role(spec)
            if role in ("private_key", "password"):
                secrets.setdefault(role, [FIRM, spec.key])
            elif role is not None:
                plain.setdefault(role, setting_value(firm_settings, spec.key))
        port = plain.get("port", "")
        snapshot = snapshot_base(app, "sftp", dossier_code)
        snapshot.update(
            host=plain.get("host", ""),
            port=int(port) if port.isascii() and port.isdigit() else None,
            username=plain.get("username", ""),
            host_key=plain.get("host_key", ""),
            remote_dir=plain.get("remote_dir", ""),
            secrets=secrets,
        )
        return [PlannedDestination("sftp", snapshot)]

    @classmethod
    def from_snapshot(
        cls, snapshot: Mapping[str, Any], secrets: Mapping[str, str] | None = None
    ) -> Self:
        secrets = secrets or {}
        port = snapshot.get("port")
        return cls(
            **cls.common_fields(snapshot),
            host=str(snapshot.get("host") or ""),
            port=int(port) if isinstance(port, int) else None,
            username=str(snapshot.get("username") or ""),
            password=secrets.get("password", ""),
            private_key=secrets.get("private_key", ""),
            host_key=str(snapshot.get("host_key") or ""),
            remote_dir=str(snapshot.get("remote_dir") or ""),
        )

    @property
    def label(self) -> str:
        host = self.host or "—"
        return f"{host} ({self.dossier_code})" if self.dossier_code else host

    def check(self) -> TransportResult | None:
        # The SSH library is loaded here only, when an SFTP destination is about to be used.

        problems = []
        if not self.host:
            problems.append(_("the server's host name"))
        if not self.username:
            problems.append(_("the user name"))
        if not self.password and not self.private_key:
            problems.append(_("a password or a private key"))
        if parse_host_key(self.host_key) is None:
            problems.append(_("the server's host key (public key or SHA256 fingerprint)"))
        if self.private_key and not private_key_readable(self.private_key):
            problems.append(_("a readable, unencrypted private key"))
        if problems:
            return failed(
                _("The SFTP settings are incomplete: %(missing)s. Complete the app's settings.")
                % {"missing": ", ".join(problems)},
                error_code="bad_configuration",
            )
        return None


# --- by kind -------------------------------------------------------------------------------------

DESTINATIONS: dict[str, type[Destination]] = {
    cls.kind: cls for cls in (EmailDestination, HttpsDestination, SftpDestination)
}


def destination_class(kind: str) -> type[Destination]:
    """The destination class of a transport kind; the plain base (nothing planned, no
    label) for a kind this platform does not know."""
    return DESTINATIONS.get(kind, Destination)


def destination_from_snapshot(
    snapshot: Mapping[str, Any], secrets: Mapping[str, str] | None = None
) -> Destination:
    return destination_class(str(snapshot.get("kind", ""))).from_snapshot(snapshot, secrets)
