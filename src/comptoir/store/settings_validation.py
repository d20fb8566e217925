"""An app's settings as a firm or a company saves them: checked, merged, secrets encrypted.

``validate_settings(app, level, data, existing)`` → the dict to store: ``data`` merged over
``existing`` (keys absent from ``data`` keep their value; ``""`` or ``None`` clears a plain
value; a secret left ``""`` keeps its value, ``None`` clears it), secrets encrypted; raises
``ValidationFailed`` with one detail per problem (``field`` = ``settings.<key>``). The Store's
services (firm level) and the assignments' (company level, the CSV import) call it before they
save.

Each value passes its field's own checks (``store.schema`` declares the fields); then the values
this request changes are shown to the deliveries (``deliveries.hooks.destination_problems``),
which check the destinations they describe with the guard sending uses (an HTTPS address, an
SFTP host, port and host key), and their problems join the others in the same refusal.

This is not in ``store.schema`` because the deliveries read the schema (their routing parses
it): the declaration sits below them, the validation of what is saved calls up to them through
their seam.
"""

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from comptoir.core.crypto import encrypt_str
from comptoir.core.errors import ValidationFailed
from comptoir.deliveries import hooks as deliveries_hooks
from comptoir.store.schema import (
    FIRM,
    LEVELS,
    SECRET_MARKER,
    SECRET_MAX,
    TEXT_MAX,
    SettingField,
    schema_fields,
)
from comptoir.store.urls_safety import validate_external_url

_CONTROLS = re.compile("[\x00-\x1f\x7f]")
_LevelView = tuple[tuple[SettingField, ...], dict[str, SettingField], frozenset[str]]


@lru_cache(maxsize=1)
def _email_user() -> re.Pattern[str]:
    """Django's pattern of an address's local part, compiled once (``validate_email`` keeps it
    behind a lazy proxy that costs more than the match itself)."""
    lazy = validate_email.user_regex
    return re.compile(lazy.pattern, lazy.flags)


@lru_cache(maxsize=256)
def _email_domain_ok(domain: str) -> bool:
    """Django's domain check of an e-mail address, once per domain: an import's rows share a
    few domains, and the check is a long regular expression (with an IP-literal fallback)."""
    return domain in validate_email.domain_allowlist or validate_email.validate_domain_part(domain)


def _email_ok(value: str) -> bool:
    """``django.core.validators.validate_email``, step for step, with the domain part's check
    remembered (``_email_domain_ok``): the same addresses pass."""
    if not value or "@" not in value or len(value) > 320:
        return False
    user_part, domain_part = value.rsplit("@", 1)
    return bool(_email_user().match(user_part)) and _email_domain_ok(domain_part)


def _has_invisible_controls(value: str) -> bool:
    return _CONTROLS.search(value) is not None


def _clean_value(spec: SettingField, value: Any) -> Any:
    """The value to store for a non-empty input, or ValidationError with a clear message."""
    if not isinstance(value, str):
        raise ValidationError(_("Enter a text value."), code="not_text")
    value = value.strip()
    limit = SECRET_MAX if spec.is_secret else TEXT_MAX
    if len(value) > limit:
        raise ValidationError(
            _("Too long: %(max)d characters at most.") % {"max": limit}, code="too_long"
        )
    if _has_invisible_controls(value):
        raise ValidationError(_("Remove the line breaks and control characters."), code="control")
    if spec.kind == "email":
        if not _email_ok(value):
            raise ValidationError(
                _("Enter a valid e-mail address, such as achats.dossier@partenaire.fr."),
                code="invalid_email",
            )
        local, _at, domain = value.rpartition("@")
        return f"{local}@{domain.lower()}"
    if spec.kind == "url":
        try:
            return validate_external_url(value, field=spec.key)
        except ValidationFailed as error:
            raise ValidationError(str(error.message), code=error.code) from None
    if spec.kind == "choice":
        if value not in spec.choice_values:
            raise ValidationError(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(spec.choice_values)},
                code="invalid_choice",
            )
        return value
    if spec.is_secret:
        return {SECRET_MARKER: encrypt_str(value)}
    return value


# The fields of one level of the schemas seen last, by the id of their (cached, kept alive)
# tuple: an import validates 500 rows against the same schema.
_VIEWS_MAX = 256
_views: dict[tuple[int, str], tuple[tuple[SettingField, ...], _LevelView]] = {}


def _level_view(all_fields: tuple[SettingField, ...], level: str) -> _LevelView:
    """``level``'s fields, them by key, and the keys of the other level."""
    seen = _views.get((id(all_fields), level))
    if seen is not None and seen[0] is all_fields:
        return seen[1]
    fields = tuple(f for f in all_fields if f.level == level)
    others = frozenset(f.key for f in all_fields if f.level != level)
    view = (fields, {f.key: f for f in fields}, others)
    if len(_views) >= _VIEWS_MAX:
        _views.clear()
    _views[(id(all_fields), level)] = (all_fields, view)
    return view


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_settings(
    app, level: str, data: Mapping[str, Any] | None, existing: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The settings to store for ``level``: ``data`` merged over ``existing``, checked."""
    return settings_validator(app, level)(data, existing)


def settings_validator(
    app, level: str
) -> Callable[[Mapping[str, Any] | None, Mapping[str, Any] | None], dict[str, Any]]:
    """``validate_settings`` for one app and level, its fields looked up once: what an import
    calls for each of its rows (``validate(data, existing)``)."""
    if level not in LEVELS:
        raise ValueError(f"level must be firm or company, not {level!r}")
    view = _level_view(schema_fields(app), level)

    def validate(
        data: Mapping[str, Any] | None, existing: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        return _validate(app, level, view, data, existing)

    return validate


def _validate(
    app,
    level: str,
    view: _LevelView,
    data: Mapping[str, Any] | None,
    existing: Mapping[str, Any] | None,
) -> dict[str, Any]:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ValidationFailed(
            _("settings must be an object of key: value pairs."),
            code="invalid_settings",
            field="settings",
        )
    fields, by_key, other_level = view
    errors: list[dict[str, Any]] = []

    def error(key: str, code: str, message: str) -> None:
        errors.append({"field": f"settings.{key}", "key": key, "code": code, "message": message})

    for key in data:
        if key in by_key:
            continue
        if key in other_level:
            where = _("per client company") if level == FIRM else _("for the whole firm")
            error(
                key,
                "wrong_level",
                _("“%(key)s” is set %(where)s, not here.") % {"key": key, "where": where},
            )
        else:
            accepted = ", ".join(by_key) or _("none")
            error(
                key,
                "unknown_setting",
                _("Unknown setting “%(key)s”. This application accepts: %(accepted)s.")
                % {"key": key, "accepted": accepted},
            )

    existing = existing or {}
    result: dict[str, Any] = {k: existing[k] for k in by_key if k in existing}
    for spec in fields:
        if spec.key not in data:
            continue
        value = data[spec.key]
        if spec.is_secret and isinstance(value, str) and not value.strip():
            continue  # an empty secret input keeps the stored secret
        if _empty(value):
            result.pop(spec.key, None)
            continue
        try:
            result[spec.key] = _clean_value(spec, value)
        except ValidationError as exc:
            error(spec.key, exc.code or "invalid", str(exc.messages[0]))
    refused = {e["key"] for e in errors}
    changed = frozenset(
        key
        for key in data
        if key in by_key and key not in refused and result.get(key) != existing.get(key)
    )
    if changed:
        # The destinations these values describe, by the guard that sending uses.
        for problem in deliveries_hooks.destination_problems(
            app=app, level=level, values=result, changed=changed
        ):
            error(problem["key"], problem["code"], problem["message"])
    for spec in fields:
        if (
            spec.required
            and spec.key not in result
            and not any(e["key"] == spec.key for e in errors)
        ):
            error(spec.key, "required", _("Fill in “%(label)s”.") % {"label": spec.label})
    if errors:
        raise ValidationFailed(
            _("Some settings are missing or not valid: %(fields)s.")
            % {"fields": ", ".join(dict.fromkeys(e["key"] for e in errors))},
            code="invalid_settings",
            details=errors,
        )
    return result
