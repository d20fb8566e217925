"""Factories for the test suite. Valid SIRETs come from ``valid_siret``."""

import itertools
from datetime import date

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory

from comptoir.accounts.models import User
from comptoir.companies.models import Company, CompanyMembership, CompanyRole
from comptoir.firms.models import Firm, FirmMembership, FirmRole

DEFAULT_PASSWORD = "mot-de-passe-solide-42"
_siren_counter = itertools.count(100000001)

PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))


def uploaded_file(
    name: str = "facture.pdf", content: bytes = PDF_BYTES, content_type="application/pdf"
) -> SimpleUploadedFile:
    """A file as a browser or an API client uploads it."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def luhn_complete(digits: str) -> str:
    """Append the digit that makes ``digits`` pass the Luhn check."""
    for last in "0123456789":
        candidate = digits + last
        total = 0
        for i, ch in enumerate(reversed(candidate)):
            n = int(ch)
            if i % 2 == 1:
                n *= 2
                if n > 9:
                    n -= 9
            total += n
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def valid_siret(n: int | None = None) -> str:
    """A distinct valid SIRET (valid SIREN + establishment number, Luhn on both)."""
    n = next(_siren_counter) if n is None else n
    siren = luhn_complete(f"{n:08d}"[-8:])
    return luhn_complete(siren + "0001")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name", locale="fr_FR")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            self.save(update_fields=["password"])


class FirmFactory(DjangoModelFactory):
    class Meta:
        model = Firm

    name = factory.Sequence(lambda n: f"Cabinet {n}")
    slug = factory.Sequence(lambda n: f"cabinet-{n}")


class FirmMembershipFactory(DjangoModelFactory):
    class Meta:
        model = FirmMembership

    firm = factory.SubFactory(FirmFactory)
    user = factory.SubFactory(UserFactory)
    role = FirmRole.ADMIN


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company

    firm = factory.SubFactory(FirmFactory)
    name = factory.Sequence(lambda n: f"Entreprise {n}")
    slug = factory.Sequence(lambda n: f"entreprise-{n}")
    siret = factory.LazyFunction(valid_siret)
    fiscal_year_start = date(2026, 1, 1)
    fiscal_year_end = date(2026, 12, 31)


class CompanyMembershipFactory(DjangoModelFactory):
    class Meta:
        model = CompanyMembership

    company = factory.SubFactory(CompanyFactory)
    firm = factory.LazyAttribute(lambda o: o.company.firm)
    user = factory.SubFactory(UserFactory)
    role = CompanyRole.COLLABORATEUR


def invite_and_accept(*, actor, company, email: str, role: str) -> CompanyMembership:
    """Invite an address to the company and, when it is only invited, accept as the invitee:
    the membership that exists once both sides said yes."""
    from comptoir.companies.invitations import company_member_invite, invitation_accept

    result = company_member_invite(actor=actor, company=company, email=email, role=role)
    if result.membership is None:
        invitation_accept(user=result.invitation.user, pk=result.invitation.pk)
    return CompanyMembership.objects.select_related("user").get(
        company=company, user=result.invitation.user
    )
