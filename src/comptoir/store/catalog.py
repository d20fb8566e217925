"""The platform catalogue as data: ``catalog/`` read, checked, then upserted by slug.

Layout::

    catalog/catalog.yaml     version + categories (slug, name_fr, name_en, order)
    catalog/apps/*.yaml      ``apps:`` a list of app entries (one file per partner)
    catalog/logos/*.svg      the logos the entries name

Every file is read and every entry checked before anything is written; a mistake anywhere
stops the load with messages naming the file, the app and the field. Loading is idempotent:
an unchanged entry is left alone (compared by a hash of its definition), an app dropped from
the files becomes inactive (hidden from the unused list; firms that installed it keep it).
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from comptoir.core.errors import ValidationFailed
from comptoir.documents.folders import FOLDER_KEYS
from comptoir.store.logos import check_catalog_svg, logo_version
from comptoir.store.models import App, AppType, Audience, Category, Transport
from comptoir.store.schema import SchemaError, parse_schema
from comptoir.store.urls_safety import validate_tile_url

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FILE_TYPE = re.compile(r"^[a-z0-9]{1,10}$")
_REQUIRED = (
    "slug",
    "name",
    "publisher",
    "category",
    "type",
    "audience",
    "short_description",
    "long_description",
    "business_model",
)
_ALLOWED = {
    *_REQUIRED,
    "logo",
    "launch_url",
    "transport",
    "accepted_folders",
    "accepted_file_types",
    "max_file_size_mb",
    "settings",
    "requires_siret",
    "active",
}
_CUSTOM_PREFIX = "perso-"
MAX_FILE_SIZE_MB = 100


class CatalogError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


def default_catalog_dir() -> Path:
    return Path(getattr(settings, "CATALOG_DIR", settings.PROJECT_DIR / "catalog"))


@dataclass
class CatalogSummary:
    version: str = ""
    categories_created: int = 0
    categories_updated: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.categories_created
            or self.categories_updated
            or self.created
            or self.updated
            or self.deactivated
        )

    def lines(self) -> list[str]:
        lines = [
            f"Catalogue {self.version}: categories {self.categories_created} created, "
            f"{self.categories_updated} updated.",
            f"Apps: {self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.deactivated)} deactivated.",
        ]
        if self.deactivated:
            lines.append("Deactivated: " + ", ".join(sorted(self.deactivated)))
        return lines


# --- reading ------------------------------------------------------------------------------------


def _read_yaml(path: Path, errors: list[str]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, yaml.YAMLError) as error:
        errors.append(f"{path}: cannot be read as YAML ({error}).")
        return None


def _text(entry: dict, key: str, where: str, errors: list[str], *, limit: int = 0) -> str:
    value = entry.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.append(f"{where}: “{key}” must be text.")
        return ""
    value = value.strip()
    if limit and len(value) > limit:
        errors.append(f"{where}: “{key}” is longer than {limit} characters.")
    return value


def _read_categories(data: Any, path: Path, errors: list[str]) -> tuple[str, list[dict]]:
    if not isinstance(data, dict) or not isinstance(data.get("categories"), list):
        errors.append(f"{path}: expected “version” and a list “categories”.")
        return "", []
    version = str(data.get("version") or "").strip()
    if not version:
        errors.append(f"{path}: “version” is required.")
    categories, seen = [], set()
    for i, raw in enumerate(data["categories"]):
        where = f"{path}, category #{i + 1}"
        if not isinstance(raw, dict):
            errors.append(f"{where}: expected slug, name_fr, name_en, order.")
            continue
        slug = raw.get("slug")
        if not isinstance(slug, str) or not _SLUG.match(slug):
            errors.append(f"{where}: “slug” must be lower-case words joined by hyphens.")
            continue
        if slug in seen:
            errors.append(f"{where}: category “{slug}” appears twice.")
        seen.add(slug)
        order = raw.get("order", i)
        if not isinstance(order, int) or order < 0:
            errors.append(f"{where}: “order” must be a positive whole number.")
            order = 0
        categories.append(
            {
                "slug": slug,
                "name_fr": _text(raw, "name_fr", where, errors, limit=120),
                "name_en": _text(raw, "name_en", where, errors, limit=120),
                "order": order,
            }
        )
        if not categories[-1]["name_fr"] or not categories[-1]["name_en"]:
            errors.append(f"{where}: “name_fr” and “name_en” are required.")
    return version, categories


def _check_automation(entry: dict, out: dict, where: str, errors: list[str]) -> None:
    transport = entry.get("transport")
    if transport not in Transport.values:
        errors.append(f"{where}: “transport” must be one of {', '.join(Transport.values)}.")
    folders = entry.get("accepted_folders") or []
    if not isinstance(folders, list) or not folders or any(f not in FOLDER_KEYS for f in folders):
        errors.append(
            f"{where}: “accepted_folders” must list folders among {', '.join(FOLDER_KEYS)}."
        )
        folders = []
    types = entry.get("accepted_file_types") or []
    if not isinstance(types, list) or any(
        not isinstance(t, str) or not _FILE_TYPE.match(t) for t in types
    ):
        errors.append(f"{where}: “accepted_file_types” must list extensions such as pdf, jpg.")
        types = []
    size = entry.get("max_file_size_mb")
    if size is not None and (
        not isinstance(size, int | float)
        or isinstance(size, bool)
        or not 0 < size <= MAX_FILE_SIZE_MB
    ):
        errors.append(f"{where}: “max_file_size_mb” must be a number of MB between 1 and 100.")
        size = None
    if entry.get("launch_url"):
        errors.append(f"{where}: an automation app has no launch_url (it is never a tile).")
    try:
        schema = parse_schema(
            entry.get("settings") or [], app=out["slug"], accepted_folders=folders
        )
    except SchemaError as error:
        errors.append(f"{where}: {error}")
        schema = ()
    out.update(
        transport=transport or "",
        accepted_folders=list(folders),
        accepted_file_types=[t.lower() for t in types],
        max_file_size=int(size * 1024 * 1024) if size else None,
        settings_schema=entry.get("settings") or [],
    )
    if not schema and transport in (Transport.HTTPS, Transport.SFTP):
        errors.append(f"{where}: an {transport} app needs settings (address, credentials...).")


def _read_app(entry: Any, where: str, categories: set[str], logos_dir: Path, errors: list[str]):
    if not isinstance(entry, dict):
        errors.append(f"{where}: each app is a mapping of fields.")
        return None
    slug = entry.get("slug")
    if not isinstance(slug, str) or not _SLUG.match(slug) or len(slug) > 80:
        errors.append(f"{where}: “slug” must be lower-case words joined by hyphens.")
        return None
    where = f"{where} (app “{slug}”)"
    if slug.startswith(_CUSTOM_PREFIX):
        errors.append(f"{where}: slugs starting with “{_CUSTOM_PREFIX}” are for custom apps.")
    unknown = set(entry) - _ALLOWED
    if unknown:
        errors.append(f"{where}: unknown fields {sorted(unknown)}.")
    missing = [key for key in _REQUIRED if not entry.get(key)]
    if missing:
        errors.append(f"{where}: missing {', '.join(missing)}.")
    out: dict[str, Any] = {"slug": slug}
    out["name"] = _text(entry, "name", where, errors, limit=120)
    out["publisher"] = _text(entry, "publisher", where, errors, limit=120)
    out["short_description"] = _text(entry, "short_description", where, errors, limit=300)
    out["long_description"] = _text(entry, "long_description", where, errors)
    out["business_model"] = _text(entry, "business_model", where, errors)
    category = entry.get("category")
    if category not in categories:
        errors.append(f"{where}: unknown category {category!r}.")
    out["category"] = category
    if entry.get("type") not in AppType.values:
        errors.append(f"{where}: “type” must be redirect or automation.")
    if entry.get("audience") not in Audience.values:
        errors.append(f"{where}: “audience” must be firm, company or both.")
    out["type"], out["audience"] = entry.get("type"), entry.get("audience")
    for flag in ("requires_siret", "active"):
        if not isinstance(entry.get(flag, flag == "active"), bool):
            errors.append(f"{where}: “{flag}” must be true or false.")
    out["requires_siret"] = entry.get("requires_siret") is True
    out["is_active"] = entry.get("active", True) is not False
    out.update(
        launch_url="",
        transport="",
        accepted_folders=[],
        accepted_file_types=[],
        max_file_size=None,
        settings_schema=[],
    )
    if out["type"] == AppType.REDIRECT:
        try:
            out["launch_url"] = validate_tile_url(entry.get("launch_url"), field="launch_url")
        except ValidationFailed as error:
            errors.append(f"{where}: launch_url {entry.get('launch_url')!r}: {error.message}")
        extra = [
            k
            for k in (
                "transport",
                "accepted_folders",
                "accepted_file_types",
                "max_file_size_mb",
                "settings",
            )
            if entry.get(k)
        ]
        if extra:
            errors.append(f"{where}: a redirect app has no {', '.join(extra)}.")
    elif out["type"] == AppType.AUTOMATION:
        _check_automation(entry, out, where, errors)
    out["logo_svg"] = ""
    logo = entry.get("logo")
    if logo:
        path = (logos_dir / str(logo)).resolve()
        if path.parent != logos_dir.resolve() or path.suffix != ".svg" or not path.is_file():
            errors.append(f"{where}: logo {logo!r} is not an SVG file in {logos_dir}.")
        else:
            try:
                out["logo_svg"] = check_catalog_svg(path.read_text(encoding="utf-8"), where=where)
            except (ValueError, OSError, UnicodeError) as error:
                errors.append(str(error))
    return out


def read_catalog(path: Path) -> tuple[str, list[dict], list[dict]]:
    """(version, categories, apps), all checked; CatalogError lists every mistake found."""
    errors: list[str] = []
    index = path / "catalog.yaml"
    if not index.is_file():
        raise CatalogError([f"{index}: not found (is --path the catalogue directory?)."])
    version, categories = _read_categories(_read_yaml(index, errors), index, errors)
    category_slugs = {c["slug"] for c in categories}
    apps: list[dict] = []
    seen: dict[str, Path] = {}
    app_files = sorted((path / "apps").glob("*.yaml")) + sorted((path / "apps").glob("*.yml"))
    if not app_files:
        errors.append(f"{path / 'apps'}: no *.yaml files.")
    for app_file in app_files:
        data = _read_yaml(app_file, errors)
        if data is None:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("apps"), list):
            errors.append(f"{app_file}: expected a list “apps”.")
            continue
        for i, entry in enumerate(data["apps"]):
            app = _read_app(
                entry, f"{app_file.name}, entry #{i + 1}", category_slugs, path / "logos", errors
            )
            if app is None:
                continue
            if app["slug"] in seen:
                errors.append(
                    f"{app_file.name}: app “{app['slug']}” is also in {seen[app['slug']].name}."
                )
            seen[app["slug"]] = app_file
            apps.append(app)
    if errors:
        raise CatalogError(errors)
    return version, categories, apps


# --- writing ------------------------------------------------------------------------------------


def _definition_hash(app: dict) -> str:
    canonical = json.dumps(app, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _upsert_categories(categories: list[dict], summary: CatalogSummary) -> dict[str, Category]:
    existing = {c.slug: c for c in Category.objects.all()}
    for data in categories:
        category = existing.get(data["slug"])
        if category is None:
            existing[data["slug"]] = Category.objects.create(**data)
            summary.categories_created += 1
            continue
        changed = [k for k, v in data.items() if getattr(category, k) != v]
        if changed:
            for key in changed:
                setattr(category, key, data[key])
            category.save(update_fields=[*changed, "updated_at"])
            summary.categories_updated += 1
    return existing


def catalog_load(*, path: Path | None = None) -> CatalogSummary:
    """Read the catalogue at ``path`` (default ``catalog/``) and upsert it, all or nothing."""
    path = Path(path) if path else default_catalog_dir()
    version, categories, apps = read_catalog(path)
    summary = CatalogSummary(version=version)
    with transaction.atomic():
        by_slug = _upsert_categories(categories, summary)
        existing = {a.slug: a for a in App.objects.filter(slug__in=[a["slug"] for a in apps])}
        clashes = [slug for slug, app in existing.items() if app.owner_firm_id is not None]
        if clashes:
            raise CatalogError([f"app “{slug}” is a firm's custom app." for slug in clashes])
        for data in apps:
            digest = _definition_hash(data)
            fields = {
                **data,
                "category": by_slug[data["category"]],
                "logo_version": logo_version(data["logo_svg"].encode()) if data["logo_svg"] else "",
                "catalog_hash": digest,
                "catalog_version": version,
            }
            app = existing.get(data["slug"])
            if app is None:
                App.objects.create(**fields)
                summary.created += 1
            elif app.catalog_hash == digest and app.is_active == data["is_active"]:
                summary.unchanged += 1
            else:
                if app.is_active and not data["is_active"]:
                    summary.deactivated.append(app.slug)
                for key, value in fields.items():
                    setattr(app, key, value)
                app.save()
                summary.updated += 1
        dropped = App.objects.filter(owner_firm__isnull=True, is_active=True).exclude(
            slug__in=[a["slug"] for a in apps]
        )
        summary.deactivated += list(dropped.values_list("slug", flat=True))
        dropped.update(is_active=False, updated_at=timezone.now())
    return summary
