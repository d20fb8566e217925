from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.companies.models import CompanyRole
from comptoir.core.forms import DateInput, ServiceForm


class CompanyForm(ServiceForm):
    """“Ajouter une entreprise”: the fiscal year defaults to the calendar year when left empty."""

    name = forms.CharField(
        label=_("Company name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    siret = forms.CharField(
        label=_("SIRET"),
        required=False,
        max_length=40,
        help_text=_("14 digits, optional. Spaces and dots are fine."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    fiscal_year_start = forms.DateField(
        label=_("Fiscal year start"), required=False, widget=DateInput()
    )
    fiscal_year_end = forms.DateField(
        label=_("Fiscal year end"), required=False, widget=DateInput()
    )


class CompanyEditForm(CompanyForm):
    """Editing keeps the fiscal year explicit: an empty date would silently reset it."""

    fiscal_year_start = forms.DateField(label=_("Fiscal year start"), widget=DateInput())
    fiscal_year_end = forms.DateField(label=_("Fiscal year end"), widget=DateInput())


class MemberInviteForm(ServiceForm):
    email = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=CompanyRole.choices, initial=CompanyRole.COLLABORATEUR
    )


class MemberRoleForm(ServiceForm):
    role = forms.ChoiceField(label=_("Role"), choices=CompanyRole.choices)
