"""/entreprise/utilisateurs/: the company's own administrateur invites users of their company,
changes their role and removes them.

The page itself (with which user sees which app) is ``assignments.views.company_users``; these
views take its forms. Only an administrateur of the company in the current context gets
here (collaborateur and invité: 403); a user of any other company is a 404. The services run
with ``acting_as_company_admin=True``: the company always keeps one administrateur.
"""

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.assignments.views.company import company_users_page
from comptoir.companies import invitations, selectors, services
from comptoir.companies.forms import MemberInviteForm, MemberRoleForm
from comptoir.companies.models import Company, CompanyRole
from comptoir.companies.views import invite_message, revoke_and_say
from comptoir.core.errors import ServiceError
from comptoir.tenancy.permissions import (
    company_member_required,
    require_company_administrateur_context,
)

USERS_PAGE = "assignments:company_users"


def _own_company(request: HttpRequest) -> Company:
    """The company of the context, when the user is one of its administrateurs (else 403)."""
    require_company_administrateur_context(request)
    return request.tenant.company


@company_member_required
def self_member_invite(request):
    """Invite a user by e-mail (POST); a refusal shows the page again with the form's errors."""
    company = _own_company(request)
    if request.method != "POST":
        return redirect(USERS_PAGE)
    form = MemberInviteForm(request.POST)
    if form.submit(invitations.company_member_invite, actor=request.user, company=company):
        messages.success(request, invite_message(form.result, company=company))
        return redirect(USERS_PAGE)
    return company_users_page(request, company, invite_form=form, status=form.status)


@company_member_required
def self_member_role(request, user_id):
    """Change the role of one user of the company (POST)."""
    company = _own_company(request)
    membership = selectors.company_member_get(company=company, user_id=user_id)
    if request.method != "POST":
        return redirect(USERS_PAGE)
    form = MemberRoleForm(request.POST)
    if form.submit(
        services.company_member_change_role,
        actor=request.user,
        membership=membership,
        acting_as_company_admin=True,
    ):
        messages.success(
            request,
            _("%(user)s is now %(role)s.")
            % {"user": membership.user.display_name, "role": membership.get_role_display()},
        )
        # Who gave up their own administrateur role no longer manages the users.
        demoted_self = membership.user_id == request.user.pk and (
            membership.role != CompanyRole.ADMINISTRATEUR
        )
        return redirect("portal:start" if demoted_self else USERS_PAGE)
    errors = [str(error) for errors in form.errors.values() for error in errors]
    messages.error(request, " ".join(errors))
    return redirect(USERS_PAGE)


@company_member_required
def self_member_remove(request, user_id):
    """Remove a user from the company, after a confirmation page."""
    company = _own_company(request)
    membership = selectors.company_member_get(company=company, user_id=user_id)
    if request.method == "POST":
        user = membership.user
        try:
            services.company_member_remove(
                actor=request.user, membership=membership, acting_as_company_admin=True
            )
        except ServiceError as error:
            messages.error(request, str(error.message))
            return redirect(USERS_PAGE)
        messages.success(
            request,
            _("%(user)s no longer has access to %(company)s.")
            % {"user": user.display_name, "company": company.name},
        )
        # Who removes themself no longer has this company: back to their start page.
        return redirect("portal:start" if user.pk == request.user.pk else USERS_PAGE)
    return render(
        request,
        "companies/self_member_remove.html",
        {"company": company, "membership": membership},
    )


@company_member_required
@require_POST
def self_invitation_revoke(request, invitation_id):
    """“Annuler l'invitation” on the company's own users page."""
    company = _own_company(request)
    revoke_and_say(request, selectors.company_invitation_get(company=company, pk=invitation_id))
    return redirect(USERS_PAGE)
