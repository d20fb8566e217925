from django.contrib import admin

from comptoir.companies.models import Company, CompanyMembership


class CompanyMembershipInline(admin.TabularInline):
    model = CompanyMembership
    extra = 0
    raw_id_fields = ("user",)
    exclude = ("firm",)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "firm", "siret", "fiscal_year_start", "fiscal_year_end")
    list_filter = ("firm",)
    search_fields = ("name", "siret", "slug")
    list_select_related = ("firm",)
    raw_id_fields = ("firm",)
    inlines = [CompanyMembershipInline]

    def save_formset(self, request, form, formset, change):
        # A membership belongs to the company's firm, always.
        for membership in formset.save(commit=False):
            membership.firm_id = form.instance.firm_id
            membership.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(CompanyMembership)
class CompanyMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "company", "firm", "role", "created_at")
    list_filter = ("role", "firm")
    search_fields = ("user__email", "company__name", "company__siret")
    list_select_related = ("user", "company", "firm")
    raw_id_fields = ("user", "company", "firm")
