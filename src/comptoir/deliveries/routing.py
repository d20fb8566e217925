"""Where one automation app wants a document of one folder: its destinations, from its settings.

An app declares its settings in a schema (``store/schema.py``); the routing reads that schema
and the values the firm typed (firm level: the installation; company level: the connection)
and answers a list of :class:`PlannedDestination` — one delivery each. No database access.

What each transport wants is its destination class's knowledge (``transports/destinations``:
``EmailDestination.plan``, ``HttpsDestination.plan``, ``SftpDestination.plan``); the routing
reads the app's schema, finds the dossier code, and asks the app's transport.

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
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from comptoir.deliveries.transports.base import PlannedDestination, setting_value
from comptoir.deliveries.transports.destinations import destination_class, sftp_role
from comptoir.store.models import AppType
from comptoir.store.schema import COMPANY, SchemaError, SettingField, parse_schema

if TYPE_CHECKING:
    from comptoir.assignments.models import CompanyAssignment
    from comptoir.store.models import App

__all__ = [
    "PlannedDestination",
    "app_fields",
    "destinations_for",
    "destinations_for_assignment",
    "sftp_role",
]

logger = logging.getLogger(__name__)


def app_fields(app: App) -> tuple[SettingField, ...]:
    """The app's settings fields; none (and a log line) when its schema is broken."""
    try:
        return parse_schema(app.settings_schema, app=app.slug)
    except SchemaError:
        logger.exception("The settings schema of app %s is not valid: nothing is routed", app.slug)
        return ()


def _dossier_code(fields: Sequence[SettingField], company_settings: Mapping[str, Any]) -> str:
    for spec in fields:
        if spec.level == COMPANY and spec.kind == "text":
            return setting_value(company_settings, spec.key)
    return ""


def destinations_for(
    *,
    app: App,
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
    return destination_class(app.transport).plan(
        app,
        fields,
        firm_settings=firm_settings,
        company_settings=company_settings,
        folder=folder,
        dossier_code=dossier_code,
    )


def destinations_for_assignment(
    assignment: CompanyAssignment, folder: str
) -> list[PlannedDestination]:
    """The destinations of one connection (its installation and app already loaded)."""
    installation = assignment.installation
    return destinations_for(
        app=installation.app,
        folder=folder,
        firm_settings=installation.settings,
        company_settings=assignment.settings,
    )
