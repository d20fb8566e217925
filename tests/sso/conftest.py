import pytest

from tests.conftest import TEST_PUBLIC_IP
from tests.oidc import oidc_server  # noqa: F401 (a fixture)

PROVIDER_HOSTS = {"login.microsoftonline.com", "accounts.google.com"}


@pytest.fixture(autouse=True)
def _provider_dns(monkeypatch, _test_dns):
    """Microsoft's and Google's issuers resolve (to a public test address) without real DNS."""
    from comptoir.deliveries import netguard

    resolve = netguard.system_resolver

    def resolver(host: str, port: int):
        if host.lower().rstrip(".") in PROVIDER_HOSTS:
            return [TEST_PUBLIC_IP]
        return resolve(host, port)

    monkeypatch.setattr(netguard, "system_resolver", resolver)
