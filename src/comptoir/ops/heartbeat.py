"""Heartbeats: a long-running process notes each pass; /readyz reads how long ago that was.

A row in the database rather than the cache: the sweep and the web servers are separate
processes (often machines), and the default cache is per process.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from comptoir.ops.models import Heartbeat

SWEEP = "deliveries-sweep"


def beat(name: str, *, now: datetime | None = None) -> None:
    """Record that ``name`` ran just now (one UPDATE; an INSERT the very first time)."""
    now = now or timezone.now()
    if Heartbeat.objects.filter(name=name).update(beat_at=now, updated_at=now):
        return
    try:
        with transaction.atomic():
            Heartbeat.objects.create(name=name, beat_at=now)
    except IntegrityError:  # a second sweep inserted it in between
        Heartbeat.objects.filter(name=name).update(beat_at=now, updated_at=now)


def last_beat(name: str) -> datetime | None:
    return Heartbeat.objects.filter(name=name).values_list("beat_at", flat=True).first()
