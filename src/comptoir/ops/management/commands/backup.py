"""``comptoir backup``: one archive with the database, the uploaded files and a manifest.

    comptoir backup                       # into BACKUP_DIR (var/backups by default)
    comptoir backup --output /srv/backups

The last line printed is the archive's path. See ``comptoir.ops.backup`` for its layout.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from comptoir.ops.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write a backup archive (database, uploaded files, manifest with checksums) and print "
        "its path."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="Folder for the archive (default: BACKUP_DIR, var/backups).",
        )

    def handle(self, *args, **options):
        output = options["output"] or Path(settings.BACKUP_DIR)
        try:
            result = create_backup(output, say=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(result.path))
