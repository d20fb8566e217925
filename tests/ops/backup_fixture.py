"""What the backup tests run inside a child ``comptoir`` environment (``python -c``).

``populate()`` builds a firm with a client company, a connected e-mail app, a document with
two versions and their send history (one delivery sent for real through the e-mail
transport, its attempt recorded); ``describe()`` prints, as JSON, everything the tests compare
before the backup and after the restore, file bytes included (their SHA-256, read back
through the storage).
"""

import hashlib
import json
import sys

CHILD = (
    "import django, sys; django.setup(); "
    "from tests.ops import backup_fixture; backup_fixture.{name}()"
)


def command(name: str) -> list[str]:
    return [sys.executable, "-c", CHILD.format(name=name)]


def populate() -> None:
    from comptoir.deliveries import engine
    from comptoir.deliveries.models import Delivery
    from comptoir.documents import services as document_services
    from tests.deliveries.connections import connect, email_app, later, upload
    from tests.factories import CompanyFactory, FirmMembershipFactory, uploaded_file

    admin_membership = FirmMembershipFactory(role="admin", user__email="sophie@cabinet.test")
    company = CompanyFactory(firm=admin_membership.firm, name="Boulangerie Martin")
    connect(
        company,
        email_app(),
        firm_settings={"bot_sender": "robot@cabinet.test"},
        company_settings={"email_achats": "achats@saisix.test"},
    )
    document = upload(admin_membership.user, company, content=b"%PDF-1.7\nfacture 1\n%%EOF\n")
    delivery = Delivery.objects.get(version__document=document)
    outcome = engine.process_delivery(delivery.pk, clock=later)
    if outcome != "sent":
        raise SystemExit(f"the first delivery was not sent: {outcome}")
    document_services.document_version_add(
        actor=admin_membership.user,
        document=document,
        file=uploaded_file("facture-v2.pdf", b"%PDF-1.7\nfacture 1, corrigee\n%%EOF\n"),
    )
    describe()


def describe() -> None:
    from comptoir.accounts.models import User
    from comptoir.audit.models import AuditEvent
    from comptoir.deliveries.models import Delivery
    from comptoir.documents.models import Document

    documents = []
    for document in Document.objects.order_by("pk"):
        versions = []
        for version in document.versions.order_by("number"):
            with version.file.open("rb") as handle:
                content = handle.read()
            versions.append(
                {
                    "number": version.number,
                    "file": version.file.name,
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "deliveries": [
                        {
                            "app": delivery.app_name,
                            "status": delivery.status,
                            "to": delivery.destination_label,
                            "attempts": [
                                [attempt.number, attempt.outcome]
                                for attempt in delivery.attempts.order_by("number")
                            ],
                        }
                        for delivery in Delivery.objects.filter(version=version).order_by("pk")
                    ],
                }
            )
        documents.append(
            {
                "title": document.title,
                "company": document.company.name,
                "folder": document.folder,
                "versions": versions,
            }
        )
    state = {
        "users": sorted(User.objects.values_list("email", flat=True)),
        "audit_events": AuditEvent.objects.count(),
        "documents": documents,
    }
    print(json.dumps(state, sort_keys=True))
