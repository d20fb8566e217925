from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.sso.models import ProviderKind


class IdentityProviderForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Identity provider"), choices=ProviderKind.choices, widget=forms.RadioSelect
    )
    tenant = forms.CharField(
        label=_("Directory (tenant) ID"),
        required=False,
        max_length=64,
        help_text=_("Microsoft Entra ID only: on the overview of your app registration."),
    )
    issuer = forms.CharField(
        label=_("Issuer URL"),
        required=False,
        max_length=300,
        help_text=_(
            "Other providers only: the address before /.well-known/openid-configuration, "
            "such as https://sso.example.fr/realms/cabinet."
        ),
    )
    display_name = forms.CharField(
        label=_("Name on the button"),
        required=False,
        max_length=40,
        help_text=_("“Se connecter avec …”: Microsoft and Google by default."),
    )
    client_id = forms.CharField(label=_("Client ID"), max_length=191)
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        max_length=1000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    domains = forms.CharField(
        label=_("Your firm's e-mail domains"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line. Their addresses sign in with this provider once the platform "
            "operator has verified that the domain is yours."
        ),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    required = forms.BooleanField(
        label=_("SSO required for the firm's staff"),
        required=False,
        help_text=_(
            "The firm's staff can no longer log in with a password. Sign in once with this "
            "provider first."
        ),
    )

    def __init__(self, *args, has_secret: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if has_secret:
            self.fields["client_secret"].help_text = _(
                "Saved (encrypted). Leave empty to keep it; type a new one to replace it."
            )


class SsoEmailForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
