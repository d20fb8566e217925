"""Documents in the admin: read-only. Uploads and versions go through the services (audited)."""

from django.contrib import admin

from comptoir.core.admin import ReadOnlyAdminMixin, ReadOnlyTabularInline
from comptoir.documents.models import Document, DocumentVersion


class DocumentVersionInline(ReadOnlyTabularInline):
    model = DocumentVersion
    fields = ["number", "original_name", "size", "content_type", "sha256", "uploaded_by"]
    readonly_fields = fields


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
class DocumentVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
