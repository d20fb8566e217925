"""``comptoir seed-demo``: create the demo firms, client companies and logins (idempotent)."""

from django.core.management.base import BaseCommand

from comptoir.demo.data import DEMO_PASSWORD
from comptoir.demo.seed import logins_table, seed_demo, summary


class Command(BaseCommand):
    help = (
        "Create two demo firms with their client companies and a login in every role. "
        "Running it again creates nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-logins", action="store_true", help="Do not print the table of demo logins."
        )

    def handle(self, *args, **options):
        ctx = seed_demo()
        self.stdout.write(self.style.SUCCESS(summary(ctx)))
        if not options["quiet_logins"]:
            self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):\n")
            self.stdout.write(logins_table())
