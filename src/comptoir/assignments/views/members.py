"""The users of a client company, with which user sees which app: the firm's tab
"Utilisateurs" (/cabinet/clients/<id>/utilisateurs/) and the company's own administrateur's
page (/entreprise/utilisateurs/, ``company.company_users``).

Inviting, changing a role and removing a user are the companies' services; these pages sit
in the assignments because each also shows, and lets one change, the apps every user sees
(``selectors.user_access_matrix``). Their URL names stay in the ``companies:`` namespace
(``companies:users``, ``companies:self_member_invite``…): see ``comptoir/urls.py``.

On the company side only an administrateur of the company in the current context gets here
(collaborateur and invité: 403); a user of any other company is a 404. The services run with
``acting_as_company_admin=True``: the company always keeps one administrateur.
"""

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.assignments.selectors import user_access_matrix
from comptoir.assignments.views.company import company_users_page
from comptoir.companies import invitations, selectors, services
from comptoir.companies.forms import MemberInviteForm, MemberRoleForm
from comptoir.companies.models import Company, CompanyRole
from comptoir.core.errors import ServiceError
from comptoir.core.wording import of_name
from comptoir.tenancy.permissions import (
    company_member_required,
    firm_member_required,
    require_company_administrateur_context,
)

# --- the firm's tab "Utilisateurs" of a client -------------------------------------------------


def _members_page(request, company, *, invite_form=None, status=200):
    """The tab “Utilisateurs”, or only its content for an HTMX request."""
    context = {
        "company": company,
        "members": selectors.company_member_list(company=company),
        "invite_form": invite_form or MemberInviteForm(),
        "roles": MemberRoleForm.base_fields["role"].choices,
        "invitations": selectors.company_invitation_list(company=company),
        "active_tab": "users",
        # Which user sees which app (the assignments' per-user checkboxes): two queries.
        "app_access": user_access_matrix(company=company),
    }
    template = "companies/partials/members.html" if request.htmx else "companies/users.html"
    return render(request, template, context, status=status)


@firm_member_required
def firm_company_users(request, pk):
    """Tab “Utilisateurs”: the members with role and status; invite one by e-mail."""
    company = selectors.company_get(firm=request.tenant.firm, pk=pk)
    if request.method != "POST":
        return _members_page(request, company)
    form = MemberInviteForm(request.POST)
    if form.submit(invitations.company_member_invite, actor=request.user, company=company):
        messages.success(request, invite_message(form.result, company=company))
        if not request.htmx:
            return redirect("companies:users", pk=company.pk)
        form = None  # a fresh, empty form for the next invitation
    return _members_page(request, company, invite_form=form, status=form.status if form else 200)


def invite_message(result: invitations.MemberInvite, *, company) -> str:
    """What the firm reads after inviting: the same words for a known and an unknown address
    outside the firm's tenant."""
    if result.status == invitations.MemberStatus.ACTIVE:
        return _("%(email)s now has access to %(company)s.") % {
            "email": result.email,
            "company": company.name,
        }
    return _(
        "Invitation sent to %(email)s. They become a user %(of_company)s once they accept it."
    ) % {"email": result.email, "of_company": of_name(company.name)}


@firm_member_required
@require_POST
def invitation_revoke(request, pk, invitation_id):
    """“Annuler l'invitation” on the client's users tab."""
    company = selectors.company_get(firm=request.tenant.firm, pk=pk)
    revoke_and_say(request, selectors.company_invitation_get(company=company, pk=invitation_id))
    return redirect("companies:users", pk=company.pk)


def revoke_and_say(request, invitation) -> None:
    """Withdraw the invitation and say so (or why not) in the page's messages."""
    try:
        invitations.invitation_revoke(actor=request.user, invitation=invitation)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Invitation to %(email)s cancelled.") % {"email": invitation.user.email}
        )


@firm_member_required
def member_role(request, pk, user_id):
    """Change the role of one member (POST)."""
    company = selectors.company_get(firm=request.tenant.firm, pk=pk)
    membership = selectors.company_member_get(company=company, user_id=user_id)
    if request.method != "POST":
        return redirect("companies:users", pk=company.pk)
    form = MemberRoleForm(request.POST)
    status = 200
    if form.submit(services.company_member_change_role, actor=request.user, membership=membership):
        messages.success(
            request,
            _("%(user)s is now %(role)s.")
            % {"user": membership.user.display_name, "role": membership.get_role_display()},
        )
    else:
        status = form.status
        errors = [str(e) for errs in form.errors.values() for e in errs]
        messages.error(request, " ".join(errors))
    if request.htmx:
        return _members_page(request, company, status=status)
    return redirect("companies:users", pk=company.pk)


@firm_member_required
def member_remove(request, pk, user_id):
    """Remove a member from the company, after a confirmation page."""
    company = selectors.company_get(firm=request.tenant.firm, pk=pk)
    membership = selectors.company_member_get(company=company, user_id=user_id)
    if request.method == "POST":
        services.company_member_remove(actor=request.user, membership=membership)
        messages.success(
            request,
            _("%(user)s no longer has access to %(company)s.")
            % {"user": membership.user.display_name, "company": company.name},
        )
        if request.htmx:
            return _members_page(request, company)
        return redirect("companies:users", pk=company.pk)
    return render(
        request,
        "companies/member_remove.html",
        {"company": company, "membership": membership, "active_tab": "users"},
    )


# --- the company's own administrateur -----------------------------------------------------------

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
