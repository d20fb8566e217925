"""The audit log as a reader sees it: an action label per code, details as short lines.

Services record machine codes (``installation.remove``) and a JSON ``details`` dictionary;
this module turns them into words at display time, in the reader's language: "Application
retirée", then a few lines such as "Application : MEG", "Rôles : Administrateur,
Collaborateur". Technical keys (internal ids, checksums) stay in the JSON the API and the
exports carry, not on the page.

A new action code needs a label here: ``tests/audit/test_journal.py`` finds every code the
source records and fails on one without a label.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

ACTION_LABELS: dict[str, Any] = {
    # The Store and the space
    "installation.add": gettext_lazy("Application added to the space"),
    "installation.remove": gettext_lazy("Application removed"),
    "installation.settings_update": gettext_lazy("Application settings changed"),
    "custom_app.create": gettext_lazy("Custom application created"),
    "custom_app.update": gettext_lazy("Custom application changed"),
    "tiles.reorder": gettext_lazy("Tile order changed"),
    # Client companies and their apps
    "assignment.assign_all": gettext_lazy("Assigned to all clients"),
    "assignment.assign_all_stop": gettext_lazy("No longer given to new clients"),
    "assignment.assign_new_company": gettext_lazy("Applications given to a new client"),
    "assignment.create": gettext_lazy("Application assigned to a client"),
    "assignment.update": gettext_lazy("Client connection changed"),
    "assignment.unassign": gettext_lazy("Application taken from a client"),
    "assignment.bulk": gettext_lazy("Application assigned to several clients"),
    "assignment.import": gettext_lazy("Assignments imported from a file"),
    "role_grant.create": gettext_lazy("Assigned to users by role"),
    "role_grant.stop": gettext_lazy("Assignment by role stopped"),
    "user_access.grant": gettext_lazy("Access given to a user"),
    "user_access.revoke": gettext_lazy("Access taken from a user"),
    "user_access.set": gettext_lazy("A user's applications changed"),
    "user_access.role_rules": gettext_lazy("Access updated by the role rules"),
    "user_access.member_left": gettext_lazy("Access ended: the user left"),
    "company.create": gettext_lazy("Client company added"),
    "company.update": gettext_lazy("Client company changed"),
    "company.delete": gettext_lazy("Client company deleted"),
    "company.member_invite": gettext_lazy("User invited"),
    "company.member_join": gettext_lazy("Invitation accepted"),
    "company.invitation_decline": gettext_lazy("Invitation declined"),
    "company.invitation_revoke": gettext_lazy("Invitation cancelled"),
    "company.member_role": gettext_lazy("User's role changed"),
    "company.member_remove": gettext_lazy("User removed"),
    # The firm
    "firm.admin_invite": gettext_lazy("Firm administrator invited"),
    "firm.member_join": gettext_lazy("Invitation to the firm accepted"),
    "firm.invitation_decline": gettext_lazy("Invitation to the firm declined"),
    "firm.two_factor_required": gettext_lazy("Two-factor authentication required"),
    "firm.two_factor_not_required": gettext_lazy("Two-factor authentication no longer required"),
    "sso.connect": gettext_lazy("Single sign-on connected"),
    "sso.change": gettext_lazy("Single sign-on changed"),
    "sso.disconnect": gettext_lazy("Single sign-on disconnected"),
    "sso.domain_verify": gettext_lazy("E-mail domain verified"),
    "sso.member_create": gettext_lazy("Account created by single sign-on"),
    "sso.login": gettext_lazy("Logged in by single sign-on"),
    "sso.login_refused": gettext_lazy("Single sign-on login refused"),
    # Documents and deliveries
    "document.upload": gettext_lazy("Document uploaded"),
    "document.version_add": gettext_lazy("New version of a document"),
    "document.download": gettext_lazy("Document downloaded"),
    "delivery.resend": gettext_lazy("Document sent again"),
    # Logins and accounts
    "identity.login": gettext_lazy("Logged in"),
    "identity.login_failed": gettext_lazy("Login failed"),
    "identity.logout": gettext_lazy("Logged out"),
    "identity.password_reset_requested": gettext_lazy("Password reset asked for"),
    "identity.password_reset": gettext_lazy("Password reset"),
    "identity.password_change": gettext_lazy("Password changed"),
    "identity.session_expired": gettext_lazy("Session expired"),
    "identity.session_end": gettext_lazy("Session ended"),
    "identity.sessions_end_all": gettext_lazy("Other sessions ended"),
    "identity.two_factor_added": gettext_lazy("Two-factor method added"),
    "identity.two_factor_removed": gettext_lazy("Two-factor method removed"),
    "identity.recovery_codes_regenerated": gettext_lazy("Recovery codes renewed"),
    "identity.two_factor_failed": gettext_lazy("Two-factor code refused"),
    "identity.token_create": gettext_lazy("API token created"),
    "identity.token_revoke": gettext_lazy("API token revoked"),
    # The log itself, the demo
    "audit.retention": gettext_lazy("Old audit events deleted"),
    "demo.seed": gettext_lazy("Demo data created"),
}

# The words of the detail lines. A key missing here is shown as it is, made readable.
KEY_LABELS: dict[str, Any] = {
    "app": gettext_lazy("Application"),
    "app_name": gettext_lazy("Application"),
    "apps": gettext_lazy("Applications"),
    "name": gettext_lazy("Name"),
    "url": gettext_lazy("Address"),
    "audience": gettext_lazy("Who sees it"),
    "logo": gettext_lazy("Logo"),
    "settings": gettext_lazy("Settings"),
    "changed": gettext_lazy("Changes"),
    "changed_settings": gettext_lazy("Settings changed"),
    "impact": gettext_lazy("What went with it"),
    "cancelled": gettext_lazy("Cancelled"),
    "email": gettext_lazy("E-mail address"),
    "user": gettext_lazy("User"),
    "role": gettext_lazy("Role"),
    "roles": gettext_lazy("Roles"),
    "before": gettext_lazy("Before"),
    "after": gettext_lazy("After"),
    "status": gettext_lazy("Status"),
    "previous_status": gettext_lazy("Previous status"),
    "siret": gettext_lazy("SIRET"),
    "files": gettext_lazy("Files"),
    "enabled": gettext_lazy("Enabled"),
    "users": gettext_lazy("Users"),
    "connection": gettext_lazy("Connection"),
    "cancelled_deliveries": gettext_lazy("Sends cancelled"),
    "users_granted_by_rules": gettext_lazy("Users given it by the role rules"),
    "users_granted": gettext_lazy("Users given it"),
    "include_future_users": gettext_lazy("Users added later too"),
    "include_future_companies": gettext_lazy("Clients added later too"),
    "companies": gettext_lazy("Client companies"),
    "companies_created": gettext_lazy("Client companies given it"),
    "companies_updated": gettext_lazy("Client companies updated"),
    "created": gettext_lazy("Added"),
    "updated": gettext_lazy("Updated"),
    "unchanged": gettext_lazy("Unchanged"),
    "assigned": gettext_lazy("Assigned"),
    "already_assigned": gettext_lazy("Already assigned"),
    "granted": gettext_lazy("Given"),
    "revoked": gettext_lazy("Taken away"),
    "filename": gettext_lazy("File"),
    "file_name": gettext_lazy("File"),
    "folder": gettext_lazy("Folder"),
    "fiscal_year": gettext_lazy("Fiscal year"),
    "month": gettext_lazy("Month"),
    "version": gettext_lazy("Version"),
    "size": gettext_lazy("Size"),
    "content_type": gettext_lazy("File type"),
    "deleted": gettext_lazy("Deleted"),
    "retention_days": gettext_lazy("Kept for (days)"),
    "require_two_factor": gettext_lazy("Two-factor required"),
    "domain": gettext_lazy("Domain"),
    "reason": gettext_lazy("Reason"),
    "type": gettext_lazy("Kind"),
    "passkey": gettext_lazy("Passkey"),
    "count": gettext_lazy("Number"),
    "ip": gettext_lazy("IP address"),
    "reauthentication": gettext_lazy("When confirming an action"),
    "firms": gettext_lazy("Firms"),
    "firm_members": gettext_lazy("Firm members"),
    "company_members": gettext_lazy("Company members"),
    "installations": gettext_lazy("Applications"),
    "documents": gettext_lazy("Documents"),
    "pending_deliveries": gettext_lazy("Documents waiting to be sent"),
    "assignments": gettext_lazy("Client companies"),
    "user_accesses": gettext_lazy("User accesses"),
    "connections": gettext_lazy("Connections"),
}

# Internal references: useful to the API and the exports (JSON), meaningless on the page.
HIDDEN_KEYS = frozenset(
    {
        "installation",
        "installations",
        "grant",
        "delivery",
        "resend",
        "document",
        "company",
        "order",
        "sha256",
        "ids",
        "truncated",
    }
)

# Codes that appear as values, said in words.
VALUE_LABELS: dict[str, Any] = {
    "administrateur": gettext_lazy("Administrator"),
    "collaborateur": gettext_lazy("Collaborator"),
    "invite": gettext_lazy("Guest"),
    "admin": gettext_lazy("Administrator"),
    "collaborator": gettext_lazy("Collaborator"),
    "firm": pgettext_lazy("audience", "Firm"),
    "company": pgettext_lazy("audience", "Client companies"),
    "both": pgettext_lazy("audience", "Firm and client companies"),
    "pending": pgettext_lazy("delivery status", "Pending"),
    "sending": pgettext_lazy("delivery status", "Sending"),
    "sent": pgettext_lazy("delivery status", "Sent"),
    "failed": pgettext_lazy("delivery status", "Failed"),
    "cancelled": pgettext_lazy("delivery status", "Cancelled"),
    "all": gettext_lazy("all"),
    "totp": gettext_lazy("Authenticator app"),
    "webauthn": gettext_lazy("Passkey or security key"),
    "recovery_codes": gettext_lazy("Recovery codes"),
}

LIST_SHOWN = 8  # items of a list shown before "and N more"


@dataclass(frozen=True)
class DetailLine:
    label: str
    value: str


def action_label(code: str) -> str:
    """The action in words; an unknown code (from an older version) shows as it is."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def action_choices(codes) -> list[tuple[str, str]]:
    """(code, label) for the filter, in alphabetical order of the label."""
    return sorted(((code, action_label(code)) for code in codes), key=lambda c: c[1].lower())


def key_label(key: str) -> str:
    label = KEY_LABELS.get(key)
    return str(label) if label is not None else capfirst(str(key).replace("_", " "))


def _moment(text: str) -> str | None:
    """An ISO date or date-time stored as text, in the reader's format."""
    if len(text) < 10 or not text[:4].isdigit() or text[4] != "-":
        return None
    try:
        if len(text) == 10:
            day = parse_date(text)
            return date_format(day, "SHORT_DATE_FORMAT") if day is not None else None
        moment = parse_datetime(text)
    except ValueError:
        return None
    return date_format(moment, "SHORT_DATETIME_FORMAT") if moment is not None else None


def pair(label: str, value: str) -> str:
    """``Label: value`` as the language writes it (French puts a space before the colon)."""
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


def value_text(value: Any) -> str:
    """One detail value in words: yes/no, lists joined, before → after, nested counts."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        label = VALUE_LABELS.get(value)
        if label is not None:
            return str(label)
        return _moment(value) or value
    if isinstance(value, list | tuple):
        if not value:
            return "—"
        if all(isinstance(item, int) and not isinstance(item, bool) for item in value):
            return str(len(value))  # internal ids: how many is what a reader can use
        shown = [value_text(item) for item in value[:LIST_SHOWN]]
        text = ", ".join(shown)
        if len(value) > LIST_SHOWN:
            more = len(value) - LIST_SHOWN
            text += " " + ngettext("and %(count)d more", "and %(count)d more", more) % {
                "count": more
            }
        return text
    if isinstance(value, Mapping):
        if set(value) == {"before", "after"}:
            return f"{value_text(value['before'])} → {value_text(value['after'])}"
        if "count" in value and set(value) <= {"count", "ids", "truncated"}:
            return str(value["count"])
        parts = [
            pair(key_label(k), value_text(v)) for k, v in value.items() if k not in HIDDEN_KEYS
        ]
        return ", ".join(parts) if parts else "—"
    return str(value)


def detail_lines(details: Mapping[str, Any] | None) -> list[DetailLine]:
    """The lines the page shows under an event (internal references left out)."""
    if not details:
        return []
    lines = []
    for key, value in details.items():
        if key in HIDDEN_KEYS:
            continue
        if key == "changed" and isinstance(value, Mapping):
            for changed_key, change in value.items():
                lines.append(DetailLine(key_label(changed_key), value_text(change)))
            continue
        if key == "changed" and isinstance(value, list | tuple):
            value = [key_label(str(item)) for item in value]
        if key == "settings" and isinstance(value, list | tuple):
            value = [key_label(str(item)) for item in value]
        lines.append(DetailLine(key_label(key), value_text(value)))
    return lines


def details_text(details: Mapping[str, Any] | None) -> str:
    """The same lines on one line, for a spreadsheet cell."""
    return " · ".join(pair(line.label, line.value) for line in detail_lines(details))


def details_json(details: Mapping[str, Any] | None) -> str:
    """The details as recorded, for whoever audits the audit log."""
    return json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)
