"""Our side of django-allauth's two-factor pages (``mfa_urls``): the page "Double
authentification" knows when the firm requires it, and a passkey of someone else answers 404
before any request to confirm one's password."""

from allauth.mfa.adapter import get_adapter
from allauth.mfa.base.views import AuthenticateView, IndexView
from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn import views as webauthn_views
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect

from comptoir.accounts.middleware import two_factor_setup_needed
from comptoir.core.ids import parse_id


class TwoFactorIndexView(IndexView):
    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["setup_required"] = two_factor_setup_needed(self.request)
        return context


index = login_required(TwoFactorIndexView.as_view())


class TwoFactorAuthenticateView(AuthenticateView):
    """The login's second step: says what the user has (an app, passkeys, or both)."""

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        types = set(
            Authenticator.objects.filter(user_id=self.stage.login.user.pk).values_list(
                "type", flat=True
            )
        )
        context["has_totp"] = Authenticator.Type.TOTP in types
        context["has_passkey"] = Authenticator.Type.WEBAUTHN in types
        return context


authenticate = TwoFactorAuthenticateView.as_view()


def _own_passkey(request, pk) -> Authenticator:
    number = parse_id(pk)
    authenticator = (
        Authenticator.objects.filter(
            user_id=request.user.pk, type=Authenticator.Type.WEBAUTHN, pk=number
        ).first()
        if number is not None
        else None
    )
    if authenticator is None:
        raise Http404
    return authenticator


@login_required
def remove_passkey(request, pk):
    authenticator = _own_passkey(request, pk)
    if request.method == "POST" and not get_adapter().can_delete_authenticator(authenticator):
        messages.error(request, get_adapter().error_messages["cannot_delete_authenticator"])
        return redirect("mfa_list_webauthn")
    return webauthn_views.remove_webauthn(request, pk=authenticator.pk)


@login_required
def edit_passkey(request, pk):
    authenticator = _own_passkey(request, pk)
    return webauthn_views.edit_webauthn(request, pk=authenticator.pk)
