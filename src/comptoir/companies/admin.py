"""The admin pages of client companies and their memberships, and the firm's own page.

``FirmAdmin`` lives here rather than in ``firms/admin.py``: its "Invite an administrator"
action uses the invitation flow (``companies.invitations.firm_admin_invite``), which sits
above the firms.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from comptoir.companies.invitations import firm_admin_invite
from comptoir.companies.models import Company, CompanyMembership
from comptoir.core.errors import ServiceError
from comptoir.core.wording import of_name
from comptoir.firms.admin import FirmMembershipInline
from comptoir.firms.models import Firm


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


class InviteAdminForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "brand_colour", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [FirmMembershipInline]
    actions = ["invite_admin"]

    @admin.action(description=_("Invite an administrator"))
    def invite_admin(self, request, queryset):
        """A firm's administrators are invited (the invitation e-mail), never given a
        password: the action opens the form for the one firm selected."""
        if queryset.count() != 1:
            self.message_user(
                request, gettext("Select one firm to invite its administrator."), messages.WARNING
            )
            return None
        return redirect(reverse("admin:firms_firm_invite_admin", args=[queryset.get().pk]))

    def get_urls(self):
        return [
            path(
                "<int:pk>/inviter-administrateur/",
                self.admin_site.admin_view(self.invite_admin_view),
                name="firms_firm_invite_admin",
            ),
            *super().get_urls(),
        ]

    def invite_admin_view(self, request, pk):
        firm = get_object_or_404(Firm, pk=pk)
        if not self.has_change_permission(request, firm):
            raise PermissionDenied
        form = InviteAdminForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                invitation = firm_admin_invite(
                    actor=request.user,
                    firm=firm,
                    email=form.cleaned_data["email"],
                    full_name=form.cleaned_data["full_name"],
                )
            except ServiceError as error:
                form.add_error("email", str(error.message))
            else:
                self.message_user(
                    request,
                    gettext("Invitation sent to %(email)s: they choose their password.")
                    % {"email": invitation.user.email},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:firms_firm_change", args=[firm.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Invite an administrator %(of_firm)s")
            % {"of_firm": of_name(firm.name)},
            "firm": firm,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(
            request,
            "admin/firms/firm/invite_admin.html",
            context,
            status=422 if form.errors else 200,
        )
