from django.contrib import admin

from comptoir.firms.models import Firm, FirmMembership


class FirmMembershipInline(admin.TabularInline):
    model = FirmMembership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "brand_colour", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [FirmMembershipInline]


@admin.register(FirmMembership)
class FirmMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "firm", "role", "created_at")
    list_filter = ("role", "firm")
    search_fields = ("user__email", "firm__name")
    list_select_related = ("user", "firm")
    raw_id_fields = ("user", "firm")
