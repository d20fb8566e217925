"""Store services: who may do what, what is stored, what the audit log says."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from comptoir.assignments import hooks as assignments_hooks
from comptoir.audit.models import AuditEvent
from comptoir.core.errors import Conflict, Forbidden, NotFound, TooLarge, ValidationFailed
from comptoir.deliveries import hooks as deliveries_hooks
from comptoir.firms.models import FirmMembership
from comptoir.store import selectors, services
from comptoir.store.models import App, Installation, LaunchEvent
from comptoir.store.schema import SECRET_MARKER, reveal_settings
from comptoir.tenancy.contexts import TenantContext
from tests.factories import CompanyFactory, FirmMembershipFactory
from tests.store.factories import AppFactory, AutomationAppFactory, InstallationFactory

API_SETTINGS = {"api_url": "https://api.partner.example/v1", "api_key": "cle-secrete-42"}


def image_upload(fmt="PNG", size=(64, 64), name="logo.png", content_type="image/png"):
    buffer = io.BytesIO()
    Image.new("RGB", size, "#0f766e").save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def last_event(firm, action):
    return AuditEvent.objects.filter(firm=firm, action=action).latest("id")


# --- installation_add ------------------------------------------------------------------------


def test_an_admin_adds_a_redirect_app(firm, firm_admin, redirect_app):
    installation = services.installation_add(actor=firm_admin, firm=firm, app=redirect_app)
    assert installation.firm == firm and installation.installed_by == firm_admin
    event = last_event(firm, "installation.add")
    assert event.actor == firm_admin and event.details["app"] == redirect_app.slug


def test_positions_follow_the_order_of_addition(firm, firm_admin):
    first = services.installation_add(actor=firm_admin, firm=firm, app=AppFactory())
    second = services.installation_add(actor=firm_admin, firm=firm, app=AppFactory())
    assert second.position == first.position + 1


def test_an_automation_app_stores_its_secret_encrypted(firm, firm_admin, automation_app):
    installation = services.installation_add(
        actor=firm_admin, firm=firm, app=automation_app, settings=API_SETTINGS
    )
    raw = Installation.objects.filter(pk=installation.pk).values_list("settings", flat=True)[0]
    assert "cle-secrete-42" not in str(raw)
    assert set(raw["api_key"]) == {SECRET_MARKER}
    assert reveal_settings(automation_app, "firm", raw)["api_key"] == "cle-secrete-42"
    event = last_event(firm, "installation.add")
    assert "cle-secrete-42" not in str(event.details)
    assert event.details["settings"] == ["api_key", "api_url"]


def test_missing_settings_are_refused_and_nothing_is_saved(firm, firm_admin, automation_app):
    with pytest.raises(ValidationFailed) as caught:
        services.installation_add(actor=firm_admin, firm=firm, app=automation_app, settings={})
    assert {d["key"] for d in caught.value.details} == {"api_url", "api_key"}
    assert not Installation.objects.exists()
    assert not AuditEvent.objects.filter(action="installation.add").exists()


def test_a_collaborator_cannot_add(firm, firm_collaborator, redirect_app):
    with pytest.raises(Forbidden):
        services.installation_add(actor=firm_collaborator, firm=firm, app=redirect_app)
    assert not Installation.objects.exists()


def test_an_admin_of_another_firm_cannot_add_to_this_one(firm, other_firm_admin, redirect_app):
    with pytest.raises(Forbidden):
        services.installation_add(actor=other_firm_admin, firm=firm, app=redirect_app)


def test_another_firms_custom_app_cannot_be_added(firm, firm_admin, other_firm):
    custom = AppFactory(owner_firm=other_firm)
    with pytest.raises(NotFound):
        services.installation_add(actor=firm_admin, firm=firm, app=custom)


def test_an_inactive_app_cannot_be_added(firm, firm_admin):
    with pytest.raises(Conflict) as caught:
        services.installation_add(actor=firm_admin, firm=firm, app=AppFactory(is_active=False))
    assert caught.value.code == "app_inactive"


def test_adding_twice_is_a_conflict(firm, firm_admin, installation):
    with pytest.raises(Conflict) as caught:
        services.installation_add(actor=firm_admin, firm=firm, app=installation.app)
    assert caught.value.code == "already_installed"


# --- installation_update_settings --------------------------------------------------------------


def test_settings_update_keeps_the_secret_and_audits_keys_only(firm, firm_admin, automation_app):
    installation = services.installation_add(
        actor=firm_admin, firm=firm, app=automation_app, settings=API_SETTINGS
    )
    secret_before = installation.settings["api_key"]
    services.installation_update_settings(
        actor=firm_admin,
        installation=installation,
        settings={"api_url": "https://api.partner.example/v2", "api_key": ""},
    )
    installation.refresh_from_db()
    assert installation.settings["api_url"] == "https://api.partner.example/v2"
    assert installation.settings["api_key"] == secret_before
    event = last_event(firm, "installation.settings_update")
    assert event.details == {"app": automation_app.slug, "changed": ["api_url"]}
    count = AuditEvent.objects.count()
    services.installation_update_settings(
        actor=firm_admin, installation=installation, settings={"api_key": ""}
    )
    assert AuditEvent.objects.count() == count  # nothing changed, nothing recorded


def test_a_new_secret_replaces_the_old_one(firm, firm_admin, automation_app):
    installation = services.installation_add(
        actor=firm_admin, firm=firm, app=automation_app, settings=API_SETTINGS
    )
    services.installation_update_settings(
        actor=firm_admin, installation=installation, settings={"api_key": "nouvelle"}
    )
    installation.refresh_from_db()
    assert reveal_settings(automation_app, "firm", installation.settings)["api_key"] == "nouvelle"
    assert last_event(firm, "installation.settings_update").details["changed"] == ["api_key"]


def test_a_collaborator_cannot_change_settings(firm, firm_collaborator, installation):
    with pytest.raises(Forbidden):
        services.installation_update_settings(
            actor=firm_collaborator, installation=installation, settings={}
        )


def test_bad_settings_leave_the_installation_unchanged(firm, firm_admin, automation_app):
    installation = services.installation_add(
        actor=firm_admin, firm=firm, app=automation_app, settings=API_SETTINGS
    )
    before = dict(installation.settings)
    with pytest.raises(ValidationFailed):
        services.installation_update_settings(
            actor=firm_admin, installation=installation, settings={"api_url": "file:///etc"}
        )
    installation.refresh_from_db()
    assert installation.settings == before


# --- installation_remove -----------------------------------------------------------------------


@pytest.fixture
def counting_step(firm, monkeypatch):
    """The deliveries' removal hooks replaced by ones that count real rows and record calls."""
    calls = []

    def impact(installation):
        companies = installation.firm.companies.count()
        return {"companies": companies, "users": 2 * companies}

    def cancel(*, actor, installation):
        calls.append((actor, installation.pk))
        return {"cancelled": 1}

    monkeypatch.setattr(deliveries_hooks, "installation_removal_impact", impact)
    monkeypatch.setattr(deliveries_hooks, "installation_removing", cancel)
    return calls


def test_removal_runs_the_steps_audits_the_impact_and_keeps_launches(
    firm, firm_admin, installation, counting_step
):
    CompanyFactory.create_batch(3, firm=firm)
    context = TenantContext(firm=firm, firm_membership=FirmMembership.objects.get(user=firm_admin))
    launch = services.launch_record(user=firm_admin, context=context, installation=installation)
    pk = installation.pk
    impact = services.installation_remove(actor=firm_admin, installation=installation)
    assert impact == {"companies": 3, "users": 6, "connections": 0, "pending_deliveries": 0}
    assert counting_step == [(firm_admin, pk)]
    assert not Installation.objects.filter(pk=pk).exists()
    event = last_event(firm, "installation.remove")
    assert event.details["impact"] == impact
    assert event.details["cancelled"]["deliveries"] == {"cancelled": 1}
    launch.refresh_from_db()
    assert launch.installation is None and launch.app_name == installation.app.name


def test_removing_and_adding_again_starts_clean(firm, firm_admin, automation_app):
    first = services.installation_add(
        actor=firm_admin, firm=firm, app=automation_app, settings=API_SETTINGS
    )
    services.installation_remove(actor=firm_admin, installation=first)
    with pytest.raises(ValidationFailed):  # the old settings are gone
        services.installation_add(actor=firm_admin, firm=firm, app=automation_app)
    again = services.installation_add(
        actor=firm_admin, firm=firm, app=automation_app, settings=API_SETTINGS
    )
    assert again.pk != first.pk


def test_a_collaborator_cannot_remove(firm, firm_collaborator, installation):
    with pytest.raises(Forbidden):
        services.installation_remove(actor=firm_collaborator, installation=installation)
    assert Installation.objects.filter(pk=installation.pk).exists()


def test_a_failing_step_removes_nothing(firm, firm_admin, installation, monkeypatch):
    def cancel(*, actor, installation):
        raise RuntimeError("boom")

    monkeypatch.setattr(assignments_hooks, "installation_removing", cancel)
    with pytest.raises(RuntimeError):
        services.installation_remove(actor=firm_admin, installation=installation)
    assert Installation.objects.filter(pk=installation.pk).exists()
    assert not AuditEvent.objects.filter(action="installation.remove").exists()


def test_an_unknown_impact_key_is_a_programming_error(installation, monkeypatch):
    monkeypatch.setattr(assignments_hooks, "installation_removal_impact", lambda i: {"apples": 1})
    with pytest.raises(ValueError, match="apples"):
        selectors.compute_impact(installation)


# --- custom apps -------------------------------------------------------------------------------


def test_a_custom_app_is_created_installed_and_audited(firm, firm_admin):
    installation = services.custom_app_create(
        actor=firm_admin,
        firm=firm,
        name="  Prendre   rendez-vous ",
        url="https://agenda.cabinet.example/rdv",
        description="Réservez un créneau.",
        audience="company",
        assign_to_all_companies=True,
        roles=["administrateur", "invite"],
    )
    app = installation.app
    assert app.owner_firm == firm and app.type == "redirect" and app.name == "Prendre rendez-vous"
    assert app.slug.startswith(f"perso-{firm.pk}-")
    assert app.custom_options == {
        "assign_to_all_companies": True,
        "roles": ["administrateur", "invite"],
    }
    event = last_event(firm, "custom_app.create")
    assert event.details["url"] == "https://agenda.cabinet.example/rdv"
    assert event.details["roles"] == ["administrateur", "invite"]


def test_two_custom_apps_with_the_same_name_get_distinct_slugs(firm, firm_admin):
    one = services.custom_app_create(
        actor=firm_admin, firm=firm, name="Blog", url="https://b.example"
    )
    two = services.custom_app_create(
        actor=firm_admin, firm=firm, name="Blog", url="https://b.example"
    )
    assert one.app.slug != two.app.slug


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"name": " "}, "name_required"),
        ({"name": "x" * 121}, "name_too_long"),
        ({"url": "javascript:alert(1)"}, "url_scheme"),
        ({"url": "https://user:pw@evil.example"}, "url_credentials"),
        ({"audience": "everyone"}, "invalid_audience"),
        ({"roles": ["boss"]}, "invalid_role"),
        ({"description": "x" * 2001}, "description_too_long"),
    ],
)
def test_bad_custom_apps_are_refused_and_nothing_is_saved(firm, firm_admin, arguments, code):
    base = {"name": "Mon site", "url": "https://cabinet.example", "audience": "both"}
    with pytest.raises(ValidationFailed) as caught:
        services.custom_app_create(actor=firm_admin, firm=firm, **{**base, **arguments})
    assert caught.value.code == code
    assert not App.objects.exists() and not Installation.objects.exists()


def test_a_collaborator_cannot_create_a_custom_app(firm, firm_collaborator):
    with pytest.raises(Forbidden):
        services.custom_app_create(
            actor=firm_collaborator, firm=firm, name="X", url="https://x.example"
        )


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_a_raster_logo_is_re_encoded_to_png(firm, firm_admin, fmt, content_type):
    upload = image_upload(fmt=fmt, size=(600, 300), content_type=content_type)
    installation = services.custom_app_create(
        actor=firm_admin, firm=firm, name="Site", url="https://x.example", logo=upload
    )
    app = installation.app
    assert app.logo_version and app.logo_url
    with app.logo_file.open("rb") as handle, Image.open(handle) as image:
        assert image.format == "PNG" and max(image.size) <= 256


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg"),
        (b"GIF89a" + b"\x00" * 100, "logo.gif"),
        (b"not an image at all", "logo.png"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "broken.png"),
    ],
)
def test_svg_and_other_files_are_refused_as_logos(firm, firm_admin, content, name):
    with pytest.raises(ValidationFailed) as caught:
        services.custom_app_create(
            actor=firm_admin,
            firm=firm,
            name="Site",
            url="https://x.example",
            logo=SimpleUploadedFile(name, content),
        )
    assert caught.value.code == "logo_invalid"
    assert not App.objects.exists()


def test_a_logo_over_512_kb_is_refused(firm, firm_admin):
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"\x00" * (512 * 1024 + 1))
    with pytest.raises(TooLarge):
        services.custom_app_create(
            actor=firm_admin, firm=firm, name="Site", url="https://x.example", logo=big
        )


def test_a_custom_app_can_be_edited(firm, firm_admin):
    installation = services.custom_app_create(
        actor=firm_admin, firm=firm, name="Site", url="https://x.example"
    )
    services.custom_app_update(
        actor=firm_admin,
        installation=installation,
        name="Notre site",
        url="https://www.cabinet.example",
        audience="firm",
        logo=image_upload(),
    )
    app = App.objects.get(pk=installation.app_id)
    assert (app.name, app.launch_url, app.audience) == (
        "Notre site",
        "https://www.cabinet.example",
        "firm",
    )
    assert app.logo_version
    changed = last_event(firm, "custom_app.update").details["changed"]
    assert changed["name"] == {"before": "Site", "after": "Notre site"}
    with pytest.raises(ValidationFailed):
        services.custom_app_update(actor=firm_admin, installation=installation, url="data:x")


def test_a_catalogue_app_cannot_be_edited_as_custom(firm, firm_admin, installation):
    with pytest.raises(ValidationFailed):
        services.custom_app_update(actor=firm_admin, installation=installation, name="Mine")


def test_removing_a_custom_app_retires_it(firm, firm_admin):
    installation = services.custom_app_create(
        actor=firm_admin, firm=firm, name="Site", url="https://x.example"
    )
    app = installation.app
    services.installation_remove(actor=firm_admin, installation=installation)
    app.refresh_from_db()
    assert not app.is_active


# --- tiles and launches ------------------------------------------------------------------------


def test_tiles_are_reordered(firm, firm_admin):
    a, b, c = (InstallationFactory(firm=firm, position=i) for i in range(3))
    order = services.tile_reorder(actor=firm_admin, firm=firm, installation_ids=[c.pk, a.pk])
    assert order == [c.pk, a.pk, b.pk]
    positions = dict(Installation.objects.values_list("pk", "position"))
    assert positions == {c.pk: 0, a.pk: 1, b.pk: 2}
    assert last_event(firm, "tiles.reorder").details["order"] == order


def test_reorder_refuses_other_firms_ids_and_duplicates(firm, firm_admin, other_installation):
    mine = InstallationFactory(firm=firm)
    with pytest.raises(NotFound):
        services.tile_reorder(actor=firm_admin, firm=firm, installation_ids=[other_installation.pk])
    with pytest.raises(ValidationFailed):
        services.tile_reorder(actor=firm_admin, firm=firm, installation_ids=[mine.pk, mine.pk])
    with pytest.raises(ValidationFailed):
        services.tile_reorder(actor=firm_admin, firm=firm, installation_ids=["abc"])


def test_reorder_is_for_admins(firm, firm_collaborator):
    with pytest.raises(Forbidden):
        services.tile_reorder(actor=firm_collaborator, firm=firm, installation_ids=[])


def test_move_skips_automation_apps(firm, firm_admin):
    a = InstallationFactory(firm=firm, position=0)
    robot = InstallationFactory(firm=firm, position=1, app=AutomationAppFactory())
    b = InstallationFactory(firm=firm, position=2)
    order = services.tile_move(actor=firm_admin, installation=b, offset=-1)
    assert order == [b.pk, robot.pk, a.pk]
    assert services.tile_move(actor=firm_admin, installation=b, offset=-1) == order  # top already
    with pytest.raises(ValidationFailed):
        services.tile_move(actor=firm_admin, installation=robot, offset=1)


def test_a_launch_records_who_when_and_the_company(firm, installation):
    company = CompanyFactory(firm=firm)
    membership = FirmMembershipFactory(firm=firm)
    from comptoir.companies.models import CompanyMembership

    company_membership = CompanyMembership.objects.create(
        firm=firm, company=company, user=membership.user, role="collaborateur"
    )
    context = TenantContext(firm=firm, company_membership=company_membership)
    launch = services.launch_record(
        user=membership.user, context=context, installation=installation
    )
    assert (launch.user, launch.company, launch.firm_id) == (membership.user, company, firm.pk)
    assert LaunchEvent.objects.count() == 1
