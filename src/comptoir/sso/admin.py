"""The platform operator verifies the firms' e-mail domains here (a DNS check cannot be
done for them: the operator confirms ownership, e.g. a TXT record or a signed letter)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from comptoir.core.errors import ServiceError
from comptoir.sso.models import FirmIdentityProvider, SsoDomain
from comptoir.sso.services import domain_verify


class SsoDomainInline(admin.TabularInline):
    model = SsoDomain
    extra = 0
    fields = ["domain", "verified_at", "verified_by"]
    readonly_fields = ["domain", "verified_at", "verified_by"]
    can_delete = False


@admin.register(FirmIdentityProvider)
class FirmIdentityProviderAdmin(admin.ModelAdmin):
    list_display = ["firm", "kind", "display_name", "enabled", "required", "tested_at"]
    list_filter = ["kind", "enabled", "required"]
    search_fields = ["firm__name", "issuer"]
    # The firm admin edits the connection in the firm's settings; the operator may pause it
    # or lift "required" (a locked-out firm).
    fields = ["firm", "kind", "display_name", "issuer", "client_id", "enabled", "required"]
    readonly_fields = ["firm", "kind", "display_name", "issuer", "client_id"]
    inlines = [SsoDomainInline]

    def has_add_permission(self, request):
        return False


@admin.register(SsoDomain)
class SsoDomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "identity_provider", "verified_at", "verified_by"]
    list_filter = [("verified_at", admin.EmptyFieldListFilter)]
    search_fields = ["domain", "identity_provider__firm__name"]
    readonly_fields = ["identity_provider", "domain", "verified_at", "verified_by"]
    actions = ["verify"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Mark as verified (the firm owns the domain)"))
    def verify(self, request, queryset):
        done = 0
        for domain in queryset.select_related("identity_provider__firm"):
            try:
                domain_verify(actor=request.user, domain=domain)
            except ServiceError as error:
                self.message_user(request, str(error.message), messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)s domain verified.", "%(count)s domains verified.", done)
                % {"count": done},
            )
