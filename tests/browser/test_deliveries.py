"""Deliveries in a real browser: a company user uploads an invoice into Achats; the firm user
watches the version's send history turn to "Envoyé" for the e-mail app while the HTTPS app's
partner fails (the retries show, attempt by attempt), then "Renvoyer" gets it through.

The partners are real local servers (aiosmtpd, an HTTP server). The sends are queued (a
dummy task backend) and run here with the engine, the way a worker would, so that the page
can be seen changing by itself."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from comptoir.deliveries import engine
from comptoir.deliveries.models import Delivery
from tests.browser.conftest import log_in
from tests.deliveries.connections import connect, connect_https, email_app, use_smtp
from tests.deliveries.servers import HttpServer, Reply, SmtpServer
from tests.factories import (
    PDF_BYTES,
    CompanyFactory,
    CompanyMembershipFactory,
    FirmFactory,
    FirmMembershipFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def partners(settings, tmp_path):
    smtp = SmtpServer().start()
    http = HttpServer().start()
    http.default = Reply(status=500, body=b'{"message": "maintenance en cours"}')
    settings.MEDIA_ROOT = str(tmp_path / "media")
    use_smtp(settings, smtp)
    settings.DELIVERY_ALLOW_LOOPBACK = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    yield smtp, http
    smtp.stop()
    http.stop()


@pytest.fixture
def space(transactional_db, partners):
    smtp, http = partners
    firm = FirmFactory(name="Cabinet Durand & Associés")
    accountant = FirmMembershipFactory(firm=firm, role="collaborator").user
    company = CompanyFactory(firm=firm, name="Boulangerie Martin")
    baker = CompanyMembershipFactory(company=company, role="collaborateur").user
    connect(
        company,
        email_app(name="Automatiser Saisix"),
        firm_settings={"bot_sender": "robot@cabinet-durand.example"},
        company_settings={"email_achats": "achat.martin@box.saisix.example"},
    )
    connect_https(company, http.url("/factures"), name="Automatiser Facturea")
    return {"accountant": accountant, "baker": baker, "smtp": smtp, "http": http}


def run_worker(delivery, *, after=timedelta(seconds=1)):
    """One attempt, as the worker would make it, at a time the test chooses."""
    return engine.process_delivery(delivery.pk, clock=lambda: timezone.now() + after)


def shot(page, name: str) -> None:
    """Save a screenshot of this page when COMPTOIR_SCREENSHOT_DIR is set."""
    directory = os.environ.get("COMPTOIR_SCREENSHOT_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)


def test_upload_is_delivered_and_the_history_fills_in(live_server, browser, space):
    smtp, http = space["smtp"], space["http"]

    # The baker uploads an invoice into Achats.
    baker = browser.new_context(locale="fr-FR")
    page = baker.new_page()
    log_in(page, live_server.url, space["baker"])
    page.goto(f"{live_server.url}/entreprise/documents/")
    page.get_by_label("Fichier").set_input_files(
        {"name": "facture-farine.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.get_by_label("Répertoire", exact=True).select_option(label="Achats")
    page.get_by_role("button", name="Déposer").click()
    expect(page.get_by_role("link", name="facture-farine.pdf")).to_be_visible()
    baker.close()
    email_delivery = Delivery.objects.get(app_name="Automatiser Saisix")
    api_delivery = Delivery.objects.get(app_name="Automatiser Facturea")
    document = email_delivery.version.document

    # The accountant opens the document: both deliveries wait.
    accountant = browser.new_context(locale="fr-FR")
    page = accountant.new_page()
    log_in(page, live_server.url, space["accountant"])
    page.goto(f"{live_server.url}/documents/{document.pk}/")
    history = page.locator("#send-history-1")
    expect(history.get_by_role("heading", name="Historique d’envoi")).to_be_visible()  # noqa: RUF001
    saisix = history.get_by_role("region", name="Automatiser Saisix")
    facturea = history.get_by_role("region", name="Automatiser Facturea")
    expect(saisix.locator(".badge")).to_have_text("En attente")
    expect(facturea.locator(".badge")).to_have_text("En attente")

    # The worker sends: the page turns to "Envoyé" by itself.
    assert run_worker(email_delivery) == "sent"
    expect(saisix.locator(".badge")).to_have_text("Envoyé", timeout=10_000)
    assert smtp.messages[0].rcpt_tos == ["achat.martin@box.saisix.example"]
    shot(page, "send-history-sent")

    # The API partner answers 500: a retry is planned, the attempt is listed.
    assert run_worker(api_delivery) == "retry"
    expect(facturea.locator(".attempts li")).to_have_count(1, timeout=10_000)
    expect(facturea.locator(".attempts li").first).to_contain_text("Échec temporaire (500)")
    expect(facturea.locator(".badge")).to_have_text("En attente")
    expect(facturea).to_contain_text("maintenance en cours")

    # Two more attempts at their time; the last one is refused for good.
    assert run_worker(api_delivery, after=timedelta(seconds=6)) == "retry"
    http.script(Reply(status=400, body=b'{"message": "dossier inconnu chez Facturea"}'))
    assert run_worker(api_delivery, after=timedelta(minutes=6)) == "failed"
    page.reload()
    facturea = page.locator("#send-history-1").get_by_role("region", name="Automatiser Facturea")
    expect(facturea.locator(".badge")).to_have_text("Échec")
    expect(facturea.locator(".attempts li")).to_have_count(3)
    expect(facturea).to_contain_text("dossier inconnu chez Facturea")
    shot(page, "send-history-failed")

    # The partner is fixed; "Renvoyer" sends it again.
    http.default = Reply(status=201, body=b'{"id": "FAC-2026-0001"}')
    facturea.get_by_role("button", name="Renvoyer").click()
    expect(page.get_by_text("sera envoyé à nouveau", exact=False)).to_be_visible()
    resend = Delivery.objects.get(resend_of=api_delivery)
    facturea = page.locator("#send-history-1").get_by_role("region", name="Automatiser Facturea")
    expect(facturea.locator(f"#delivery-{resend.pk} .badge")).to_have_text("En attente")
    assert run_worker(resend) == "sent"
    expect(facturea.locator(f"#delivery-{resend.pk} .badge")).to_have_text("Envoyé", timeout=10_000)
    expect(facturea.locator(f"#delivery-{api_delivery.pk} .badge")).to_have_text("Échec")
    keys = [request.headers["webhook-id"] for request in http.requests]
    assert keys == [api_delivery.idempotency_key] * 3 + [resend.idempotency_key]
    shot(page, "send-history-resent")

    # The firm-wide page lists all three deliveries.
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Envois").click()
    expect(page.locator("#deliveries tbody tr")).to_have_count(3)
    shot(page, "deliveries-index")
    accountant.close()
