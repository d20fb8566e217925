"""The firm's security settings (firm settings ⚙ → Sécurité), for firm admins."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from comptoir.firms import selectors, services
from comptoir.firms.forms import TwoFactorRequirementForm
from comptoir.tenancy.permissions import firm_admin_required


@firm_admin_required
def security(request):
    """Require two-factor ("Exiger la double authentification"); who has a second factor."""
    firm = request.tenant.firm
    form = TwoFactorRequirementForm(
        request.POST if request.method == "POST" else None,
        initial={"require_two_factor": firm.require_two_factor},
    )
    if request.method == "POST" and form.submit(
        services.firm_require_two_factor, actor=request.user, firm=firm
    ):
        if form.result.require_two_factor:
            messages.success(
                request,
                _(
                    "Two-factor authentication is now required: the firm's users without "
                    "it will be asked to set it up."
                ),
            )
        else:
            messages.success(request, _("Two-factor authentication is no longer required."))
        return redirect("firms:security")
    members = selectors.firm_members_two_factor(firm=firm)
    return render(
        request,
        "firms/security.html",
        {
            "firm": firm,
            "form": form,
            "members": members,
            "without_count": sum(1 for m in members if not m.has_two_factor),
        },
        status=form.status,
    )
