"""Prometheus metrics: what django-prometheus measures, database queries, and our own.

- HTTP requests by view, status and latency: django-prometheus's middlewares.
- Database queries: an execute wrapper on every connection feeds django-prometheus's own
  ``django_db_*`` metrics, so the database engine stays Django's.
- Logins refused and assignment imports applied: counters in the web processes (gunicorn's
  workers share them through ``PROMETHEUS_MULTIPROC_DIR``, which ``comptoir serve`` sets).
- Deliveries (pending, failed..., the oldest due), attempts by outcome and transport, and the
  task queue's depth: read from the database when /metrics is scraped (a few aggregate
  queries, on indexed columns, cached ``METRICS_DB_CACHE_SECONDS``) — the workers are other
  processes, often other machines, and the database is the truth.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from functools import partial

from django.conf import settings
from django.db.backends.signals import connection_created
from django_prometheus.db import metrics as db_metrics
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from comptoir.deliveries.models import Delivery, DeliveryAttempt, DeliveryStatus

logins_failed = Counter(
    "comptoir_logins_failed_total", "Log-in attempts refused (wrong e-mail or password)."
)
imports_applied = Counter(
    "comptoir_assignment_imports_applied_total",
    "Assignment spreadsheets applied (that changed something).",
)


# --- database queries -------------------------------------------------------------------------


def _measure_query(alias: str, vendor: str, execute, sql, params, many, context):
    start = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    except Exception as error:
        db_metrics.errors_total.labels(alias, vendor, type(error).__name__).inc()
        raise
    finally:
        db_metrics.execute_total.labels(alias, vendor).inc()
        if many:
            db_metrics.execute_many_total.labels(alias, vendor).inc()
        db_metrics.query_duration_seconds.labels(alias, vendor).observe(time.perf_counter() - start)


def _on_connection_created(sender, connection, **kwargs) -> None:
    db_metrics.connections_total.labels(connection.alias, connection.vendor).inc()
    if not any(getattr(w, "comptoir_metrics", False) for w in connection.execute_wrappers):
        wrapper = partial(_measure_query, connection.alias, connection.vendor)
        wrapper.comptoir_metrics = True  # type: ignore[attr-defined]
        connection.execute_wrappers.append(wrapper)


# --- counters fed by signals (imports applied: ops.hooks.import_applied) ---------------------


def _on_login_failed(sender, credentials=None, request=None, **kwargs) -> None:
    logins_failed.inc()


def connect() -> None:
    """Wire the signals (OpsConfig.ready)."""
    from django.contrib.auth.signals import user_login_failed

    connection_created.connect(_on_connection_created, dispatch_uid="comptoir-ops-db-metrics")
    user_login_failed.connect(_on_login_failed, dispatch_uid="comptoir-ops-login-failed")


# --- gauges read from the database at scrape time ----------------------------------------------


def _queue_depth() -> dict[str, int]:
    """Tasks waiting, per queue, in whichever backend runs them (none for "immediate")."""
    from django_tasks import task_backends

    backend = task_backends["default"]
    kind = f"{type(backend).__module__}.{type(backend).__name__}"
    if kind.startswith("django_tasks_db."):
        from django.db.models import Count
        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        rows = (
            DBTaskResult.objects.filter(status=TaskResultStatus.READY)
            .order_by()
            .values("queue_name")
            .annotate(n=Count("id"))
        )
        return {row["queue_name"]: row["n"] for row in rows}
    if kind.startswith("django_tasks_rq."):
        import django_rq

        return {name: django_rq.get_queue(name).count for name in backend.queues}
    return {}


def database_metrics() -> list[Metric]:
    from django.db.models import Count, Min
    from django.db.models.fields.json import KeyTextTransform
    from django.utils import timezone

    now = timezone.now()
    deliveries = GaugeMetricFamily(
        "comptoir_deliveries", "Deliveries by status, now.", labels=["status"]
    )
    counts = {
        row["status"]: row["n"]
        for row in Delivery.objects.order_by().values("status").annotate(n=Count("id"))
    }
    for status in DeliveryStatus.values:
        deliveries.add_metric([status], counts.get(status, 0))

    oldest = Delivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).aggregate(oldest=Min("next_attempt_at"))["oldest"]
    oldest_due = GaugeMetricFamily(
        "comptoir_deliveries_oldest_due_seconds",
        "How long the pending delivery due the longest has been waiting (0: none is due).",
        value=(now - oldest).total_seconds() if oldest else 0.0,
    )

    attempts = CounterMetricFamily(
        "comptoir_delivery_attempts",
        "Delivery attempts recorded, by outcome and transport.",
        labels=["outcome", "transport"],
    )
    rows = (
        DeliveryAttempt.objects.order_by()
        .values("outcome", transport=KeyTextTransform("kind", "delivery__destination"))
        .annotate(n=Count("id"))
    )
    for row in rows:
        attempts.add_metric([row["outcome"], row["transport"] or "unknown"], row["n"])

    queue = GaugeMetricFamily(
        "comptoir_task_queue_depth", "Tasks waiting to be run, by queue.", labels=["queue"]
    )
    for name, number in sorted(_queue_depth().items()):
        queue.add_metric([name], number)
    return [deliveries, oldest_due, attempts, queue]


class DatabaseCollector(Collector):
    """Collects :func:`database_metrics`, at most once per METRICS_DB_CACHE_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: list[Metric] = []
        self._at = float("-inf")

    def collect(self) -> Iterator[Metric]:
        ttl = float(getattr(settings, "METRICS_DB_CACHE_SECONDS", 10))
        with self._lock:
            if time.monotonic() - self._at >= ttl:
                self._cached = database_metrics()
                self._at = time.monotonic()
            cached = self._cached
        yield from cached


_database_registry = CollectorRegistry(auto_describe=False)
_database_registry.register(DatabaseCollector())


def exposition() -> bytes:
    """The text exposition: this process's (or all gunicorn workers') metrics, then ours."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_database_registry)
