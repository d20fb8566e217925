"""Pages about one client company: its "Applications" tab, one app's settings for it (the
connection), and which of its users see which app — for the firm and for the company's own
administrateur (/entreprise/utilisateurs/)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from comptoir.assignments import selectors, services
from comptoir.assignments.forms import AddAppForm, AssignmentForm
from comptoir.assignments.permissions import is_access_management_allowed, is_assignable
from comptoir.companies.forms import MemberInviteForm, MemberRoleForm
from comptoir.companies.selectors import (
    company_get,
    company_invitation_list,
    company_member_get,
    company_member_list,
)
from comptoir.core.errors import ServiceError
from comptoir.core.navigation import safe_next
from comptoir.core.wording import of_name
from comptoir.tenancy.permissions import company_member_required, firm_member_required


@firm_member_required
def company_apps(request, pk):
    """Client page, tab "Applications": the apps the company has; give it another one."""
    firm = request.tenant.firm
    company = company_get(firm=firm, pk=pk)
    assignments = selectors.company_assignment_list(firm=firm, company=company)
    assigned = {a.installation_id for a in assignments}
    available = [i for i in selectors.assignable_installations(firm=firm) if i.pk not in assigned]
    form = AddAppForm(request.POST if request.method == "POST" else None, installations=available)
    if request.method == "POST" and form.is_valid():
        return redirect(
            "assignments:company_assignment",
            pk=company.pk,
            installation_id=form.cleaned_data["installation"],
        )
    return render(
        request,
        "assignments/company_apps.html",
        {
            "company": company,
            "assignments": assignments,
            "form": form,
            "active_tab": "apps",
        },
        status=422 if form.errors else 200,
    )


@firm_member_required
def company_assignment(request, pk, installation_id):
    """One app for one company: give it with its settings, or change them; enable/disable."""
    firm = request.tenant.firm
    company = company_get(firm=firm, pk=pk)
    installation = selectors.installation_get(firm=firm, pk=installation_id)
    app = installation.app
    assignment = selectors.assignment_find(installation=installation, company=company)
    form = AssignmentForm(
        request.POST if request.method == "POST" else None, app=app, assignment=assignment
    )
    if request.method == "POST" and is_assignable(app):
        if assignment is None:
            done = form.submit(
                services.assignment_create,
                actor=request.user,
                installation=installation,
                company=company,
            )
        else:
            done = form.submit(
                services.assignment_update, actor=request.user, assignment=assignment
            )
        if done:
            messages.success(
                request,
                _("“%(app)s” is saved for %(company)s.")
                % {"app": app.name, "company": company.name},
            )
            return redirect(
                safe_next(request, reverse("assignments:company_apps", args=[company.pk]))
            )
    return render(
        request,
        "assignments/assignment_form.html",
        {
            "company": company,
            "installation": installation,
            "app": app,
            "assignment": assignment,
            "form": form,
            "assignable": is_assignable(app),
            "active_tab": "apps",
            "next": safe_next(request, ""),
        },
        status=form.status,
    )


@firm_member_required
@require_POST
def company_assignment_toggle(request, pk, installation_id):
    firm = request.tenant.firm
    company = company_get(firm=firm, pk=pk)
    installation = selectors.installation_get(firm=firm, pk=installation_id)
    assignment = selectors.assignment_get(
        firm=firm, installation=installation, company_id=company.pk
    )
    enabled = request.POST.get("enabled") == "1"
    try:
        services.assignment_update(actor=request.user, assignment=assignment, enabled=enabled)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            (
                _("“%(app)s” is enabled for %(company)s.")
                if enabled
                else _("“%(app)s” is disabled for %(company)s.")
            )
            % {"app": installation.app.name, "company": company.name},
        )
    return redirect(safe_next(request, reverse("assignments:company_apps", args=[company.pk])))


@firm_member_required
def company_assignment_remove(request, pk, installation_id):
    """Unassign, after a confirmation that says what goes."""
    firm = request.tenant.firm
    company = company_get(firm=firm, pk=pk)
    installation = selectors.installation_get(firm=firm, pk=installation_id)
    assignment = selectors.assignment_get(
        firm=firm, installation=installation, company_id=company.pk
    )
    if request.method == "POST":
        result = services.assignment_unassign(actor=request.user, assignment=assignment)
        messages.success(
            request,
            ngettext(
                "%(company)s no longer has “%(app)s” (%(users)d user access removed).",
                "%(company)s no longer has “%(app)s” (%(users)d user accesses removed).",
                result.users,
            )
            % {"company": company.name, "app": installation.app.name, "users": result.users},
        )
        return redirect(safe_next(request, reverse("assignments:company_apps", args=[company.pk])))
    return render(
        request,
        "assignments/assignment_remove.html",
        {
            "company": company,
            "installation": installation,
            "app": installation.app,
            "assignment": assignment,
            "active_tab": "apps",
            "next": safe_next(request, ""),
            "user_count": assignment.accesses.count(),
        },
    )


# --- users' access ------------------------------------------------------------------------------


def _user_apps_response(request, company, user, *, action_url, fallback):
    ids = request.POST.getlist("apps")
    try:
        result = services.user_access_set(
            actor=request.user, company=company, user=user, installation_ids=ids
        )
    except ServiceError as error:
        if not request.htmx:
            messages.error(request, str(error.message))
        result = None
    else:
        if (result.granted or result.revoked) and not request.htmx:
            saved = _("Applications %(of_user)s saved.")
            messages.success(request, saved % {"of_user": of_name(user.display_name)})
    if request.htmx:
        assignments, by_user = selectors.user_access_matrix(company=company)
        return render(
            request,
            "assignments/partials/user_apps_form.html",
            {
                "member": user,
                "company": company,
                "action_url": action_url,
                "choices": selectors.user_app_choices(assignments, by_user.get(user.pk, {})),
                "saved": result is not None,
            },
            status=200 if result is not None else 422,
        )
    return redirect(fallback)


@firm_member_required
@require_POST
def firm_user_apps(request, pk, user_id):
    """Client page, tab "Utilisateurs": save one user's applications."""
    company = company_get(firm=request.tenant.firm, pk=pk)
    user = company_member_get(company=company, user_id=user_id).user
    return _user_apps_response(
        request,
        company,
        user,
        action_url=reverse("assignments:firm_user_apps", args=[company.pk, user.pk]),
        fallback=reverse("companies:users", args=[company.pk]),
    )


def _company_admin(request):
    context = request.tenant
    if not is_access_management_allowed(context, context.company):
        raise PermissionDenied
    return context.company


@company_member_required
def company_users(request):
    """/entreprise/utilisateurs/: a company administrateur chooses who sees which app, and
    invites, changes the role of and removes users (views/members.py)."""
    return company_users_page(request, _company_admin(request))


def company_users_page(request, company, *, invite_form=None, status=200):
    """The page of /entreprise/utilisateurs/, with ``invite_form`` bound after a refusal."""
    assignments, by_user = selectors.user_access_matrix(company=company)
    members = list(company_member_list(company=company))
    rows = [
        {
            "membership": m,
            "member": m.user,
            "action_url": reverse("assignments:company_user_apps", args=[m.user_id]),
            "choices": selectors.user_app_choices(assignments, by_user.get(m.user_id, {})),
        }
        for m in members
    ]
    return render(
        request,
        "assignments/company_users.html",
        {
            "company": company,
            "rows": rows,
            "has_apps": bool(assignments),
            "invite_form": invite_form or MemberInviteForm(),
            "roles": MemberRoleForm.base_fields["role"].choices,
            "invitations": company_invitation_list(company=company),
        },
        status=status,
    )


@company_member_required
@require_POST
def company_user_apps(request, user_id):
    company = _company_admin(request)
    user = company_member_get(company=company, user_id=user_id).user
    return _user_apps_response(
        request,
        company,
        user,
        action_url=reverse("assignments:company_user_apps", args=[user.pk]),
        fallback=reverse("assignments:company_users"),
    )
