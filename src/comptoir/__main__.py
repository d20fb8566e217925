"""The ``comptoir`` command: Django's management commands with Comptoir's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:  # a setting is missing: say which, without a traceback
        sys.exit(f"comptoir: {error}")


if __name__ == "__main__":
    main()
