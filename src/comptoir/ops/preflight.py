"""What ``comptoir serve`` checks before it starts: anything missing would serve 500s.

Each check returns None or one line saying what is missing and what to run.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.files.storage import storages
from django.db import DatabaseError, connections

BUILD_HINT = "run `comptoir build` first (once per release)"


def static_files_problem() -> str | None:
    root = Path(settings.STATIC_ROOT)
    storage = storages["staticfiles"]
    if isinstance(storage, ManifestFilesMixin):
        manifest = root / storage.manifest_name
        if not manifest.is_file():
            return f"the static files are not collected (no {manifest}): {BUILD_HINT}."
    elif not root.is_dir() or not any(root.iterdir()):
        return f"the static files are not collected ({root} is empty): {BUILD_HINT}."
    return None


def translations_problem() -> str | None:
    # The module's name has a dash (it is the command's name): import it by name.
    compile_translations = import_module("comptoir.core.management.commands.compile-translations")
    for directory in compile_translations.catalogue_dirs():
        for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            if not mo_path.exists():
                return f"the translations are not compiled (no {mo_path}): {BUILD_HINT}."
            if mo_path.stat().st_mtime < po_path.stat().st_mtime:
                return f"the translations are out of date ({mo_path} is older): {BUILD_HINT}."
    return None


def migrations_problem() -> str | None:
    from comptoir.ops.health import unapplied_migrations

    try:
        missing = unapplied_migrations()
    except DatabaseError as error:
        vendor = connections["default"].vendor
        return (
            f"the {vendor} database does not answer ({type(error).__name__}): "
            "check DATABASE_URL and that the server is up."
        )
    finally:
        connections.close_all()
    if missing:
        return (
            f"{len(missing)} database migration(s) not applied (first: {missing[0]}): "
            "run `comptoir migrate` first."
        )
    return None


CHECKS: tuple[Callable[[], str | None], ...] = (
    static_files_problem,
    translations_problem,
    migrations_problem,
)


def problems() -> list[str]:
    return [problem for check in CHECKS if (problem := check()) is not None]
