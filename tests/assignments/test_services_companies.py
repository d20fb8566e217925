"""Giving apps to client companies: one by one, in bulk, to all, to companies created later."""

from dataclasses import asdict

import pytest

from comptoir.assignments import services
from comptoir.assignments.models import AssignAllRule, CompanyAssignment, RoleGrant, UserAccess
from comptoir.audit.models import AuditEvent
from comptoir.companies.services import company_create
from comptoir.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from comptoir.store.schema import SECRET_MARKER, reveal_settings
from tests.assignments.conftest import connector_settings, install
from tests.factories import CompanyFactory, CompanyMembershipFactory


def actions(firm):
    return list(AuditEvent.objects.filter(firm=firm).values_list("action", flat=True))


# --- one company --------------------------------------------------------------------------------


def test_assign_an_automation_app_with_its_connection_settings(
    firm, firm_admin, company, connector
):
    assignment = services.assignment_create(
        actor=firm_admin,
        installation=connector,
        company=company,
        settings=connector_settings(mot_de_passe="s3cret", email_achats="Achats@Gestivo.EXAMPLE"),
    )
    assert assignment.firm == firm and assignment.enabled
    assert assignment.settings["code_dossier"] == "D0001"
    assert assignment.settings["email_achats"] == "Achats@gestivo.example"
    # The secret is stored encrypted, and readable by the transports only.
    assert SECRET_MARKER in assignment.settings["mot_de_passe"]
    assert (
        reveal_settings(connector.app, "company", assignment.settings)["mot_de_passe"] == "s3cret"
    )
    assert actions(firm) == ["assignment.create"]
    event = AuditEvent.objects.get(action="assignment.create")
    assert "s3cret" not in str(event.details)


def test_a_collaborator_of_the_firm_assigns_too(firm_collaborator, company, connector):
    services.assignment_create(
        actor=firm_collaborator,
        installation=connector,
        company=company,
        settings=connector_settings(),
    )
    assert CompanyAssignment.objects.count() == 1


@pytest.mark.parametrize("who", ["company_admin", "other_firm_admin"])
def test_outsiders_cannot_assign(request, who, company, connector):
    with pytest.raises(Forbidden):
        services.assignment_create(
            actor=request.getfixturevalue(who),
            installation=connector,
            company=company,
            settings=connector_settings(),
        )
    assert not CompanyAssignment.objects.exists()


def test_a_company_of_another_firm_is_not_found(firm_admin, other_company, connector):
    with pytest.raises(NotFound):
        services.assignment_create(
            actor=firm_admin,
            installation=connector,
            company=other_company,
            settings=connector_settings(),
        )


def test_every_setting_is_checked_by_the_schema(firm_admin, company, connector):
    with pytest.raises(ValidationFailed) as failure:
        services.assignment_create(
            actor=firm_admin,
            installation=connector,
            company=company,
            settings={"email_achats": "pas-une-adresse", "frequence": "mois", "inconnu": "x"},
        )
    codes = {d["key"]: d["code"] for d in failure.value.details}
    assert codes == {
        "email_achats": "invalid_email",
        "frequence": "invalid_choice",
        "inconnu": "unknown_setting",
        "code_dossier": "required",
    }
    assert not CompanyAssignment.objects.exists()


def test_assigning_twice_is_a_conflict(firm_admin, company, connector):
    services.assignment_create(
        actor=firm_admin, installation=connector, company=company, settings=connector_settings()
    )
    with pytest.raises(Conflict):
        services.assignment_create(
            actor=firm_admin, installation=connector, company=company, settings=connector_settings()
        )


def test_an_app_keyed_by_siret_refuses_a_company_without_one(firm, firm_admin, siret_app):
    installation = install(firm, siret_app)
    without = CompanyFactory(firm=firm, siret=None, name="Sans Siret SARL")
    with pytest.raises(ValidationFailed) as failure:
        services.assignment_create(actor=firm_admin, installation=installation, company=without)
    assert failure.value.code == "siret_required"
    assert "Sans Siret SARL" in str(failure.value.message) and "SIRET" in str(failure.value.message)
    with_siret = CompanyFactory(firm=firm)
    services.assignment_create(actor=firm_admin, installation=installation, company=with_siret)


def test_a_firm_only_app_cannot_be_assigned(firm, firm_admin, company, firm_only_app):
    installation = install(firm, firm_only_app)
    with pytest.raises(ValidationFailed) as failure:
        services.assignment_create(actor=firm_admin, installation=installation, company=company)
    assert failure.value.code == "firm_only_app"
    with pytest.raises(ValidationFailed):
        services.assign_all(
            actor=firm_admin, installation=installation, include_future_companies=False
        )


def test_automation_apps_meant_for_the_firm_still_connect_companies(
    firm, firm_admin, company, connector
):
    assert connector.app.audience == "firm"
    services.assignment_create(
        actor=firm_admin, installation=connector, company=company, settings=connector_settings()
    )


def test_update_merges_settings_keeps_secrets_and_toggles(firm, firm_admin, company, connector):
    assignment = services.assignment_create(
        actor=firm_admin,
        installation=connector,
        company=company,
        settings=connector_settings(mot_de_passe="s3cret"),
    )
    stored_secret = assignment.settings["mot_de_passe"]
    services.assignment_update(
        actor=firm_admin,
        assignment=assignment,
        settings={"code_dossier": "NEW", "mot_de_passe": ""},
    )
    assignment.refresh_from_db()
    assert assignment.settings["code_dossier"] == "NEW"
    assert assignment.settings["mot_de_passe"] == stored_secret  # empty keeps the secret
    # The same secret typed again is not a change (it would be re-encrypted otherwise).
    services.assignment_update(
        actor=firm_admin, assignment=assignment, settings={"mot_de_passe": "s3cret"}
    )
    assignment.refresh_from_db()
    assert assignment.settings["mot_de_passe"] == stored_secret
    services.assignment_update(actor=firm_admin, assignment=assignment, enabled=False)
    assignment.refresh_from_db()
    assert assignment.enabled is False
    assert actions(firm).count("assignment.update") == 2


def test_update_with_nothing_new_writes_nothing(firm, firm_admin, company, connector):
    assignment = services.assignment_create(
        actor=firm_admin, installation=connector, company=company, settings=connector_settings()
    )
    services.assignment_update(
        actor=firm_admin, assignment=assignment, settings=connector_settings(), enabled=True
    )
    assert actions(firm) == ["assignment.create"]


def test_unassign_removes_user_accesses_and_company_rules(
    firm, firm_admin, company, company_admin, redirect_installation
):
    services.role_grant_create(
        actor=firm_admin,
        installation=redirect_installation,
        companies=[company],
        roles=["administrateur"],
        include_future_users=True,
    )
    assignment = CompanyAssignment.objects.get()
    assert UserAccess.objects.filter(user=company_admin).exists()
    result = services.assignment_unassign(actor=firm_admin, assignment=assignment)
    assert asdict(result) == {"users": 1, "cancelled_deliveries": 0}
    assert not CompanyAssignment.objects.exists() and not UserAccess.objects.exists()
    assert not RoleGrant.objects.exists()
    assert "assignment.unassign" in actions(firm)


# --- many companies -----------------------------------------------------------------------------


def test_upsert_creates_updates_and_leaves_unchanged(firm, firm_admin, connector):
    a, b, c = (CompanyFactory(firm=firm) for _ in range(3))
    services.assignments_upsert(
        actor=firm_admin,
        installation=connector,
        entries=[
            services.Entry(company=a, settings=connector_settings(1)),
            services.Entry(company=b, settings=connector_settings(2)),
        ],
    )
    CompanyAssignment.objects.filter(company=b).update(enabled=False)
    result = services.assignments_upsert(
        actor=firm_admin,
        installation=connector,
        entries=[
            services.Entry(company=a, settings=connector_settings(1)),
            services.Entry(company=b, settings=connector_settings(2)),
            services.Entry(company=c, settings=connector_settings(3)),
        ],
    )
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert CompanyAssignment.objects.get(company=b).enabled  # the import activates
    again = services.assignments_upsert(
        actor=firm_admin,
        installation=connector,
        entries=[
            services.Entry(company=a, settings=connector_settings(1)),
        ],
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_upsert_is_all_or_nothing_with_every_error(firm, firm_admin, connector):
    a, b = CompanyFactory(firm=firm), CompanyFactory(firm=firm)
    with pytest.raises(ValidationFailed) as failure:
        services.assignments_upsert(
            actor=firm_admin,
            installation=connector,
            entries=[
                services.Entry(company=a, settings=connector_settings(1), row=2),
                services.Entry(company=b, settings={"code_dossier": ""}, row=3),
                services.Entry(company=a, settings=connector_settings(1), row=4),
            ],
        )
    details = failure.value.details
    assert {(d["row"], d["code"]) for d in details} == {(3, "required"), (4, "duplicate_company")}
    assert not CompanyAssignment.objects.exists()
    assert actions(firm) == []


# --- all companies ------------------------------------------------------------------------------


def test_assign_all_gives_every_company_and_keeps_the_rule(firm, firm_admin, redirect_installation):
    companies = [CompanyFactory(firm=firm) for _ in range(3)]
    CompanyFactory()  # another firm's company is untouched
    result = services.assign_all(
        actor=firm_admin, installation=redirect_installation, include_future_companies=True
    )
    assert asdict(result) == {
        "created": 3,
        "already_assigned": 0,
        "total": 3,
        "include_future_companies": True,
    }
    assert set(CompanyAssignment.objects.values_list("company_id", flat=True)) == {
        c.pk for c in companies
    }
    rule = AssignAllRule.objects.get()
    assert rule.include_future_companies and rule.firm == firm
    newcomer = company_create(actor=firm_admin, firm=firm, name="Nouvelle SAS")
    assert CompanyAssignment.objects.filter(
        company=newcomer, installation=redirect_installation
    ).exists()
    assert "assignment.assign_new_company" in actions(firm)


def test_assign_all_without_future_stops_an_earlier_rule(firm, firm_admin, redirect_installation):
    services.assign_all(
        actor=firm_admin, installation=redirect_installation, include_future_companies=True
    )
    services.assign_all(
        actor=firm_admin, installation=redirect_installation, include_future_companies=False
    )
    assert AssignAllRule.objects.count() == 1
    newcomer = company_create(actor=firm_admin, firm=firm, name="Plus tard SARL")
    assert not CompanyAssignment.objects.filter(company=newcomer).exists()


def test_assign_all_is_idempotent_and_leaves_disabled_ones_disabled(
    firm, firm_admin, company, redirect_installation
):
    services.assign_all(
        actor=firm_admin, installation=redirect_installation, include_future_companies=False
    )
    CompanyAssignment.objects.update(enabled=False)
    result = services.assign_all(
        actor=firm_admin, installation=redirect_installation, include_future_companies=False
    )
    assert result.created == 0 and result.already_assigned == 1
    assert not CompanyAssignment.objects.get().enabled


def test_assign_all_is_for_redirect_apps(firm_admin, company, connector):
    with pytest.raises(ValidationFailed) as failure:
        services.assign_all(
            actor=firm_admin, installation=connector, include_future_companies=False
        )
    assert failure.value.code == "redirect_only"


def test_assign_all_rule_stop(firm, firm_admin, redirect_installation):
    services.assign_all(
        actor=firm_admin, installation=redirect_installation, include_future_companies=True
    )
    assert services.assign_all_rule_stop(actor=firm_admin, installation=redirect_installation)
    assert not services.assign_all_rule_stop(actor=firm_admin, installation=redirect_installation)
    company = company_create(actor=firm_admin, firm=firm, name="Après SAS")
    assert not CompanyAssignment.objects.filter(company=company).exists()


def test_new_company_gets_living_role_rules_applied_to_its_users(
    firm, firm_admin, redirect_installation
):
    from tests.factories import invite_and_accept

    services.assign_all(
        actor=firm_admin, installation=redirect_installation, include_future_companies=True
    )
    services.role_grant_create(
        actor=firm_admin,
        installation=redirect_installation,
        companies="all",
        roles=["collaborateur"],
        include_future_users=True,
    )
    company = company_create(actor=firm_admin, firm=firm, name="Arrivée SAS")
    membership = invite_and_accept(
        actor=firm_admin, company=company, email="nouveau@example.test", role="collaborateur"
    )
    assert UserAccess.objects.filter(user=membership.user, assignment__company=company).exists()


def test_custom_app_options_take_effect(firm, firm_admin, company):
    from comptoir.store.services import custom_app_create

    member = CompanyMembershipFactory(company=company, role="collaborateur").user
    guest = CompanyMembershipFactory(company=company, role="invite").user
    installation = custom_app_create(
        actor=firm_admin,
        firm=firm,
        name="Prendre rendez-vous",
        url="https://agenda.example/cabinet",
        audience="company",
        assign_to_all_companies=True,
        roles=["collaborateur"],
    )
    assert CompanyAssignment.objects.filter(installation=installation, company=company).exists()
    assert UserAccess.objects.filter(user=member).exists()
    assert not UserAccess.objects.filter(user=guest).exists()
    later = company_create(actor=firm_admin, firm=firm, name="Client futur")
    assert CompanyAssignment.objects.filter(installation=installation, company=later).exists()


def test_custom_app_roles_without_all_dossiers_wait_for_an_assignment(firm, firm_admin, company):
    from comptoir.store.services import custom_app_create

    member = CompanyMembershipFactory(company=company, role="collaborateur").user
    installation = custom_app_create(
        actor=firm_admin,
        firm=firm,
        name="Blog du cabinet",
        url="https://blog.example/",
        audience="both",
        assign_to_all_companies=False,
        roles=["collaborateur"],
    )
    assert not CompanyAssignment.objects.exists() and not UserAccess.objects.exists()
    services.assignment_create(actor=firm_admin, installation=installation, company=company)
    assert UserAccess.objects.filter(user=member).exists()


def test_unassign_cancels_the_connections_pending_deliveries(
    settings, tmp_path, firm, firm_admin, company, connector
):
    """End to end with the deliveries engine: a document filed in Achats is planned for the
    connection; taking the app back from the company cancels it (the history stays)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from comptoir.deliveries.models import Delivery
    from comptoir.documents.services import document_upload

    settings.MEDIA_ROOT = str(tmp_path)
    assignment = services.assignment_create(
        actor=firm_admin, installation=connector, company=company, settings=connector_settings()
    )
    document_upload(
        actor=firm_admin,
        company=company,
        folder="achats",
        file=SimpleUploadedFile("facture.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf"),
    )
    delivery = Delivery.objects.get(assignment=assignment)
    assert delivery.status == "pending"
    result = services.assignment_unassign(actor=firm_admin, assignment=assignment)
    assert result.cancelled_deliveries == 1
    delivery.refresh_from_db()
    assert delivery.status == "cancelled" and delivery.assignment is None
    event = AuditEvent.objects.get(action="assignment.unassign")
    assert event.details["cancelled_deliveries"] == 1 and event.details["connection"] is True
