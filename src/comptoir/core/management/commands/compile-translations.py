"""Compile the .po catalogues into .mo files with polib: no GNU gettext needed.

The .mo files are not committed; ``make demo`` and the test suite run this. A catalogue is
compiled when its .mo is missing or older than the .po (``--force`` compiles them all).
"""

import os
import tempfile
from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


def catalogue_dirs() -> list[Path]:
    """Where Django looks for our translations: LOCALE_PATHS, then each project app's locale/."""
    dirs = [Path(p) for p in settings.LOCALE_PATHS]
    for config in apps.get_app_configs():
        if config.name.startswith("comptoir."):
            dirs.append(Path(config.path) / "locale")
    return [d for d in dict.fromkeys(dirs) if d.is_dir()]


def compile_catalogue(po_path: Path, mo_path: Path) -> None:
    """Write the .mo next to the .po atomically: parallel test workers may race here."""
    catalogue = polib.pofile(str(po_path))
    handle, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
    os.close(handle)
    try:
        catalogue.save_as_mofile(temporary)
        os.replace(temporary, mo_path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def compile_translations(*, force: bool = False) -> list[Path]:
    """Compile every stale catalogue; returns the .mo files written."""
    written = []
    for directory in catalogue_dirs():
        for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            stale = not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime
            if force or stale:
                compile_catalogue(po_path, mo_path)
                written.append(mo_path)
    return written


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) without GNU gettext."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Compile every catalogue, even up-to-date ones."
        )

    def handle(self, *args, force=False, **options):
        written = compile_translations(force=force)
        for path in written:
            self.stdout.write(f"compiled {path}")
        if not written:
            self.stdout.write("translations are up to date")
