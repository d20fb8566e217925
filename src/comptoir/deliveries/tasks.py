"""The delivery task: a trigger only. The row in the database says what to do (see engine)."""

from django_tasks import task


@task()
def send_delivery(delivery_id: int) -> str:
    """Send one delivery if it is still pending and due; otherwise do nothing.

    Safe to run twice, late, or for a row that is gone: the engine claims the row with a
    conditional update first. Returns what happened (for the task result), e.g. ``"sent"``.
    """
    from comptoir.deliveries.engine import process_delivery

    return process_delivery(delivery_id)
