"""Readiness checks for /readyz (and the preflight of ``comptoir serve``).

django-health-check's own checks where they fit (database, cache, storage), ours for what
only Comptoir knows (migrations, the deliveries sweep, overdue deliveries). Each check
raises a ``HealthCheckException`` whose message is safe to show anyone: no host name, no
path, no query, no exception text from a driver.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from health_check import checks as library
from health_check.base import HealthCheck
from health_check.exceptions import HealthCheckException, ServiceUnavailable

from comptoir.deliveries.models import Delivery, DeliveryStatus
from comptoir.ops import heartbeat

_migrated: set[str] = set()  # database aliases found fully migrated (a process never un-migrates)


def unapplied_migrations(alias: str = "default") -> list[str]:
    """The migrations not applied yet to ``alias`` ("app.0003_name"); raises DatabaseError."""
    connection = connections[alias]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


@dataclasses.dataclass
class Migrations(HealthCheck):
    alias: str = "default"

    def run(self) -> None:
        if self.alias in _migrated:
            return
        try:
            missing = unapplied_migrations(self.alias)
        except DatabaseError as error:
            raise ServiceUnavailable("database unreachable") from error
        if missing:
            raise ServiceUnavailable(f"{len(missing)} migration(s) not applied")
        _migrated.add(self.alias)


def sweep_max_age() -> timedelta:
    return timedelta(seconds=settings.READY_SWEEP_MAX_AGE_SECONDS)


def overdue_after() -> timedelta:
    return timedelta(seconds=settings.READY_DELIVERY_OVERDUE_SECONDS)


@dataclasses.dataclass
class SweepRecent(HealthCheck):
    """The deliveries sweep ran within READY_SWEEP_MAX_AGE_SECONDS."""

    def run(self) -> None:
        try:
            last = heartbeat.last_beat(heartbeat.SWEEP)
        except DatabaseError as error:
            raise ServiceUnavailable("database unreachable") from error
        if last is None:
            raise ServiceUnavailable("the deliveries sweep has never run")
        age = timezone.now() - last
        if age > sweep_max_age():
            raise ServiceUnavailable(
                f"the deliveries sweep last ran {int(age.total_seconds())} s ago"
            )


@dataclasses.dataclass
class NoDeliveryOverdue(HealthCheck):
    """No pending delivery has been due for longer than READY_DELIVERY_OVERDUE_SECONDS."""

    def run(self) -> None:
        cutoff = timezone.now() - overdue_after()
        try:
            overdue = Delivery.objects.filter(
                status=DeliveryStatus.PENDING, next_attempt_at__lte=cutoff
            ).exists()
        except DatabaseError as error:
            raise ServiceUnavailable("database unreachable") from error
        if overdue:
            raise ServiceUnavailable(
                f"deliveries due for more than {int(overdue_after().total_seconds())} s"
            )


def _database() -> None:
    try:
        library.Database().run()
    except HealthCheckException as error:  # its message may quote the driver: say less
        raise ServiceUnavailable("database unreachable") from error


def _storage() -> None:
    try:
        library.Storage().run()
    except HealthCheckException:
        raise
    except Exception as error:  # OSError, a botocore error...: the details go to the log
        raise ServiceUnavailable("storage not writable") from error


def _cache() -> None:
    async_to_sync(library.Cache().run)()


# name -> check, in the order shown; the database first (the others need it).
READINESS: dict[str, Callable[[], None]] = {
    "database": _database,
    "migrations": lambda: Migrations().run(),
    "storage": _storage,
    "cache": _cache,
    "deliveries_sweep": lambda: SweepRecent().run(),
    "deliveries_overdue": lambda: NoDeliveryOverdue().run(),
}


def readiness() -> tuple[bool, dict[str, str]]:
    """Run every check in this thread (they are cheap): (all ok, name -> "ok" or message)."""
    import logging

    logger = logging.getLogger("comptoir.ops.health")
    results: dict[str, str] = {}
    for name, check in READINESS.items():
        if results.get("database", "ok") != "ok" and name != "storage" and name != "cache":
            results[name] = "skipped: database unreachable"
            continue
        try:
            check()
        except HealthCheckException as error:
            logger.warning("readiness: %s: %s", name, error.message, exc_info=error.__cause__)
            results[name] = error.message
        except Exception:
            logger.exception("readiness: %s failed unexpectedly", name)
            results[name] = "error"
        else:
            results[name] = "ok"
    return all(value == "ok" for value in results.values()), results
