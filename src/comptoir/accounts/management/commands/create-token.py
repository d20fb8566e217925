"""``comptoir create-token EMAIL [--name NAME]``: an API token for a user, shown once."""

from django.core.management.base import BaseCommand, CommandError

from comptoir.accounts import selectors, services
from comptoir.core.errors import ServiceError


class Command(BaseCommand):
    help = "Create an API token for a user and print its key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The e-mail address the user logs in with.")
        parser.add_argument("--name", default="command line", help="What the token is for.")

    def handle(self, *args, email, name, **options):
        user = selectors.user_get_by_email(email)
        if user is None:
            raise CommandError(f"No user logs in with {email!r}. Check the address.")
        if not user.is_active:
            raise CommandError(f"{user.email} is deactivated: its tokens would not work.")
        try:
            token, key = services.token_create(user=user, name=name)
        except ServiceError as error:
            raise CommandError(str(error.message)) from None
        self.stderr.write(
            f"Token “{token.name}” created for {user.email}. "
            "Copy the key now: it is not stored and will not be shown again."
        )
        self.stdout.write(key)
