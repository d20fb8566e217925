"""Forms of the assignment pages. Company-level settings come from the app's schema
(``store.schema_forms.form_fields``): the same declaration renders them, validates them (in the
services) and names the import template's columns."""

from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.assignments.services import ALL
from comptoir.companies.models import Company, CompanyRole
from comptoir.core.forms import ServiceForm
from comptoir.core.ids import ModelIdsField
from comptoir.store.schema import COMPANY
from comptoir.store.schema_forms import form_fields, form_initial

SETTINGS_PREFIX = "setting_"


class CompanySettingsMixin:
    """Adds the app's company-level settings as ``setting_<key>`` fields."""

    def add_setting_fields(self, app, stored=None) -> None:
        self.setting_keys = []
        for key, field in form_fields(app, COMPANY, stored).items():
            self.fields[SETTINGS_PREFIX + key] = field
            self.setting_keys.append(key)
        for key, value in form_initial(app, COMPANY, stored).items():
            self.initial.setdefault(SETTINGS_PREFIX + key, value)

    def settings_data(self) -> dict:
        return {
            key: self.cleaned_data.get(SETTINGS_PREFIX + key) or "" for key in self.setting_keys
        }

    def setting_bound_fields(self):
        return [self[SETTINGS_PREFIX + key] for key in self.setting_keys]

    def add_service_error(self, error) -> None:
        """Errors on ``settings.<key>`` land under that setting's field."""
        placed = False
        for detail in error.details or []:
            name = SETTINGS_PREFIX + str(detail.get("key"))
            if detail.get("key") and name in self.fields:
                self.add_error(name, str(detail.get("message")))
                placed = True
        if placed:
            self.error_status = error.status
        else:
            super().add_service_error(error)  # type: ignore[misc]


class AssignmentForm(CompanySettingsMixin, ServiceForm):
    """One company's settings for one app (the connection), and whether it is enabled."""

    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args, app, assignment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.add_setting_fields(app, assignment.settings if assignment else None)
        if assignment is not None:
            self.initial["enabled"] = assignment.enabled
        self.fields["enabled"].help_text = _(
            "Disabled, the settings are kept but the company's users no longer see the app "
            "and no document is sent."
        )

    def service_arguments(self):
        return {"settings": self.settings_data(), "enabled": self.cleaned_data["enabled"]}


class AddCompaniesForm(CompanySettingsMixin, ServiceForm):
    """Give the app to the chosen companies, with the same settings for each."""

    companies = ModelIdsField(
        label=_("Client companies"),
        queryset=Company.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one client company.")},
    )

    def __init__(self, *args, app, firm, choices_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        # Validate against every company of the firm: the list shown is only a search result.
        self.fields["companies"].queryset = Company.objects.filter(firm=firm)
        self.shown_companies = choices_queryset
        self.add_setting_fields(app)


class AssignAllForm(ServiceForm):
    include_future_companies = forms.BooleanField(
        label=_("Also the client companies added later"), required=False
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File to import (CSV or XLSX)"),
        help_text=_("500 clients at most per file. Nothing is changed before you confirm."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,text/csv"}),
    )


class RoleGrantForm(ServiceForm):
    SCOPES = [(ALL, _("All client companies")), ("chosen", _("The client companies ticked below"))]

    scope = forms.ChoiceField(
        label=_("Client companies"), choices=SCOPES, initial=ALL, widget=forms.RadioSelect
    )
    companies = ModelIdsField(
        label=_("Chosen client companies"),
        queryset=Company.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles of the users who will see the application"),
        choices=CompanyRole.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one role.")},
    )
    include_future_users = forms.BooleanField(
        label=_("Also the users who join later with these roles"), required=False
    )

    def __init__(self, *args, firm, choices_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["companies"].queryset = Company.objects.filter(firm=firm)
        self.shown_companies = choices_queryset

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == "chosen" and not cleaned.get("companies"):
            self.add_error("companies", _("Tick at least one client company, or choose all."))
        return cleaned

    def choice(self) -> dict:
        """What was chosen, as the ``initial`` of the next form (kept in the session)."""
        cleaned = self.cleaned_data
        return {
            "scope": cleaned["scope"],
            "companies": [company.pk for company in cleaned.get("companies") or []],
            "roles": list(cleaned["roles"]),
            "include_future_users": bool(cleaned.get("include_future_users")),
        }

    def service_arguments(self):
        data = self.cleaned_data
        companies = ALL if data["scope"] == ALL else list(data["companies"])
        return {
            "companies": companies,
            "roles": data["roles"],
            "include_future_users": data["include_future_users"],
        }


class AddAppForm(forms.Form):
    """On the client page: pick an app of the space to give to this company."""

    installation = forms.TypedChoiceField(label=_("Application"), coerce=int)

    def __init__(self, *args, installations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["installation"].choices = [("", "—")] + [
            (i.pk, i.app.name) for i in installations
        ]
