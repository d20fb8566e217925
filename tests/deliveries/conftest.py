"""Fixtures for delivery tests: real local servers, and a watch on outbound connections.

``outbound`` (autouse) records every TCP connection the code under test attempts and refuses
any that is not to loopback, so a guard bug can never send traffic to a private or public
address from the test suite — and tests can assert that no connection was made at all.
"""

import socket

import pytest
from django.utils import translation

from tests.deliveries.connections import connect_https
from tests.deliveries.servers import HttpServer, SmtpServer, is_loopback


class OutboundWatch:
    def __init__(self) -> None:
        self.attempts: list[tuple] = []

    @property
    def non_loopback(self) -> list[tuple]:
        return [address for address in self.attempts if not is_loopback(str(address[0]))]


@pytest.fixture(autouse=True)
def outbound(monkeypatch):
    watch = OutboundWatch()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            watch.attempts.append(tuple(address))
            if not is_loopback(str(address[0])):
                raise ConnectionRefusedError(f"tests may only connect to loopback, not {address}")

    def connect(sock, address):
        check(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock, address):
        check(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return watch


@pytest.fixture(scope="session")
def _smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(_smtp_server):
    _smtp_server.reset()
    yield _smtp_server
    _smtp_server.reset()


@pytest.fixture(scope="session")
def _http_server():
    server = HttpServer().start()
    yield server
    server.stop()


@pytest.fixture
def http_server(_http_server):
    _http_server.reset()
    yield _http_server
    _http_server.reset()


@pytest.fixture
def allow_loopback(settings):
    settings.DELIVERY_ALLOW_LOOPBACK = True


@pytest.fixture
def english():
    """Messages are checked in English (the source language), whatever the .po holds."""
    with translation.override("en"):
        yield


@pytest.fixture
def connection(company, http_server, allow_loopback):
    """``company`` connected to an HTTPS app that posts to the local HTTP server."""
    return connect_https(company, http_server.url())
