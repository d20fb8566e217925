from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.core.forms import ServiceForm


class TwoFactorRequirementForm(ServiceForm):
    require_two_factor = forms.BooleanField(
        label=_("Require two-factor authentication"),
        required=False,
        help_text=_(
            "Every user of the firm will need an authenticator app or a passkey. Those who have "
            "none yet are led to set one up at their next page and cannot work until they do. "
            "Your clients' users are not concerned."
        ),
    )

    def service_arguments(self) -> dict:
        return {"required": self.cleaned_data["require_two_factor"]}
