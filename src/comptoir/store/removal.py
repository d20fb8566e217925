"""What removing an app from a firm's space takes away, and how it is cancelled.

Other apps hang things below an installation: company assignments and user accesses
(assignments), automation connections, pending deliveries (deliveries). Each of them declares
one ``RemovalStep`` and registers it explicitly, from its ``AppConfig.ready()``::

    # comptoir/assignments/apps.py
    def ready(self):
        from comptoir.assignments.removal import register_removal_steps
        register_removal_steps()

    # comptoir/assignments/removal.py
    from comptoir.store.removal import RemovalStep, register

    def register_removal_steps():
        register(RemovalStep(name="assignments", order=20, impact=count_..., cancel=cancel_...))

``impact(installation)`` returns counts for some of ``IMPACT_KEYS`` (read only, a bounded number
of queries); ``cancel(actor=..., installation=...)`` runs inside the removal's transaction
before the installation row is deleted, and returns details kept in the audit event. Steps run
by ascending ``order`` (deliveries before the assignments they depend on: use 10 for
deliveries, 20 for assignments). History rows (send history, launches) are never deleted.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

IMPACT_KEYS = ("companies", "users", "connections", "pending_deliveries")


@dataclass(frozen=True)
class RemovalStep:
    name: str
    order: int
    impact: Callable[[Any], dict[str, int]]
    cancel: Callable[..., dict[str, Any] | None]


_STEPS: dict[str, RemovalStep] = {}


def register(step: RemovalStep) -> RemovalStep:
    """Add (or replace, by name: ``ready()`` may run twice in tests) a removal step."""
    _STEPS[step.name] = step
    return step


def unregister(name: str) -> None:
    _STEPS.pop(name, None)


def removal_steps() -> list[RemovalStep]:
    return sorted(_STEPS.values(), key=lambda step: (step.order, step.name))


def compute_impact(installation) -> dict[str, int]:
    """Every impact count, 0 where nothing registered counts it."""
    totals = dict.fromkeys(IMPACT_KEYS, 0)
    for step in removal_steps():
        for key, value in (step.impact(installation) or {}).items():
            if key not in totals:
                raise ValueError(f"removal step {step.name!r} reports unknown impact {key!r}")
            totals[key] += int(value)
    return totals


def run_removal_steps(*, actor, installation) -> dict[str, Any]:
    """Cancel everything below the installation; the caller holds the transaction."""
    done: dict[str, Any] = {}
    for step in removal_steps():
        result = step.cancel(actor=actor, installation=installation)
        if result:
            done[step.name] = result
    return done
