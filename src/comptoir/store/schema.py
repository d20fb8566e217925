"""An app's settings schema: one declaration that renders forms, validates input, hides secrets.

An automation app declares the information it needs as a list of fields (``App.settings_schema``)::

    - key: api_url            # [a-z][a-z0-9_]*, unique in the app
      label_fr: URL de l'API
      label_en: API URL
      kind: url               # email | url | text | secret | choice
      level: firm             # firm (the firm's installation) | company (each dossier)
      required: true
      folder: achats          # collection e-mails only: the folder this address serves
      choices: [...]          # choice only: values, or {value, label_fr, label_en}
      help_fr: ... / help_en: ...

Public functions, shared by the Store (firm level) and the assignments (company level, CSV
columns):

- ``parse_schema(raw, app=slug)`` → fields, or ``SchemaError`` naming the app and the field;
- ``firm_fields(app)`` / ``company_fields(app)`` → the fields of one level, in order;
- ``public_settings(app, level, stored)`` → what may be shown: secrets as ``{"secret_set": bool}``;
- ``reveal_settings(app, level, stored)`` → plain values with secrets decrypted (transports only);
- ``changed_keys(before, after)`` → the keys whose stored value changed (for the audit log).

Validating what a firm or a company saves (``validate_settings``, which also has the deliveries
check the destinations the values describe) is in ``store.settings_validation``: the deliveries
read this schema, so it sits below them and imports nothing of theirs.

The Django form fields (``form_fields``, ``form_initial``) are in ``store.schema_forms``.
"""

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.translation import get_language

from comptoir.core.crypto import decrypt_str
from comptoir.documents.folders import FOLDER_KEYS

KINDS = ("email", "url", "text", "secret", "choice")
LEVELS = ("firm", "company")
FIRM = "firm"
COMPANY = "company"
TEXT_MAX = 500
SECRET_MAX = 1000
SECRET_MARKER = "$encrypted"  # noqa: S105 (the key under which a token is kept)
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_ALLOWED_KEYS = {
    "key",
    "label_fr",
    "label_en",
    "kind",
    "level",
    "required",
    "choices",
    "folder",
    "help_fr",
    "help_en",
}


class SchemaError(ValueError):
    """A catalogue entry's settings schema is wrong; the message names the app and the field."""


def _french() -> bool:
    return (get_language() or "fr").startswith("fr")


@dataclass(frozen=True)
class Choice:
    value: str
    label_fr: str
    label_en: str

    @property
    def label(self) -> str:
        return self.label_fr if _french() else self.label_en


@dataclass(frozen=True)
class SettingField:
    key: str
    label_fr: str
    label_en: str
    kind: str
    level: str
    required: bool = False
    choices: tuple[Choice, ...] = field(default_factory=tuple)
    folder: str = ""
    help_fr: str = ""
    help_en: str = ""

    @property
    def label(self) -> str:
        return self.label_fr if _french() else self.label_en

    @property
    def help(self) -> str:
        return self.help_fr if _french() else self.help_en

    @property
    def is_secret(self) -> bool:
        return self.kind == "secret"

    @property
    def is_firm_level(self) -> bool:
        """Set once for the firm (its installation), not for each client company."""
        return self.level == FIRM

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)

    def as_dict(self) -> dict[str, Any]:
        """The field as the API describes it (labels in both languages)."""
        return {
            "key": self.key,
            "label": self.label,
            "label_fr": self.label_fr,
            "label_en": self.label_en,
            "kind": self.kind,
            "level": self.level,
            "required": self.required,
            "folder": self.folder or None,
            "choices": [
                {"value": c.value, "label": c.label, "label_fr": c.label_fr, "label_en": c.label_en}
                for c in self.choices
            ],
            "help": self.help,
        }


# --- parsing ------------------------------------------------------------------------------------


def _parse_choices(raw: Any, where: str) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or not raw:
        raise SchemaError(f"{where}: a choice field needs a non-empty list of choices.")
    choices = []
    for item in raw:
        if isinstance(item, str) and item.strip():
            choices.append(Choice(item.strip(), item.strip(), item.strip()))
        elif isinstance(item, Mapping) and isinstance(item.get("value"), str) and item["value"]:
            label_fr = str(item.get("label_fr") or item["value"])
            choices.append(Choice(item["value"], label_fr, str(item.get("label_en") or label_fr)))
        else:
            raise SchemaError(f"{where}: each choice is a text or {{value, label_fr, label_en}}.")
    values = [c.value for c in choices]
    if len(set(values)) != len(values):
        raise SchemaError(f"{where}: choices must be distinct.")
    return tuple(choices)


def _parse_field(raw: Any, *, app: str, index: int, accepted_folders) -> SettingField:
    where = f"app “{app}”, settings field #{index + 1}"
    if not isinstance(raw, Mapping):
        raise SchemaError(f"{where}: each field is a mapping (key, label_fr, label_en, kind...).")
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise SchemaError(f"{where}: “key” must be lower-case letters, digits and _ (got {key!r}).")
    where = f"app “{app}”, settings field “{key}”"
    unknown = set(raw) - _ALLOWED_KEYS
    if unknown:
        raise SchemaError(f"{where}: unknown attributes {sorted(unknown)}.")
    labels = {}
    for name in ("label_fr", "label_en"):
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            raise SchemaError(f"{where}: “{name}” is required.")
        labels[name] = value.strip()
    kind = raw.get("kind")
    if kind not in KINDS:
        raise SchemaError(f"{where}: “kind” must be one of {', '.join(KINDS)} (got {kind!r}).")
    level = raw.get("level")
    if level not in LEVELS:
        raise SchemaError(f"{where}: “level” must be firm or company (got {level!r}).")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise SchemaError(f"{where}: “required” must be true or false.")
    choices: tuple[Choice, ...] = ()
    if kind == "choice":
        choices = _parse_choices(raw.get("choices"), where)
    elif "choices" in raw:
        raise SchemaError(f"{where}: only a choice field has choices.")
    folder = raw.get("folder") or ""
    if folder:
        if kind != "email":
            raise SchemaError(f"{where}: only a collection e-mail (kind email) serves a folder.")
        if folder not in FOLDER_KEYS:
            raise SchemaError(
                f"{where}: unknown folder {folder!r} (one of {', '.join(FOLDER_KEYS)})."
            )
        if accepted_folders is not None and folder not in accepted_folders:
            raise SchemaError(f"{where}: folder {folder!r} is not in the app's accepted_folders.")
    helps = {name: str(raw.get(name) or "").strip() for name in ("help_fr", "help_en")}
    return SettingField(
        key=key,
        kind=kind,
        level=level,
        required=required,
        choices=choices,
        folder=folder,
        **labels,
        **helps,
    )


def parse_schema(
    raw: Any, *, app: str, accepted_folders: Iterable[str] | None = None
) -> tuple[SettingField, ...]:
    """Check a settings schema; ``SchemaError`` names the app and the field that is wrong."""
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list):
        raise SchemaError(f"app “{app}”: settings_schema must be a list of fields.")
    folders = None if accepted_folders is None else set(accepted_folders)
    fields = tuple(
        _parse_field(item, app=app, index=i, accepted_folders=folders) for i, item in enumerate(raw)
    )
    keys = [f.key for f in fields]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise SchemaError(f"app “{app}”: settings keys used twice: {', '.join(duplicates)}.")
    return fields


# The parsed fields of the schema objects seen last (kept alive, so their ids stay theirs):
# an import validates 500 rows against one app's schema without serialising it 500 times.
_SEEN_MAX = 512
_seen: dict[int, tuple[Any, str, tuple[SettingField, ...]]] = {}


def schema_fields(app, level: str | None = None) -> tuple[SettingField, ...]:
    schema = app.settings_schema
    seen = _seen.get(id(schema))
    if seen is not None and seen[0] is schema and seen[1] == app.slug:
        fields = seen[2]
    else:
        fields = _parsed(app.slug, json.dumps(schema, sort_keys=True))
        if len(_seen) >= _SEEN_MAX:
            _seen.clear()
        _seen[id(schema)] = (schema, app.slug, fields)
    return fields if level is None else tuple(f for f in fields if f.level == level)


@lru_cache(maxsize=512)
def _parsed(slug: str, schema_json: str) -> tuple[SettingField, ...]:
    """Parsed once per schema text: an import validates 500 rows against the same schema."""
    return parse_schema(json.loads(schema_json), app=slug)


def firm_fields(app) -> tuple[SettingField, ...]:
    return schema_fields(app, FIRM)


def company_fields(app) -> tuple[SettingField, ...]:
    """The per-dossier fields: the company settings form and the CSV template's columns."""
    return schema_fields(app, COMPANY)


# --- stored values -----------------------------------------------------------------------------


def _is_stored_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get(SECRET_MARKER), str)


def public_settings(app, level: str, stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """Stored settings as they may be shown: secrets become ``{"secret_set": bool}``."""
    stored = stored or {}
    shown: dict[str, Any] = {}
    for spec in schema_fields(app, level):
        if spec.is_secret:
            shown[spec.key] = {"secret_set": _is_stored_secret(stored.get(spec.key))}
        else:
            shown[spec.key] = stored.get(spec.key)
    return shown


def reveal_settings(app, level: str, stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """Plain values with secrets decrypted, for the transports that need them. Never display."""
    stored = stored or {}
    plain: dict[str, Any] = {}
    for spec in schema_fields(app, level):
        value = stored.get(spec.key)
        if _is_stored_secret(value):
            plain[spec.key] = decrypt_str(value[SECRET_MARKER])
        elif value is not None and not spec.is_secret:
            plain[spec.key] = value
    return plain


def changed_keys(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Keys whose stored value changed (a re-entered secret counts as changed)."""
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
