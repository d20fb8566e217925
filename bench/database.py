"""The bench's own database: a temporary SQLite file, or PostgreSQL from BENCH_DATABASE_URL.

``open_bench_database()`` must run before anything imports Comptoir's models: it sets the
environment that ``comptoir.settings`` reads, then sets Django up and migrates. With
PostgreSQL, Django's test-database machinery creates ``test_<name>_<pid>`` and drops it afterwards,
so the database named in the URL is never written to.
"""

import os
import shutil
import tempfile
from collections.abc import Callable


def open_bench_database(database_url: str | None) -> tuple[str, Callable[[], None]]:
    """Configure Django on a fresh database; returns its description and a cleanup function."""
    folder = tempfile.mkdtemp(prefix="comptoir-bench-")
    os.makedirs(os.path.join(folder, "static"))  # whitenoise looks for STATIC_ROOT
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "comptoir.settings",
            "COMPTOIR_MODE": "test",  # fast password hashing, no e-mail leaves
            "COMPTOIR_VAR_DIR": folder,
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": database_url or f"sqlite:///{folder}/bench.sqlite3",
            "LOG_LEVEL": "ERROR",
        }
    )
    os.environ.pop("TASKS_BACKEND", None)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)
        description = f"SQLite file {connection.settings_dict['NAME']}"

        def cleanup() -> None:
            connection.close()
            shutil.rmtree(folder, ignore_errors=True)

        return description, cleanup

    old_name = connection.settings_dict["NAME"]
    # A name of this run's own: two benches on one server (two developers, CI) must not drop
    # each other's database (create_test_db clobbers one of the same name).
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"test_{old_name}_{os.getpid()}"
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    description = f"{connection.vendor} database {test_name} (dropped at the end)"

    def cleanup() -> None:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(folder, ignore_errors=True)

    return description, cleanup
