"""Assignments in a real browser: an admin downloads the import template, imports a file with
several bad rows (sees every error, nothing applied), fixes it, previews it and imports it;
uses "Personnaliser le portail client" for the role collaborateur; a collaborateur of a client
company logs in and opens the tile (a local HTTP server plays the partner)."""

import csv
import io

import pytest
from playwright.sync_api import expect

from comptoir.assignments.models import CompanyAssignment, UserAccess
from comptoir.store.models import LaunchEvent
from tests.assignments.conftest import CONNECTOR_SCHEMA, install, make_app
from tests.browser.conftest import log_in, open_tile
from tests.factories import (
    CompanyFactory,
    CompanyMembershipFactory,
    FirmFactory,
    FirmMembershipFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def partner_url(partner_site):
    return partner_site("Banque en ligne", "Banque partenaire", "/banque")


@pytest.fixture
def setup(transactional_db, partner_url):
    firm = FirmFactory(name="Cabinet Moreau")
    admin = FirmMembershipFactory(firm=firm, role="admin").user
    first = CompanyFactory(firm=firm, name="Boulangerie Martin")
    second = CompanyFactory(firm=firm, name="Garage Dupont")
    collaborator = CompanyMembershipFactory(company=first, role="collaborateur").user
    guest = CompanyMembershipFactory(company=first, role="invite").user
    connector = install(
        firm,
        make_app(
            slug="automatiser-gestivo",
            name="Automatiser Gestivo",
            type="automation",
            audience="firm",
            settings_schema=CONNECTOR_SCHEMA,
        ),
    )
    bank = install(
        firm,
        make_app(
            slug="banque-partenaire",
            name="Banque Partenaire",
            audience="both",
            launch_url=partner_url,
        ),
    )
    return {
        "admin": admin,
        "first": first,
        "second": second,
        "collaborator": collaborator,
        "guest": guest,
        "connector": connector,
        "bank": bank,
    }


def write(tmp_path, name, lines) -> str:
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    return str(path)


def upload(page, path):
    page.locator("input[type=file][name=file]").set_input_files(path)
    page.locator("#preview-import").click()


def test_import_then_customise_the_client_portal(
    live_server, page, setup, tmp_path, partner_url, screenshot
):
    first, second = setup["first"], setup["second"]
    log_in(page, live_server.url, setup["admin"], landing="/cabinet/")

    # ⚙ on the connector's row of the Store page leads to its page; tab "Importer".
    page.goto(f"{live_server.url}/cabinet/parametres/applications/")
    page.locator(
        f"[data-app='automatiser-gestivo'] a[href$='/{setup['connector'].pk}/clients/']"
    ).click()
    page.locator(f"a[href$='/{setup['connector'].pk}/importer/']").click()

    with page.expect_download() as download_info:
        page.locator("#download-template").click()
    template = open(download_info.value.path(), "rb").read()  # noqa: SIM115
    assert template == (
        b"\xef\xbb\xbfsiret;code_dossier;email_achats;email_ventes;mot_de_passe;frequence\r\n"
    )

    header = "siret;code_dossier;email_achats;raison sociale"
    bad = write(
        tmp_path,
        "clients.csv",
        [
            header,
            f"{first.siret};B01;achats.martin@gestivo.example;Boulangerie Martin",
            f"{second.siret[:-1]}{(int(second.siret[-1]) + 1) % 10};G02;achats@x.example;Garage",
            f"{first.siret};B03;doublon@x.example;Doublon",
            "7,33E+13;X;pas-un-email;Excel",
        ],
    )
    upload(page, bad)
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(4)  # checksum, duplicate, scientific notation, bad e-mail
    expect(page.locator("#apply-import")).to_have_count(0)
    for row in ("3", "4", "5"):
        expect(page.locator("#import-errors tbody td.num", has_text=row).first).to_be_visible()
    screenshot("import-errors")
    assert not CompanyAssignment.objects.exists()
    with page.expect_download() as report_info:
        page.locator("#error-report").click()
    report = open(report_info.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    assert [r[0] for r in list(csv.reader(io.StringIO(report), delimiter=";"))[1:]] == [
        "3",
        "4",
        "5",
        "5",
    ]

    fixed = write(
        tmp_path,
        "clients-corrige.csv",
        [
            header,
            f"{first.siret};B01;achats.martin@gestivo.example;Boulangerie Martin",
            f"{second.siret};G02;achats.dupont@gestivo.example;Garage Dupont",
        ],
    )
    upload(page, fixed)
    summary = page.locator("#import-summary li strong")
    expect(summary).to_have_text(["2", "0", "0"])
    expect(page.locator("#extra-columns")).to_contain_text("raison sociale")
    screenshot("import-preview")
    assert not CompanyAssignment.objects.exists()  # a preview changes nothing
    page.locator("#apply-import").click()
    expect(page.locator("#assignments")).to_contain_text("Boulangerie Martin")
    expect(page.locator("#assignments")).to_contain_text("Garage Dupont")
    assert CompanyAssignment.objects.filter(installation=setup["connector"]).count() == 2
    screenshot("import-applied")

    # "Personnaliser le portail client" for the bank's tile: role collaborateur, all clients.
    page.goto(f"{live_server.url}/cabinet/parametres/applications/{setup['bank'].pk}/clients/")
    page.locator(f"a[href$='/{setup['bank'].pk}/portail-client/']").click()
    page.locator("input[name=scope][value=all]").check()
    page.locator("input[name=roles][value=collaborateur]").check()
    page.locator("input[name=include_future_users]").check()
    screenshot("client-portal")
    page.locator("#grant-roles").click()
    expect(page.locator("#role-grants tbody tr")).to_have_count(1)
    assert UserAccess.objects.filter(user=setup["collaborator"]).exists()
    assert not UserAccess.objects.filter(user=setup["guest"]).exists()
    page.goto(f"{live_server.url}/cabinet/clients/{first.pk}/utilisateurs/")
    screenshot("client-users-tab")

    # The collaborateur logs in: the tile opens the partner in a new tab.
    page.context.clear_cookies()
    log_in(page, live_server.url, setup["collaborator"], landing="/entreprise/")
    screenshot("company-home")
    popup = open_tile(page, setup["bank"].pk)
    assert popup.url == partner_url
    expect(popup.get_by_role("heading", name="Banque partenaire")).to_be_visible()
    assert LaunchEvent.objects.filter(installation=setup["bank"], company=first).count() == 1
