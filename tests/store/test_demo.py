"""The Store part of the demo seed."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from comptoir.demo.seed import seed_demo
from comptoir.portal.tiles import firm_home_tiles
from comptoir.store.catalog import catalog_load
from comptoir.store.models import Installation
from comptoir.store.schema import SECRET_MARKER


@pytest.fixture(autouse=True)
def _demo_mode_settings(settings, tmp_path):
    """As in demo mode: the local sinks listen on loopback, and var/ is this test's own (the
    seed keeps the demo SFTP server's host key there)."""
    settings.DELIVERY_ALLOW_LOOPBACK = True
    settings.VAR_DIR = tmp_path / "var"


def test_the_demo_firms_get_apps_once(db):
    catalog_load(path=Path(settings.PROJECT_DIR) / "catalog")
    ctx = seed_demo()
    count = Installation.objects.count()
    assert count >= 10
    for firm in ctx.firms.values():
        installations = Installation.objects.filter(firm=firm)
        assert installations.filter(app__type="automation").exists()
        assert installations.filter(app__owner_firm=firm).exists()  # its booking link
        assert firm_home_tiles(context=SimpleNamespace(firm=firm))
    horizon = Installation.objects.get(app__slug="automatiser-horizon-releves")
    assert set(horizon.settings["api_key"]) == {SECRET_MARKER}
    assert "demo-horizon" not in str(horizon.settings)
    seed_demo()
    assert Installation.objects.count() == count
