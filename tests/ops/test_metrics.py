"""/metrics: Prometheus text, only for the configured token or addresses; requests, database
queries, deliveries, attempts, the task queue, imports and refused log-ins."""

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from comptoir.deliveries import engine
from comptoir.deliveries.models import Delivery
from tests.deliveries.connections import connect_https, upload

TOKEN = "s3cret-scrape-token"


@pytest.fixture
def metrics_settings(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_DB_CACHE_SECONDS = 0
    return settings


def scrape(client) -> dict[str, dict[tuple, float]]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            key = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[key] = sample.value
    return samples


def test_metrics_are_off_without_a_token_or_addresses(client, settings, db):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"]
)
def test_a_wrong_or_missing_token_is_forbidden(client, metrics_settings, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = client.get("/metrics", **headers)

    assert response.status_code == 403
    assert b"comptoir_" not in response.content
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_allowed_addresses_scrape_without_a_token(client, settings, db):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "192.0.2.7/32"]
    settings.METRICS_DB_CACHE_SECONDS = 0

    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.8").status_code == 403
    # X-Forwarded-For is the client's word: it does not count.
    assert (
        client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.0.0.1")
    ).status_code == 403


def test_requests_and_database_queries_are_measured(client, metrics_settings, db):
    client.get("/connexion/")

    samples = scrape(client)

    responses = samples["django_http_responses_total_by_status_view_method_total"]
    assert responses[(("method", "GET"), ("status", "200"), ("view", "accounts:login"))] >= 1
    assert any(key for key in samples["django_http_requests_latency_seconds_by_view_method_count"])
    assert sum(samples["django_db_execute_total"].values()) > 0


def test_deliveries_attempts_and_queue_are_counted(
    client,
    metrics_settings,
    settings,
    firm_admin,
    company,
    http_server,
    allow_loopback,
    media_root,
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    connect_https(company, http_server.url())
    from django.test.utils import CaptureQueriesContext  # noqa: F401

    upload(firm_admin, company, title="Facture 1")
    upload(firm_admin, company, title="Facture 2")
    first, second = Delivery.objects.order_by("id")
    engine.process_delivery(first.pk)  # sent to the local server
    Delivery.objects.filter(pk=second.pk).update(
        next_attempt_at=timezone.now() - timezone.timedelta(seconds=90)
    )

    samples = scrape(client)

    deliveries = samples["comptoir_deliveries"]
    assert deliveries[(("status", "sent"),)] == 1
    assert deliveries[(("status", "pending"),)] == 1
    assert deliveries[(("status", "failed"),)] == 0
    assert 89 <= samples["comptoir_deliveries_oldest_due_seconds"][()] < 200
    assert samples["comptoir_delivery_attempts_total"] == {
        (("outcome", "sent"), ("transport", "https")): 1
    }
    # on_commit never fires in this test's transaction: nothing was queued
    assert samples.get("comptoir_task_queue_depth", {}) == {}


def test_the_queue_depth_counts_waiting_tasks(client, metrics_settings, settings, db):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from comptoir.deliveries.tasks import send_delivery

    send_delivery.enqueue(1)
    send_delivery.enqueue(2)

    assert scrape(client)["comptoir_task_queue_depth"] == {(("queue", "default"),): 2}


def test_refused_logins_are_counted(client, metrics_settings, firm_admin):
    before = scrape(client).get("comptoir_logins_failed_total", {}).get((), 0)

    page = client.get("/connexion/").content
    field = "login" if b'name="login"' in page else "username"  # allauth's form or Django's
    response = client.post("/connexion/", {field: firm_admin.email, "password": "not-it"})

    assert response.status_code == 200  # the form again, with its error
    assert scrape(client)["comptoir_logins_failed_total"][()] == before + 1


def test_the_gauges_are_cached_between_close_scrapes(
    client, metrics_settings, db, django_assert_num_queries
):
    metrics_settings.METRICS_DB_CACHE_SECONDS = 60
    scrape(client)

    with django_assert_num_queries(0):
        scrape(client)


def test_applied_imports_are_counted_once_committed(
    transactional_db, client, metrics_settings, firm, firm_admin
):
    from comptoir.assignments import services
    from tests.assignments.conftest import CONNECTOR_SCHEMA, install, make_app
    from tests.factories import CompanyFactory

    connector = install(
        firm,
        make_app(
            name="Gestivo", type="automation", audience="firm", settings_schema=CONNECTOR_SCHEMA
        ),
    )
    companies = [CompanyFactory(firm=firm), CompanyFactory(firm=firm)]
    data = "siret;code_dossier;email_achats\r\n" + "".join(
        f"{c.siret};D{i};achats{i}@x.example\r\n" for i, c in enumerate(companies)
    )
    before = scrape(client).get("comptoir_assignment_imports_applied_total", {}).get((), 0)

    services.assignment_import_apply(
        actor=firm_admin, installation=connector, data=data.encode(), filename="a.csv"
    )

    assert scrape(client)["comptoir_assignment_imports_applied_total"][()] == before + 1
