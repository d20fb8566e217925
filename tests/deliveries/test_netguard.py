"""The outbound-address guard: hostile destinations are refused and no connection is made.

Every hostile URL goes through the real HTTPS transport while a real local HTTP server
listens; the ``outbound`` fixture records (and blocks) every connection attempt that is not
to loopback. Names other than ``localhost`` resolve through a stub: the resolver is not ours
to control, what matters is that the guard judges whatever it answers.
"""

import socket

import pytest
from django.utils.translation import override

from comptoir.deliveries import netguard
from comptoir.deliveries.transports import HttpsDestination, OutgoingDocument, get_transport
from tests.deliveries.servers import Reply

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
DOCUMENT = OutgoingDocument.from_bytes(
    b"%PDF-1.7 invoice", file_name="facture.pdf", content_type="application/pdf"
)


class StubResolver:
    """Answers from a table; ``localhost`` goes to the real resolver; anything else is an
    error of the test (a name the guard should have refused before any lookup)."""

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = table or {}
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host in self.table:
            return self.table[host]
        if host == "localhost":
            return netguard.system_resolver(host, port)
        raise AssertionError(f"unexpected lookup of {host!r}")


NAMES = {
    "intranet.partner.test": ["10.1.2.3"],
    "mixed.partner.test": ["93.184.216.34", "192.168.0.10"],
    "v6private.partner.test": ["fd12:3456:789a::1"],
    "mapped.partner.test": ["::ffff:169.254.169.254"],
    "meta.partner.test": ["169.254.169.254"],
    "cgnat.partner.test": ["100.64.12.1"],
    "loop.partner.test": ["127.0.0.1"],
    "zero.partner.test": ["0.0.0.0"],  # noqa: S104 - a hostile answer, nothing binds
    "scoped.partner.test": ["fe80::1%eth0"],
    "public.partner.test": ["93.184.216.34"],
}

# {port} is the local server's port: if the guard let a loopback spelling through, the
# request would really arrive there, and the connection counter would show it.
HOSTILE = [
    # loopback, spelled many ways
    "http://127.0.0.1:{port}/hook",
    "https://127.0.0.1/hook",
    "http://127.1:{port}/",
    "http://127.000.000.001:{port}/",
    "http://2130706433:{port}/",
    "http://0177.0.0.1:{port}/",
    "http://0x7f.1:{port}/",
    "http://0x7f000001:{port}/",
    "http://017700000001:{port}/",
    "http://0x7f.0x0.0x0.0x1:{port}/",
    "http://[::1]:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://[::ffff:7f00:1]:{port}/",
    "http://localhost:{port}/",
    "http://LocalHost.:{port}/",
    "http://loop.partner.test:{port}/",
    # unspecified
    "http://0:{port}/",
    "http://0.0.0.0:{port}/",
    "https://[::]/",
    "https://zero.partner.test/",
    # private, carrier-grade NAT, link-local and cloud metadata
    "https://10.0.0.1/",
    "https://10.255.255.254/",
    "https://172.16.0.1/",
    "https://172.31.255.254/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",
    "https://100.100.100.200/latest/meta-data/",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "https://169.254.170.2/v2/credentials",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://metadata.goog/",
    "https://metadata/",
    "https://instance-data/latest/",
    "https://anything.corp.internal/",
    # multicast, reserved, documentation, benchmarking, broadcast
    "https://224.0.0.1/",
    "https://239.255.255.250/",
    "https://240.0.0.1/",
    "https://255.255.255.255/",
    "https://192.0.2.10/",
    "https://198.18.0.1/",
    "https://192.0.0.8/",
    # IPv6 forms
    "https://[::ffff:169.254.169.254]/",
    "https://[::ffff:a9fe:a9fe]/",
    "https://[::ffff:10.0.0.1]/",
    "https://[::127.0.0.1]/",
    "https://[::a00:1]/",
    "https://[fc00::1]/",
    "https://[fd00:ec2::254]/",
    "https://[fe80::1]/",
    "https://[fe80::1%25eth0]/",
    "https://[fec0::1]/",
    "https://[ff02::1]/",
    "https://[2002:c0a8:101::1]/",
    "https://[2002:a9fe:a9fe::1]/",
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://[64:ff9b::10.0.0.1]/",
    "https://[2001:db8::1]/",
    # names resolving to forbidden addresses (one bad answer is enough)
    "https://intranet.partner.test/",
    "https://mixed.partner.test/",
    "https://v6private.partner.test/",
    "https://mapped.partner.test/",
    "https://meta.partner.test/latest/meta-data/",
    "https://cgnat.partner.test/",
    "https://scoped.partner.test/",
    # schemes, credentials, ports, malformed
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "ftp://public.partner.test/",
    "dict://127.0.0.1:11211/stat",
    "javascript:alert(1)",
    "https://user:pass@public.partner.test/",
    "https://public.partner.test@127.0.0.1/",
    "https://public.partner.test:22/",
    "https://public.partner.test:25/",
    "https://public.partner.test:0/",
    "http://public.partner.test/",  # plain http to the internet
    "https://127.0.0.1\\@public.partner.test/",
    "https://public.partner.test /",
    "https://public.partner.test\r\nX-Injected: 1/",
    "https:///nohost",
    "",
]


def test_the_table_is_large_enough():
    assert len(HOSTILE) >= 40
    assert len(set(HOSTILE)) == len(HOSTILE)


def test_loopback_is_refused_by_default_in_tests(settings):
    assert settings.DELIVERY_ALLOW_LOOPBACK is False


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_destination_is_refused_without_any_connection(url, http_server, outbound):
    resolver = StubResolver(NAMES)
    transport = get_transport("https", resolver=resolver)
    destination = HttpsDestination(url=url.format(port=http_server.port), secret=SECRET)

    result = transport.send(DOCUMENT, destination, idempotency_key="dlv-hostile")

    assert result.outcome == "failed"
    assert result.error_code in {"address_refused", "bad_url", "bad_configuration"}
    assert result.error and "\n" not in result.error
    assert outbound.attempts == []
    assert http_server.connections == 0
    assert http_server.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1]:{port}/",
        "http://0.0.0.0:{port}/",
        "http://10.0.0.1:{port}/",
        "https://metadata.google.internal/",
        "https://intranet.partner.test/",
        "http://public.partner.test/",
        "http://2130706433:{port}/",
    ],
)
def test_allowing_loopback_lets_nothing_else_through(url, http_server, outbound, allow_loopback):
    transport = get_transport("https", resolver=StubResolver(NAMES))
    destination = HttpsDestination(url=url.format(port=http_server.port), secret=SECRET)
    result = transport.send(DOCUMENT, destination, idempotency_key="dlv-1")
    if "[::1]" in url:  # allowed, but nothing listens on ::1 here: a connection error
        assert result.outcome == "retry"
        assert outbound.non_loopback == []
    else:
        assert result.outcome == "failed"
        assert outbound.attempts == []
    assert http_server.connections == 0


def test_redirect_to_cloud_metadata_is_not_followed(http_server, outbound, allow_loopback):
    http_server.default = Reply(
        status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}, body=b""
    )
    transport = get_transport("https")
    destination = HttpsDestination(url=http_server.url(), secret=SECRET)

    result = transport.send(DOCUMENT, destination, idempotency_key="dlv-redirect")

    assert result.outcome == "failed"
    assert result.code == 302
    assert result.error_code == "redirect"
    assert len(http_server.requests) == 1
    assert outbound.non_loopback == []


def test_dns_rebinding_cannot_switch_the_address(http_server, outbound, allow_loopback):
    """The name is resolved once; a second answer pointing elsewhere is never used."""
    answers = iter([["127.0.0.1"], ["10.9.8.7"], ["10.9.8.7"]])
    calls = []

    def rebinding(host, port):
        calls.append(host)
        return next(answers)

    transport = get_transport("https", resolver=rebinding)
    url = f"http://rebind.partner.test:{http_server.port}/hook"
    result = transport.send(
        DOCUMENT, HttpsDestination(url=url, secret=SECRET), idempotency_key="dlv-rb"
    )

    assert result.outcome == "sent"
    assert calls == ["rebind.partner.test"]
    assert http_server.requests[0].headers["host"] == f"rebind.partner.test:{http_server.port}"
    assert {address[0] for address in outbound.attempts} == {"127.0.0.1"}


@pytest.mark.parametrize(
    "url, ip, port, target",
    [
        (
            "https://api.partner.test/hooks/comptoir?t=1",
            "93.184.216.34",
            443,
            "/hooks/comptoir?t=1",
        ),
        ("https://API.Partner.TEST.:8443", "93.184.216.34", 8443, "/"),
        ("https://[2606:4700:4700::1111]/in", "2606:4700:4700::1111", 443, "/in"),
        ("https://93.184.216.34/in#frag", "93.184.216.34", 443, "/in"),
        ("https://réception.partner.test/", "93.184.216.34", 443, "/"),
    ],
)
def test_public_destinations_are_accepted(url, ip, port, target):
    table = {
        "api.partner.test": ["93.184.216.34"],
        "xn--rception-b1a.partner.test": ["93.184.216.34"],
    }
    vetted = netguard.vet_url(url, resolver=StubResolver(table), allow_loopback=False)
    assert (vetted.ip, vetted.port, vetted.target, vetted.scheme) == (ip, port, target, "https")


def test_every_answer_is_kept_for_the_connection():
    resolver = StubResolver({"dual.partner.test": ["2606:4700::6810:84e5", "104.16.132.229"]})
    vetted = netguard.vet_url("https://dual.partner.test/", resolver=resolver)
    assert vetted.addresses == ("2606:4700::6810:84e5", "104.16.132.229")


@pytest.mark.parametrize(
    "address, allow, refused",
    [
        ("127.0.0.1", True, False),
        ("127.8.9.10", True, False),
        ("::1", True, False),
        ("::ffff:127.0.0.1", True, False),
        ("0.0.0.0", True, True),  # noqa: S104 - checked, never bound
        ("10.0.0.1", True, True),
        ("169.254.169.254", True, True),
        ("64:ff9b::7f00:1", True, True),  # NAT64 never reaches our loopback
        ("127.0.0.1", False, True),
        ("8.8.8.8", False, False),
        ("64:ff9b::808:808", False, False),
        ("::ffff:8.8.8.8", False, False),
        ("2a00:1450:4007:80e::200e", False, False),
    ],
)
def test_ip_refusal(address, allow, refused):
    assert (netguard.ip_refusal(address, allow_loopback=allow) is not None) is refused


@pytest.mark.parametrize(
    "errno, outcome, code",
    [
        (socket.EAI_NONAME, "failed", "host_not_found"),
        (socket.EAI_AGAIN, "retry", "dns_error"),
    ],
)
def test_lookup_failures(errno, outcome, code, outbound):
    def failing(host, port):
        raise socket.gaierror(errno, "lookup failed")

    transport = get_transport("https", resolver=failing)
    destination = HttpsDestination(url="https://gone.partner.test/", secret=SECRET)
    result = transport.send(DOCUMENT, destination, idempotency_key="dlv-dns")
    assert (result.outcome, result.error_code) == (outcome, code)
    assert "gone.partner.test" in result.error
    assert outbound.attempts == []


@override("en")
def test_refusal_messages_are_clear_and_hide_resolved_addresses():
    with pytest.raises(netguard.Refused) as refused:
        netguard.vet_url("https://intranet.partner.test/", resolver=StubResolver(NAMES))
    assert "intranet.partner.test" in refused.value.message
    assert "private network" in refused.value.message
    assert "10.1.2.3" not in refused.value.message
    with pytest.raises(netguard.Refused) as numeric:
        netguard.vet_url("http://0x7f.1/")
    assert "non-standard" in numeric.value.message
