from tests.oidc import oidc_server  # noqa: F401 (a fixture)
