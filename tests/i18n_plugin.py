"""Compile the translations before the tests run, like ``make demo`` does.

The .mo files are not committed. A fresh clone has none, and an edited .po leaves a stale
one: the session starts by compiling what is missing or older than its .po (with polib, so
GNU gettext is not needed), then makes Django and Python forget any catalogue already loaded
from those files (importing the project may have loaded the French one already).
"""

import gettext
import importlib


def pytest_sessionstart(session):
    from django.conf import settings
    from django.test.signals import setting_changed

    command = importlib.import_module("comptoir.core.management.commands.compile-translations")
    command.compile_translations()
    # Python's gettext caches parsed .mo files by path: drop ours, which a parallel worker
    # may have rewritten after this process read them.
    ours = tuple(str(directory) for directory in command.catalogue_dirs())
    cache = getattr(gettext, "_translations", {})
    for key in [key for key in cache if str(key[-1]).startswith(ours)]:
        del cache[key]
    # Then the reset Django's override_settings(LOCALE_PATHS=...) performs.
    setting_changed.send(
        sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False
    )
