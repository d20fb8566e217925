"""Which company users see an app: by hand, by role, as they join, change role and leave;
and what removing the app from the space takes away."""

import pytest

from comptoir.assignments import services
from comptoir.assignments.grants import AccessChange
from comptoir.assignments.models import CompanyAssignment, RoleGrant, UserAccess
from comptoir.audit.models import AuditEvent
from comptoir.companies.services import company_member_change_role, company_member_remove
from comptoir.core.errors import Forbidden, NotFound, ValidationFailed
from comptoir.portal import tiles as portal_tiles
from comptoir.store.selectors import compute_impact
from comptoir.store.services import installation_remove
from comptoir.tenancy.contexts import resolve_context
from tests.assignments.conftest import connector_settings, install, make_app
from tests.factories import CompanyFactory, CompanyMembershipFactory, invite_and_accept


def tiles(user, company) -> list[int]:
    context = resolve_context(user, company_id=str(company.pk))
    return [t["installation"] for t in portal_tiles.company_tiles(context=context)]


@pytest.fixture
def assigned(firm_admin, company, redirect_installation):
    return services.assignment_create(
        actor=firm_admin, installation=redirect_installation, company=company
    )


# --- by hand ------------------------------------------------------------------------------------


def test_grant_and_revoke_by_hand(firm, firm_admin, company, company_guest, assigned):
    assert tiles(company_guest, company) == []
    access = services.user_access_grant(actor=firm_admin, assignment=assigned, user=company_guest)
    assert access.granted_by_rule is None and access.firm == firm
    assert tiles(company_guest, company) == [assigned.installation_id]
    # Granting again changes nothing.
    services.user_access_grant(actor=firm_admin, assignment=assigned, user=company_guest)
    assert UserAccess.objects.count() == 1
    assert services.user_access_revoke(actor=firm_admin, assignment=assigned, user=company_guest)
    assert not services.user_access_revoke(
        actor=firm_admin, assignment=assigned, user=company_guest
    )
    assert tiles(company_guest, company) == []
    assert list(
        AuditEvent.objects.filter(action__startswith="user_access")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["user_access.grant", "user_access.revoke"]


def test_a_disabled_assignment_shows_no_tile_but_keeps_access(
    firm_admin, company, company_guest, assigned
):
    services.user_access_grant(actor=firm_admin, assignment=assigned, user=company_guest)
    services.assignment_update(actor=firm_admin, assignment=assigned, enabled=False)
    assert tiles(company_guest, company) == []
    services.assignment_update(actor=firm_admin, assignment=assigned, enabled=True)
    assert tiles(company_guest, company) == [assigned.installation_id]


def test_the_company_admin_manages_their_own_users_only(
    firm, firm_admin, company, company_admin, company_guest, assigned
):
    services.user_access_grant(actor=company_admin, assignment=assigned, user=company_guest)
    other = CompanyFactory(firm=firm)
    other_assignment = services.assignment_create(
        actor=firm_admin, installation=assigned.installation, company=other
    )
    other_user = CompanyMembershipFactory(company=other).user
    with pytest.raises(Forbidden):
        services.user_access_grant(
            actor=company_admin, assignment=other_assignment, user=other_user
        )
    with pytest.raises(Forbidden):
        services.user_access_grant(actor=company_guest, assignment=assigned, user=company_admin)


def test_only_members_of_the_company_get_access(firm, firm_admin, assigned):
    stranger = CompanyMembershipFactory(company=CompanyFactory(firm=firm)).user
    with pytest.raises(NotFound):
        services.user_access_grant(actor=firm_admin, assignment=assigned, user=stranger)


def test_automation_apps_have_no_user_access(firm_admin, company, company_guest, connector):
    assignment = services.assignment_create(
        actor=firm_admin, installation=connector, company=company, settings=connector_settings()
    )
    with pytest.raises(ValidationFailed) as failure:
        services.user_access_grant(actor=firm_admin, assignment=assignment, user=company_guest)
    assert failure.value.code == "no_user_access"


def test_user_access_set_matches_the_ticked_apps(
    firm, firm_admin, company, company_guest, assigned
):
    second = install(firm, make_app(name="Deuxième", audience="company"))
    services.assignment_create(actor=firm_admin, installation=second, company=company)
    result = services.user_access_set(
        actor=firm_admin,
        company=company,
        user=company_guest,
        installation_ids=[str(assigned.installation_id), second.pk],
    )
    assert result == AccessChange(granted=sorted([assigned.installation_id, second.pk]), revoked=[])
    result = services.user_access_set(
        actor=firm_admin, company=company, user=company_guest, installation_ids=[second.pk]
    )
    assert result == AccessChange(granted=[], revoked=[assigned.installation_id])
    assert tiles(company_guest, company) == [second.pk]
    with pytest.raises(NotFound):  # an app the company does not have
        services.user_access_set(
            actor=firm_admin, company=company, user=company_guest, installation_ids=[999999]
        )
    with pytest.raises(ValidationFailed):
        services.user_access_set(
            actor=firm_admin, company=company, user=company_guest, installation_ids=["x"]
        )


# --- by role ------------------------------------------------------------------------------------


def test_role_grant_assigns_chosen_companies_and_their_users(
    firm, firm_admin, redirect_installation
):
    a, b, c = (CompanyFactory(firm=firm) for _ in range(3))
    collaborators = [CompanyMembershipFactory(company=x, role="collaborateur").user for x in (a, b)]
    guest = CompanyMembershipFactory(company=a, role="invite").user
    outside = CompanyMembershipFactory(company=c, role="collaborateur").user
    result = services.role_grant_create(
        actor=firm_admin,
        installation=redirect_installation,
        companies=[a, b],
        roles=["collaborateur"],
        include_future_users=False,
    )
    assert result.assigned == 2 and result.users_granted == 2 and result.companies == 2
    assert tiles(collaborators[0], a) == [redirect_installation.pk]
    assert tiles(collaborators[1], b) == [redirect_installation.pk]
    assert tiles(guest, a) == [] and tiles(outside, c) == []
    assert RoleGrant.objects.filter(company__isnull=False).count() == 2
    assert AuditEvent.objects.filter(action="role_grant.create").count() == 1


def test_role_grant_all_covers_every_company(firm, firm_admin, redirect_installation):
    companies = [CompanyFactory(firm=firm) for _ in range(3)]
    users = [CompanyMembershipFactory(company=x, role="administrateur").user for x in companies]
    result = services.role_grant_create(
        actor=firm_admin,
        installation=redirect_installation,
        companies="all",
        roles=["administrateur"],
        include_future_users=False,
    )
    assert result.assigned == 3 and result.users_granted == 3
    assert RoleGrant.objects.get().company is None
    for user, company in zip(users, companies, strict=True):
        assert tiles(user, company) == [redirect_installation.pk]


def test_role_grant_refusals(
    firm, firm_admin, company, connector, redirect_installation, other_company
):
    with pytest.raises(ValidationFailed) as failure:
        services.role_grant_create(
            actor=firm_admin,
            installation=connector,
            companies="all",
            roles=["collaborateur"],
            include_future_users=False,
        )
    assert failure.value.code == "redirect_only"
    for roles, code in (([], "roles_required"), (["patron"], "invalid_role")):
        with pytest.raises(ValidationFailed) as failure:
            services.role_grant_create(
                actor=firm_admin,
                installation=redirect_installation,
                companies="all",
                roles=roles,
                include_future_users=False,
            )
        assert failure.value.code == code
    with pytest.raises(ValidationFailed):
        services.role_grant_create(
            actor=firm_admin,
            installation=redirect_installation,
            companies=[],
            roles=["invite"],
            include_future_users=False,
        )
    with pytest.raises(NotFound):
        services.role_grant_create(
            actor=firm_admin,
            installation=redirect_installation,
            companies=[other_company],
            roles=["invite"],
            include_future_users=False,
        )
    assert not CompanyAssignment.objects.exists() and not RoleGrant.objects.exists()


def test_users_joining_later_get_the_app_only_with_future_users(
    firm, firm_admin, company, redirect_installation
):
    services.role_grant_create(
        actor=firm_admin,
        installation=redirect_installation,
        companies=[company],
        roles=["collaborateur"],
        include_future_users=False,
    )
    late = invite_and_accept(
        actor=firm_admin, company=company, email="late@example.test", role="collaborateur"
    )
    assert tiles(late.user, company) == []
    services.role_grant_create(
        actor=firm_admin,
        installation=redirect_installation,
        companies=[company],
        roles=["collaborateur"],
        include_future_users=True,
    )
    assert tiles(late.user, company) == [redirect_installation.pk]  # current users: now
    later = invite_and_accept(
        actor=firm_admin, company=company, email="later@example.test", role="collaborateur"
    )
    assert tiles(later.user, company) == [redirect_installation.pk]
    guest = invite_and_accept(
        actor=firm_admin, company=company, email="g@example.test", role="invite"
    )
    assert tiles(guest.user, company) == []


def test_role_changes_follow_the_rules(firm, firm_admin, company, redirect_installation):
    services.role_grant_create(
        actor=firm_admin,
        installation=redirect_installation,
        companies=[company],
        roles=["collaborateur"],
        include_future_users=True,
    )
    membership = invite_and_accept(
        actor=firm_admin, company=company, email="mover@example.test", role="invite"
    )
    assert tiles(membership.user, company) == []
    company_member_change_role(actor=firm_admin, membership=membership, role="collaborateur")
    assert tiles(membership.user, company) == [redirect_installation.pk]
    company_member_change_role(actor=firm_admin, membership=membership, role="administrateur")
    assert tiles(membership.user, company) == []  # given by role, it follows the role
    company_member_change_role(actor=firm_admin, membership=membership, role="collaborateur")
    services.user_access_grant(
        actor=firm_admin,
        assignment=CompanyAssignment.objects.get(company=company),
        user=membership.user,
    )
    company_member_change_role(actor=firm_admin, membership=membership, role="invite")
    assert tiles(membership.user, company) == [redirect_installation.pk]  # given by hand: stays


def test_stopped_rule_no_longer_reaches_new_users(firm, firm_admin, company, redirect_installation):
    services.role_grant_create(
        actor=firm_admin,
        installation=redirect_installation,
        companies="all",
        roles=["invite"],
        include_future_users=True,
    )
    services.role_grant_stop(actor=firm_admin, grant=RoleGrant.objects.get())
    newcomer = invite_and_accept(
        actor=firm_admin, company=company, email="n@example.test", role="invite"
    )
    assert tiles(newcomer.user, company) == []


def test_leaving_the_company_removes_its_accesses(
    firm, firm_admin, company, company_guest, assigned
):
    services.user_access_grant(actor=firm_admin, assignment=assigned, user=company_guest)
    membership = company_guest.company_memberships.get(company=company)
    company_member_remove(actor=firm_admin, membership=membership)
    assert not UserAccess.objects.exists()
    back = invite_and_accept(
        actor=firm_admin, company=company, email=company_guest.email, role="invite"
    )
    assert tiles(back.user, company) == []


def test_tiles_need_a_company_audience(firm, firm_admin, company, company_guest, assigned):
    services.user_access_grant(actor=firm_admin, assignment=assigned, user=company_guest)
    app = assigned.installation.app
    app.audience = "firm"
    app.save(update_fields=["audience"])
    assert tiles(company_guest, company) == []


def test_is_tile_opening_allowed_uses_the_assignments(firm_admin, company, company_guest, assigned):
    from comptoir.portal.tiles import is_tile_opening_allowed

    context = resolve_context(company_guest, company_id=str(company.pk))
    assert not is_tile_opening_allowed(context, assigned.installation)
    services.user_access_grant(actor=firm_admin, assignment=assigned, user=company_guest)
    assert is_tile_opening_allowed(context, assigned.installation)


# --- removing the app from the space ------------------------------------------------------------


def test_removal_impact_and_cancel(firm, firm_admin, company, connector, redirect_installation):
    other = CompanyFactory(firm=firm)
    services.assignments_upsert(
        actor=firm_admin,
        installation=connector,
        entries=[
            services.Entry(company=company, settings=connector_settings(1)),
            services.Entry(company=other, settings=connector_settings(2)),
        ],
    )
    CompanyMembershipFactory(company=company, role="collaborateur")
    CompanyMembershipFactory(company=other, role="collaborateur")
    services.role_grant_create(
        actor=firm_admin,
        installation=redirect_installation,
        companies="all",
        roles=["collaborateur"],
        include_future_users=True,
    )
    services.assign_all(
        actor=firm_admin, installation=redirect_installation, include_future_companies=True
    )
    assert compute_impact(connector) == {
        "companies": 2,
        "users": 0,
        "connections": 2,
        "pending_deliveries": 0,
    }
    assert compute_impact(redirect_installation) == {
        "companies": 2,
        "users": 2,
        "connections": 0,
        "pending_deliveries": 0,
    }
    installation_remove(actor=firm_admin, installation=redirect_installation)
    assert not UserAccess.objects.exists() and not RoleGrant.objects.exists()
    assert set(CompanyAssignment.objects.values_list("installation_id", flat=True)) == {
        connector.pk
    }
    event = AuditEvent.objects.get(action="installation.remove")
    assert event.details["cancelled"]["assignments"]["users"] == 2
    # Adding it again starts clean: no rule brings the companies back.
    again = install(firm, redirect_installation.app)
    assert not CompanyAssignment.objects.filter(installation=again).exists()
