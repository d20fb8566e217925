from django.contrib import admin

from comptoir.audit.models import AuditEvent
from comptoir.core.admin import ReadOnlyAdminMixin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log is written by services only: read-only here."""

    list_display = ("created_at", "firm", "actor_email", "action", "target_repr", "ip_address")
    list_filter = ("action", "firm")
    search_fields = ("actor_email", "action", "target_repr", "target_id")
    list_select_related = ("firm",)
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
