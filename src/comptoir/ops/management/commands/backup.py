"""``comptoir backup``: one archive with the database, the uploaded files and a manifest.

    comptoir backup                       # into BACKUP_DIR (var/backups by default)
    comptoir backup --output /srv/backups
    comptoir backup --keep 14             # then delete all but the 14 newest archives

The last line printed is the archive's path. See ``comptoir.ops.backup`` for its layout.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from comptoir.ops.backup import BackupError, create_backup, prune_backups


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
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="After a successful backup, delete all but the N newest archives of the folder.",
        )

    def handle(self, *args, **options):
        output = options["output"] or Path(settings.BACKUP_DIR)
        keep = options["keep"]
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1.")
        try:
            result = create_backup(output, say=self.stdout.write)
            if keep is not None:
                for path in prune_backups(output, keep=keep):
                    self.stdout.write(f"Deleted the older archive {path.name}.")
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(result.path))
