from django.contrib import admin

from comptoir.firms.models import FirmMembership

# The Firm's own admin page (FirmAdmin, with "Invite an administrator") is in
# companies/admin.py: inviting goes through the invitation flow of companies.invitations,
# a floor above this one.


class FirmMembershipInline(admin.TabularInline):
    model = FirmMembership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(FirmMembership)
class FirmMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "firm", "role", "created_at")
    list_filter = ("role", "firm")
    search_fields = ("user__email", "firm__name")
    list_select_related = ("user", "firm")
    raw_id_fields = ("user", "firm")
