"""``comptoir create-firm NAME --admin-email EMAIL [--slug SLUG]``: a new firm whose first
administrator is invited (the invitation e-mail, a link to choose their password), never
given a password by the operator."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from comptoir.companies.invitations import firm_admin_invite
from comptoir.core.errors import ServiceError
from comptoir.firms.services import firm_create


class Command(BaseCommand):
    help = "Create a firm and send its first administrator the invitation e-mail."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The firm's name, e.g. “Cabinet Durand”.")
        parser.add_argument(
            "--admin-email", required=True, help="The address of its first administrator."
        )
        parser.add_argument("--slug", default=None, help="Its address in URLs (from the name).")

    def handle(self, *args, name, admin_email, slug, **options):
        try:
            with transaction.atomic():
                firm = firm_create(name=name, slug=slug)
                invitation = firm_admin_invite(actor=None, firm=firm, email=admin_email)
        except ServiceError as error:
            raise CommandError(str(error.message)) from None
        self.stdout.write(
            f"Firm “{firm.name}” ({firm.slug}) created. The invitation e-mail goes to "
            f"{invitation.user.email}; the link is valid until "
            f"{invitation.expires_at:%Y-%m-%d %H:%M}."
        )
