"""Send-history pages: the firm-wide list, "Renvoyer", the version's history on the document
page and its self-refreshing partial; 404 outside the firm or the company."""

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.audit.models import AuditEvent
from comptoir.deliveries import engine
from comptoir.deliveries.models import Delivery
from tests.conftest import client_for
from tests.deliveries.connections import (
    connect,
    email_app,
    later,
    sent_failed_pending,
    upload,
)
from tests.factories import (
    PDF_BYTES,
    CompanyFactory,
    CompanyMembershipFactory,
    FirmMembershipFactory,
)

INDEX = reverse("deliveries:index")


pytestmark = pytest.mark.usefixtures("media_root")


def history_url(document, number=1):
    return reverse("deliveries:version_history", args=[document.pk, number])


@pytest.fixture
def history(firm_admin, connection, company, http_server):
    """Facture 0 sent, Facture 1 failed, Facture 2 pending."""
    return sent_failed_pending(firm_admin, company, http_server, refusal="dossier inconnu")


def rows(response) -> list[str]:
    return [d.version.document.title for d in response.context["page"].object_list]


def test_the_firm_sees_every_delivery_in_french(firm_collaborator, history):
    response = client_for(firm_collaborator).get(INDEX)

    assert response.status_code == 200
    assert rows(response) == ["Facture 2", "Facture 1", "Facture 0"]
    html = response.content.decode()
    assert "Historique d’envoi" in html  # noqa: RUF001 (the French apostrophe)
    assert "Envoyé" in html and "Échec" in html and "En attente" in html
    assert "dossier inconnu" in html
    assert html.count('action="/cabinet/envois/') == 2  # "Renvoyer" on the finished ones


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=sent", ["Facture 0"]),
        ("status=failed", ["Facture 1"]),
        ("app=does-not-exist", ["Facture 2", "Facture 1", "Facture 0"]),  # invalid: no filter
        ("since=2001-01-01&until=2001-12-31", []),
    ],
)
def test_filters(firm_admin, history, query, expected):
    assert rows(client_for(firm_admin).get(f"{INDEX}?{query}")) == expected


def test_filter_by_app_and_company(firm_admin, history, connection, company, smtp_server):
    sibling = CompanyFactory(firm=company.firm, name="Garage des Tilleuls")
    connect(sibling, email_app(), company_settings={"email_achats": "a@box.example"})
    upload(firm_admin, sibling, title="Facture garage")
    client = client_for(firm_admin)

    by_app = client.get(f"{INDEX}?app={connection.installation.app.slug}")
    assert rows(by_app) == ["Facture 2", "Facture 1", "Facture 0"]
    assert rows(client.get(f"{INDEX}?company=tilleuls")) == ["Facture garage"]


def test_the_list_costs_the_same_queries_for_3_or_60_deliveries(firm_admin, connection, company):
    client = client_for(firm_admin)

    def count() -> int:
        with CaptureQueriesContext(db_connection) as captured:
            assert client.get(INDEX).status_code == 200
        return len(captured)

    for _ in range(3):
        upload(firm_admin, company)
    few = count()
    for _ in range(57):
        upload(firm_admin, company)
    for delivery in Delivery.objects.all()[:30]:
        engine.process_delivery(delivery.pk, clock=later)

    assert count() == few


def test_resend_from_the_list(firm_admin, history):
    failed = Delivery.objects.get(status="failed")

    response = client_for(firm_admin).post(
        reverse("deliveries:resend", args=[failed.pk]), {"next": f"{INDEX}?status=failed"}
    )

    assert response.status_code == 302
    assert response.url == f"{INDEX}?status=failed"
    assert Delivery.objects.filter(resend_of=failed).count() == 1
    assert AuditEvent.objects.filter(action="delivery.resend").count() == 1


def test_a_refused_resend_says_why(firm_admin, history):
    pending = Delivery.objects.get(status="pending")
    client = client_for(firm_admin)

    response = client.post(reverse("deliveries:resend", args=[pending.pk]), follow=True)

    assert response.redirect_chain[-1][0] == INDEX
    assert "Facture 2" in response.content.decode()
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and "Automatiser Horizon" in messages[0]
    assert not Delivery.objects.filter(resend_of=pending).exists()


def test_resend_ignores_a_next_address_outside_the_site(firm_admin, history):
    failed = Delivery.objects.get(status="failed")

    response = client_for(firm_admin).post(
        reverse("deliveries:resend", args=[failed.pk]), {"next": "https://evil.example/"}
    )

    assert response.url == INDEX


def test_resend_needs_a_post(firm_admin, history):
    failed = Delivery.objects.get(status="failed")
    response = client_for(firm_admin).get(reverse("deliveries:resend", args=[failed.pk]))
    assert response.status_code == 405


# --- the document page ---------------------------------------------------------------------------


def test_the_document_page_shows_each_versions_history(firm_admin, history, company_admin):
    document = history[1]
    for user, may_resend in ((firm_admin, True), (company_admin, False)):
        response = client_for(user).get(reverse("documents:detail", args=[document.pk]))

        html = response.content.decode()
        assert response.status_code == 200
        assert "Automatiser Horizon" in html
        assert "Échec" in html and "dossier inconnu" in html
        assert ("deliveries/" in html and "renvoyer" in html) is may_resend


def test_the_document_page_costs_the_same_queries_for_1_or_6_versions(
    firm_admin, connection, company
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from comptoir.documents.services import document_version_add

    document = upload(firm_admin, company)
    client = client_for(firm_admin)
    url = reverse("documents:detail", args=[document.pk])

    def count() -> int:
        with CaptureQueriesContext(db_connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    one = count()
    for n in range(5):
        document_version_add(
            actor=firm_admin,
            document=document,
            file=SimpleUploadedFile(f"v{n}.pdf", PDF_BYTES + f"%{n}\n".encode()),
        )
    for delivery in Delivery.objects.all():
        engine.process_delivery(delivery.pk, clock=later)

    assert count() == one


def test_the_partial_refreshes_itself_while_a_delivery_is_due(firm_admin, history, connection):
    client = client_for(firm_admin)

    pending = client.get(history_url(history[2]), HTTP_HX_REQUEST="true")
    assert pending.status_code == 200
    assert 'hx-trigger="every 3s"' in pending.content.decode()
    assert "<html" not in pending.content.decode()

    done = client.get(history_url(history[0]), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in done.content.decode()
    assert "Envoyé" in done.content.decode()


def test_company_users_read_their_own_history_only(firm_admin, history, company):
    guest = CompanyMembershipFactory(company=company, role="invite").user
    sibling = CompanyFactory(firm=company.firm)
    stranger = CompanyMembershipFactory(company=sibling, role="administrateur").user

    own = client_for(guest).get(history_url(history[1]))
    assert own.status_code == 200
    assert "dossier inconnu" in own.content.decode()
    assert "renvoyer" not in own.content.decode()
    assert client_for(stranger).get(history_url(history[1])).status_code == 404


def test_company_users_have_no_firm_page_and_cannot_resend(history, company_admin):
    failed = Delivery.objects.get(status="failed")
    client = client_for(company_admin)

    assert client.get(INDEX).status_code == 404
    assert client.post(reverse("deliveries:resend", args=[failed.pk])).status_code == 404
    assert not Delivery.objects.filter(resend_of=failed).exists()


def test_another_firm_gets_404_everywhere(history, other_firm):
    outsider = FirmMembershipFactory(firm=other_firm, role="admin").user
    client = client_for(outsider)
    failed = Delivery.objects.get(status="failed")

    assert rows(client.get(INDEX)) == []
    assert client.post(reverse("deliveries:resend", args=[failed.pk])).status_code == 404
    assert client.get(history_url(history[0])).status_code == 404
    assert not Delivery.objects.filter(resend_of=failed).exists()


def test_anonymous_visitors_are_sent_to_the_login(history):
    from django.test import Client

    for url in (INDEX, history_url(history[0])):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/connexion/" in response.url


def test_the_firm_menu_links_the_history(firm_admin):
    html = client_for(firm_admin).get(reverse("portal:firm_home")).content.decode()
    assert f'href="{INDEX}"' in html


def test_the_admin_shows_deliveries_read_only(history):
    from tests.factories import UserFactory

    operator = UserFactory(is_staff=True, is_superuser=True)
    client = client_for(operator)
    delivery = Delivery.objects.get(status="failed")

    listing = client.get(reverse("admin:deliveries_delivery_changelist"))
    detail = client.get(reverse("admin:deliveries_delivery_change", args=[delivery.pk]))

    assert listing.status_code == 200 and "Automatiser Horizon" in listing.content.decode()
    assert detail.status_code == 200 and "dossier inconnu" in detail.content.decode()
    assert client.get(reverse("admin:deliveries_delivery_add")).status_code == 403
