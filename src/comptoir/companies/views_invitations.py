"""Answering an invitation: from the e-mail's link, or from the banner of one's own session.

The link proves the address: a new login chooses its password there and is logged in; an
existing login accepts (or declines) and then logs in as usual. In a session, the banner lists
the user's pending invitations ("Fiducia Conseil vous invite à rejoindre SCI Moreau") with
"Accepter" and "Refuser": only the invitee can answer, anyone else gets a 404.
"""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.accounts.forms import InvitationPasswordForm
from comptoir.accounts.services import invitation_for_token
from comptoir.companies import invitations
from comptoir.core.errors import ServiceError
from comptoir.core.navigation import safe_next
from comptoir.tenancy.contexts import resolve_context, set_tenant


def _invitation_invalid(request, error: ServiceError):
    return render(
        request,
        "companies/invitation_invalid.html",
        {"message": error.message},
        status=error.status,
    )


def invitation_accept(request, token):
    """The link of an invitation e-mail: a new login sets a password, an existing one confirms."""
    try:
        invitation = invitation_for_token(token)
    except ServiceError as error:
        return _invitation_invalid(request, error)
    form = None
    if not invitation.user.has_usable_password():  # a new login: it chooses its password
        form = InvitationPasswordForm(
            request.POST if request.method == "POST" and "decline" not in request.POST else None,
            initial={"full_name": invitation.user.full_name},
        )
    if request.method == "POST":
        if "decline" in request.POST:
            try:
                invitations.invitation_decline_by_link(raw_token=token)
            except ServiceError as error:
                return _invitation_invalid(request, error)
            messages.info(request, _("Invitation declined. Nothing was shared with you."))
            return redirect("accounts:login")
        if form is not None:
            if form.submit(invitations.invitation_accept_by_link, raw_token=token):
                return _after_acceptance(request, form.result, logged_in=True)
        else:
            try:
                accepted = invitations.invitation_accept_by_link(raw_token=token, password="")
            except ServiceError as error:
                return _invitation_invalid(request, error)
            return _after_acceptance(request, accepted, logged_in=False)
    place = invitation.company or invitation.firm
    return render(
        request,
        "companies/invitation_accept.html",
        {"invitation": invitation, "place": place, "form": form, "brand_firm": invitation.firm},
        status=form.status if form is not None else 200,
    )


def _after_acceptance(request, invitation, *, logged_in: bool):
    """Log a new login in (its password was just set), then open the place it joined.

    ``invitation`` is the one the service accepted: its user carries the new password."""
    user = invitation.user
    if logged_in:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    elif request.user != user:
        # The link proves the address, not the password: an existing login logs in as usual.
        if request.user.is_authenticated:
            logout(request)
        messages.success(request, _("Invitation accepted. Log in to open your new space."))
        return redirect("accounts:login")
    _open_joined_place(request, invitation)
    return redirect("portal:start")


def _open_joined_place(request, invitation) -> None:
    """Act in the place just joined for this session; the default context stays as it was."""
    context = resolve_context(
        request.user,
        company_id=str(invitation.company_id) if invitation.company_id else None,
        firm_slug=None if invitation.company_id else invitation.firm.slug,
    )
    if context is not None:
        set_tenant(request, context)
    messages.success(
        request,
        _("Welcome! You now have access to %(place)s.")
        % {"place": (invitation.company or invitation.firm).name},
    )


def _back(request):
    return redirect(safe_next(request, fallback=reverse("portal:start")))


@require_POST
@login_required
def invitation_respond(request, pk, answer):
    """ "Accepter" or "Refuser" on the banner: the user's own pending invitation only."""
    try:
        if answer == "accept":
            invitation = invitations.invitation_accept(user=request.user, pk=pk)
        else:
            invitation = invitations.invitation_decline(user=request.user, pk=pk)
    except ServiceError as error:
        if error.status == 404:
            raise Http404 from None
        messages.error(request, error.message)
        return _back(request)
    if answer == "accept":
        _open_joined_place(request, invitation)
        return redirect("portal:start")
    messages.info(
        request,
        _("You declined the invitation to %(place)s.")
        % {"place": (invitation.company or invitation.firm).name},
    )
    return _back(request)
