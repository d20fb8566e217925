"""Store forms. The settings form is built from the app's schema (store/schema.py); the service
validates, and its per-setting errors land under the matching fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.companies.models import CompanyRole
from comptoir.core.errors import ServiceError
from comptoir.core.forms import ServiceForm
from comptoir.store.logos import LOGO_MAX_BYTES
from comptoir.store.models import AppType, Audience
from comptoir.store.schema import FIRM
from comptoir.store.schema_forms import form_fields, form_initial

LOGO_ACCEPT = "image/png,image/jpeg,image/webp"


class StoreFilterForm(forms.Form):
    """The Store's filters (GET): category, type, name."""

    category = forms.ChoiceField(label=_("Category"), required=False)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *AppType.choices]
    )
    q = forms.CharField(
        label=_("Search by name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def __init__(self, data=None, *, categories=()):
        super().__init__(data)
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.slug, c.name) for c in categories
        ]

    def filters(self) -> dict:
        if not self.is_valid():
            return {"category": None, "type": None, "q": None}
        return {key: self.cleaned_data.get(key) or None for key in ("category", "type", "q")}


class SettingsForm(ServiceForm):
    """The firm-level settings of an app, from its schema. Secret inputs start empty."""

    def __init__(self, data=None, *, app, stored=None):
        super().__init__(data, initial=form_initial(app, FIRM, stored))
        self.fields.update(form_fields(app, FIRM, stored))

    def add_service_error(self, error: ServiceError) -> None:
        placed = False
        for detail in error.details:
            key = detail.get("key")
            if key in self.fields:
                self.add_error(key, detail.get("message", ""))
                placed = True
        if not placed:
            super().add_service_error(error)
        self.error_status = error.status

    def service_arguments(self) -> dict:
        return {"settings": dict(self.cleaned_data)}


class AsTypedField(forms.CharField):
    """A value handed to the service exactly as typed: no stripping, no length or required
    check here. The service's own check (``validate_tile_url`` for an address) decides, so the
    page and the API accept and refuse exactly the same values, with the same messages.
    ``required`` only marks the field as such on the page."""

    def __init__(self, **kwargs):
        super().__init__(strip=False, **kwargs)
        self.validators = []  # not even CharField's null-character check: the service has one

    def validate(self, value):
        pass


class _CustomAppFields(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    url = AsTypedField(
        label=_("Address (URL)"),
        help_text=_(
            "The full address, starting with https:// or http://, such as https://www.example.fr"
        ),
        # No maxlength: a browser would cut a pasted address silently; the service says why.
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    audience = forms.ChoiceField(
        label=_("Who sees it"),
        choices=Audience.choices,
        initial=Audience.BOTH,
        widget=forms.RadioSelect,
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("Optional. PNG, JPEG or WebP, %(size)d KB at most.")
        % {"size": LOGO_MAX_BYTES // 1024},
        widget=forms.FileInput(attrs={"accept": LOGO_ACCEPT}),
    )

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["logo"] = data.get("logo") or None
        return data


class CustomAppForm(_CustomAppFields):
    """ "Ajouter une application": a redirect app of the firm's own."""

    assign_to_all_companies = forms.BooleanField(
        label=_("Assign to all dossiers"),
        required=False,
        help_text=_("Every client company of the firm gets the application."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Company users who see it on their home page"),
        required=False,
        choices=CompanyRole.choices,
        widget=forms.CheckboxSelectMultiple,
    )


class CustomAppEditForm(_CustomAppFields):
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
