"""The catalogue files and ``comptoir load-catalog``."""

import io
import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from comptoir.store.catalog import CatalogError, catalog_load, read_catalog
from comptoir.store.models import App, Category
from comptoir.store.schema import company_fields, firm_fields
from comptoir.store.selectors import unused_apps
from tests.store.factories import InstallationFactory

CATALOG = Path(settings.PROJECT_DIR) / "catalog"


@pytest.fixture
def catalog_copy(tmp_path):
    target = tmp_path / "catalog"
    shutil.copytree(CATALOG, target)
    return target


def _apps():
    return {app["slug"]: app for app in read_catalog(CATALOG)[2]}


def test_the_demo_catalogue_covers_the_store():
    version, categories, apps = read_catalog(CATALOG)
    assert version
    assert {c["slug"] for c in categories} == {
        "automatisation-saisie",
        "gestion-commerciale",
        "conseil",
        "notes-de-frais",
        "banques-en-ligne",
        "gestion-interne",
        "coffres-forts",
        "rh-paie",
        "autres",
    }
    active = [a for a in apps if a["is_active"]]
    assert len(active) >= 30
    assert {a["category"] for a in active} == {c["slug"] for c in categories}
    assert {a["type"] for a in active} == {"redirect", "automation"}
    for kind in ("redirect", "automation"):
        assert {a["audience"] for a in active if a["type"] == kind} == {"firm", "company", "both"}
    assert {a["transport"] for a in active if a["type"] == "automation"} == {
        "email",
        "https",
        "sftp",
    }
    assert all(a["logo_svg"] for a in apps)


def test_the_catalogue_holds_the_real_connector_patterns(db):
    catalog_load(path=CATALOG)
    apps = {app.slug: app for app in App.objects.all()}
    four = company_fields(apps["automatiser-saisix"])
    assert [f.folder for f in four] == ["achats", "ventes", "notes_de_frais", "administratif"]
    assert all(f.kind == "email" for f in four)
    single = company_fields(apps["automatiser-factolib"])
    assert [(f.kind, f.folder) for f in single] == [("email", "")]
    bot = firm_fields(apps["automatiser-comptanova"])
    assert [(f.key, f.kind) for f in bot] == [("bot_sender", "email")]
    sftp = apps["iscribe-achats"]
    assert sftp.transport == "sftp"
    assert [f.key for f in company_fields(sftp)] == ["dossier_code"]
    api = apps["automatiser-horizon-releves"]
    assert api.transport == "https"
    assert {(f.kind, f.level) for f in firm_fields(api)} == {("url", "firm"), ("secret", "firm")}
    assert apps["automatiser-facturea"].requires_siret
    for pair, automation in [
        ("gestivo", "automatiser-gestivo-achats"),
        ("iscribe", "iscribe-achats"),
    ]:
        assert apps[pair].type == "redirect" and apps[automation].type == "automation"
        assert apps[pair].publisher == apps[automation].publisher
    assert apps["saisix"].logo_url and apps["saisix"].logo_svg.startswith("<svg")


def test_loading_twice_changes_nothing(db):
    first = catalog_load(path=CATALOG)
    assert first.created == len(_apps())
    assert first.categories_created == 9
    before = {a.slug: (a.updated_at, a.catalog_hash) for a in App.objects.all()}
    second = catalog_load(path=CATALOG)
    assert not second.changed
    assert second.unchanged == len(_apps())
    assert {a.slug: (a.updated_at, a.catalog_hash) for a in App.objects.all()} == before


def test_a_changed_entry_is_updated(db, catalog_copy):
    catalog_load(path=catalog_copy)
    path = catalog_copy / "apps" / "karteo.yaml"
    data = yaml.safe_load(path.read_text())
    data["apps"][0]["name"] = "Kartéo Pro"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    summary = catalog_load(path=catalog_copy)
    assert (summary.updated, summary.created) == (1, 0)
    assert App.objects.get(slug="karteo").name == "Kartéo Pro"


def test_a_dropped_app_becomes_inactive_and_installations_stay(db, catalog_copy, firm):
    catalog_load(path=catalog_copy)
    karteo = App.objects.get(slug="karteo")
    installation = InstallationFactory(firm=firm, app=karteo)
    ondine = App.objects.get(slug="banque-ondine")
    (catalog_copy / "apps" / "ondine.yaml").unlink()
    (catalog_copy / "apps" / "karteo.yaml").unlink()
    summary = catalog_load(path=catalog_copy)
    assert sorted(summary.deactivated) == ["banque-ondine", "karteo"]
    ondine.refresh_from_db()
    assert not ondine.is_active
    installation.refresh_from_db()  # untouched
    assert installation.app_id == karteo.pk
    assert ondine not in unused_apps(firm=firm)
    # back in the files: active again
    shutil.copy(CATALOG / "apps" / "ondine.yaml", catalog_copy / "apps" / "ondine.yaml")
    again = catalog_load(path=catalog_copy)
    assert again.updated == 1
    ondine.refresh_from_db()
    assert ondine.is_active


def test_an_entry_marked_inactive_is_loaded_but_hidden(db, firm):
    catalog_load(path=CATALOG)
    old = App.objects.get(slug="ancienne-liasse-en-ligne")
    assert not old.is_active
    assert old not in unused_apps(firm=firm)


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda app: app["settings"][0].update(kind="password"), "settings field “email_achats”"),
        (lambda app: app.update(launch_url="https://x.example"), "no launch_url"),
        (lambda app: app.update(category="cuisine"), "unknown category"),
        (lambda app: app.update(accepted_folders=["cave"]), "accepted_folders"),
        (lambda app: app.update(logo="../catalog.yaml"), "is not an SVG file"),
        (lambda app: app.update(slug="perso-1-x"), "for custom apps"),
        (lambda app: app.update(color="red"), "unknown fields"),
        (lambda app: app.pop("business_model"), "missing business_model"),
    ],
)
def test_a_bad_entry_stops_the_load_with_a_clear_message(db, catalog_copy, mutate, fragment):
    path = catalog_copy / "apps" / "saisix.yaml"
    data = yaml.safe_load(path.read_text())
    mutate(data["apps"][1])
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(CatalogError) as caught:
        catalog_load(path=catalog_copy)
    message = str(caught.value)
    assert "saisix.yaml" in message
    assert fragment in message
    assert App.objects.count() == 0 and Category.objects.count() == 0


def test_a_hostile_launch_url_in_the_catalogue_is_refused(db, catalog_copy):
    path = catalog_copy / "apps" / "karteo.yaml"
    data = yaml.safe_load(path.read_text())
    data["apps"][0]["launch_url"] = "javascript:alert(1)"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(CatalogError, match=r"karteo.*launch_url"):
        catalog_load(path=catalog_copy)


def test_an_active_svg_logo_is_refused(db, catalog_copy):
    (catalog_copy / "logos" / "karteo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    with pytest.raises(CatalogError, match="script"):
        catalog_load(path=catalog_copy)


def test_duplicate_slugs_across_files_are_refused(db, catalog_copy):
    shutil.copy(catalog_copy / "apps" / "karteo.yaml", catalog_copy / "apps" / "karteo-bis.yaml")
    with pytest.raises(CatalogError, match="also in"):
        catalog_load(path=catalog_copy)


def test_the_command_prints_a_summary_and_fails_cleanly(db, catalog_copy):
    out = io.StringIO()
    call_command("load-catalog", "--path", str(catalog_copy), stdout=out)
    assert "categories 9 created" in out.getvalue()
    out = io.StringIO()
    call_command("load-catalog", "--path", str(catalog_copy), stdout=out)
    assert "0 created, 0 updated" in out.getvalue()
    (catalog_copy / "catalog.yaml").write_text("version: [unclosed")
    with pytest.raises(CommandError, match="nothing changed"):
        call_command("load-catalog", "--path", str(catalog_copy))
