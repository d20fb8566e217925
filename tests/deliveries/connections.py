"""Building blocks for the engine, outbox, API and page tests: automation apps like the
catalogue's, their installation and connection to a company, uploads, and checks of what the
local servers received."""

import base64
import hashlib
import hmac
import json
import secrets
from datetime import timedelta
from email import message_from_bytes, policy

from django.utils import timezone

from comptoir.assignments.models import CompanyAssignment
from comptoir.deliveries import engine
from comptoir.deliveries.models import Delivery
from comptoir.documents import services as document_services
from comptoir.store.models import Installation
from comptoir.store.schema import COMPANY, FIRM
from comptoir.store.settings_validation import validate_settings
from tests.deliveries.servers import Reply
from tests.factories import PDF_BYTES, uploaded_file
from tests.store.factories import AutomationAppFactory

EMAIL_SCHEMA = [
    {
        "key": "bot_sender",
        "label_fr": "Adresse robot",
        "label_en": "Bot address",
        "kind": "email",
        "level": "firm",
    },
    {
        "key": "email_achats",
        "label_fr": "Adresse Achats",
        "label_en": "Purchases address",
        "kind": "email",
        "level": "company",
        "folder": "achats",
        "required": True,
    },
    {
        "key": "email_ventes",
        "label_fr": "Adresse Ventes",
        "label_en": "Sales address",
        "kind": "email",
        "level": "company",
        "folder": "ventes",
    },
    {
        "key": "dossier_code",
        "label_fr": "Code dossier",
        "label_en": "Dossier code",
        "kind": "text",
        "level": "company",
    },
]
GENERIC_EMAIL_SCHEMA = [
    {
        "key": "dossier_email",
        "label_fr": "Adresse du dossier",
        "label_en": "Dossier address",
        "kind": "email",
        "level": "company",
        "required": True,
    },
]
HTTPS_SCHEMA = [
    {
        "key": "api_url",
        "label_fr": "URL de l'API",
        "label_en": "API URL",
        "kind": "url",
        "level": "firm",
        "required": True,
    },
    {
        "key": "api_key",
        "label_fr": "Clé d'API",
        "label_en": "API key",
        "kind": "secret",
        "level": "firm",
        "required": True,
    },
    {
        "key": "customer_id",
        "label_fr": "Identifiant client",
        "label_en": "Customer id",
        "kind": "text",
        "level": "company",
    },
]


def use_smtp(settings, smtp_server):
    """Send the e-mail deliveries to the local aiosmtpd server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return smtp_server


def later():
    """A clock one second ahead, so that a delivery planned "now" is due."""
    return timezone.now() + timedelta(seconds=1)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def email_app(**kwargs):
    defaults = {
        "name": "Automatiser Saisix",
        "transport": "email",
        "accepted_folders": ["achats", "ventes"],
        "accepted_file_types": ["pdf", "png"],
        "settings_schema": [dict(f) for f in EMAIL_SCHEMA],
    }
    return AutomationAppFactory(**{**defaults, **kwargs})


def generic_email_app(**kwargs):
    defaults = {
        "name": "Automatiser Comptanova",
        "transport": "email",
        "accepted_folders": ["achats", "ventes", "banque"],
        "accepted_file_types": [],
        "settings_schema": [dict(f) for f in GENERIC_EMAIL_SCHEMA],
    }
    return AutomationAppFactory(**{**defaults, **kwargs})


def https_app(**kwargs):
    defaults = {
        "name": "Automatiser Horizon",
        "transport": "https",
        "accepted_folders": ["achats", "banque"],
        "accepted_file_types": ["pdf"],
        "settings_schema": [dict(f) for f in HTTPS_SCHEMA],
    }
    return AutomationAppFactory(**{**defaults, **kwargs})


def connect(
    company, app, *, firm_settings=None, company_settings=None, enabled=True, unchecked=False
):
    """Install ``app`` in the company's firm (or reuse it) and connect it to ``company``.

    The settings go through the schema's validation (secrets encrypted), unless
    ``unchecked`` stores them as given (a configuration the forms would have refused)."""

    def stored(level, values):
        return dict(values or {}) if unchecked else validate_settings(app, level, values or {})

    installation = Installation.objects.filter(firm=company.firm, app=app).first()
    if installation is None:
        installation = Installation.objects.create(
            firm=company.firm, app=app, settings=stored(FIRM, firm_settings)
        )
    return CompanyAssignment.objects.create(
        firm=company.firm,
        installation=installation,
        company=company,
        settings=stored(COMPANY, company_settings),
        enabled=enabled,
    )


def connect_https(company, url: str, *, company_settings=None, **app_fields):
    """Connect an HTTPS app like Horizon, posting to ``url`` with a fresh signing secret."""
    return connect(
        company,
        https_app(**app_fields),
        firm_settings={"api_url": url, "api_key": new_secret()},
        company_settings=company_settings,
    )


def upload(actor, company, folder="achats", content=PDF_BYTES, name="facture.pdf", title=None):
    return document_services.document_upload(
        actor=actor,
        company=company,
        folder=folder,
        file=uploaded_file(name, content, content_type="application/octet-stream"),
        title=title,
    )


def sent_failed_pending(actor, company, http_server, refusal: str) -> list:
    """Three uploads to a connected HTTPS app: the first sent, the second refused (HTTP 400
    with ``refusal`` as the partner's message), the third pending; returns the documents."""
    documents = [upload(actor, company, title=f"Facture {n}") for n in range(3)]
    sent, failed, _pending = Delivery.objects.order_by("id")
    engine.process_delivery(sent.pk, clock=later)
    http_server.script(Reply(status=400, body=json.dumps({"message": refusal}).encode()))
    engine.process_delivery(failed.pk, clock=later)
    return documents


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- what the servers received -----------------------------------------------------------------


def request_payload(request) -> dict:
    """The JSON envelope of a recorded HTTPS delivery."""
    assert request.headers["content-type"] == "application/json"
    return json.loads(request.body)


def request_file(request) -> bytes:
    """The file a recorded HTTPS delivery carried (base64 in ``data.file``)."""
    return base64.b64decode(request_payload(request)["data"]["file"]["content"], validate=True)


def signature_valid(request, secret: str) -> bool:
    """Standard Webhooks: v1,base64(HMAC-SHA256(key, id.timestamp.body)), computed here."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = (
        f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.".encode()
        + request.body
    )
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [s.split(",", 1)[1] for s in request.headers["webhook-signature"].split()]
    return any(hmac.compare_digest(expected, value) for value in offered)


def request_metadata(request) -> dict:
    return request_payload(request)


def parse_mail(received):
    return message_from_bytes(received.content, policy=policy.default)


def attachment_bytes(message) -> bytes:
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1
    return attachments[0].get_payload(decode=True)
