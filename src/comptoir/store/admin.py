"""The platform operator's view of the Store: categories and apps are editable here too.

The catalogue files stay the source of truth for platform apps: an edit made here is
overwritten the next time ``load-catalog`` sees a change in that app's file.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from comptoir.core.admin import NoAddOrChangeAdminMixin
from comptoir.core.errors import ServiceError
from comptoir.store.logos import check_catalog_svg, clean_uploaded_logo, logo_version
from comptoir.store.models import App, AppType, Category, Installation, LaunchEvent
from comptoir.store.schema import SchemaError, parse_schema
from comptoir.store.urls_safety import validate_tile_url


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name_fr", "name_en", "slug", "order")
    ordering = ("order", "slug")
    search_fields = ("slug", "name_fr", "name_en")


class AppAdminForm(forms.ModelForm):
    logo_upload = forms.FileField(
        required=False, help_text=_("PNG, JPEG or WebP up to 512 KB (re-encoded to PNG).")
    )

    class Meta:
        model = App
        fields = (
            "slug",
            "name",
            "publisher",
            "category",
            "short_description",
            "long_description",
            "business_model",
            "type",
            "audience",
            "launch_url",
            "logo_svg",
            "transport",
            "accepted_folders",
            "accepted_file_types",
            "max_file_size",
            "settings_schema",
            "requires_siret",
            "is_active",
            "owner_firm",
            "custom_options",
        )

    def clean_launch_url(self):
        url = self.cleaned_data.get("launch_url") or ""
        if not url:
            return url
        try:
            return validate_tile_url(url)
        except ServiceError as error:
            raise ValidationError(str(error.message)) from None

    def clean_logo_svg(self):
        svg = self.cleaned_data.get("logo_svg") or ""
        if not svg:
            return svg
        try:
            return check_catalog_svg(svg, where="logo")
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def clean_settings_schema(self):
        raw = self.cleaned_data.get("settings_schema") or []
        try:
            parse_schema(
                raw,
                app=self.cleaned_data.get("slug") or "?",
                accepted_folders=self.cleaned_data.get("accepted_folders") or None,
            )
        except SchemaError as error:
            raise ValidationError(str(error)) from None
        return raw

    def clean(self):
        data = super().clean()
        if data.get("type") == AppType.REDIRECT and not data.get("launch_url"):
            self.add_error("launch_url", _("A redirect app needs a launch URL: enter its address."))
        upload = data.get("logo_upload")
        if upload:
            try:
                self._logo = clean_uploaded_logo(upload)
            except ServiceError as error:
                self.add_error("logo_upload", str(error.message))
        return data

    def save(self, commit=True):
        app = super().save(commit=False)
        if "logo_svg" in self.changed_data:
            app.logo_version = logo_version(app.logo_svg.encode()) if app.logo_svg else ""
        logo = getattr(self, "_logo", None)
        if logo is not None:
            content = logo.read()
            logo.seek(0)
            app.logo_file.save(logo.name, logo, save=False)
            app.logo_svg = ""
            app.logo_version = logo_version(content)
        if commit:
            app.save()
        return app


@admin.register(App)
class AppAdmin(admin.ModelAdmin):
    form = AppAdminForm
    list_display = ("name", "slug", "category", "type", "audience", "is_active", "owner_firm")
    list_filter = ("is_active", "type", "audience", "category", "transport", "requires_siret")
    search_fields = ("name", "slug", "publisher")
    list_select_related = ("category", "owner_firm")
    readonly_fields = ("catalog_version", "created_at", "updated_at")
    raw_id_fields = ("owner_firm",)


@admin.register(Installation)
class InstallationAdmin(admin.ModelAdmin):
    list_display = ("app", "firm", "position", "created_at")
    list_filter = ("app__type",)
    search_fields = ("app__name", "firm__name")
    list_select_related = ("app", "firm")
    raw_id_fields = ("firm", "app", "installed_by")
    # Settings may hold encrypted secrets: shown as stored, never decrypted here.
    readonly_fields = ("settings", "created_at", "updated_at")


@admin.register(LaunchEvent)
class LaunchEventAdmin(NoAddOrChangeAdminMixin, admin.ModelAdmin):
    """Launches are recorded by the launch view; the operator may delete old ones."""

    list_display = ("created_at", "app_name", "firm", "user", "company")
    list_select_related = ("firm", "user", "company")
    date_hierarchy = "created_at"
