"""``comptoir seed-demo``: two firms, their client companies and a login in every role.

Idempotent: every part looks up what exists (by slug, SIRET, e-mail) and creates only what
is missing, so running it twice changes nothing. Nothing existing is updated.

To extend it (Store installations, documents...), write ``seed_<part>(ctx)`` here or in your
app, idempotent in the same way, and add it to ``SEED_STEPS`` before ``seed_audit``; count
what it creates in ``ctx.created`` so that the summary and the audit event mention it.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from comptoir.accounts.models import Invitation, User
from comptoir.audit.services import audit_record
from comptoir.companies.models import Company, CompanyMembership, CompanyRole
from comptoir.companies.services import clean_siret
from comptoir.demo import data
from comptoir.demo.assignments import seed_assignments as assignments_seed
from comptoir.demo.deliveries import seed_connections, seed_documents
from comptoir.demo.store import seed_store as store_seed
from comptoir.firms.models import Firm, FirmMembership
from comptoir.firms.services import firm_create


@dataclass
class SeedContext:
    """What the parts share: the rows by natural key and the counts of what was created."""

    today: date
    password_hash: str
    firms: dict[str, Firm] = field(default_factory=dict)  # by slug
    companies: dict[tuple[str, str], Company] = field(default_factory=dict)  # (firm slug, name)
    users: dict[str, User] = field(default_factory=dict)  # by e-mail
    created: Counter = field(default_factory=Counter)  # "<firm slug>:<kind>" -> count


def seed_operator(ctx: SeedContext) -> None:
    """The platform operator, who uses Django's admin (/admin/)."""
    user = User.objects.filter(email=data.OPERATOR_EMAIL).first()
    if user is None:
        user = User.objects.create(
            email=data.OPERATOR_EMAIL,
            full_name="Opérateur Comptoir",
            password=ctx.password_hash,
            is_staff=True,
            is_superuser=True,
        )
        ctx.created["platform:users"] += 1
    ctx.users[user.email] = user


def seed_firms(ctx: SeedContext) -> None:
    existing = {firm.slug: firm for firm in Firm.objects.filter(slug__in=_firm_slugs())}
    for spec in data.FIRMS:
        firm = existing.get(spec.slug)
        if firm is None:
            firm = firm_create(name=spec.name, slug=spec.slug, brand_colour=spec.brand_colour)
            ctx.created[f"{spec.slug}:firms"] += 1
        ctx.firms[spec.slug] = firm


def seed_companies(ctx: SeedContext) -> None:
    """The firms' client companies, in one bulk insert per firm."""
    for spec in data.FIRMS:
        firm = ctx.firms[spec.slug]
        existing = {c.name: c for c in Company.objects.filter(firm=firm)}
        taken_slugs = {c.slug for c in existing.values()}
        taken_sirets = {c.siret for c in existing.values() if c.siret}
        new = []
        for company in data.company_specs(spec, ctx.today):
            if company.name in existing or company.siret in taken_sirets:
                continue
            # The SIRET goes through the same check as the forms: a bad one stops the seed.
            siret = clean_siret(firm=firm, siret=company.siret)
            new.append(
                Company(
                    firm=firm,
                    name=company.name,
                    siret=siret,
                    slug=_free_slug(company.name, taken_slugs),
                    fiscal_year_start=company.fiscal_year_start,
                    fiscal_year_end=company.fiscal_year_end,
                )
            )
        Company.objects.bulk_create(new)
        if new:
            ctx.created[f"{spec.slug}:companies"] += len(new)
        for company in Company.objects.filter(firm=firm):
            ctx.companies[(spec.slug, company.name)] = company


def seed_users(ctx: SeedContext) -> None:
    """Every demo login, with the demo password (one hash for all: it is the same password)."""
    first_place: dict[str, data.LoginSpec] = {}
    for login in data.LOGINS:  # a login in two places is created (and counted) once
        first_place.setdefault(login.email, login)
    existing = set(User.objects.filter(email__in=first_place).values_list("email", flat=True))
    new = [
        User(email=email, full_name=login.full_name, password=ctx.password_hash)
        for email, login in first_place.items()
        if email not in existing
    ]
    User.objects.bulk_create(new)
    for user in new:
        ctx.created[f"{first_place[user.email].firm}:users"] += 1
    ctx.users.update({u.email: u for u in User.objects.filter(email__in=first_place)})


def seed_firm_memberships(ctx: SeedContext) -> None:
    wanted = [login for login in data.LOGINS if login.company is None]
    existing = set(
        FirmMembership.objects.filter(firm__in=ctx.firms.values()).values_list(
            "firm__slug", "user__email"
        )
    )
    new = [
        FirmMembership(firm=ctx.firms[login.firm], user=ctx.users[login.email], role=login.role)
        for login in wanted
        if (login.firm, login.email) not in existing
    ]
    FirmMembership.objects.bulk_create(new)
    for membership in new:
        ctx.created[f"{membership.firm.slug}:firm_members"] += 1


def seed_company_memberships(ctx: SeedContext) -> None:
    wanted = [login for login in data.LOGINS if login.company is not None]
    existing = set(
        CompanyMembership.objects.filter(firm__in=ctx.firms.values()).values_list(
            "company_id", "user__email"
        )
    )
    new = []
    for login in wanted:
        company = ctx.companies[(login.firm, login.company)]
        if (company.pk, login.email) in existing:
            continue
        new.append(
            CompanyMembership(
                firm=company.firm, company=company, user=ctx.users[login.email], role=login.role
            )
        )
    CompanyMembership.objects.bulk_create(new)
    for membership in new:
        ctx.created[f"{membership.firm.slug}:company_members"] += 1


def seed_store(ctx: SeedContext) -> None:
    """A few apps in each firm's space and its own booking app (demo/store.py)."""
    admins = {
        login.firm: ctx.users[login.email]
        for login in reversed(data.LOGINS)
        if login.role == data.FIRM_ADMIN and login.company is None
    }
    for slug, count in store_seed(ctx.firms, installed_by=admins).items():
        if count:
            ctx.created[f"{slug}:installations"] += count


def seed_assignments(ctx: SeedContext) -> None:
    """Company-facing apps given to every client and every role (demo/assignments.py),
    so that the demo companies' users find tiles on their home page."""
    admins = {
        login.firm: ctx.users[login.email]
        for login in reversed(data.LOGINS)
        if login.role == data.FIRM_ADMIN and login.company is None
    }
    for slug, count in assignments_seed(ctx.firms, actors=admins).items():
        ctx.created[f"{slug}:apps given to every client"] += count


def seed_deliveries(ctx: SeedContext) -> None:
    """Automation apps wired to the local sinks, documents and the deliveries they cause
    (demo/deliveries.py); the worker sends them once the demo runs."""
    uploaders = {
        (login.firm, login.company): ctx.users[login.email]
        for login in reversed(data.LOGINS)
        if login.company is not None and login.role != data.COMPANY_GUEST
    }
    ctx.created.update(seed_connections(ctx.firms, ctx.companies))
    ctx.created.update(seed_documents(ctx.firms, ctx.companies, uploaders))


def seed_audit(ctx: SeedContext) -> None:
    """One event per firm that received demo data (not one per row)."""
    for slug, firm in ctx.firms.items():
        counts = {
            key.split(":", 1)[1]: n for key, n in ctx.created.items() if key.startswith(f"{slug}:")
        }
        if any(counts.values()):
            audit_record(firm=firm, actor=None, action="demo.seed", target=firm, details=counts)


def seed_pending_invitation(ctx: SeedContext) -> None:
    """One invitation waiting for an answer (``data.PENDING_INVITATION``), valid a year."""
    email, firm_slug, company_name = data.PENDING_INVITATION
    user, company = ctx.users[email], ctx.companies[(firm_slug, company_name)]
    if Invitation.objects.filter(user=user, company=company).exists():
        return
    if CompanyMembership.objects.filter(user=user, company=company).exists():
        return
    Invitation.objects.create(
        firm=company.firm,
        company=company,
        user=user,
        role=CompanyRole.COLLABORATEUR,
        invited_by=None,
        expires_at=timezone.now() + timedelta(days=365),
    )
    ctx.created[f"{firm_slug}:invitations"] += 1


SEED_STEPS: list[Callable[[SeedContext], None]] = [
    seed_operator,
    seed_firms,
    seed_companies,
    seed_users,
    seed_firm_memberships,
    seed_company_memberships,
    seed_store,
    seed_assignments,
    seed_deliveries,
    seed_pending_invitation,
    # Later issues add theirs here: assignments, documents...
    seed_audit,
]


def seed_demo(*, today: date | None = None) -> SeedContext:
    """Run every part in one transaction: the demo data is there whole, or not at all."""
    ctx = SeedContext(today=today or date.today(), password_hash=make_password(data.DEMO_PASSWORD))
    with transaction.atomic():
        for step in SEED_STEPS:
            step(ctx)
    return ctx


def demo_logins() -> list[dict[str, str]]:
    """The rows of the logins table: e-mail, password, role, where."""
    firm_names = {spec.slug: spec.name for spec in data.FIRMS}
    rows = [
        {
            "email": data.OPERATOR_EMAIL,
            "password": data.DEMO_PASSWORD,
            "role": "platform operator",
            "where": "Django admin, /admin/",
        }
    ]
    for login in data.LOGINS:
        rows.append(
            {
                "email": login.email,
                "password": data.DEMO_PASSWORD,
                "role": _ROLE_LABELS[login.role],
                "where": (
                    f"{login.company} (client of {firm_names[login.firm]})"
                    if login.company
                    else firm_names[login.firm]
                ),
            }
        )
    return rows


def format_table(rows: list[dict[str, str]], columns: list[str]) -> str:
    widths = {c: max([len(c), *(len(r[c]) for r in rows)]) for c in columns}
    line = "  ".join("-" * widths[c] for c in columns)
    head = "  ".join(c.upper().ljust(widths[c]) for c in columns)
    body = ["  ".join(r[c].ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(row.rstrip() for row in [head, line, *body])


def logins_table() -> str:
    return format_table(demo_logins(), ["email", "password", "role", "where"])


def summary(ctx: SeedContext) -> str:
    created = sum(ctx.created.values())
    if not created:
        return "Demo data already in place: nothing to create."
    parts = Counter()
    for key, n in ctx.created.items():
        parts[key.split(":", 1)[1]] += n
    return "Demo data created: " + ", ".join(f"{n} {kind}" for kind, n in sorted(parts.items()))


_ROLE_LABELS = {
    data.FIRM_ADMIN: "firm admin",
    data.FIRM_COLLABORATOR: "firm collaborator",
    data.COMPANY_ADMIN: "company administrateur",
    data.COMPANY_COLLABORATOR: "company collaborateur",
    data.COMPANY_GUEST: "company invité",
}


def _firm_slugs() -> list[str]:
    return [spec.slug for spec in data.FIRMS]


def _free_slug(name: str, taken: set[str]) -> str:
    base = slugify(name)[:70] or "entreprise"
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    taken.add(slug)
    return slug
