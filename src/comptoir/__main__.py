"""The ``comptoir`` command: Django's management commands with Comptoir's settings."""

import os
import sys

# Commands that only read or write the source tree (never a database, never a user's request):
# without COMPTOIR_MODE they run in test mode, so a checkout needs no SECRET_KEY for them.
# Everything else keeps production's default, which refuses to start without SECRET_KEY.
SOURCE_TREE_COMMANDS = {"makemigrations", "makemessages", "compile-translations", "help"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    if command in SOURCE_TREE_COMMANDS and "COMPTOIR_MODE" not in os.environ:
        os.environ["COMPTOIR_MODE"] = "test"
    if command == "build" and not os.environ.get("SECRET_KEY"):
        # The build (translations, static files) keeps no secret: a throw-away key lets it
        # run in production mode, with production's static storage, on a build machine.
        import secrets

        os.environ["SECRET_KEY"] = "build-only-" + secrets.token_urlsafe(50)
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:  # a setting is missing: say which, without a traceback
        sys.exit(f"comptoir: {error}")


if __name__ == "__main__":
    main()
