"""Admin building blocks shared by the apps.

Rows written only by the services (which check rights and write an audit event) are shown
to the platform operator, never added or changed through the admin.
"""

from django.contrib import admin


class NoAddOrChangeAdminMixin:
    """The admin shows the rows but neither adds nor changes them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdminMixin(NoAddOrChangeAdminMixin):
    """The admin only shows the rows: no adding, changing or deleting."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyTabularInline(NoAddOrChangeAdminMixin, admin.TabularInline):
    """An inline that lists the related rows: set ``readonly_fields`` to its ``fields``."""

    extra = 0
    can_delete = False
