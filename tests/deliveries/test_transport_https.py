"""HTTPS transport against a real local HTTP(S) server."""

import base64
import hashlib
import hmac
import json
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import formatdate

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from comptoir.deliveries.transports import HttpsDestination, OutgoingDocument, get_transport
from comptoir.deliveries.transports.https import generate_secret, verify_signature
from tests.deliveries.servers import HttpServer, Reply, free_port, make_certificates

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
CONTENT = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\r\n%%EOF\n"
FIXED_NOW = 1_780_000_000.0
KEY = "dlv_01HZX8Q4T3"


def make_document(content=CONTENT, **overrides):
    values = {
        "file_name": "Facture FA-2026-031.pdf",
        "content_type": "application/pdf",
        "metadata": {
            "document_id": 42,
            "document_name": "Facture FA-2026-031",
            "version_number": 2,
            "folder": "Achats",
            "company_name": "Dupont Maçonnerie",
            "company_siret": "73282932000074",
            "company_slug": "dupont-maconnerie",
            "firm_name": "Cabinet Martin",
            "firm_id": 7,
        },
    }
    values.update(overrides)
    return OutgoingDocument.from_bytes(content, **values)


def destination(url, **overrides):
    return HttpsDestination(url=url, secret=SECRET, dossier_code="DIA-0042", **overrides)


def transport(**options):
    options.setdefault("clock", lambda: FIXED_NOW)
    return get_transport("https", **options)


def verify_standard_webhook(secret: str, headers: dict, body: bytes, now: float) -> bool:
    """An independent verifier written from the Standard Webhooks specification."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(now - int(timestamp)) > 300:
        return False
    expected = base64.b64encode(
        hmac.new(key, msg_id.encode() + b"." + timestamp.encode() + b"." + body, "sha256").digest()
    )
    for candidate in headers["webhook-signature"].split(" "):
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode(), expected):
            return True
    return False


def envelope(request) -> dict:
    """The JSON body as a partner reads it (the content type says JSON)."""
    assert request.headers["content-type"] == "application/json"
    return json.loads(request.body.decode("utf-8"))


def reference_verify(secret: str, request) -> dict:
    """Verify as a partner does, with the official Standard Webhooks library: it checks the
    timestamp against the real clock, so these requests are signed with the real time."""
    return Webhook(secret).verify(request.body, request.headers)


@pytest.fixture(autouse=True)
def _loopback(allow_loopback):
    """These tests send to the local server."""


def test_sends_the_exact_bytes_signed_with_metadata(http_server):
    document = make_document()
    result = transport().send(document, destination(http_server.url()), idempotency_key=KEY)

    assert result.outcome == "sent"
    assert result.code == 200
    assert result.remote_id == "rcv-1"
    assert result.duration_ms >= 0
    [request] = http_server.requests
    assert request.method == "POST"
    assert request.path == "/hooks/comptoir"
    headers = request.headers
    assert headers["webhook-id"] == KEY
    assert headers["idempotency-key"] == KEY
    assert headers["webhook-timestamp"] == str(int(FIXED_NOW))
    assert verify_standard_webhook(SECRET, headers, request.body, FIXED_NOW)
    assert not verify_standard_webhook(SECRET, headers, request.body + b" ", FIXED_NOW)

    payload = envelope(request)
    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["type"] == "document.version"
    assert payload["timestamp"] == "2026-05-28T20:26:40Z"
    data = payload["data"]
    assert data["file"]["encoding"] == "base64"
    received = base64.b64decode(data["file"]["content"], validate=True)
    assert received == CONTENT
    assert hashlib.sha256(received).hexdigest() == document.sha256
    assert data["idempotency_key"] == KEY
    assert data["document"] == {
        "id": 42,
        "name": "Facture FA-2026-031",
        "version": 2,
        "folder": "Achats",
        "file_name": "Facture FA-2026-031.pdf",
        "content_type": "application/pdf",
        "size": len(CONTENT),
        "sha256": document.sha256,
        "uploaded_at": None,
    }
    assert data["company"] == {
        "name": "Dupont Maçonnerie",
        "siret": "73282932000074",
        "slug": "dupont-maconnerie",
    }
    assert data["firm"] == {"id": 7, "name": "Cabinet Martin"}
    assert data["dossier_code"] == "DIA-0042"


def test_a_resend_carries_the_same_webhook_id(http_server):
    for _ in range(2):
        transport().send(make_document(), destination(http_server.url()), idempotency_key=KEY)
    first, second = http_server.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == KEY
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"] == KEY


def test_a_bare_base64_secret_is_accepted(http_server):
    bare = base64.b64encode(b"another-secret-of-32-bytes-long!").decode()
    result = transport().send(
        make_document(),
        HttpsDestination(url=http_server.url(), secret=bare),
        idempotency_key=KEY,
    )
    assert result.outcome == "sent"
    assert verify_standard_webhook(
        bare, http_server.requests[0].headers, http_server.requests[0].body, FIXED_NOW
    )


def test_a_file_read_through_an_opener(http_server, tmp_path):
    path = tmp_path / "releve.csv"
    path.write_bytes(b"date;montant\r\n2026-01-02;12,50\r\n")
    document = OutgoingDocument(
        file_name="releve.csv",
        content_type="text/csv",
        size=path.stat().st_size,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        opener=lambda: path.open("rb"),
    )
    assert (
        transport().send(document, destination(http_server.url()), idempotency_key=KEY).outcome
        == "sent"
    )
    carried = envelope(http_server.requests[0])["data"]["file"]
    assert base64.b64decode(carried["content"]) == path.read_bytes()


@pytest.mark.parametrize(
    "reply, outcome, code, retry_after",
    [
        (Reply(202, body=b'{"id": 981}'), "sent", 202, None),
        (Reply(204, body=b""), "sent", 204, None),
        (Reply(400, body=b'{"message": "dossier inconnu"}'), "failed", 400, None),
        (Reply(401, body=b"bad signature"), "failed", 401, None),
        (Reply(404, body=b""), "failed", 404, None),
        (Reply(408, body=b""), "retry", 408, None),
        (Reply(425, body=b""), "retry", 425, None),
        (Reply(429, headers={"Retry-After": "120"}, body=b""), "retry", 429, 120.0),
        (
            Reply(
                429, headers={"Retry-After": formatdate(FIXED_NOW + 3600, usegmt=True)}, body=b""
            ),
            "retry",
            429,
            3600.0,
        ),
        (Reply(500, body=b"<html>oops</html>"), "retry", 500, None),
        (Reply(503, headers={"Retry-After": "30"}, body=b""), "retry", 503, 30.0),
        (
            Reply(302, headers={"Location": "https://elsewhere.test/"}, body=b""),
            "failed",
            302,
            None,
        ),
        (Reply(307, headers={"Location": "/other"}, body=b""), "failed", 307, None),
    ],
)
def test_classification_of_answers(http_server, reply, outcome, code, retry_after):
    http_server.default = reply
    result = transport().send(make_document(), destination(http_server.url()), idempotency_key=KEY)
    assert (result.outcome, result.code, result.retry_after) == (outcome, code, retry_after)
    assert len(http_server.requests) == 1  # never follows, never retries by itself
    if outcome != "sent":
        assert result.error and str(code) in result.error


def test_partner_message_is_shown_cleaned(http_server):
    http_server.default = Reply(
        422, body=json.dumps({"error": "SIRET\r\ninconnu " + "x" * 500}).encode()
    )
    result = transport().send(make_document(), destination(http_server.url()), idempotency_key=KEY)
    assert result.outcome == "failed"
    assert "SIRET inconnu" in result.error
    assert "\n" not in result.error and len(result.error) <= 300


def test_a_slow_partner_times_out_within_the_total(http_server):
    http_server.default = Reply(200, delay=1.5)
    result = transport(total_timeout=0.4, connect_timeout=0.2).send(
        make_document(), destination(http_server.url()), idempotency_key=KEY
    )
    assert result.outcome == "retry"
    assert result.error_code == "timeout"
    assert result.duration_ms < 1200


def test_connection_refused_is_retried():
    url = f"http://127.0.0.1:{free_port()}/hook"
    result = transport().send(make_document(), destination(url), idempotency_key=KEY)
    assert (result.outcome, result.error_code) == ("retry", "connection_error")


@pytest.mark.parametrize(
    "document, dest_overrides, error_code",
    [
        (make_document(), {"max_size": 100}, "file_too_large"),
        (make_document(), {"accepted_types": (".jpg", "image/*")}, "file_type_refused"),
        (
            make_document(content=b"short", file_name="a.pdf"),
            {"secret": "whsec_***not base64***"},
            "bad_configuration",
        ),
        (make_document(), {"secret": ""}, "bad_configuration"),
        (make_document(), {"url": ""}, "bad_configuration"),
    ],
)
def test_refusals_happen_before_any_network_call(
    http_server, outbound, document, dest_overrides, error_code
):
    dest = destination(http_server.url())
    dest = replace(dest, **dest_overrides)
    result = transport().send(document, dest, idempotency_key=KEY)
    assert (result.outcome, result.error_code) == ("failed", error_code)
    assert http_server.connections == 0
    assert outbound.attempts == []


def test_bytes_that_do_not_match_the_version_are_not_sent(http_server, outbound):
    document = make_document()
    tampered = OutgoingDocument(**{**document.__dict__, "content": CONTENT[:-1] + b"X"})
    result = transport().send(tampered, destination(http_server.url()), idempotency_key=KEY)
    assert (result.outcome, result.error_code) == ("failed", "file_mismatch")
    assert http_server.connections == 0


def test_a_hostile_file_name_is_plain_data_in_the_json(http_server):
    document = make_document(file_name='evil"\r\nX-Injected: 1\r\n\r\n../../etc/passwd.pdf')
    result = transport().send(document, destination(http_server.url()), idempotency_key=KEY)
    assert result.outcome == "sent"
    [request] = http_server.requests
    assert "x-injected" not in request.headers
    data = envelope(request)["data"]
    # control characters become spaces, slashes underscores; the quote is kept, JSON-escaped
    assert data["document"]["file_name"] == 'evil" X-Injected: 1 .._.._etc_passwd.pdf'
    assert hashlib.sha256(base64.b64decode(data["file"]["content"])).hexdigest() == (
        document.sha256
    )


def test_malformed_idempotency_key_is_a_programming_error(http_server):
    with pytest.raises(ValueError):
        transport().send(make_document(), destination(http_server.url()), idempotency_key="a\r\nb")


@pytest.fixture
def tls_server(tmp_path):
    certificates = make_certificates(tmp_path, ["partner.test"])
    server = HttpServer(ssl_context=certificates.server_context()).start()
    yield server, certificates
    server.stop()


def test_tls_connects_to_the_vetted_address_and_verifies_the_host_name(tls_server, outbound):
    server, certificates = tls_server
    resolver_calls = []

    def resolver(host, port):
        resolver_calls.append(host)
        return {"partner.test": ["127.0.0.1"], "wrong.test": ["127.0.0.1"]}[host]

    https = transport(resolver=resolver, ssl_context=certificates.client_context())
    good = https.send(
        make_document(), destination(server.url(host="partner.test")), idempotency_key=KEY
    )
    assert good.outcome == "sent", good.error
    assert server.requests[0].headers["host"] == f"partner.test:{server.port}"

    bad = https.send(
        make_document(), destination(server.url(host="wrong.test")), idempotency_key=KEY
    )
    assert (bad.outcome, bad.error_code) == ("retry", "tls_error")
    assert len(server.requests) == 1
    assert resolver_calls == ["partner.test", "wrong.test"]
    assert {address[0] for address in outbound.attempts} == {"127.0.0.1"}


def test_the_bundled_verifier_and_secret_generator(http_server):
    """``verify_signature`` (for the demo sink and partners' docs) agrees with the independent
    verifier, and refuses tampering, stale timestamps and other secrets."""
    secret = generate_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    dest = HttpsDestination(url=http_server.url(), secret=secret)
    transport().send(make_document(), dest, idempotency_key=KEY)
    [request] = http_server.requests
    assert verify_standard_webhook(secret, request.headers, request.body, FIXED_NOW)
    assert verify_signature(secret, request.headers, request.body, now=FIXED_NOW)
    assert not verify_signature(secret, request.headers, request.body + b"x", now=FIXED_NOW)
    assert not verify_signature(secret, request.headers, request.body, now=FIXED_NOW + 301)
    assert not verify_signature(generate_secret(), request.headers, request.body, now=FIXED_NOW)
    assert not verify_signature(secret, {}, request.body, now=FIXED_NOW)


# --- what a partner verifies with the official Standard Webhooks library ------------------------


def real_time_transport(**options):
    return get_transport("https", **options)


def test_the_reference_library_verifies_a_binary_pdf_and_gets_the_envelope(http_server):
    content = b"%PDF-1.7\n\xff\xfe\x80\x81 not UTF-8 at all \xc3\x28\n" + bytes(range(256)) * 8
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # the bytes the multipart body used to carry
    document = make_document(content)
    result = real_time_transport().send(
        document, destination(http_server.url()), idempotency_key=KEY
    )
    assert result.outcome == "sent", result.error
    [request] = http_server.requests

    payload = reference_verify(SECRET, request)

    assert payload["type"] == "document.version"
    data = payload["data"]
    assert base64.b64decode(data["file"]["content"]) == content
    assert data["document"]["sha256"] == hashlib.sha256(content).hexdigest()
    assert data["document"]["size"] == len(content)
    assert data["document"]["file_name"] == "Facture FA-2026-031.pdf"
    # The library refuses what a partner must refuse: a changed body, another secret.
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(
            request.body.replace(b'"version":2', b'"version":3'), request.headers
        )
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(request.body, request.headers)


def test_the_reference_library_refuses_a_replayed_old_request(http_server):
    old = datetime(2026, 1, 5, 9, 0, tzinfo=UTC).timestamp()
    real_time_transport(clock=lambda: old).send(
        make_document(), destination(http_server.url()), idempotency_key=KEY
    )
    [request] = http_server.requests
    with pytest.raises(WebhookVerificationError):
        reference_verify(SECRET, request)


def test_a_bare_base64_secret_verifies_with_the_reference_library(http_server):
    bare = base64.b64encode(b"another-secret-of-32-bytes-long!").decode()
    real_time_transport().send(
        make_document(),
        HttpsDestination(url=http_server.url(), secret=bare),
        idempotency_key=KEY,
    )
    assert reference_verify(bare, http_server.requests[0])["data"]["idempotency_key"] == KEY
    assert reference_verify("whsec_" + bare, http_server.requests[0])


def test_a_document_at_the_upload_limit_travels_and_verifies(http_server, settings):
    content = b"%PDF-1.7\n" + bytes(range(256)) * (settings.DOCUMENT_MAX_UPLOAD_BYTES // 256)
    content = content[: settings.DOCUMENT_MAX_UPLOAD_BYTES]
    document = make_document(content)
    slow = real_time_transport(total_timeout=60.0)
    result = slow.send(document, destination(http_server.url()), idempotency_key=KEY)
    assert result.outcome == "sent", result.error
    [request] = http_server.requests
    # base64 adds a third, the metadata a few hundred bytes.
    assert len(request.body) < len(content) * 4 // 3 + 4096
    payload = reference_verify(SECRET, request)
    assert hashlib.sha256(base64.b64decode(payload["data"]["file"]["content"])).hexdigest() == (
        document.sha256
    )


def test_the_partners_documentation_example_receives_our_request(http_server):
    """docs/partners.md's Python example, run as written against a real request."""
    from pathlib import Path

    from django.conf import settings

    text = (Path(settings.PROJECT_DIR) / "docs" / "partners.md").read_text()
    example = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {"SECRET": SECRET}
    exec(example, namespace)  # noqa: S102 (our own documentation)
    document = make_document()
    real_time_transport().send(document, destination(http_server.url()), idempotency_key=KEY)
    [request] = http_server.requests

    assert namespace["receive"](request.body, request.headers) == CONTENT
    tampered = request.body.replace(b'"size":', b'"size": ')
    with pytest.raises(WebhookVerificationError):
        namespace["receive"](tampered, request.headers)
