"""The assignments part of ``comptoir seed-demo``: tiles on the demo companies' home pages.

In each demo firm, the company-facing redirect apps of its space are given to every client
company ("Affecter à tous les clients", companies created later included) and shown to every
company role ("Personnaliser le portail client", users who join later included), through the
same services as the screens. Idempotent: a firm whose app already has its rules is skipped.
"""

from comptoir.assignments.models import AssignAllRule, RoleGrant
from comptoir.assignments.services import assign_all, role_grant_create
from comptoir.companies.models import CompanyRole
from comptoir.store.models import COMPANY_AUDIENCES, AppType, Installation


def seed_assignments(firms, *, actors) -> dict[str, int]:
    """Per firm slug, how many apps got their rules now."""
    created: dict[str, int] = {}
    for slug, firm in firms.items():
        actor = actors.get(slug)
        installations = Installation.objects.filter(
            firm=firm, app__type=AppType.REDIRECT, app__audience__in=COMPANY_AUDIENCES
        ).select_related("app")
        for installation in installations:
            if AssignAllRule.objects.filter(installation=installation).exists():
                continue
            assign_all(actor=actor, installation=installation, include_future_companies=True)
            if not RoleGrant.objects.filter(installation=installation, company=None).exists():
                role_grant_create(
                    actor=actor,
                    installation=installation,
                    companies="all",
                    roles=list(CompanyRole.values),
                    include_future_users=True,
                )
            created[slug] = created.get(slug, 0) + 1
    return created
