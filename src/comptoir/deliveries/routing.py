"""Where one automation app wants a document of one folder: its destinations, from its settings.

An app declares its settings in a schema (``store/schema.py``); the routing reads that schema
and the values the firm typed (firm level: the installation; company level: the connection)
and answers a list of :class:`PlannedDestination` — one delivery each. No database access.

Per transport:

- **email**: the company-level collection e-mail fields whose ``folder`` is the document's
  folder, each one a destination (two different addresses → two deliveries); when none of
  them has a value, the company-level collection e-mail without a folder (one address per
  company). The sender is the firm-level e-mail field (the firm's bot address registered in
  the partner's tool) when the schema has one, else the platform's default sender.
- **https**: the URL field (company level first, then firm level) and the signing secret
  (a secret field, company level first, then firm level).
- **sftp**: firm-level host, port, login, password or private key, host key and remote folder,
  recognised by their keys (``sftp_host``/``host``, ``*_port``, ``*_login``/``*_user*``,
  ``*password*``, ``*private_key*``, ``*host_key*``/``*fingerprint*``, ``*dir*``/``*path*``).

For every transport the partner's dossier identifier is the first company-level text field
(``dossier_code``, ``customer_id``...), sent along with the file.

A field the schema declares but the company or firm left empty: when it is optional, that
folder is simply not connected (no delivery); when it is required, the delivery is created and
fails with a message that says what to fill in — the firm sees it in the send history.

Secrets are not copied: the snapshot says where each one is (``["firm", "api_key"]``) and the
engine reads it when it sends.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from comptoir.store.models import AppType
from comptoir.store.schema import COMPANY, FIRM, SchemaError, SettingField, parse_schema

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedDestination:
    """One place to send the document: ``key`` is stable for a connection and folder
    (used to find it again on "Renvoyer"), ``snapshot`` is stored on the delivery."""

    key: str
    snapshot: dict[str, Any]


def app_fields(app) -> tuple[SettingField, ...]:
    """The app's settings fields; none (and a log line) when its schema is broken."""
    try:
        return parse_schema(app.settings_schema, app=app.slug)
    except SchemaError:
        logger.exception("The settings schema of app %s is not valid: nothing is routed", app.slug)
        return ()


def _value(settings: Mapping[str, Any], key: str) -> str:
    value = settings.get(key)
    return value.strip() if isinstance(value, str) else ""


def _common(app, key: str, dossier_code: str) -> dict[str, Any]:
    return {
        "key": key,
        "kind": app.transport,
        "app_name": app.name,
        "dossier_code": dossier_code,
        "accepted_types": [str(t) for t in (app.accepted_file_types or [])],
        "max_size": app.max_file_size,
    }


def _dossier_code(fields, company_settings) -> str:
    for spec in fields:
        if spec.level == COMPANY and spec.kind == "text":
            return _value(company_settings, spec.key)
    return ""


def _email_destinations(app, fields, firm_settings, company_settings, folder, dossier_code):
    emails = [f for f in fields if f.level == COMPANY and f.kind == "email"]
    specific = [f for f in emails if f.folder == folder]
    generic = [f for f in emails if not f.folder]
    sender_field = next((f for f in fields if f.level == FIRM and f.kind == "email"), None)
    sender = _value(firm_settings, sender_field.key) if sender_field else ""
    chosen: list[tuple[SettingField, str]] = []
    for group in (specific, generic):
        filled = [(f, _value(company_settings, f.key)) for f in group]
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
        snapshot = _common(app, f"email:{spec.key}", dossier_code)
        snapshot.update(address=address, sender=sender, setting=spec.key, folder_field=spec.folder)
        destinations.append(PlannedDestination(snapshot["key"], snapshot))
    return destinations


def _first(fields, kind: str, levels=(COMPANY, FIRM)) -> SettingField | None:
    for level in levels:
        for spec in fields:
            if spec.level == level and spec.kind == kind:
                return spec
    return None


def _settings_of(level: str, firm_settings, company_settings):
    return company_settings if level == COMPANY else firm_settings


def _https_destinations(app, fields, firm_settings, company_settings, dossier_code):
    url_fields = [f for level in (COMPANY, FIRM) for f in fields if f.level == level]
    url_fields = [f for f in url_fields if f.kind == "url"]
    if not url_fields:
        return []  # the app takes no pushed documents (e.g. it is started from the screens)
    url = ""
    for spec in url_fields:
        url = _value(_settings_of(spec.level, firm_settings, company_settings), spec.key)
        if url:
            break
    secret = _first(fields, "secret")
    snapshot = _common(app, f"https:{url_fields[0].key}", dossier_code)
    snapshot.update(
        url=url, secrets={"secret": [secret.level, secret.key]} if secret is not None else {}
    )
    return [PlannedDestination(snapshot["key"], snapshot)]


def _matches(key: str, *words: str) -> bool:
    return any(word in key for word in words)


_SFTP_PLAIN_ROLES = (
    ("host_key", ("host_key", "fingerprint")),
    ("host", ("host",)),
    ("port", ("port",)),
    ("username", ("login", "user")),
    ("remote_dir", ("dir", "path")),
)


def sftp_role(spec: SettingField) -> str | None:
    """What a firm-level field of an SFTP app is, recognised by its key: ``host``, ``port``,
    ``username``, ``host_key``, ``remote_dir``, ``password`` or ``private_key`` (None: none).
    The routing and the settings check (``deliveries.settings_checks``) read the same roles."""
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


def _sftp_destinations(app, fields, firm_settings, dossier_code):
    plain: dict[str, str] = {}
    secrets: dict[str, list[str]] = {}
    for spec in fields:
        role = sftp_role(spec)
        if role in ("private_key", "password"):
            secrets.setdefault(role, [FIRM, spec.key])
        elif role is not None:
            plain.setdefault(role, _value(firm_settings, spec.key))
    port = plain.get("port", "")
    snapshot = _common(app, "sftp", dossier_code)
    snapshot.update(
        host=plain.get("host", ""),
        port=int(port) if port.isascii() and port.isdigit() else None,
        username=plain.get("username", ""),
        host_key=plain.get("host_key", ""),
        remote_dir=plain.get("remote_dir", ""),
        secrets=secrets,
    )
    return [PlannedDestination("sftp", snapshot)]


def destinations_for(
    *,
    app,
    folder: str,
    firm_settings: Mapping[str, Any] | None,
    company_settings: Mapping[str, Any] | None,
) -> list[PlannedDestination]:
    """The destinations of ``app`` for a document of ``folder``; [] when it is not routed."""
    if app.type != AppType.AUTOMATION or folder not in (app.accepted_folders or []):
        return []
    fields = app_fields(app)
    firm_settings = firm_settings or {}
    company_settings = company_settings or {}
    dossier_code = _dossier_code(fields, company_settings)
    if app.transport == "email":
        return _email_destinations(
            app, fields, firm_settings, company_settings, folder, dossier_code
        )
    if app.transport == "https":
        return _https_destinations(app, fields, firm_settings, company_settings, dossier_code)
    if app.transport == "sftp":
        return _sftp_destinations(app, fields, firm_settings, dossier_code)
    return []


def destinations_for_assignment(assignment, folder: str) -> list[PlannedDestination]:
    """The destinations of one connection (its installation and app already loaded)."""
    installation = assignment.installation
    return destinations_for(
        app=installation.app,
        folder=folder,
        firm_settings=installation.settings,
        company_settings=assignment.settings,
    )
