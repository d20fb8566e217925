"""Assignments at scale: the CSV import, "Affecter à tous les clients", a role grant, and the
company home page.

The three writes run inside a transaction rolled back at the end (so that every timed run
does the same work); their baselines do the same inserts in raw SQL, in a rolled-back
transaction too (without the audit event and the permission check the services add). The
import's query count grows by one INSERT per batch of rows (1,000 on PostgreSQL; SQLite's
999-parameter cap makes batches of ~120 rows): ``constant_queries`` is off for it. "Assign to
all" and the role grant are set-based (``INSERT … SELECT``): their query count must not move
with the size, nor the company home page's (a read).
"""

import re
import uuid

from django.db import connection, transaction
from django.utils import timezone

from bench.generate import PASSWORD, generate_firm
from bench.pages import PageScenario
from bench.registry import Scenario, ScenarioError, register

ROLES = ("administrateur", "collaborateur", "collaborateur", "invite", "collaborateur")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
LA_POSTE = "356000000"  # its establishments' SIRETs follow a digit-sum rule, not Luhn's


def siret_is_valid(siret: str) -> bool:
    """14 digits with a valid Luhn checksum (La Poste: the digits' sum is a multiple of 5)."""
    if len(siret) != 14 or not siret.isdigit():
        return False
    digits = [int(ch) for ch in siret]
    if siret.startswith(LA_POSTE):
        return sum(digits) % 5 == 0
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def make_app(index: int, *, type_: str = "redirect", schema=None):
    from comptoir.store.models import App

    token = uuid.uuid4().hex[:8]
    return App.objects.create(
        slug=f"bench-assign-{token}-{index}",
        name=f"Application {index:04d}",
        type=type_,
        audience="both" if type_ == "redirect" else "firm",
        launch_url=f"https://app{index}.bench.example/" if type_ == "redirect" else "",
        transport="" if type_ == "redirect" else "email",
        accepted_folders=[] if type_ == "redirect" else ["achats"],
        settings_schema=schema or [],
    )


def install(firm, app, position: int = 0):
    from comptoir.store.models import Installation

    return Installation.objects.create(firm=firm, app=app, position=position)


def add_company_users(firm, per_company: int) -> int:
    """``per_company`` users in every company of the firm (roles in turn), in bulk."""
    from django.contrib.auth.hashers import make_password

    from comptoir.accounts.models import User
    from comptoir.companies.models import Company, CompanyMembership

    companies = list(Company.objects.filter(firm=firm).order_by("pk").values_list("pk", flat=True))
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [
            User(email=f"u{i}@{firm.slug}.test", password=password)
            for i in range(len(companies) * per_company)
        ],
        batch_size=5000,
    )
    CompanyMembership.objects.bulk_create(
        [
            CompanyMembership(
                firm=firm,
                company_id=companies[i // per_company],
                user=user,
                role=ROLES[i % per_company % len(ROLES)],
            )
            for i, user in enumerate(users)
        ],
        batch_size=5000,
    )
    return len(users)


class _RolledBack(Scenario):
    """Each run does its writes in a transaction that is rolled back."""

    constant_queries = False

    def run(self) -> None:
        with transaction.atomic():
            self.check(self.write())
            transaction.set_rollback(True)

    def baseline(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            self.raw_write(cursor)
            transaction.set_rollback(True)

    def write(self):
        raise NotImplementedError

    def check(self, result) -> None:
        raise NotImplementedError

    def raw_write(self, cursor) -> None:
        raise NotImplementedError


@register
class ImportCsv(_RolledBack):
    name = "import_csv"
    description = "Validate and apply an import CSV keyed by SIRET (all rows new)"
    sizes = (100, 500)

    SCHEMA = [
        {
            "key": "code_dossier",
            "label_fr": "Code dossier",
            "label_en": "Dossier code",
            "kind": "text",
            "level": "company",
            "required": True,
        },
        {
            "key": "email_achats",
            "label_fr": "Adresse Achats",
            "label_en": "Purchases address",
            "kind": "email",
            "level": "company",
            "required": True,
            "folder": "achats",
        },
    ]

    def setup(self, size: int) -> None:
        from comptoir.companies.models import Company

        generated = generate_firm(companies=size + size // 5, users=2, label="import")
        self.admin = generated.admin
        self.installation = install(
            generated.firm, make_app(0, type_="automation", schema=self.SCHEMA)
        )
        self.rows = list(
            Company.objects.filter(firm=generated.firm, siret__isnull=False)
            .order_by("pk")
            .values_list("pk", "siret")[:size]
        )
        if len(self.rows) < size:
            raise ScenarioError("not enough companies with a SIRET")
        lines = ["siret;code_dossier;email_achats;raison_sociale"] + [
            f"{siret};D{pk};achats.{pk}@partenaire.example;Société {pk}" for pk, siret in self.rows
        ]
        self.data = ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")
        self.firm_id = generated.firm.pk
        self.size = size

    def write(self):
        from comptoir.assignments.services import assignment_import_apply

        return assignment_import_apply(
            actor=self.admin, installation=self.installation, data=self.data, filename="bench.csv"
        )

    def check(self, result) -> None:
        if result.created != self.size:
            raise ScenarioError(f"created {result.created} instead of {self.size}")

    def raw_write(self, cursor) -> None:
        """What the service does, the plain way: parse the CSV, validate every row (SIRET
        normalised, 14 digits and Luhn, no duplicate; the required dossier code; the e-mail
        address), read the companies by SIRET and their existing assignments in two queries
        of plain rows, refuse the file if anything is wrong, insert the assignments."""
        import csv
        import io
        import json

        reader = csv.reader(io.StringIO(self.data.decode("utf-8-sig")), delimiter=";")
        columns = {name.strip().lower(): i for i, name in enumerate(next(reader))}
        at_siret, at_code, at_email = (
            columns["siret"],
            columns["code_dossier"],
            columns["email_achats"],
        )
        errors: list[tuple[int, str]] = []
        first_row_of: dict[str, int] = {}
        parsed = []
        for number, row in enumerate(reader, start=2):
            siret = "".join(ch for ch in row[at_siret] if ch.isdigit() or ch.isalpha())
            if not siret_is_valid(siret):
                errors.append((number, "siret"))
            elif siret in first_row_of:
                errors.append((number, "siret_duplicate"))
            first_row_of.setdefault(siret, number)
            code = row[at_code].strip()
            if not code:
                errors.append((number, "code_dossier"))
            email = row[at_email].strip()
            if not EMAIL.fullmatch(email):
                errors.append((number, "email_achats"))
            parsed.append((number, siret, {"code_dossier": code, "email_achats": email}))
        marks = ", ".join(["%s"] * len(first_row_of))
        cursor.execute(
            f"SELECT id, siret FROM companies_company WHERE firm_id = %s AND siret IN ({marks})",
            [self.firm_id, *first_row_of],
        )
        by_siret = {siret: pk for pk, siret in cursor.fetchall()}
        errors += [(n, "siret_unknown") for n, siret, _ in parsed if siret not in by_siret]
        ids = list(by_siret.values())
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(
            "SELECT company_id FROM assignments_companyassignment"
            f" WHERE installation_id = %s AND company_id IN ({marks})",
            [self.installation.pk, *ids],
        )
        existing = {pk for (pk,) in cursor.fetchall()}
        if errors:
            raise ScenarioError(f"the baseline refused the file: {errors[:3]}")
        now = timezone.now()
        cursor.executemany(
            "INSERT INTO assignments_companyassignment (firm_id, installation_id, company_id,"
            " settings, enabled, created_by_id, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    self.firm_id,
                    self.installation.pk,
                    by_siret[siret],
                    json.dumps(settings),
                    True,
                    self.admin.pk,
                    now,
                    now,
                )
                for _n, siret, settings in parsed
                if by_siret[siret] not in existing
            ],
        )


@register
class AssignAll(_RolledBack):
    name = "assign_all"
    description = "“Affecter à tous les clients”, companies created later included"
    sizes = (1_000, 10_000)
    constant_queries = True

    def setup(self, size: int) -> None:
        generated = generate_firm(companies=size, users=2, label="all")
        self.admin = generated.admin
        self.firm_id = generated.firm.pk
        self.installation = install(generated.firm, make_app(0))
        self.size = size

    def write(self):
        from comptoir.assignments.services import assign_all

        return assign_all(
            actor=self.admin, installation=self.installation, include_future_companies=True
        )

    def check(self, result) -> None:
        if result.created != self.size:
            raise ScenarioError(f"created {result.created} instead of {self.size}")

    def raw_write(self, cursor) -> None:
        now = timezone.now()
        cursor.execute(
            "INSERT INTO assignments_companyassignment (firm_id, installation_id, company_id,"
            " settings, enabled, created_by_id, created_at, updated_at)"
            " SELECT c.firm_id, %s, c.id, '{}', %s, %s, %s, %s FROM companies_company c"
            " WHERE c.firm_id = %s AND NOT EXISTS (SELECT 1 FROM assignments_companyassignment a"
            " WHERE a.installation_id = %s AND a.company_id = c.id)",
            [
                self.installation.pk,
                True,
                self.admin.pk,
                now,
                now,
                self.firm_id,
                self.installation.pk,
            ],
        )
        cursor.execute(
            "INSERT INTO assignments_assignallrule (firm_id, installation_id,"
            " include_future_companies, created_by_id, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            [self.firm_id, self.installation.pk, True, self.admin.pk, now, now],
        )


@register
class RoleGrantAll(_RolledBack):
    name = "role_grant"
    description = "“Personnaliser le portail client”: all clients, role collaborateur, 5 users each"
    sizes = (1_000, 10_000)
    constant_queries = True

    def setup(self, size: int) -> None:
        generated = generate_firm(companies=size, users=2, label="roles")
        self.admin = generated.admin
        self.firm_id = generated.firm.pk
        add_company_users(generated.firm, 5)
        self.installation = install(generated.firm, make_app(0))
        self.expected = size * sum(1 for role in ROLES if role == "collaborateur")

    def write(self):
        from comptoir.assignments.services import role_grant_create

        return role_grant_create(
            actor=self.admin,
            installation=self.installation,
            companies="all",
            roles=["collaborateur"],
            include_future_users=True,
        )

    def check(self, result) -> None:
        if result.users_granted != self.expected:
            raise ScenarioError(f"granted {result.users_granted} instead of {self.expected}")

    def raw_write(self, cursor) -> None:
        now = timezone.now()
        inst = self.installation.pk
        cursor.execute(
            "INSERT INTO assignments_companyassignment (firm_id, installation_id, company_id,"
            " settings, enabled, created_by_id, created_at, updated_at)"
            " SELECT c.firm_id, %s, c.id, '{}', %s, %s, %s, %s FROM companies_company c"
            " WHERE c.firm_id = %s",
            [inst, True, self.admin.pk, now, now, self.firm_id],
        )
        cursor.execute(
            "INSERT INTO assignments_rolegrant (firm_id, installation_id, company_id, roles,"
            " include_future_users, created_by_id, created_at, updated_at)"
            " VALUES (%s, %s, NULL, %s, %s, %s, %s, %s)",
            [self.firm_id, inst, '["collaborateur"]', True, self.admin.pk, now, now],
        )
        cursor.execute("SELECT MAX(id) FROM assignments_rolegrant")
        grant = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO assignments_useraccess (firm_id, assignment_id, user_id,"
            " granted_by_rule_id, created_at, updated_at)"
            " SELECT a.firm_id, a.id, m.user_id, %s, %s, %s"
            " FROM assignments_companyassignment a"
            " JOIN companies_companymembership m ON m.company_id = a.company_id"
            " WHERE a.installation_id = %s AND m.role = 'collaborateur'",
            [grant, now, now, inst],
        )


@register
class CompanyHome(PageScenario):
    name = "company_home"
    description = (
        "GET /entreprise/ (portal:company_home) as a company user; size = companies, "
        "5 users each, size/100 installations"
    )
    sizes = (1_000, 5_000, 10_000)

    def setup(self, size: int) -> None:
        from comptoir.assignments.models import CompanyAssignment, UserAccess
        from comptoir.companies.models import Company, CompanyMembership

        generated = generate_firm(companies=size, users=2, label="home")
        firm = generated.firm
        add_company_users(firm, 5)
        count = max(1, size // 100)
        installations = [
            install(firm, make_app(i, type_="redirect" if i % 5 else "automation"), position=i)
            for i in range(count)
        ]
        companies = list(
            Company.objects.filter(firm=firm).order_by("pk").values_list("pk", flat=True)
        )
        # Each app reaches a tenth of the companies, and every app reaches the first one.
        assignments = CompanyAssignment.objects.bulk_create(
            [
                CompanyAssignment(firm=firm, installation=inst, company_id=pk)
                for i, inst in enumerate(installations)
                for n, pk in enumerate(companies)
                if n == 0 or n % 10 == i % 10
            ],
            batch_size=5000,
        )
        members: dict[int, list[int]] = {}
        for company_id, user_id in (
            CompanyMembership.objects.filter(firm=firm)
            .order_by("pk")
            .values_list("company_id", "user_id")
        ):
            members.setdefault(company_id, []).append(user_id)
        UserAccess.objects.bulk_create(
            [
                UserAccess(firm=firm, assignment=a, user_id=user_id)
                for a in assignments
                for user_id in members[a.company_id][:2]
            ],
            batch_size=5000,
        )
        self.company_id = companies[0]
        self.firm_id = firm.pk
        self.expected = sum(1 for i in range(count) if i % 5)
        from comptoir.accounts.models import User

        self.log_in(User.objects.get(pk=members[self.company_id][0]))
        self.use_url("portal:company_home")

    def check(self, content: bytes) -> None:
        tiles = content.count(b'class="tile"')
        if tiles != self.expected:
            raise ScenarioError(f"{tiles} tiles instead of {self.expected}")

    def selector(self) -> None:
        from comptoir.portal.tiles import company_tiles

        tiles = company_tiles(context=self.context)
        if len(tiles) != self.expected:
            raise ScenarioError(f"{len(tiles)} tiles instead of {self.expected}")

    def baseline(self) -> None:
        """The tiles: the firm's redirect apps for companies that this user was given."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.id, a.id, a.name, a.logo_version FROM store_installation i"
                " JOIN store_app a ON a.id = i.app_id"
                " WHERE i.firm_id = %s AND a.type = 'redirect'"
                " AND a.audience IN ('company', 'both')"
                " AND EXISTS (SELECT 1 FROM assignments_useraccess u"
                " JOIN assignments_companyassignment ca ON ca.id = u.assignment_id"
                " WHERE ca.installation_id = i.id AND ca.company_id = %s AND ca.enabled"
                " AND u.user_id = %s) ORDER BY i.position, i.id",
                [self.firm_id, self.company_id, self.user_id],
            )
            cursor.fetchall()
