"""What the send-history partial shows for one version: its deliveries grouped by app."""

from dataclasses import dataclass
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext

from comptoir.deliveries.models import DeliveryStatus
from comptoir.deliveries.permissions import is_resend_allowed
from comptoir.deliveries.selectors import (
    SEND_RANK_ACTIVE,
    SEND_RANK_CANCELLED,
    SEND_RANK_FAILED,
    SEND_RANK_NONE,
    SEND_RANK_SENT,
    history_for_versions,
)

# The partial refreshes itself while a delivery is being sent or due within this delay.
REFRESH_WINDOW = timedelta(minutes=2)
REFRESH_SECONDS = 3


def _soon(delivery, now) -> bool:
    if delivery.status == DeliveryStatus.SENDING:
        return True
    return (
        delivery.status == DeliveryStatus.PENDING
        and delivery.next_attempt_at is not None
        and delivery.next_attempt_at <= now + REFRESH_WINDOW
    )


def history_context(*, version, deliveries, tenant, next_url: str) -> dict:
    now = timezone.now()
    groups: list[dict] = []
    for delivery in deliveries:
        if not groups or groups[-1]["app_name"] != delivery.app_name:
            groups.append({"app_name": delivery.app_name, "deliveries": []})
        groups[-1]["deliveries"].append(delivery)
    return {
        "version": version,
        "groups": groups,
        "count": len(deliveries),
        "refresh": any(_soon(d, now) for d in deliveries),
        "refresh_seconds": REFRESH_SECONDS,
        "refresh_url": reverse(
            "deliveries:version_history", args=[version.document_id, version.number]
        ),
        "may_resend": is_resend_allowed(tenant),
        "next_url": next_url,
    }


def version_histories(*, versions, tenant) -> dict[int, dict]:
    """The send history of each version a document page shows, by version id: two queries,
    whatever the number of versions and deliveries."""
    versions = list(versions)
    rows = history_for_versions(v.pk for v in versions)
    return {
        version.pk: history_context(
            version=version,
            deliveries=rows.get(version.pk, []),
            tenant=tenant,
            next_url=reverse("documents:detail", args=[version.document_id])
            + f"#version-{version.number}",
        )
        for version in versions
    }


# --- the documents list: each document's latest send status ------------------------------------


@dataclass(frozen=True)
class SendStatus:
    key: str  # the badge's modifier (ok, pending, failed, muted); "none" when nothing was sent
    label: str


def _send_statuses() -> dict[int, SendStatus]:
    return {
        SEND_RANK_FAILED: SendStatus("failed", pgettext("send status", "Failed")),
        SEND_RANK_ACTIVE: SendStatus("pending", pgettext("send status", "Pending")),
        SEND_RANK_SENT: SendStatus("ok", pgettext("send status", "Sent")),
        SEND_RANK_CANCELLED: SendStatus("muted", pgettext("send status", "Cancelled")),
        SEND_RANK_NONE: SendStatus("none", pgettext("send status", "Not sent")),
    }


def documents_send_status(documents: list) -> dict:
    """Give each document of a list page (annotated by ``selectors.with_send_status``) its
    ``send_status``; the column shows only when one of them has deliveries (no query)."""
    statuses = _send_statuses()
    for document in documents:
        document.send_status = statuses.get(document.send_rank or SEND_RANK_NONE)
    return {"show_send_status": any(document.send_rank for document in documents)}
