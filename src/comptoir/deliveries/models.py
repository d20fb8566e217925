"""Deliveries: one document version sent to one destination of one automation app, and every
attempt made to send it. Together they are the send history ("Historique d'envoi").

The rows are the truth; the task queue is only a trigger (see ``engine`` and ``sweep``).
Successful deliveries are kept: they are the history. Nothing here is deleted when an app is
removed or taken back from a company: the foreign keys to the installation and the connection
become empty and the names stay in the snapshot columns.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from comptoir.core.models import TimeStampedModel
from comptoir.deliveries.errors import error_message
from comptoir.deliveries.transports.destinations import destination_from_snapshot
from comptoir.documents.folders import folder_label


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("delivery status", "Pending")
    SENDING = "sending", pgettext_lazy("delivery status", "Sending")
    SENT = "sent", pgettext_lazy("delivery status", "Sent")
    FAILED = "failed", pgettext_lazy("delivery status", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("delivery status", "Cancelled")


FINAL_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED)
ACTIVE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


class Delivery(TimeStampedModel):
    """One document version to send to one destination of one connection (app x company).

    Status transitions (each one a conditional UPDATE, so two workers never both win):

    - ``pending → sending``: a worker claims the row (``engine.claim``) once it is due;
    - ``sending → sent``: the partner took the file;
    - ``sending → pending``: a passing failure; ``next_attempt_at`` follows the retry
      schedule (``policy``); or the sweep found the worker dead (lease expired);
    - ``sending → failed``: a permanent failure, or the schedule is exhausted;
    - ``pending → cancelled``: the app was taken back from the company, removed from the
      firm's space, or the connection was disabled (a row in ``sending`` finishes first);
    - ``sending → cancelled``: the connection went while the attempt was running and that
      attempt asked for a retry.

    ``sent``, ``failed`` and ``cancelled`` are final: "Renvoyer" creates a NEW delivery with
    ``resend_of`` pointing here and its own idempotency key, so this row keeps its attempts.

    ``destination`` is a snapshot of the public parameters (transport kind, address, URL,
    host...) and of where the secrets live (``{"secrets": {"secret": ["firm", "api_key"]}}``);
    secret values are never copied here: the engine reads them from the installation or the
    connection when it sends.
    """

    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="+")
    # A company's deletion removes its documents and their versions, and with them this
    # history (CASCADE on ``version``); SET_NULL here only keeps the row valid meanwhile.
    company = models.ForeignKey(
        "companies.Company", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    company_name = models.CharField(_("company"), max_length=200)
    version = models.ForeignKey(
        "documents.DocumentVersion", on_delete=models.CASCADE, related_name="deliveries"
    )
    installation = models.ForeignKey(
        "store.Installation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    assignment = models.ForeignKey(
        "assignments.CompanyAssignment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    app_name = models.CharField(_("application"), max_length=120)
    app_slug = models.CharField(_("application slug"), max_length=80)
    destination = models.JSONField(_("destination"), default=dict)
    folder = models.CharField(_("folder"), max_length=30)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    attempt_count = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    enqueued_at = models.DateTimeField(_("last queued"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    last_code = models.IntegerField(_("last response code"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    remote_id = models.CharField(_("partner's reference"), max_length=200, blank=True)
    resend_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="resends"
    )
    # The request that planned it (the upload's X-Request-ID): the worker's log lines for
    # this delivery carry it, as a task's did when it was handed over with the task.
    request_id = models.CharField(_("request id"), max_length=100, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who asked for a resend; empty for automatic sends."),
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.SENDING) | Q(claimed_at__isnull=False),
                name="delivery_sending_is_claimed",
            ),
        ]
        indexes = [
            # The sweep and the claim: due pending rows, stale sending rows.
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["status", "claimed_at"], name="delivery_lease_idx"),
            # The firm-wide history, newest first, and its filters.
            models.Index(fields=["firm", "-created_at"], name="delivery_firm_created_idx"),
            models.Index(fields=["firm", "status", "-created_at"], name="delivery_firm_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.app_name} ← v{self.version_id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_sent(self) -> bool:
        return self.status == DeliveryStatus.SENT

    @property
    def is_pending(self) -> bool:
        return self.status == DeliveryStatus.PENDING

    @property
    def kind(self) -> str:
        return str(self.destination.get("kind", ""))

    @property
    def folder_label(self) -> str:
        return folder_label(self.folder)

    @property
    def error_message(self) -> str:
        """``last_error`` in the reader's language: rendered from the last attempt when the
        attempts are already loaded and that attempt wrote it (a cancellation's reason is not
        an attempt's); the stored text otherwise. Never a query."""
        attempts = getattr(self, "_prefetched_objects_cache", {}).get("attempts")
        if attempts:
            last = max(attempts, key=lambda attempt: attempt.number)
            if last.error == self.last_error:
                return last.error_message
        return self.last_error

    @property
    def destination_label(self) -> str:
        """Where it goes, for people: the address, the API's host, the SFTP host."""
        return destination_from_snapshot(self.destination).label


class AttemptOutcome(models.TextChoices):
    SENT = "sent", pgettext_lazy("delivery attempt", "Sent")
    RETRY = "retry", pgettext_lazy("delivery attempt", "Temporary failure")
    FAILED = "failed", pgettext_lazy("delivery attempt", "Failed")


class DeliveryAttempt(TimeStampedModel):
    """One try at sending a delivery: when, how it went, the partner's code, the next try.

    Written once, when the attempt ends (or by the sweep when its worker died: outcome
    ``retry`` with ``error_code="abandoned"``).
    """

    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="+")
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=AttemptOutcome.choices)
    code = models.IntegerField(_("response code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    # What the message is made of (the HTTP status, the host...): ``errors.error_message``
    # renders it in the reader's language. NULL on rows written before it was kept.
    error_params = models.JSONField(_("error parameters"), null=True, blank=True, default=None)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="delivery_attempt_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=AttemptOutcome.values), name="delivery_attempt_outcome"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.delivery_id} attempt {self.number}: {self.outcome}"

    @property
    def error_message(self) -> str:
        """The error in the reader's language (the stored text for older rows)."""
        return error_message(self.error_code, self.error_params, self.error)
