"""The demo's identity provider (``OidcSink``): it connects Fiducia Conseil to itself and its
staff sign in through it."""

import pytest

from comptoir.accounts.models import User
from comptoir.demo import sso as demo
from comptoir.demo.oidc_provider import OidcSink
from comptoir.sso.models import FirmIdentityProvider
from tests.factories import FirmFactory, FirmMembershipFactory
from tests.oidc import sso_sign_in


@pytest.fixture
def fiducia(transactional_db):
    firm = FirmFactory(name="Fiducia Conseil", slug=demo.DEMO_FIRM_SLUG)
    FirmMembershipFactory(firm=firm, role="admin", user__email=demo.DEMO_ADMIN)
    FirmMembershipFactory(firm=firm, role="collaborator", user__email="hugo.lefebvre@fiducia.test")
    User.objects.create_superuser("operateur@comptoir.test", "x")
    return firm


def test_the_demo_provider_connects_fiducia_and_signs_its_staff_in(
    fiducia, tmp_path, settings, client
):
    settings.DELIVERY_ALLOW_LOOPBACK = True
    lines = []
    sink = OidcSink()
    env = sink.start(var_dir=tmp_path, notify=lines.append)
    try:
        assert env == {"DELIVERY_ALLOW_LOOPBACK": "true"}
        idp = FirmIdentityProvider.objects.get(firm=fiducia)
        assert idp.issuer == sink.issuer and idp.enabled and not idp.required
        assert idp.domains.get().is_verified
        assert "oidc" not in sink.describe() or sink.issuer in sink.describe()
        provider = sink.server.provider
        client_of_demo = provider.clients[demo.DEMO_CLIENT_ID]
        assert client_of_demo.redirect_uris == ["http://127.0.0.1:*", "http://localhost:*"]
        # The test client's host, as the demo's own addresses are registered.
        provider.add_client(demo.DEMO_CLIENT_ID, demo.DEMO_CLIENT_SECRET, ["http://testserver/*"])
        response, _ = sso_sign_in(
            client,
            provider,
            slug=fiducia.slug,
            email="hugo.lefebvre@fiducia.test",
            password="comptoir-demo",
        )
        assert response.status_code == 302, response.content[:300]
        # The newcomer of the verified domain gets a login at the first sign-in.
        client.logout()
        response, _ = sso_sign_in(
            client,
            provider,
            slug=fiducia.slug,
            email="nina.garnier@fiducia.test",
            password="comptoir-demo",
        )
        assert response.status_code == 302
        assert User.objects.filter(email="nina.garnier@fiducia.test").exists()
    finally:
        sink.stop()
    # A second start (another port, say) only points the connection at it.
    again = OidcSink()
    again.start(var_dir=tmp_path, notify=lines.append)
    try:
        assert FirmIdentityProvider.objects.get(firm=fiducia).issuer == again.issuer
        assert FirmIdentityProvider.objects.count() == 1
    finally:
        again.stop()
