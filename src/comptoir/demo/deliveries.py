"""The deliveries part of ``comptoir seed-demo``: connections wired to the local sinks, and
documents whose deliveries give a lived-in send history.

- The demo firms' HTTPS apps point at the demo's HTTP receiver (``demo.receiver``), signed with
  this demo's own secret (:func:`webhook_secret`, kept in ``var/``); e-mail apps use
  collection addresses that the demo's SMTP sink accepts like any other (it keeps every
  message in ``var/mail/``).
- Fiducia Conseil's SFTP app (Iscribe Achats) uploads to the demo's SFTP server
  (``demo.sinks.SftpSink``), with that server's real host-key fingerprint (its key is made
  once, here, in ``var/sftp_host_key``), so an SFTP delivery succeeds too.
- "Automatiser Facturea" of Cabinet Durand is the partner in trouble: its URL is the
  receiver's ``/fail/`` path, so its deliveries retry on the schedule.
- A few documents (one with two versions, one ``.docx`` that the apps refuse) are uploaded
  through the documents service: their deliveries are planned like any upload and the worker
  sends them as soon as the demo runs — sent, retrying and failed ones side by side.

The sinks pick free ports each time the demo starts (another demo may hold 8025 or 8022): when
they start, :func:`point_demo_apps_at` and :func:`point_demo_sftp_at` re-point the demo
firms' settings at them, and every delivery reads its destination from the current settings
when it is sent (``engine.current_destination``), so none is sent to a port this demo did
not open.

Idempotent: connections and documents are found again (by company and app, by company and
title) and not created twice; the firm settings it owns are set to the same values again.
Needs the catalogue (``comptoir load-catalog``); without it, it does nothing.
"""

from __future__ import annotations

import base64
import io
import secrets
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max

from comptoir.assignments.models import CompanyAssignment
from comptoir.documents.models import Document
from comptoir.documents.services import document_upload, document_version_add
from comptoir.store.models import App, Installation
from comptoir.store.schema import COMPANY, FIRM, reveal_settings
from comptoir.store.settings_validation import validate_settings

RECEIVER_PORT = 8025
SFTP_PORT = 8022
SFTP_APP = "iscribe-achats"
SFTP_LOGIN = "fiducia"
SFTP_PASSWORD = "demo-sftp-mot-de-passe"  # noqa: S105 (the demo server's, on loopback only)
WEBHOOK_SECRET_FILE = "demo_webhook_secret"  # noqa: S105 (a file name)
LOCAL_HOST = "127.0.0.1"


def webhook_secret(var_dir: Path | None = None) -> str:
    """This demo's signing secret, created once in ``var/demo_webhook_secret``: each demo
    (each var/) has its own, so the receiver of another demo on this machine answers 401 to
    anything this one signs."""
    from django.conf import settings

    path = Path(var_dir or settings.VAR_DIR) / WEBHOOK_SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    temporary = path.with_suffix(".tmp")
    temporary.write_text(secret + "\n")
    temporary.chmod(0o600)
    temporary.replace(path)
    return secret


def receiver_url(path: str, port: int = RECEIVER_PORT) -> str:
    return f"http://{LOCAL_HOST}:{port}{path}"


# Firm-level settings of the HTTPS apps, per firm: they send to the local receiver, signed
# with this demo's secret (the key that names it, filled in by firm_wiring()).
FIRM_WIRING: dict[str, dict[str, dict[str, str]]] = {
    "cabinet-durand": {
        "automatiser-horizon-releves": {
            "api_url": receiver_url("/hooks/horizon/cabinet-durand"),
            "api_key": "",
        },
        "automatiser-facturea": {
            "api_url": receiver_url("/fail/facturea/cabinet-durand"),
            "api_token": "",
        },
    },
    "fiducia-conseil": {},
}
_SECRET_KEYS = ("api_key", "api_token")


SFTP_HOST_KEY_FILE = "sftp_host_key"


def sftp_host_key(var_dir: Path):
    """The demo SFTP server's host key, created once in ``var/sftp_host_key`` (so that its
    fingerprint, which the demo's SFTP app is configured with, stays the same)."""
    import asyncssh

    path = Path(var_dir) / SFTP_HOST_KEY_FILE
    if path.exists():
        return asyncssh.read_private_key(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="comptoir-demo-sftp")
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(key.export_private_key())
    temporary.chmod(0o600)
    temporary.replace(path)
    return key


def sftp_fingerprint(var_dir: Path) -> str:
    """``SHA256:…`` as ``ssh-keygen -lf`` prints it, of the demo server's host key."""
    return sftp_host_key(var_dir).get_fingerprint("sha256")


def sftp_settings(port: int = SFTP_PORT, fingerprint: str | None = None) -> dict[str, str]:
    """Firm-level settings of the demo's SFTP app: the local SFTP server and its host key."""
    from django.conf import settings

    return {
        "sftp_host": LOCAL_HOST,
        "sftp_port": str(port),
        "sftp_login": SFTP_LOGIN,
        "sftp_password": SFTP_PASSWORD,
        "sftp_host_key": fingerprint or sftp_fingerprint(settings.VAR_DIR),
    }


def firm_wiring() -> dict[str, dict[str, dict[str, str]]]:
    """Per firm, the firm-level settings of the apps that send to the local sinks."""
    secret = webhook_secret()
    wiring = {
        slug: {
            app: {key: secret if key in _SECRET_KEYS else value for key, value in values.items()}
            for app, values in apps.items()
        }
        for slug, apps in FIRM_WIRING.items()
    }
    wiring["fiducia-conseil"][SFTP_APP] = sftp_settings()
    return wiring


# Connections per firm and company name: app slug -> company-level settings.
CONNECTIONS: dict[str, dict[str, dict[str, dict[str, str]]]] = {
    "cabinet-durand": {
        "Boulangerie Martin": {
            "automatiser-saisix": {
                "email_achats": "achat.boulangerie-martin@box.saisix.example",
                "email_ventes": "vente.boulangerie-martin@box.saisix.example",
                "email_notes_de_frais": "ndf.boulangerie-martin@box.saisix.example",
            },
            "automatiser-comptanova": {"dossier_email": "martin.bm01@connect.comptanova.example"},
            "automatiser-horizon-releves": {"customer_id": "HZ-104233"},
        },
        "Garage des Tilleuls": {
            "automatiser-gestivo-achats": {
                "email_achats": "achats.tilleuls@pieces.gestivo.example",
            },
            "automatiser-facturea": {},
        },
    },
    "fiducia-conseil": {
        "Restaurant Le Grand Chêne": {
            "automatiser-factolib": {"collection_email": "grand-chene@in.factolib.example"},
            SFTP_APP: {"dossier_code": "GRANDCHENE01"},
        },
    },
}


@dataclass(frozen=True)
class DemoDocument:
    firm: str
    company: str
    folder: str
    title: str
    file_name: str
    versions: int = 1


DOCUMENTS = (
    DemoDocument(
        "cabinet-durand",
        "Boulangerie Martin",
        "achats",
        "Facture Moulins Giraud — farine T65",
        "facture-moulins-giraud.pdf",
        versions=2,
    ),
    DemoDocument(
        "cabinet-durand",
        "Boulangerie Martin",
        "ventes",
        "Facture traiteur mariage Dupuis",
        "facture-mariage-dupuis.pdf",
    ),
    DemoDocument(
        "cabinet-durand",
        "Boulangerie Martin",
        "banque",
        "Relevé Banque Horizon avril",
        "releve-horizon-avril.pdf",
    ),
    DemoDocument(
        "cabinet-durand",
        "Boulangerie Martin",
        "achats",
        "Devis four à pain (Word)",
        "devis-four-a-pain.docx",
    ),
    DemoDocument(
        "cabinet-durand",
        "Garage des Tilleuls",
        "achats",
        "Facture pneus Euromaster",
        "facture-pneus-euromaster.pdf",
    ),
    DemoDocument(
        "fiducia-conseil",
        "Restaurant Le Grand Chêne",
        "achats",
        "Facture Metro — produits frais",
        "facture-metro.pdf",
    ),
)


# --- files ----------------------------------------------------------------------------------------


def pdf_bytes(text: str) -> bytes:
    """A small, valid one-page PDF showing ``text`` (ASCII only in the content stream)."""
    safe = text.encode("ascii", "replace").decode().replace("\\", "").replace("(", "[")
    safe = safe.replace(")", "]")
    stream = f"BT /F1 18 Tf 72 720 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode())
    out.write(f"startxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def docx_bytes(text: str) -> bytes:
    """A minimal Word document (enough to be recognised as one)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p>'
            "</w:body></w:document>",
        )
    return buffer.getvalue()


def demo_file(document: DemoDocument, version: int) -> SimpleUploadedFile:
    text = f"{document.title} - version {version}"
    if document.file_name.endswith(".docx"):
        return SimpleUploadedFile(document.file_name, docx_bytes(text))
    return SimpleUploadedFile(document.file_name, pdf_bytes(text))


# --- seeding --------------------------------------------------------------------------------------


def _installation(firm, app, settings_by_slug, created: Counter):
    installation = Installation.objects.filter(firm=firm, app=app).first()
    wanted = settings_by_slug.get(app.slug)
    if installation is None:
        top = Installation.objects.filter(firm=firm).aggregate(top=Max("position"))["top"]
        installation = Installation.objects.create(
            firm=firm,
            app=app,
            settings=validate_settings(app, FIRM, wanted or {}),
            position=(top or 0) + 1,
        )
        created[f"{firm.slug}:installations"] += 1
    elif wanted:
        current = reveal_settings(app, FIRM, installation.settings)
        if any(current.get(key) != value for key, value in wanted.items()):
            installation.settings = validate_settings(app, FIRM, wanted, installation.settings)
            installation.save(update_fields=["settings", "updated_at"])
    return installation


def seed_connections(firms: dict, companies: dict) -> Counter:
    """Install and wire the demo's automation apps, connect them to a few companies."""
    created: Counter = Counter()
    slugs = {
        slug for per_firm in CONNECTIONS.values() for apps in per_firm.values() for slug in apps
    }
    catalogue = {app.slug: app for app in App.objects.filter(slug__in=slugs, owner_firm=None)}
    wiring = firm_wiring()
    for firm_slug, per_company in CONNECTIONS.items():
        firm = firms.get(firm_slug)
        if firm is None:
            continue
        for company_name, apps in per_company.items():
            company = companies.get((firm_slug, company_name))
            if company is None:
                continue
            for app_slug, company_settings in apps.items():
                app = catalogue.get(app_slug)
                if app is None:
                    continue
                installation = _installation(firm, app, wiring.get(firm_slug, {}), created)
                _assignment, new = CompanyAssignment.objects.get_or_create(
                    installation=installation,
                    company=company,
                    defaults={
                        "firm": firm,
                        "settings": validate_settings(app, COMPANY, company_settings),
                    },
                )
                if new:
                    created[f"{firm_slug}:connections"] += 1
    return created


def seed_documents(firms: dict, companies: dict, uploaders: dict) -> Counter:
    """Upload the demo documents (and their second versions) through the documents service;
    ``uploaders`` maps (firm slug, company name) to the user who uploads."""
    created: Counter = Counter()
    for spec in DOCUMENTS:
        company = companies.get((spec.firm, spec.company))
        if company is None or spec.firm not in firms:
            continue
        if Document.objects.filter(company=company, title=spec.title).exists():
            continue
        actor = uploaders.get((spec.firm, spec.company))
        document = document_upload(
            actor=actor,
            company=company,
            folder=spec.folder,
            file=demo_file(spec, 1),
            title=spec.title,
        )
        for number in range(2, spec.versions + 1):
            document_version_add(actor=actor, document=document, file=demo_file(spec, number))
        created[f"{spec.firm}:documents"] += 1
    return created


def point_demo_apps_at(base_url: str) -> int:
    """Point the demo firms' HTTPS apps that send to the local receiver at ``base_url``
    (the receiver runs on another port when 8025 is taken). How many changed."""
    target = urlsplit(base_url)
    moved = 0
    for installation in Installation.objects.filter(
        firm__slug__in=list(FIRM_WIRING), app__transport="https"
    ):
        url = installation.settings.get("api_url")
        if not isinstance(url, str):
            continue
        parts = urlsplit(url)
        if parts.hostname != LOCAL_HOST or parts.netloc == target.netloc:
            continue
        new_url = urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))
        installation.settings = {**installation.settings, "api_url": new_url}
        installation.save(update_fields=["settings", "updated_at"])
        moved += 1
    return moved


def point_demo_sftp_at(host: str, port: int, fingerprint: str) -> int:
    """Point the demo firms' SFTP app that uploads to this machine at the demo SFTP server
    now listening on ``port`` with the host key ``fingerprint``. How many changed."""
    wanted = {"sftp_port": str(port), "sftp_host_key": fingerprint}
    moved = 0
    for installation in Installation.objects.filter(
        firm__slug__in=list(FIRM_WIRING), app__slug=SFTP_APP
    ):
        stored = installation.settings or {}
        if stored.get("sftp_host") != host:
            continue  # the firm pointed it elsewhere: leave it alone
        if all(stored.get(key) == value for key, value in wanted.items()):
            continue
        installation.settings = {**stored, **wanted}
        installation.save(update_fields=["settings", "updated_at"])
        moved += 1
    return moved
