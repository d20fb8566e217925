"""Deliveries in the admin: read only. Sends, resends and cancellations go through the engine
and the services (audited); the operator looks, and resends from the firm's pages."""

from django.contrib import admin

from comptoir.deliveries.models import Delivery, DeliveryAttempt


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
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

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
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
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ["delivery", "number", "finished_at", "outcome", "code", "error_code"]
    list_filter = ["outcome", "error_code"]
    list_select_related = ["delivery"]
