"""Read-mostly admin for the platform operator: who has which app, by which rule."""

from django.contrib import admin

from comptoir.assignments.models import (
    AssignAllRule,
    AssignmentImport,
    CompanyAssignment,
    RoleGrant,
    UserAccess,
)


@admin.register(CompanyAssignment)
class CompanyAssignmentAdmin(admin.ModelAdmin):
    list_display = ("installation", "company", "enabled", "firm", "created_at")
    list_filter = ("enabled",)
    search_fields = ("company__name", "company__siret", "installation__app__name")
    raw_id_fields = ("firm", "installation", "company", "created_by")
    # Settings may hold encrypted secrets: shown as stored, never decrypted here.
    readonly_fields = ("settings", "created_at", "updated_at")


@admin.register(UserAccess)
class UserAccessAdmin(admin.ModelAdmin):
    list_display = ("user", "assignment", "granted_by_rule", "created_at")
    search_fields = ("user__email", "assignment__company__name")
    raw_id_fields = ("firm", "assignment", "user", "granted_by_rule")


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ("installation", "company", "roles", "include_future_users", "created_at")
    list_filter = ("include_future_users",)
    raw_id_fields = ("firm", "installation", "company", "created_by")


@admin.register(AssignAllRule)
class AssignAllRuleAdmin(admin.ModelAdmin):
    list_display = ("installation", "include_future_companies", "firm", "created_at")
    raw_id_fields = ("firm", "installation", "created_by")


@admin.register(AssignmentImport)
class AssignmentImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "installation", "uploaded_by", "size", "created_at", "applied_at")
    raw_id_fields = ("firm", "installation", "uploaded_by")
    exclude = ("content",)
    readonly_fields = ("result",)
