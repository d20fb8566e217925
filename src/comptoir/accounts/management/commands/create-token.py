"""``comptoir create-token EMAIL [--name NAME] [--days N] [--read-only] [--pin firm:SLUG]``:
an API token for a user, shown once."""

from django.core.management.base import BaseCommand, CommandError

from comptoir.accounts import selectors, services
from comptoir.core.errors import ServiceError
from comptoir.tenancy import tokens


class Command(BaseCommand):
    help = "Create an API token for a user and print its key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The e-mail address the user logs in with.")
        parser.add_argument("--name", default="command line", help="What the token is for.")
        parser.add_argument(
            "--days",
            type=int,
            default=services.TOKEN_DEFAULT_DAYS,
            help=f"How long it lasts: {', '.join(map(str, services.TOKEN_EXPIRY_CHOICES))} days "
            f"(default {services.TOKEN_DEFAULT_DAYS}).",
        )
        parser.add_argument("--read-only", action="store_true", help="It may only read.")
        parser.add_argument(
            "--pin", default="", help="Act only in firm:<slug> or company:<id> of the user's."
        )

    def handle(self, *args, email, name, days, read_only, pin, **options):
        user = selectors.user_get_by_email(email)
        if user is None:
            raise CommandError(f"No user logs in with {email!r}. Check the address.")
        if not user.is_active:
            raise CommandError(f"{user.email} is deactivated: its tokens would not work.")
        try:
            token, key = tokens.token_create(
                user=user,
                name=name,
                expires_in_days=days,
                scope="read" if read_only else "write",
                pin=pin,
            )
        except ServiceError as error:
            raise CommandError(str(error.message)) from None
        self.stderr.write(
            f"Token “{token.name}” created for {user.email}, valid until "
            f"{token.expires_at:%Y-%m-%d}. "
            "Copy the key now: it is not stored and will not be shown again."
        )
        self.stdout.write(key)
