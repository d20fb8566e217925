"""``comptoir build``: what a release needs before ``comptoir serve``, done once per release.

Compiles the translations (.po → .mo, next to the sources) and collects the static files
into STATIC_ROOT, with hashed names and a manifest in production. Needs no SECRET_KEY and no
database: run it where the code is installed, as the user who owns it, with the same
STATIC_ROOT (or COMPTOIR_VAR_DIR) as the web server. ``make build`` runs it.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the translations and collect the static files (once per release)."
    requires_system_checks = []

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("compile-translations", verbosity=verbosity)
        call_command("collectstatic", interactive=False, verbosity=verbosity)
        self.stdout.write("build: translations compiled, static files collected")
