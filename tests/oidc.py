"""The real OpenID Connect provider of the tests (``comptoir.demo.oidc_provider``) on a
free port of 127.0.0.1, and the firm connections that point at it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone

from comptoir.demo.oidc_provider import OidcProvider, OidcServer
from comptoir.sso.models import SsoDomain
from comptoir.sso.services import identity_provider_save

IDP_PASSWORD = "idp-password-7"


@pytest.fixture
def oidc_server(settings):
    """``oidc_server(prefix)`` starts a provider whose issuer is http://127.0.0.1:<port><prefix>;
    loopback is allowed for these tests as in the demo (DELIVERY_ALLOW_LOOPBACK)."""
    settings.DELIVERY_ALLOW_LOOPBACK = True
    servers: list[OidcServer] = []

    def start(prefix: str = "/idp") -> OidcProvider:
        provider = OidcProvider()
        server = OidcServer(provider, prefix=prefix).start()
        servers.append(server)
        return provider

    yield start
    for server in servers:
        server.stop()


def connect_firm(
    provider: OidcProvider,
    *,
    firm,
    admin,
    domains=(),
    verified=True,
    client_id=None,
    kind="oidc",
    redirect_base="http://testserver",
):
    """Connect ``firm`` to ``provider`` through the service (the provider learns the client);
    its ``domains`` verified by the operator when ``verified``."""
    client_id = client_id or f"comptoir-{firm.slug}"
    secret = f"secret-{firm.slug}"
    provider.add_client(client_id, secret, [f"{redirect_base}/*"])
    idp = identity_provider_save(
        actor=admin,
        firm=firm,
        kind=kind,
        display_name="Microsoft",
        issuer=provider.issuer,
        client_id=client_id,
        client_secret=secret,
        domains=list(domains),
    )
    if verified:
        SsoDomain.objects.filter(identity_provider=idp).update(verified_at=timezone.now())
    return idp


def sso_sign_in(client, provider: OidcProvider, *, slug: str, email: str, password=IDP_PASSWORD):
    """The whole authorization-code flow with the Django test client on our side and real
    HTTP on the provider's: start at the firm's login page, log in at the provider, come back
    to allauth's callback. Returns (the callback's response, the authorization URL)."""
    start = client.post(f"/connexion/{slug}/continuer/")
    assert start.status_code == 302, start.content[:300]
    authorize = start["Location"]
    assert authorize.startswith(provider.issuer + "/authorize?"), authorize
    page = requests.get(authorize, timeout=5)
    assert page.status_code == 200, page.text[:300]
    params = {key: values[0] for key, values in parse_qs(urlsplit(authorize).query).items()}
    login = requests.post(
        provider.issuer + "/authorize",
        data={**params, "email": email, "password": password},
        allow_redirects=False,
        timeout=5,
    )
    assert login.status_code == 302, login.text[:300]
    back = urlsplit(login.headers["Location"])
    assert back.netloc == "testserver", back
    response = client.get(f"{back.path}?{back.query}")
    return response, authorize
