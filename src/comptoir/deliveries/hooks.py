"""What the deliveries do when another app changes something: the one module they call.

Lower floors (documents, store, assignments) call these functions explicitly, inside their
own transaction, at the point where the change happens; nothing is registered and nothing
runs by itself (see ARCHITECTURE.md, "Floors"):

- ``documents.services`` (a document uploaded, a version added) → :func:`version_created`;
- ``assignments.services.assignment_unassign`` (an app taken back from one company) →
  :func:`assignment_removing`, before the connection row goes;
- ``store.services.installation_remove`` → :func:`installation_removing`, first of all (the
  pending deliveries go before the connections they were for); ``store.selectors`` reads
  :func:`installation_removal_impact` for the confirmation page and the API;
- ``store.settings_validation.validate_settings`` (a firm or a company saves an app's
  settings) → :func:`destination_problems`, for the values that request changes.

The send history is never deleted: its rows keep their names, their foreign keys to the
installation and the connection become empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from comptoir.deliveries import outbox, selectors, services, settings_checks

if TYPE_CHECKING:
    from comptoir.accounts.models import User
    from comptoir.assignments.models import CompanyAssignment
    from comptoir.documents.models import DocumentVersion
    from comptoir.store.models import App, Installation


def version_created(*, version: DocumentVersion) -> None:
    """Plan the version's deliveries (the transactional outbox); sent once the caller commits."""
    outbox.plan_deliveries_for_version(version=version)


def assignment_removing(*, assignment: CompanyAssignment) -> int:
    """An app is taken back from a company: cancel its pending deliveries; how many."""
    return services.deliveries_cancel_for_assignment(assignment=assignment)


def installation_removal_impact(installation: Installation) -> dict[str, int]:
    """How many deliveries of this app are waiting to be sent (they would be cancelled)."""
    return {
        "pending_deliveries": selectors.pending_count_for_installation(installation=installation)
    }


def installation_removing(*, actor: User, installation: Installation) -> dict[str, int]:
    """The app leaves the firm's space: cancel its pending deliveries.

    ``actor`` is who removes it: the Store's audit event names them with what this returns.
    """
    cancelled = services.deliveries_cancel_for_installation(installation=installation)
    return {"pending_deliveries_cancelled": cancelled}


def destination_problems(
    *, app: App, level: str, values: Mapping[str, Any], changed: frozenset[str]
) -> list[dict[str, str]]:
    """Settings are being saved: the problems of the destinations they describe, checked by
    the guard that sending uses, for the ``changed`` keys only (``{"key", "code",
    "message"}`` each; none for an app that is not sent to over HTTPS or SFTP)."""
    return settings_checks.check_destination_settings(app, level, values, changed)
