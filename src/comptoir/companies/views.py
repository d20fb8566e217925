"""The firm's client pages: “Clients”, “Ajouter une entreprise”, the client page and its tabs."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.assignments.selectors import user_access_matrix
from comptoir.companies import invitations, selectors, services
from comptoir.companies.forms import (
    CompanyEditForm,
    CompanyForm,
    MemberInviteForm,
    MemberRoleForm,
)
from comptoir.companies.siret import format_siret
from comptoir.core.errors import ServiceError
from comptoir.tenancy.permissions import firm_member_required, require_firm_admin_context

CLIENTS_PER_PAGE = 50


def _posted(request):
    return request.POST if request.method == "POST" else None


@firm_member_required
def company_list(request):
    """“Clients”: search by name or SIRET (``?q=``), 50 per page, with member counts."""
    q = request.GET.get("q", "").strip()
    companies = selectors.company_list_with_member_counts(firm=request.tenant.firm, q=q)
    page = Paginator(companies, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "q": q}
    if request.htmx and request.htmx.target == "client-results":
        return render(request, "companies/partials/client_results.html", context)
    return render(request, "companies/list.html", context)


@firm_member_required
def company_create(request):
    """“Ajouter une entreprise”."""
    start, end = services.default_fiscal_year()
    form = CompanyForm(
        _posted(request), initial={"fiscal_year_start": start, "fiscal_year_end": end}
    )
    if request.method == "POST" and form.submit(
        services.company_create, actor=request.user, firm=request.tenant.firm
    ):
        company = form.result
        messages.success(request, _("Company “%(name)s” added.") % {"name": company.name})
        return redirect("companies:detail", pk=company.pk)
    return render(request, "companies/create.html", {"form": form}, status=form.status)


@firm_member_required
def company_detail(request, pk):
    """The client page, tab “Fiche”: what the firm knows of the company, and its edit form."""
    company = selectors.company_get(firm=request.tenant.firm, pk=pk)
    form = CompanyEditForm(
        _posted(request),
        initial={
            "name": company.name,
            "siret": format_siret(company.siret),
            "fiscal_year_start": company.fiscal_year_start,
            "fiscal_year_end": company.fiscal_year_end,
        },
    )
    if request.method == "POST" and form.submit(
        services.company_update, actor=request.user, company=company
    ):
        messages.success(request, _("The changes are saved."))
        return redirect("companies:detail", pk=company.pk)
    return render(
        request,
        "companies/detail.html",
        {"company": company, "form": form, "active_tab": "detail"},
        status=form.status,
    )


@firm_member_required
def company_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Only a firm administrator deletes a client company, after a confirmation page."""
    company = selectors.company_get(firm=request.tenant.firm, pk=pk)
    require_firm_admin_context(request)
    if request.method == "POST":
        name = company.name
        services.company_delete(actor=request.user, company=company)
        messages.success(request, _("Company “%(name)s” deleted.") % {"name": name})
        return redirect("companies:list")
    return render(request, "companies/delete.html", {"company": company, "active_tab": "detail"})


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
def company_users(request, pk):
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
        "Invitation sent to %(email)s. They become a user of %(company)s once they accept it."
    ) % {"email": result.email, "company": company.name}


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
