"""``comptoir load-catalog [--path DIR]``: load the Store catalogue files (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from comptoir.store.catalog import CatalogError, catalog_load, default_catalog_dir


class Command(BaseCommand):
    help = (
        "Load the Store catalogue (categories, apps, logos) from the catalogue directory: "
        "new apps are created, changed ones updated, apps no longer listed become inactive."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path",
            default=None,
            help=f"catalogue directory (default: {default_catalog_dir()})",
        )

    def handle(self, *args, path=None, **options):
        try:
            summary = catalog_load(path=path)
        except CatalogError as error:
            raise CommandError(
                f"The catalogue was not loaded ({len(error.errors)} problem(s)); nothing changed:\n"
                + "\n".join(f"  - {message}" for message in error.errors)
            ) from None
        for line in summary.lines():
            self.stdout.write(line)
