"""``comptoir housekeeping``: clear what has expired and apply the retention settings.

    comptoir housekeeping             # from cron or a systemd timer, once a day
    comptoir housekeeping --dry-run   # counts only, nothing changes

See ``comptoir.ops.housekeeping`` for the rules and the README for their settings.
"""

from django.core.management.base import BaseCommand, CommandError

from comptoir.ops.housekeeping import DEFAULT_BATCH, HousekeepingError, run


class Command(BaseCommand):
    help = (
        "Delete expired sessions, finished invitations and task results, and apply the "
        "retention of delivery details and audit events (in batches)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would change; change nothing."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH,
            help=f"Rows per statement (default {DEFAULT_BATCH}).",
        )

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            outcomes = run(dry_run=options["dry_run"], batch_size=options["batch_size"])
        except HousekeepingError as error:
            raise CommandError(str(error)) from None
        for outcome in outcomes:
            self.stdout.write(outcome.line())
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was changed.")
