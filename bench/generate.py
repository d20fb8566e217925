"""Build a firm with N client companies and M users in seconds (bulk inserts).

As a library: ``generate_firm(companies=10_000, users=2_000)`` in a configured Django.
As a command, into the database your environment points at (the demo's by default), to try
the screens at scale:

    COMPTOIR_MODE=demo .venv/bin/python -m bench.generate --companies 10000 --users 2000

Users: one firm admin, a tenth firm collaborators, the rest users of the first companies
(administrateur, collaborateur, invité in turn). One company in ten has no SIRET.
"""

import argparse
import os
import uuid
from dataclasses import dataclass
from datetime import date

ACTIVITIES = (
    "Boulangerie",
    "Garage",
    "Pharmacie",
    "Menuiserie",
    "Transports",
    "Restaurant",
    "Plomberie",
    "Électricité",
    "Coiffure",
    "Librairie",
    "Boucherie",
    "Fleuriste",
    "Imprimerie",
    "Toiture",
    "Fromagerie",
    "Cycles",
    "Traiteur",
    "Serrurerie",
    "Agence immobilière",
    "Cabinet infirmier",
)
SURNAMES = (
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefebvre",
    "Faure",
    "André",
)
PASSWORD = "comptoir-demo"  # the same as the demo's, to log in to a generated firm


@dataclass
class GeneratedFirm:
    firm: object
    admin: object
    companies: int
    users: int


def company_name(index: int) -> str:
    activity = ACTIVITIES[index % len(ACTIVITIES)]
    surname = SURNAMES[(index // len(ACTIVITIES)) % len(SURNAMES)]
    return f"{activity} {surname} {index + 1:05d}"


def generate_firm(*, companies: int, users: int, label: str = "bench") -> GeneratedFirm:
    """One firm, ``companies`` client companies, ``users`` logins (at least the admin)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from comptoir.accounts.models import User
    from comptoir.companies.models import Company, CompanyMembership
    from comptoir.demo.data import make_siret
    from comptoir.firms.models import Firm, FirmMembership

    slug = f"{label}-{companies}-{uuid.uuid4().hex[:6]}"
    year = date.today().year
    password = make_password(PASSWORD)
    with transaction.atomic():
        firm = Firm.objects.create(name=f"Cabinet {label.title()} {companies}", slug=slug)
        rows = Company.objects.bulk_create(
            [
                Company(
                    firm=firm,
                    name=company_name(i),
                    siret=None if i % 10 == 9 else make_siret(i),
                    slug=f"entreprise-{i + 1}",
                    fiscal_year_start=date(year, 1, 1),
                    fiscal_year_end=date(year, 12, 31),
                )
                for i in range(companies)
            ],
            batch_size=2000,
        )
        logins = User.objects.bulk_create(
            [
                User(email=f"user{i}@{slug}.test", full_name=f"Utilisateur {i}", password=password)
                for i in range(max(users, 1))
            ],
            batch_size=2000,
        )
        admin, others = logins[0], logins[1:]
        collaborators = others[: len(others) // 10]
        company_users = others[len(collaborators) :]
        FirmMembership.objects.bulk_create(
            [FirmMembership(firm=firm, user=admin, role="admin")]
            + [FirmMembership(firm=firm, user=u, role="collaborator") for u in collaborators]
        )
        roles = ("administrateur", "collaborateur", "invite")
        CompanyMembership.objects.bulk_create(
            [
                CompanyMembership(
                    firm=firm, company=rows[(i // 3) % len(rows)], user=user, role=roles[i % 3]
                )
                for i, user in enumerate(company_users)
            ]
            if rows
            else [],
            batch_size=2000,
        )
    return GeneratedFirm(firm=firm, admin=admin, companies=len(rows), users=len(logins))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=2_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
    import time

    import django

    django.setup()
    started = time.perf_counter()
    generated = generate_firm(companies=args.companies, users=args.users)
    print(
        f"{generated.firm} ({generated.firm.slug}): {generated.companies} companies, "
        f"{generated.users} users in {time.perf_counter() - started:.1f} s. "
        f"Firm admin: {generated.admin.email} / {PASSWORD}"
    )


if __name__ == "__main__":
    main()
