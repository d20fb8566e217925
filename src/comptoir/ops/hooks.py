"""What the operations side does when another app runs: the one module it is called through.

Called explicitly (see ARCHITECTURE.md, "Floors"):

- ``deliveries.sweep`` → :func:`sweep_passed` at the end of each pass: /readyz turns red when
  the last one gets old (``ops.health``);
- ``assignments.services.imports`` → :func:`import_applied` when a file's assignments are
  written (pages and API alike): the ``comptoir_assignment_imports_applied_total`` counter.
"""

from __future__ import annotations

from django.db import transaction

from comptoir.ops import heartbeat, metrics


def sweep_passed() -> None:
    """The deliveries sweep finished a pass just now (one UPDATE; an INSERT the first time)."""
    heartbeat.beat(heartbeat.SWEEP)


def import_applied() -> None:
    """An import's assignments were written, in the caller's transaction: counted once it
    commits (a refused or rolled-back import counts nothing)."""
    transaction.on_commit(metrics.imports_applied.inc)
