"""SFTP transport against a real SFTP server (asyncssh) on loopback."""

import hashlib

import asyncssh
import pytest

from comptoir.deliveries.transports import OutgoingDocument, SftpDestination, get_transport
from comptoir.deliveries.transports.sftp import _fingerprint
from tests.deliveries.servers import SftpServer, free_port

CONTENT = b"%PDF-1.4\n" + bytes(range(256)) * 64 + b"\n%%EOF"
KEY = "dlv_sftp_0001"


@pytest.fixture(scope="module")
def _sftp_server(tmp_path_factory):
    server = SftpServer(tmp_path_factory.mktemp("sftp-root")).start()
    yield server
    server.stop()


@pytest.fixture
def sftp_server(_sftp_server):
    for path in _sftp_server.root.rglob("*"):
        if path.is_file():
            path.unlink()
    (_sftp_server.root / "depot").mkdir(exist_ok=True)
    _sftp_server.connections = 0
    _sftp_server.password_attempts = 0
    _sftp_server.client_key = None
    return _sftp_server


def make_document(content=CONTENT, file_name="Facture FA-2026-031.pdf"):
    return OutgoingDocument.from_bytes(
        content, file_name=file_name, content_type="application/pdf", metadata={"folder": "Achats"}
    )


def destination(server, **overrides):
    values = {
        "host": server.host,
        "port": server.port,
        "username": server.username,
        "password": server.password,
        "host_key": server.public_host_key,
        "remote_dir": "/depot",
        "dossier_code": "DIA-0042",
    }
    values.update(overrides)
    return SftpDestination(**values)


def sftp(**options):
    options.setdefault("connect_timeout", 3)
    options.setdefault("total_timeout", 10)
    return get_transport("sftp", **options)


def uploaded(server):
    return sorted(
        p.relative_to(server.root).as_posix() for p in server.root.rglob("*") if p.is_file()
    )


def test_uploads_the_exact_bytes_under_the_dossier_code(sftp_server, allow_loopback):
    document = make_document()
    result = sftp().send(document, destination(sftp_server), idempotency_key=KEY)

    assert result.outcome == "sent", result.error
    [name] = uploaded(sftp_server)
    assert name.startswith("depot/DIA-0042_") and name.endswith("_Facture FA-2026-031.pdf")
    assert result.remote_id == "/" + name
    received = (sftp_server.root / name).read_bytes()
    assert hashlib.sha256(received).hexdigest() == document.sha256


def test_a_retry_overwrites_its_own_file_and_versions_do_not_collide(sftp_server, allow_loopback):
    transport = sftp()
    transport.send(make_document(), destination(sftp_server), idempotency_key=KEY)
    transport.send(make_document(), destination(sftp_server), idempotency_key=KEY)
    transport.send(make_document(b"version 2"), destination(sftp_server), idempotency_key="dlv_v2")
    assert len(uploaded(sftp_server)) == 2  # no leftover .part file either


def test_host_key_by_fingerprint(sftp_server, allow_loopback):
    fingerprint = _fingerprint(sftp_server.host_key)
    result = sftp().send(
        make_document(), destination(sftp_server, host_key=fingerprint), idempotency_key=KEY
    )
    assert result.outcome == "sent", result.error


def test_private_key_login(sftp_server, allow_loopback):
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    sftp_server.client_key = client_key
    private = client_key.export_private_key().decode()
    result = sftp().send(
        make_document(),
        destination(sftp_server, password="", private_key=private),
        idempotency_key=KEY,
    )
    assert result.outcome == "sent", result.error
    assert sftp_server.password_attempts == 0


@pytest.mark.parametrize("kind", ["other key", "other fingerprint"])
def test_an_unknown_host_key_stops_before_sending_credentials(sftp_server, allow_loopback, kind):
    other = asyncssh.generate_private_key("ssh-ed25519")
    host_key = other.export_public_key().decode() if kind == "other key" else _fingerprint(other)
    result = sftp().send(
        make_document(), destination(sftp_server, host_key=host_key), idempotency_key=KEY
    )
    assert (result.outcome, result.error_code) == ("failed", "host_key_mismatch")
    assert sftp_server.password_attempts == 0
    assert uploaded(sftp_server) == []


@pytest.mark.parametrize(
    "overrides, outcome, error_code",
    [
        ({"password": "wrong"}, "failed", "auth_failed"),
        ({"remote_dir": "/missing/folder"}, "failed", "sftp_error"),
        ({"host_key": ""}, "failed", "bad_configuration"),
        ({"host_key": "ssh-ed25519 not-a-key"}, "failed", "bad_configuration"),
        ({"username": ""}, "failed", "bad_configuration"),
        ({"password": "", "private_key": ""}, "failed", "bad_configuration"),
        (
            {"private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\ngarbage\n"},
            "failed",
            "bad_configuration",
        ),
    ],
)
def test_failures(sftp_server, allow_loopback, overrides, outcome, error_code):
    result = sftp().send(
        make_document(), destination(sftp_server, **overrides), idempotency_key=KEY
    )
    assert (result.outcome, result.error_code) == (outcome, error_code)
    assert result.error


def test_connection_refused_is_retried(sftp_server, allow_loopback):
    result = sftp().send(
        make_document(), destination(sftp_server, port=free_port()), idempotency_key=KEY
    )
    assert (result.outcome, result.error_code) == ("retry", "connection_error")


@pytest.mark.parametrize(
    "host, port",
    [
        ("10.0.0.5", 22),
        ("169.254.169.254", 22),
        ("127.0.0.1", None),
        ("0x7f.1", None),
        ("[::1]", None),
    ],
)
def test_the_guard_applies_to_sftp_hosts(sftp_server, outbound, host, port):
    dest = destination(sftp_server, host=host, port=port or sftp_server.port)
    result = sftp().send(make_document(), dest, idempotency_key=KEY)
    assert (result.outcome, result.error_code) == ("failed", "address_refused")
    assert outbound.attempts == []
    assert sftp_server.connections == 0


def test_privileged_ports_other_than_22_are_refused(sftp_server, allow_loopback, outbound):
    result = sftp().send(make_document(), destination(sftp_server, port=25), idempotency_key=KEY)
    assert (result.outcome, result.error_code) == ("failed", "address_refused")
    assert outbound.attempts == []
