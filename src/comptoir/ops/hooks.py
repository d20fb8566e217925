"""What the operations side does when another app runs: the one module it is called through.

Called explicitly (see ARCHITECTURE.md, "Floors"):

- ``deliveries.sweep`` → :func:`sweep_passed` at the end of each pass: /readyz turns red when
  the last one gets old (``ops.health``).
"""

from __future__ import annotations

from comptoir.ops import heartbeat


def sweep_passed() -> None:
    """The deliveries sweep finished a pass just now (one UPDATE; an INSERT the first time)."""
    heartbeat.beat(heartbeat.SWEEP)
