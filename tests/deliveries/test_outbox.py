"""The outbox: a new version in a routed folder creates one delivery per destination, in the
upload's own transaction, with a bounded number of queries; the sends wait for the commit."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from comptoir.deliveries import outbox
from comptoir.deliveries.models import Delivery
from comptoir.deliveries.transports.base import IDEMPOTENCY_KEY_RE
from comptoir.documents import services as document_services
from tests.deliveries.connections import (
    connect,
    email_app,
    generic_email_app,
    https_app,
    new_secret,
    upload,
)
from tests.factories import PDF_BYTES, CompanyFactory
from tests.store.factories import AppFactory

pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture
def saisix(company):
    return connect(
        company,
        email_app(),
        firm_settings={"bot_sender": "robot@cabinet.example"},
        company_settings={
            "email_achats": "achat.dossier@box.saisix.example",
            "email_ventes": "vente.dossier@box.saisix.example",
            "dossier_code": "DOS-42",
        },
    )


@pytest.fixture
def horizon(company):
    return connect(
        company,
        https_app(),
        firm_settings={"api_url": "https://api.horizon.example/v2", "api_key": new_secret()},
        company_settings={"customer_id": "HZ-7"},
    )


def test_one_delivery_per_destination_of_each_connected_app(firm_admin, saisix, horizon):
    document = upload(firm_admin, saisix.company, folder="achats")

    deliveries = Delivery.objects.filter(version__document=document).order_by("app_name")
    assert [(d.app_name, d.kind, d.destination_label) for d in deliveries] == [
        ("Automatiser Horizon", "https", "api.horizon.example"),
        ("Automatiser Saisix", "email", "achat.dossier@box.saisix.example"),
    ]
    email = deliveries[1]
    assert email.destination["sender"] == "robot@cabinet.example"
    assert email.destination["dossier_code"] == "DOS-42"
    assert deliveries[0].destination["dossier_code"] == "HZ-7"
    for delivery in deliveries:
        assert delivery.status == "pending"
        assert delivery.folder == "achats"
        assert delivery.company_name == saisix.company.name
        assert delivery.version.number == 1
        assert delivery.next_attempt_at is not None
        assert IDEMPOTENCY_KEY_RE.match(delivery.idempotency_key)


def test_each_folder_goes_to_its_own_address(firm_admin, saisix, horizon):
    upload(firm_admin, saisix.company, folder="ventes")
    upload(firm_admin, saisix.company, folder="banque")  # only Horizon takes Banque
    upload(firm_admin, saisix.company, folder="social")  # nobody takes Social

    rows = Delivery.objects.order_by("folder").values_list("folder", "app_name")
    assert list(rows) == [("banque", "Automatiser Horizon"), ("ventes", "Automatiser Saisix")]
    ventes = Delivery.objects.get(folder="ventes")
    assert ventes.destination["address"] == "vente.dossier@box.saisix.example"


def test_an_optional_address_left_empty_means_that_folder_is_not_connected(firm_admin, company):
    connect(
        company,
        email_app(),
        company_settings={"email_achats": "achat@box.saisix.example"},  # no Ventes address
    )

    upload(firm_admin, company, folder="ventes")

    assert not Delivery.objects.exists()


def test_two_addresses_for_one_folder_are_two_deliveries(firm_admin, company):
    schema = [
        {
            "key": "achats_1",
            "label_fr": "A1",
            "label_en": "A1",
            "kind": "email",
            "level": "company",
            "folder": "achats",
        },
        {
            "key": "achats_2",
            "label_fr": "A2",
            "label_en": "A2",
            "kind": "email",
            "level": "company",
            "folder": "achats",
        },
    ]
    connect(
        company,
        email_app(settings_schema=schema),
        company_settings={"achats_1": "un@box.example", "achats_2": "deux@box.example"},
    )

    upload(firm_admin, company)

    addresses = sorted(d.destination["address"] for d in Delivery.objects.all())
    assert addresses == ["deux@box.example", "un@box.example"]


def test_one_address_per_company_serves_every_accepted_folder(firm_admin, company):
    connect(company, generic_email_app(), company_settings={"dossier_email": "dossier@cn.example"})

    upload(firm_admin, company, folder="achats")
    upload(firm_admin, company, folder="banque")
    upload(firm_admin, company, folder="social")  # not accepted by the app

    assert sorted(Delivery.objects.values_list("folder", flat=True)) == ["achats", "banque"]
    assert {d.destination["address"] for d in Delivery.objects.all()} == {"dossier@cn.example"}
    assert {d.destination["sender"] for d in Delivery.objects.all()} == {""}


def test_nothing_for_disabled_connections_other_companies_and_redirect_apps(
    firm_admin, company, firm
):
    connect(
        company,
        https_app(),
        firm_settings={"api_url": "https://a.example/", "api_key": new_secret()},
        enabled=False,
    )
    sibling = CompanyFactory(firm=firm)
    connect(sibling, email_app(), company_settings={"email_achats": "a@box.example"})
    connect(company, AppFactory(audience="company"))  # a redirect tile of the company

    upload(firm_admin, company)

    assert not Delivery.objects.exists()


def test_apps_keyed_on_siret_skip_a_company_without_one(firm_admin, firm):
    company = CompanyFactory(firm=firm, siret=None)
    connect(
        company,
        https_app(requires_siret=True),
        firm_settings={"api_url": "https://a.example/", "api_key": new_secret()},
    )

    upload(firm_admin, company)

    assert not Delivery.objects.exists()


def test_no_secret_is_copied_into_the_delivery(firm_admin, company):
    secret = new_secret()
    assignment = connect(
        company, https_app(), firm_settings={"api_url": "https://a.example/", "api_key": secret}
    )

    upload(firm_admin, company)

    delivery = Delivery.objects.get()
    snapshot = json.dumps(delivery.destination)
    stored = assignment.installation.settings["api_key"]["$encrypted"]
    assert secret not in snapshot
    assert secret.removeprefix("whsec_") not in snapshot
    assert stored not in snapshot
    assert delivery.destination["secrets"] == {"secret": ["firm", "api_key"]}


def test_deliveries_are_created_in_the_upload_transaction(firm_admin, saisix):
    with pytest.raises(RuntimeError), transaction.atomic():
        upload(firm_admin, saisix.company)
        assert Delivery.objects.count() == 1  # planned inside the transaction...
        raise RuntimeError("the caller's transaction fails after the upload")

    assert not Delivery.objects.exists()  # ...and gone with it


def test_a_failing_upload_plans_nothing_and_queues_nothing(
    firm_admin, saisix, django_capture_on_commit_callbacks, monkeypatch
):
    def broken_audit(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(document_services, "audit_record", broken_audit)

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        upload(firm_admin, saisix.company)

    assert not Delivery.objects.exists()
    assert callbacks == []


def test_sends_are_queued_only_when_the_upload_commits(
    firm_admin, saisix, horizon, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from comptoir.deliveries.tasks import send_delivery

    backend = send_delivery.get_backend()
    with django_capture_on_commit_callbacks() as callbacks:
        upload(firm_admin, saisix.company)
        assert backend.results == []  # nothing queued before the commit

    for callback in callbacks:
        callback()
    queued = sorted(result.args[0] for result in backend.results)
    assert queued == sorted(Delivery.objects.values_list("pk", flat=True))
    assert len(queued) == 2


def test_keys_are_unique_and_stable(firm_admin, saisix, horizon):
    upload(firm_admin, saisix.company)
    upload(firm_admin, saisix.company)

    keys = list(Delivery.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys)) == 4
    delivery = Delivery.objects.first()
    delivery.refresh_from_db()
    assert delivery.idempotency_key == keys[keys.index(delivery.idempotency_key)]


@pytest.mark.parametrize("connections", [1, 10])
def test_planning_takes_two_queries_whatever_the_number_of_connections(
    firm_admin, company, connections, django_assert_num_queries
):
    for n in range(connections):
        connect(
            company,
            email_app(name=f"Appli {n}"),
            company_settings={"email_achats": f"achat{n}@box.example"},
        )
    document = upload(firm_admin, company)  # plans once (counted below, again)
    version = document.versions.get()
    version.document = document  # as the documents services hand it over

    with django_assert_num_queries(2):  # the connections with their apps; one INSERT
        planned = outbox.plan_deliveries_for_version(version=version)

    assert len(planned) == connections
    assert Delivery.objects.filter(version=version).count() == 2 * connections


def test_a_new_version_is_sent_again(firm_admin, saisix):
    document = upload(firm_admin, saisix.company)

    document_services.document_version_add(
        actor=firm_admin, document=document, file=SimpleUploadedFile("v2.pdf", PDF_BYTES + b"%v2\n")
    )

    numbers = sorted(Delivery.objects.values_list("version__number", flat=True))
    assert numbers == [1, 2]
