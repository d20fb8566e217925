"""The deliveries' part of removing an app from a firm's space (see ``store/removal.py``).

Order 10: the pending deliveries are cancelled before the assignments step (order 20) deletes
the connections. The send history stays: the rows keep their names, their foreign keys to
the installation and the connection become empty.
"""

from typing import Any

from comptoir.store.removal import RemovalStep, register


def removal_impact(installation) -> dict[str, int]:
    """How many deliveries of this app are waiting to be sent (they would be cancelled)."""
    from comptoir.deliveries.selectors import pending_count_for_installation

    return {"pending_deliveries": pending_count_for_installation(installation=installation)}


def removal_cancel(*, actor, installation) -> dict[str, Any]:
    from comptoir.deliveries.services import deliveries_cancel_for_installation

    cancelled = deliveries_cancel_for_installation(actor=actor, installation=installation)
    return {"pending_deliveries_cancelled": cancelled}


def register_removal_steps() -> None:
    register(RemovalStep(name="deliveries", order=10, impact=removal_impact, cancel=removal_cancel))
