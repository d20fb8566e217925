"""The delivery task: a trigger only. The row in the database says what to do (see engine)."""

import logging

from django_tasks import task

from comptoir.core.request_context import bound

logger = logging.getLogger(__name__)


@task()
def send_delivery(delivery_id: int, request_id: str | None = None) -> str:
    """Send one delivery if it is still pending and due; otherwise do nothing.

    Safe to run twice, late, or for a row that is gone: the engine claims the row with a
    conditional update first. Returns what happened (for the task result), e.g. ``"sent"``.
    ``request_id`` is the request that queued it (log lines carry it), if any.
    """
    from comptoir.deliveries.engine import process_delivery

    with bound(request=request_id, delivery=delivery_id):
        outcome = process_delivery(delivery_id)
        logger.info("delivery %s: %s", delivery_id, outcome)
        return outcome
