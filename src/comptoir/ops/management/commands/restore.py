"""``comptoir restore ARCHIVE``: put a ``comptoir backup`` archive back.

    comptoir restore var/backups/comptoir-backup-20261204T011500Z.tar.gz
    comptoir restore ARCHIVE --force      # replace a database that already has users

Everything is checked first (checksums, manifest, database engine, migrations, an empty
target); nothing is written when a check fails. Stop the web servers and workers first.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from comptoir.ops.backup import BackupError
from comptoir.ops.restore import restore_archive


class Command(BaseCommand):
    help = "Restore a backup archive (database and uploaded files) into an empty installation."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="The .tar.gz written by comptoir backup.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the target database even if it already holds users.",
        )
        parser.add_argument(
            "--other-keys",
            action="store_true",
            help="Restore even though this installation's keys cannot read the backup's "
            "secrets (partners' API keys and passwords will have to be entered again).",
        )

    def handle(self, *args, **options):
        try:
            restore_archive(
                options["archive"],
                force=options["force"],
                other_keys=options["other_keys"],
                say=self.stdout.write,
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write("Restore complete.")
