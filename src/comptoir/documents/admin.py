"""Documents in the admin: read-only. Uploads and versions go through the services (audited)."""

from django.contrib import admin

from comptoir.documents.models import Document, DocumentVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DocumentVersionInline(admin.TabularInline):
    model = DocumentVersion
    extra = 0
    can_delete = False
    fields = ["number", "original_name", "size", "content_type", "sha256", "uploaded_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "company",
        "firm",
        "folder",
        "fiscal_year_start",
        "month",
        "current_version",
        "updated_at",
    ]
    list_filter = ["folder"]
    search_fields = ["title", "company__name"]
    list_select_related = ["company", "firm"]
    inlines = [DocumentVersionInline]


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "number",
        "document",
        "firm",
        "size",
        "content_type",
        "created_at",
    ]
    search_fields = ["original_name", "sha256", "document__title"]
    list_select_related = ["document", "firm"]
