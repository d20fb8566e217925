"""An app's settings schema as Django form fields (``store.schema``'s other half).

- ``form_fields(app, level, stored)`` → Django form fields (secret inputs start empty);
- ``form_initial(app, level, stored)`` → their initial values, never a secret.
"""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from comptoir.documents.folders import folder_label
from comptoir.store.schema import (
    SECRET_MAX,
    TEXT_MAX,
    SettingField,
    _is_stored_secret,
    schema_fields,
)


def _help_text(spec: SettingField, secret_set: bool) -> str:
    parts = [spec.help] if spec.help else []
    if spec.folder:
        parts.append(
            _("Documents of the “%(folder)s” folder are sent to this address.")
            % {"folder": folder_label(spec.folder)}
        )
    if spec.is_secret and secret_set:
        parts.append(_("A value is saved. Leave empty to keep it."))
    return " ".join(parts)


def form_field(spec: SettingField, stored: Mapping[str, Any] | None = None) -> forms.Field:
    stored = stored or {}
    secret_set = _is_stored_secret(stored.get(spec.key))
    required = spec.required and not (spec.is_secret and secret_set)
    common = {"label": spec.label, "required": required, "help_text": _help_text(spec, secret_set)}
    if spec.kind == "email":
        return forms.CharField(
            max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"}), **common
        )
    if spec.kind == "url":
        return forms.CharField(
            max_length=2000,
            widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
            **common,
        )
    if spec.kind == "secret":
        return forms.CharField(
            max_length=SECRET_MAX,
            strip=False,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
            **common,
        )
    if spec.kind == "choice":
        choices = [("", "—")] + [(c.value, c.label) for c in spec.choices]
        return forms.ChoiceField(choices=choices, **common)
    return forms.CharField(max_length=TEXT_MAX, **common)


def form_fields(app, level: str, stored: Mapping[str, Any] | None = None) -> dict[str, forms.Field]:
    return {spec.key: form_field(spec, stored) for spec in schema_fields(app, level)}


def form_initial(app, level: str, stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """Initial form values: plain values only, never a secret."""
    stored = stored or {}
    return {
        spec.key: stored[spec.key]
        for spec in schema_fields(app, level)
        if not spec.is_secret and spec.key in stored
    }
