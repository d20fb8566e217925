"""Property: whatever happens — apps added and removed, companies created and deleted, apps
assigned one by one, to all, unassigned, role grants with or without future users, users
joining, leaving, changing role, access given and taken by hand — each company user's tiles
equal what a plain reference model, written here without the ORM, says they should be.

The reference model follows the rules written at the top of ``services/access.py``.
"""

from dataclasses import asdict, dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from comptoir.assignments import services
from comptoir.assignments.models import CompanyAssignment, RoleGrant, UserAccess
from comptoir.companies import services as company_services
from comptoir.companies.models import Company, CompanyMembership
from comptoir.core.errors import ServiceError
from comptoir.portal import tiles as portal_tiles
from comptoir.store import services as store_services
from comptoir.store.models import Installation
from comptoir.tenancy.contexts import resolve_context
from tests.assignments.conftest import make_app
from tests.factories import FirmFactory, FirmMembershipFactory, invite_and_accept

ROLES = ("administrateur", "collaborateur", "invite")
# (type, audience) of the apps the firm can add: two tile apps, a firm-only one, a connector.
KINDS = (
    ("redirect", "company"),
    ("redirect", "both"),
    ("redirect", "firm"),
    ("automation", "firm"),
)


@dataclass
class Grant:
    id: int
    installation: int
    company: int | None
    roles: tuple[str, ...]
    future: bool


@dataclass
class Model:
    """The truth, in plain Python."""

    kinds: dict[int, tuple[str, str]] = field(default_factory=dict)  # installation → kind
    positions: dict[int, int] = field(default_factory=dict)
    companies: set[int] = field(default_factory=set)
    members: dict[tuple[int, int], str] = field(default_factory=dict)  # (company, user) → role
    assigned: dict[tuple[int, int], bool] = field(default_factory=dict)  # (inst, co) → enabled
    access: dict[tuple[int, int, int], int | None] = field(default_factory=dict)  # → grant id
    all_rules: dict[int, bool] = field(default_factory=dict)  # inst → include future
    grants: dict[int, Grant] = field(default_factory=dict)

    def assignable(self, i):
        kind, audience = self.kinds[i]
        return kind == "automation" or audience != "firm"

    def tile_app(self, i):
        kind, audience = self.kinds[i]
        return kind == "redirect" and audience != "firm"

    def tiles(self, company, user):
        visible = [
            i
            for i in self.kinds
            if self.tile_app(i)
            and self.assigned.get((i, company))
            and (i, company, user) in self.access
        ]
        return sorted(visible, key=lambda i: (self.positions[i], i))

    def best_grant(self, installation, company, role, living_only=True):
        candidates = [
            g
            for g in self.grants.values()
            if g.installation == installation
            and g.company in (None, company)
            and role in g.roles
            and (g.future or not living_only)
        ]
        candidates.sort(key=lambda g: (g.company is None, g.id))
        return candidates[0] if candidates else None

    def give_living_rules(self, installation, company):
        """A company just got the app: living grants reach its users of their roles."""
        for (c, user), role in self.members.items():
            if c != company or (installation, company, user) in self.access:
                continue
            grant = self.best_grant(installation, company, role)
            if grant is not None:
                self.access[(installation, company, user)] = grant.id

    def assign(self, installation, company):
        self.assigned[(installation, company)] = True
        self.give_living_rules(installation, company)

    def unassign(self, installation, company):
        del self.assigned[(installation, company)]
        for key in [k for k in self.access if k[0] == installation and k[1] == company]:
            del self.access[key]
        for gid in [
            g.id
            for g in self.grants.values()
            if g.installation == installation and g.company == company
        ]:
            del self.grants[gid]

    def member_role_changed(self, company, user):
        role = self.members[(company, user)]
        for key, gid in list(self.access.items()):
            if (
                key[1] == company
                and key[2] == user
                and gid is not None
                and role not in self.grants[gid].roles
            ):
                del self.access[key]
        for (installation, c), _enabled in self.assigned.items():
            if c != company or (installation, company, user) in self.access:
                continue
            grant = self.best_grant(installation, company, role)
            if grant is not None:
                self.access[(installation, company, user)] = grant.id


class AssignmentsMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.firm = FirmFactory()
        self.admin = FirmMembershipFactory(firm=self.firm, role="admin").user
        self.apps = [make_app(type=t, audience=a) for t, a in KINDS]
        self.model = Model()
        self.installations: dict[int, Installation] = {}
        self.emails = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers --------------------------------------------------------------------------------

    def pick(self, items, n):
        items = sorted(items)
        return items[n % len(items)] if items else None

    def attempt(self, call, expected_ok: bool):
        try:
            call()
        except ServiceError:
            assert not expected_ok, "the service refused what the model allows"
            return False
        assert expected_ok, "the service allowed what the model refuses"
        return True

    def company(self, pk):
        return Company.objects.get(pk=pk)

    def membership(self, company, user):
        return CompanyMembership.objects.select_related("user", "company").get(
            company_id=company, user_id=user
        )

    def assignment(self, installation, company):
        return CompanyAssignment.objects.select_related(
            "installation__app", "installation__firm", "company"
        ).get(installation_id=installation, company_id=company)

    @initialize(
        roles=st.lists(st.sampled_from(ROLES), min_size=2, max_size=4),
        apps=st.sets(st.integers(0, 3), min_size=1),
    )
    def start(self, roles, apps):
        """A firm with some apps, two client companies and a few users: a rich start."""
        for n in sorted(apps):
            self.add_app(n)
        self.create_company()
        self.create_company()
        for k, role in enumerate(roles):
            self.user_joins(k, role, 0, False)

    # --- the firm's space -----------------------------------------------------------------------

    @rule(n=st.integers(0, 3))
    def add_app(self, n):
        app = self.apps[n]
        if any(i.app_id == app.pk for i in self.installations.values()):
            return
        installation = store_services.installation_add(actor=self.admin, firm=self.firm, app=app)
        self.installations[installation.pk] = installation
        m = self.model
        m.kinds[installation.pk] = KINDS[n]
        m.positions[installation.pk] = max(m.positions.values(), default=-1) + 1

    @precondition(lambda self: self.installations)
    @rule(n=st.integers(0, 99))
    def remove_app(self, n):
        pk = self.pick(self.installations, n)
        store_services.installation_remove(
            actor=self.admin, installation=self.installations.pop(pk)
        )
        m = self.model
        for key in [k for k in m.assigned if k[0] == pk]:
            m.unassign(*key)
        m.grants = {g.id: g for g in m.grants.values() if g.installation != pk}
        m.all_rules.pop(pk, None)
        del m.kinds[pk], m.positions[pk]

    # --- companies ------------------------------------------------------------------------------

    @rule()
    def create_company(self):
        company = company_services.company_create(
            actor=self.admin, firm=self.firm, name=f"Société {len(self.model.companies)}"
        )
        m = self.model
        m.companies.add(company.pk)
        for installation, future in m.all_rules.items():
            if future:
                m.assign(installation, company.pk)

    @precondition(lambda self: self.model.companies)
    @rule(n=st.integers(0, 99))
    def delete_company(self, n):
        pk = self.pick(self.model.companies, n)
        company_services.company_delete(actor=self.admin, company=self.company(pk))
        m = self.model
        m.companies.discard(pk)
        m.members = {k: v for k, v in m.members.items() if k[0] != pk}
        m.assigned = {k: v for k, v in m.assigned.items() if k[1] != pk}
        m.access = {k: v for k, v in m.access.items() if k[1] != pk}
        m.grants = {g.id: g for g in m.grants.values() if g.company != pk}

    # --- assignments ----------------------------------------------------------------------------

    @precondition(lambda self: self.installations and self.model.companies)
    @rule(i=st.integers(0, 99), c=st.integers(0, 99))
    def assign(self, i, c):
        m = self.model
        installation, company = self.pick(self.installations, i), self.pick(m.companies, c)
        ok = m.assignable(installation) and (installation, company) not in m.assigned
        if self.attempt(
            lambda: services.assignment_create(
                actor=self.admin,
                installation=self.installations[installation],
                company=self.company(company),
            ),
            ok,
        ):
            m.assign(installation, company)

    @precondition(lambda self: self.model.assigned)
    @rule(n=st.integers(0, 999))
    def unassign(self, n):
        key = self.pick(self.model.assigned, n)
        services.assignment_unassign(actor=self.admin, assignment=self.assignment(*key))
        self.model.unassign(*key)

    @precondition(lambda self: self.model.assigned)
    @rule(n=st.integers(0, 999))
    def toggle(self, n):
        key = self.pick(self.model.assigned, n)
        enabled = not self.model.assigned[key]
        services.assignment_update(
            actor=self.admin, assignment=self.assignment(*key), enabled=enabled
        )
        self.model.assigned[key] = enabled

    @precondition(lambda self: self.installations)
    @rule(i=st.integers(0, 99), future=st.booleans())
    def assign_all(self, i, future):
        m = self.model
        installation = self.pick(self.installations, i)
        if self.attempt(
            lambda: services.assign_all(
                actor=self.admin,
                installation=self.installations[installation],
                include_future_companies=future,
            ),
            m.tile_app(installation),
        ):
            for company in sorted(m.companies):
                if (installation, company) not in m.assigned:
                    m.assign(installation, company)
            m.all_rules[installation] = future

    @precondition(lambda self: self.model.all_rules)
    @rule(i=st.integers(0, 99))
    def assign_all_stop(self, i):
        installation = self.pick(self.model.all_rules, i)
        services.assign_all_rule_stop(
            actor=self.admin, installation=self.installations[installation]
        )
        self.model.all_rules[installation] = False

    @precondition(lambda self: self.installations and self.model.companies)
    @rule(
        i=st.integers(0, 99),
        chosen=st.sets(st.integers(0, 99), max_size=3),
        everyone=st.booleans(),
        roles=st.sets(st.sampled_from(ROLES), min_size=1),
        future=st.booleans(),
    )
    def role_grant(self, i, chosen, everyone, roles, future):
        m = self.model
        installation = self.pick(self.installations, i)
        targets = (
            sorted(m.companies) if everyone else sorted({self.pick(m.companies, n) for n in chosen})
        )
        ok = m.tile_app(installation) and bool(targets)
        result = {}

        def call():
            companies = "all" if everyone else [self.company(pk) for pk in targets]
            result.update(
                asdict(
                    services.role_grant_create(
                        actor=self.admin,
                        installation=self.installations[installation],
                        companies=companies,
                        roles=sorted(roles),
                        include_future_users=future,
                    )
                )
            )

        if not self.attempt(call, ok):
            return
        for company in targets:
            if (installation, company) not in m.assigned:
                m.assign(installation, company)
        for grant in RoleGrant.objects.filter(pk__in=result["grants"]):
            m.grants[grant.pk] = Grant(
                grant.pk, installation, grant.company_id, tuple(grant.roles), future
            )
        by_company = {g.company: g for g in m.grants.values() if g.id in result["grants"]}
        for (company, user), role in m.members.items():
            if (
                company in targets
                and role in roles
                and (installation, company, user) not in m.access
            ):
                grant = by_company.get(company) or by_company[None]
                m.access[(installation, company, user)] = grant.id

    @precondition(lambda self: self.model.grants)
    @rule(n=st.integers(0, 999))
    def stop_grant(self, n):
        gid = self.pick(self.model.grants, n)
        services.role_grant_stop(
            actor=self.admin,
            grant=RoleGrant.objects.select_related("installation__app", "installation__firm").get(
                pk=gid
            ),
        )
        self.model.grants[gid].future = False

    # --- users ----------------------------------------------------------------------------------

    @precondition(lambda self: self.model.companies)
    @rule(
        c=st.integers(0, 99),
        role=st.sampled_from(ROLES),
        reuse=st.integers(0, 99),
        existing=st.booleans(),
    )
    def user_joins(self, c, role, reuse, existing):
        m = self.model
        company = self.pick(m.companies, c)
        users = {u for (_c, u) in m.members} - {u for (co, u) in m.members if co == company}
        if existing and users:
            from comptoir.accounts.models import User

            email = User.objects.get(pk=self.pick(users, reuse)).email
        else:
            self.emails += 1
            email = f"prop{self.emails}@example.test"
        membership = invite_and_accept(
            actor=self.admin, company=self.company(company), email=email, role=role
        )
        m.members[(company, membership.user_id)] = role
        m.member_role_changed(company, membership.user_id)

    @precondition(lambda self: self.model.members)
    @rule(n=st.integers(0, 999))
    def user_leaves(self, n):
        company, user = self.pick(self.model.members, n)
        company_services.company_member_remove(
            actor=self.admin, membership=self.membership(company, user)
        )
        m = self.model
        del m.members[(company, user)]
        m.access = {k: v for k, v in m.access.items() if not (k[1] == company and k[2] == user)}

    @precondition(lambda self: self.model.members)
    @rule(n=st.integers(0, 999), role=st.sampled_from(ROLES))
    def change_role(self, n, role):
        key = self.pick(self.model.members, n)
        company_services.company_member_change_role(
            actor=self.admin, membership=self.membership(*key), role=role
        )
        if self.model.members[key] != role:
            self.model.members[key] = role
            self.model.member_role_changed(*key)

    @precondition(lambda self: self.model.members and self.model.assigned)
    @rule(n=st.integers(0, 999), i=st.integers(0, 99), give=st.booleans())
    def by_hand(self, n, i, give):
        m = self.model
        company, user = self.pick(m.members, n)
        installations = [k[0] for k in m.assigned if k[1] == company]
        if not installations:
            return
        installation = self.pick(installations, i)
        assignment = self.assignment(installation, company)
        user_obj = self.membership(company, user).user
        if give:
            if self.attempt(
                lambda: services.user_access_grant(
                    actor=self.admin, assignment=assignment, user=user_obj
                ),
                m.tile_app(installation),
            ):
                m.access[(installation, company, user)] = None
        else:
            services.user_access_revoke(actor=self.admin, assignment=assignment, user=user_obj)
            m.access.pop((installation, company, user), None)

    @precondition(lambda self: self.model.members)
    @rule(n=st.integers(0, 999), picks=st.sets(st.integers(0, 99), max_size=3))
    def set_user_apps(self, n, picks):
        m = self.model
        company, user = self.pick(m.members, n)
        tile_apps = sorted(k[0] for k in m.assigned if k[1] == company and m.tile_app(k[0]))
        wanted = {self.pick(tile_apps, p) for p in picks} if tile_apps else set()
        services.user_access_set(
            actor=self.admin,
            company=self.company(company),
            user=self.membership(company, user).user,
            installation_ids=sorted(wanted),
        )
        for installation in tile_apps:
            key = (installation, company, user)
            if installation in wanted:
                m.access.setdefault(key, None)
            else:
                m.access.pop(key, None)

    # --- what must always hold ------------------------------------------------------------------

    @invariant()
    def tiles_match_the_model(self):
        for (company, user), _role in self.model.members.items():
            membership = self.membership(company, user)
            context = resolve_context(membership.user, company_id=str(company))
            got = [t["installation"] for t in portal_tiles.company_tiles(context=context)]
            assert got == self.model.tiles(company, user), (company, user)

    @invariant()
    def accesses_match_the_model(self):
        rows = UserAccess.objects.filter(firm=self.firm).values_list(
            "assignment__installation_id", "assignment__company_id", "user_id", "granted_by_rule_id"
        )
        assert {(i, c, u): g for i, c, u, g in rows} == self.model.access


@pytest.mark.django_db
def test_tiles_always_match_the_reference_model():
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        AssignmentsMachine,
        settings=settings(
            max_examples=100,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
