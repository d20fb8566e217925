from allauth.account import forms as allauth_forms
from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.login_checks import login_refusal
from comptoir.core.forms import ServiceForm


class LoginForm(AllauthLoginForm):
    """Log in by e-mail through django-allauth (its throttling, two-factor and sessions).

    The address field keeps the name ``username`` it always had on /connexion/ (scripts,
    password managers and tests post it); addresses are stored lower-case, so any spelling
    works."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.fields["login"] = forms.EmailField(
            label=_("E-mail address"),
            widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
        )
        self.fields["password"].label = _("Password")
        self.fields["password"].help_text = ""
        self.order_fields(["login", "password"])

    def add_prefix(self, field_name: str) -> str:
        return super().add_prefix("username" if field_name == "login" else field_name)

    def clean_login(self) -> str:
        return self.cleaned_data["login"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        user = getattr(self, "user", None)
        if user is not None:
            refusal = login_refusal(user=user)  # a firm that requires SSO, say
            if refusal:
                self.user = None
                raise forms.ValidationError(refusal, code="sso_required")
        return cleaned


class ProfileForm(ServiceForm):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class TokenForm(ServiceForm):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Accounting export script”."),
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Valid for"),
        coerce=int,
        initial=90,
        required=False,
        empty_value=90,
        choices=[
            (7, _("7 days")),
            (30, _("30 days")),
            (90, _("90 days")),
            (180, _("180 days")),
            (365, _("1 year")),
        ],
    )
    scope = forms.ChoiceField(
        label=_("May"),
        initial="write",
        required=False,
        choices=[("read", _("Read only")), ("write", _("Read and write"))],
    )
    pin = forms.ChoiceField(label=_("Acts in"), required=False)

    def __init__(self, *args, contexts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pin"].choices = [("", _("All my firms and companies"))] + [
            (context.key, context.label) for context in contexts
        ]
        self.fields["pin"].help_text = _(
            "A pinned token acts only in that firm or company, whatever the request asks."
        )

    def service_arguments(self) -> dict:
        return {**self.cleaned_data, "scope": self.cleaned_data.get("scope") or "write"}


class InvitationPasswordForm(ServiceForm):
    """A new login chooses a password (the service checks its strength)."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only digits, not a common password."),
    )
    password_confirm = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        password, again = cleaned.get("password"), cleaned.get("password_confirm")
        if password and again and password != again:
            self.add_error(
                "password_confirm", _("The two passwords differ. Type the same one twice.")
            )
        return cleaned

    def service_arguments(self) -> dict:
        return {
            "password": self.cleaned_data["password"],
            "full_name": self.cleaned_data["full_name"],
        }


class _NoColon:
    """Our labels sit above their field: no colon (allauth's forms put one)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""


class ResetPasswordForm(_NoColon, allauth_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail address")
        self.fields["email"].widget.attrs.pop("placeholder", None)


class ChangePasswordForm(_NoColon, allauth_forms.ChangePasswordForm):
    pass


class ResetPasswordKeyForm(_NoColon, allauth_forms.ResetPasswordKeyForm):
    pass
