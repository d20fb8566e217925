import pytest

from comptoir.ops import heartbeat
from tests.deliveries.conftest import (  # noqa: F401 - fixtures
    _http_server,
    allow_loopback,
    english,
    http_server,
    outbound,
)


@pytest.fixture
def swept(db):
    """The sweep ran just now (as it does every 30 s in production)."""
    heartbeat.beat(heartbeat.SWEEP)


@pytest.fixture
def storage_ok(media_root):
    return media_root
