"""Deliveries in the admin: read only. Sends, resends and cancellations go through the engine
and the services (audited); the operator looks, and resends from the firm's pages."""

from django.contrib import admin

from comptoir.core.admin import ReadOnlyAdminMixin, ReadOnlyTabularInline
from comptoir.deliveries.models import Delivery, DeliveryAttempt


class DeliveryAttemptInline(ReadOnlyTabularInline):
    model = DeliveryAttempt
    fields = [
        "number",
        "started_at",
        "finished_at",
        "outcome",
        "code",
        "error",
        "error_code",
        "duration_ms",
        "next_attempt_at",
        "worker",
    ]
    readonly_fields = fields


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "firm",
        "company_name",
        "app_name",
        "folder",
        "status",
        "attempt_count",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "app_slug", "folder"]
    search_fields = ["company_name", "app_name", "idempotency_key", "last_error"]
    list_select_related = ["firm"]
    date_hierarchy = "created_at"
    inlines = [DeliveryAttemptInline]
    exclude = ["destination"]
    readonly_fields = ["destination_label"]


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["delivery", "number", "finished_at", "outcome", "code", "error_code"]
    list_filter = ["outcome", "error_code"]
    list_select_related = ["delivery"]
