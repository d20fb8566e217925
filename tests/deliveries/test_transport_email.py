"""E-mail transport against a real SMTP server (aiosmtpd)."""

import hashlib
import socket
import threading
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from django.core import mail

from comptoir.deliveries.transports import EmailDestination, OutgoingDocument, get_transport
from comptoir.deliveries.transports.email import message_id_for
from tests.deliveries.servers import free_port

CONTENT = b"%PDF-1.4\n" + bytes(range(256)) * 20 + b"\n%%EOF"
KEY = "dlv_7f3a9c"
TOP_HEADERS = [
    "Auto-Submitted",
    "Content-Type",
    "Date",
    "From",
    "MIME-Version",
    "Message-ID",
    "Subject",
    "To",
    "X-Comptoir-Idempotency-Key",
]


def make_document(content=CONTENT, **overrides):
    values = {
        "file_name": "Facture FA-2026-031.pdf",
        "content_type": "application/pdf",
        "metadata": {
            "document_name": "Facture FA-2026-031",
            "version_number": 1,
            "folder": "Achats",
            "company_name": "Dupont Maçonnerie",
            "company_siret": "73282932000074",
            "firm_name": "Cabinet Martin",
        },
    }
    values.update(overrides)
    return OutgoingDocument.from_bytes(content, **values)


def destination(**overrides):
    values = {
        "address": "achat.dupont@inqombox.test",
        "sender": "Cabinet Martin <documents@cabinet-martin.test>",
    }
    values.update(overrides)
    return EmailDestination(**values)


def parse(received):
    return message_from_bytes(received.content, policy=default_policy)


def attachments(message):
    return list(message.iter_attachments())


@pytest.fixture
def smtp(smtp_server):
    return get_transport("email", timeout=5, **smtp_server.connection_options())


def test_one_message_with_the_exact_file(smtp, smtp_server):
    document = make_document()
    result = smtp.send(document, destination(), idempotency_key=KEY)

    assert result.outcome == "sent"
    assert result.code == 250
    [received] = smtp_server.messages
    assert received.mail_from == "documents@cabinet-martin.test"
    assert received.rcpt_tos == ["achat.dupont@inqombox.test"]
    message = parse(received)
    assert sorted(message.keys()) == TOP_HEADERS
    assert message["To"] == "achat.dupont@inqombox.test"
    assert message["From"].addresses[0].display_name == "Cabinet Martin"
    assert message["Subject"] == "Facture FA-2026-031 — Dupont Maçonnerie"
    message_id = message["Message-ID"].strip()
    assert message_id == result.remote_id == message_id_for(KEY, "documents@cabinet-martin.test")
    body = message.get_body(("plain",)).get_content()
    assert "Facture FA-2026-031" in body and "73282932000074" in body and "Achats" in body
    [attachment] = attachments(message)
    assert attachment.get_filename() == "Facture FA-2026-031.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert hashlib.sha256(attachment.get_payload(decode=True)).hexdigest() == document.sha256


def test_the_message_id_is_the_same_on_every_attempt_of_a_delivery(smtp, smtp_server):
    smtp.send(make_document(), destination(), idempotency_key=KEY)
    smtp.send(make_document(), destination(), idempotency_key=KEY)
    smtp.send(make_document(), destination(), idempotency_key="dlv_other")
    ids = [parse(received)["Message-ID"].strip() for received in smtp_server.messages]
    assert ids[0] == ids[1]
    assert ids[2] != ids[0]
    assert ids[0].startswith("<delivery.") and ids[0].endswith("@cabinet-martin.test>")


def test_text_files_arrive_byte_for_byte(smtp, smtp_server):
    content = b"date;libell\xe9;montant\r\n2026-01-02;Caf\xe9;12,50\n\n.\r\n"
    document = make_document(
        content=content, file_name="relevé banque.csv", content_type="text/csv"
    )
    assert smtp.send(document, destination(), idempotency_key=KEY).outcome == "sent"
    [received] = smtp_server.messages
    assert b"filename*=utf-8''relev%C3%A9%20banque.csv" in received.content
    [attachment] = attachments(parse(received))
    assert attachment.get_filename() == "relevé banque.csv"
    assert attachment.get_payload(decode=True) == content


def test_sender_falls_back_to_the_default_address(smtp, smtp_server, settings):
    settings.DEFAULT_FROM_EMAIL = "Comptoir <robot@comptoir.test>"
    assert smtp.send(make_document(), destination(sender=""), idempotency_key=KEY).outcome == "sent"
    assert smtp_server.messages[0].mail_from == "robot@comptoir.test"


@pytest.mark.parametrize(
    "document_overrides, destination_overrides, expected",
    [
        (
            {
                "metadata": {
                    "document_name": "Facture",
                    "company_name": "ACME\r\nBcc: victim@evil.test",
                }
            },
            {},
            {"Subject": "Facture — ACME Bcc: victim@evil.test"},
        ),
        (
            {
                "metadata": {
                    "document_name": "Facture\nX-Evil: 1\u2028Reply-To: a@evil.test",
                    "company_name": "B",
                }
            },
            {},
            {"Subject": "Facture X-Evil: 1 Reply-To: a@evil.test — B"},
        ),
        (
            {},
            {"sender": "Cabinet\r\nBcc: spy@evil.test <documents@cabinet-martin.test>"},
            {"From": '"Cabinet Bcc: spy@evil.test" <documents@cabinet-martin.test>'},
        ),
    ],
)
def test_names_cannot_add_headers(
    smtp, smtp_server, document_overrides, destination_overrides, expected
):
    document = make_document(**document_overrides)
    result = smtp.send(document, destination(**destination_overrides), idempotency_key=KEY)
    assert result.outcome == "sent"
    [received] = smtp_server.messages
    assert received.rcpt_tos == ["achat.dupont@inqombox.test"]  # nobody else got it
    message = parse(received)
    assert sorted(message.keys()) == TOP_HEADERS
    for name, value in expected.items():
        assert str(message[name]).strip() == value  # a folded header keeps its leading space


def test_file_names_cannot_add_attachment_headers(smtp, smtp_server):
    document = make_document(
        file_name="a\r\nContent-Type: text/html\r\n\r\n<b>x</b>/../évil\x00.pdf"
    )
    assert smtp.send(document, destination(), idempotency_key=KEY).outcome == "sent"
    [attachment] = attachments(parse(smtp_server.messages[0]))
    assert sorted(attachment.keys()) == [
        "Content-Disposition",
        "Content-Transfer-Encoding",
        "Content-Type",
        "MIME-Version",
    ]
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "a Content-Type: text_html <b>x<_b>_.._évil .pdf"
    assert hashlib.sha256(attachment.get_payload(decode=True)).hexdigest() == document.sha256


def test_a_forged_content_type_falls_back_to_octet_stream(smtp, smtp_server):
    document = make_document(content_type="application/pdf\r\nX-Evil: 1")
    assert smtp.send(document, destination(), idempotency_key=KEY).outcome == "sent"
    [attachment] = attachments(parse(smtp_server.messages[0]))
    assert attachment.get_content_type() == "application/octet-stream"
    assert "X-Evil" not in attachment


@pytest.mark.parametrize(
    "overrides",
    [
        {"address": "achat.dupont@inqombox.test\r\nBcc: spy@evil.test"},
        {"address": "achat.dupont@inqombox.test\nRCPT TO:<spy@evil.test>"},
        {"address": "achat.dupont@inqombox.test, spy@evil.test"},
        {"address": "not-an-address"},
        {"address": ""},
        {"address": "Name <>"},
        {"address": "Inqom\r\nCc: spy@evil.test <achat.dupont@inqombox.test>"},
        {"address": "Inqom <achat.dupont@inqombox.test>"},  # a collection address is bare
        {"sender": "documents@cabinet\r\n.test"},
        {"sender": "nobody"},
    ],
)
def test_invalid_addresses_are_a_permanent_failure(smtp, smtp_server, overrides):
    result = smtp.send(make_document(), destination(**overrides), idempotency_key=KEY)
    assert (result.outcome, result.error_code) == ("failed", "bad_configuration")
    assert result.error and "\n" not in result.error and "\r" not in result.error
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    "mode, outcome, code",
    [
        ("rcpt_451", "retry", 451),
        ("rcpt_550", "failed", 550),
        ("data_451", "retry", 451),
        ("data_550", "failed", 550),
    ],
)
def test_smtp_replies_are_classified(smtp, smtp_server, mode, outcome, code):
    smtp_server.handler.mode = mode
    result = smtp.send(make_document(), destination(), idempotency_key=KEY)
    assert (result.outcome, result.code) == (outcome, code)
    assert str(code) in result.error
    assert smtp_server.messages == []


def test_unreachable_server_is_retried():
    transport = get_transport(
        "email",
        timeout=2,
        backend="django.core.mail.backends.smtp.EmailBackend",
        host="127.0.0.1",
        port=free_port(),
    )
    result = transport.send(make_document(), destination(), idempotency_key=KEY)
    assert (result.outcome, result.error_code) == ("retry", "smtp_unreachable")


def test_a_silent_server_times_out_and_is_retried():
    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        transport = get_transport(
            "email",
            timeout=0.3,
            backend="django.core.mail.backends.smtp.EmailBackend",
            host="127.0.0.1",
            port=silent.getsockname()[1],
        )
        result = transport.send(make_document(), destination(), idempotency_key=KEY)
    assert result.outcome == "retry"
    assert result.duration_ms < 2000


def test_a_server_that_hangs_up_is_retried():
    with socket.socket() as rude:  # greets, then closes the connection
        rude.bind(("127.0.0.1", 0))
        rude.listen(1)

        def greet_and_hang_up():
            connection, _address = rude.accept()
            connection.sendall(b"220 sink ESMTP\r\n")
            connection.close()

        thread = threading.Thread(target=greet_and_hang_up, daemon=True)
        thread.start()
        transport = get_transport(
            "email", timeout=2, backend="django.core.mail.backends.smtp.EmailBackend",
            host="127.0.0.1", port=rude.getsockname()[1],
        )  # fmt: skip
        result = transport.send(make_document(), destination(), idempotency_key=KEY)
        thread.join(2)
    assert (result.outcome, result.error_code) == ("retry", "smtp_disconnected")


def test_file_limits_are_checked_before_connecting(smtp, smtp_server):
    result = smtp.send(make_document(), destination(max_size=1024), idempotency_key=KEY)
    assert (result.outcome, result.error_code) == ("failed", "file_too_large")
    assert smtp_server.messages == []


def test_project_backend_by_default(mailoutbox):
    """With the project's settings (locmem in tests), the engine's tests can read the outbox."""
    result = get_transport("email").send(make_document(), destination(), idempotency_key=KEY)
    assert result.outcome == "sent"
    assert result.code is None
    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == result.remote_id
