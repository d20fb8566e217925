"""The page of one app of the space (⚙ on its Store row): its client companies, the import,
"Affecter à tous les clients" and "Personnaliser le portail client"."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from comptoir.assignments import imports, selectors, services
from comptoir.assignments.forms import (
    AddCompaniesForm,
    AssignAllForm,
    ImportUploadForm,
    RoleGrantForm,
)
from comptoir.assignments.permissions import gives_tiles, is_assignable
from comptoir.core.errors import ServiceError
from comptoir.core.sorting import sort_from_request
from comptoir.tenancy.permissions import firm_member_required

PER_PAGE = 50
CANDIDATES_SHOWN = 50


def updated_unchanged(updated: int, unchanged: int) -> str:
    """“2 updated, 1 unchanged”, each with its own plural."""
    return _("%(updated)s, %(unchanged)s") % {
        "updated": ngettext("%(count)d updated", "%(count)d updated", updated) % {"count": updated},
        "unchanged": ngettext("%(count)d unchanged", "%(count)d unchanged", unchanged)
        % {"count": unchanged},
    }


def _posted(request):
    return request.POST if request.method == "POST" else None


def _installation(request, pk):
    return selectors.installation_get(firm=request.tenant.firm, pk=pk)


def _base_context(request, installation, tab: str) -> dict:
    app = installation.app
    return {
        "installation": installation,
        "app": app,
        "assignable": is_assignable(app),
        "is_tile_app": gives_tiles(app),
        "active_tab": tab,
        "counts": selectors.assignment_counts(installation=installation),
    }


def _candidates(request, installation, param: str = "add_q"):
    q = request.GET.get(param, "").strip()[:100]
    companies = selectors.unassigned_companies(
        firm=request.tenant.firm, installation=installation, q=q
    )
    return q, companies[:CANDIDATES_SHOWN]


def _clients_page(request, installation, *, add_form=None, assign_all_form=None, status=200):
    firm = request.tenant.firm
    q = request.GET.get("q", "").strip()[:100]
    sort = sort_from_request(request, selectors.ASSIGNMENT_SORTS, selectors.ASSIGNMENT_DEFAULT_SORT)
    assignments = selectors.assignment_list(
        firm=firm, installation=installation, q=q, order_by=sort.order_by
    )
    page = Paginator(assignments, PER_PAGE).get_page(request.GET.get("page"))
    add_q, candidates = _candidates(request, installation)
    if add_form is None:
        add_form = AddCompaniesForm(app=installation.app, firm=firm, choices_queryset=candidates)
    add_form.shown_companies = candidates
    rule = selectors.assign_all_rule_get(installation=installation)
    if assign_all_form is None:
        future = rule.include_future_companies if rule is not None else False
        assign_all_form = AssignAllForm(initial={"include_future_companies": future})
    context = {
        **_base_context(request, installation, "clients"),
        "page": page,
        "q": q,
        "sort": sort,
        "add_q": add_q,
        "add_form": add_form,
        "assign_all_form": assign_all_form,
        "rule": rule,
    }
    return render(request, "assignments/installation_clients.html", context, status=status)


@firm_member_required
def installation_clients(request, pk):
    """Tab "Clients": the companies that have the app, and the ways to give it to more."""
    return _clients_page(request, _installation(request, pk))


@firm_member_required
@require_POST
def add_companies(request, pk):
    installation = _installation(request, pk)
    firm = request.tenant.firm
    _q, candidates = _candidates(request, installation)
    form = AddCompaniesForm(
        request.POST, app=installation.app, firm=firm, choices_queryset=candidates
    )
    if form.is_valid():
        entries = [
            services.Entry(company=c, settings=form.settings_data())
            for c in form.cleaned_data["companies"]
        ]
        try:
            result = services.assignments_upsert(
                actor=request.user, installation=installation, entries=entries
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("%(created)s; %(others)s.")
                % {
                    "created": ngettext(
                        "%(count)d client now has the application",
                        "%(count)d clients now have the application",
                        result.created,
                    )
                    % {"count": result.created},
                    "others": updated_unchanged(result.updated, result.unchanged),
                },
            )
            return redirect("assignments:installation", pk=installation.pk)
    return _clients_page(request, installation, add_form=form, status=form.status)


@firm_member_required
@require_POST
def assign_all(request, pk):
    """ "Affecter à tous les clients"."""
    installation = _installation(request, pk)
    form = AssignAllForm(request.POST)
    if form.submit(services.assign_all, actor=request.user, installation=installation):
        result = form.result
        message = ngettext(
            "Assigned to all clients: %(created)d more client, %(total)d in all.",
            "Assigned to all clients: %(created)d more clients, %(total)d in all.",
            result.created,
        ) % {"created": result.created, "total": result.total}
        if result.include_future_companies:
            message += " " + _("Client companies added later will get it too.")
        messages.success(request, message)
        return redirect("assignments:installation", pk=installation.pk)
    return _clients_page(request, installation, assign_all_form=form, status=form.status)


@firm_member_required
@require_POST
def assign_all_stop(request, pk):
    installation = _installation(request, pk)
    if services.assign_all_rule_stop(actor=request.user, installation=installation):
        messages.success(request, _("Client companies added from now on will not get it."))
    return redirect("assignments:installation", pk=installation.pk)


# --- import -------------------------------------------------------------------------------------


def _import_page(
    request, installation, *, form=None, stored=None, check=None, file_errors=None, status=200
):
    context = {
        # Sent back by "Importer": the import applies only if it still does what this shows.
        "preview": check.token if check is not None and check.ok else "",
        **_base_context(request, installation, "import"),
        "form": form or ImportUploadForm(),
        "columns": imports.template_columns(installation.app),
        "stored": stored,
        "check": check,
        "file_errors": file_errors or [],
        "max_rows": imports.MAX_DATA_ROWS,
    }
    return render(request, "assignments/installation_import.html", context, status=status)


@firm_member_required
def import_upload(request, pk):
    """Tab "Importer": the template, then upload a file to see its preview."""
    installation = _installation(request, pk)
    if request.method != "POST" or not is_assignable(installation.app):
        return _import_page(request, installation)
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, installation, form=form, status=422)
    try:
        data, filename = services.read_upload(form.cleaned_data["file"])
        # Read only (a file that cannot be read is refused here); the preview checks the rows.
        services.read_file(installation=installation, data=data, filename=filename)
    except ServiceError as error:
        return _import_page(
            request,
            installation,
            form=form,
            file_errors=error.details or [{"message": str(error.message)}],
            status=error.status,
        )
    stored = services.assignment_import_store(
        actor=request.user, installation=installation, data=data, filename=filename
    )
    return redirect("assignments:import_preview", pk=installation.pk, import_id=stored.pk)


def _check_stored(installation, stored):
    """The stored file checked (parsed once), or its file-level errors."""
    try:
        return services.check_file(
            installation=installation, data=bytes(stored.content), filename=stored.filename
        ), []
    except ServiceError as error:
        return None, [imports.RowError(**detail) for detail in error.details]


@firm_member_required
def import_preview(request, pk, import_id):
    """What the file would change (created / updated / unchanged), or every error."""
    installation = _installation(request, pk)
    stored = selectors.import_get(firm=request.tenant.firm, installation=installation, pk=import_id)
    check, file_errors = (None, []) if stored.applied_at else _check_stored(installation, stored)
    status = 422 if file_errors or (check is not None and not check.ok) else 200
    return _import_page(
        request, installation, stored=stored, check=check, file_errors=file_errors, status=status
    )


@firm_member_required
@require_POST
def import_apply(request, pk, import_id):
    """ "Importer": all rows or none, in one transaction."""
    installation = _installation(request, pk)
    stored = selectors.import_get(firm=request.tenant.firm, installation=installation, pk=import_id)
    if stored.applied_at:
        messages.info(request, _("This file was already imported."))
        return redirect("assignments:installation", pk=installation.pk)
    try:
        summary = services.assignment_import_apply(
            actor=request.user,
            installation=installation,
            data=bytes(stored.content),
            filename=stored.filename,
            stored=stored,
            expected_preview=request.POST.get("preview") or None,
        )
    except services.ImportAlreadyApplied:
        messages.info(request, _("This file was already imported."))
        return redirect("assignments:installation", pk=installation.pk)
    except ServiceError as error:
        messages.error(request, str(error.message))
        return redirect("assignments:import_preview", pk=installation.pk, import_id=stored.pk)
    messages.success(
        request,
        _("Import done: %(created)s, %(others)s.")
        % {
            "created": ngettext(
                "%(count)d client added", "%(count)d clients added", summary.created
            )
            % {"count": summary.created},
            "others": updated_unchanged(summary.updated, summary.unchanged),
        },
    )
    return redirect("assignments:installation", pk=installation.pk)


@firm_member_required
def import_errors(request, pk, import_id):
    """The error report (CSV for Excel, formulas neutralised)."""
    installation = _installation(request, pk)
    stored = selectors.import_get(firm=request.tenant.firm, installation=installation, pk=import_id)
    check, file_errors = _check_stored(installation, stored)
    errors = file_errors or (check.errors if check is not None else [])
    response = HttpResponse(
        imports.error_report_csv(errors), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="erreurs-import-{stored.pk}.csv"'
    return response


@firm_member_required
def import_template(request, pk):
    """ "Télécharger le modèle"."""
    installation = _installation(request, pk)
    if not is_assignable(installation.app):
        return _import_page(request, installation, status=422)
    response = HttpResponse(
        imports.template_csv(installation.app), content_type="text/csv; charset=utf-8"
    )
    filename = imports.template_filename(installation.app)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- "Personnaliser le portail client" ----------------------------------------------------------


@firm_member_required
def portal(request, pk):
    """Users of the chosen roles, in the chosen client companies, see the app."""
    from comptoir.companies.selectors import company_list

    installation = _installation(request, pk)
    firm = request.tenant.firm
    q = request.GET.get("q", "").strip()[:100]
    shown = company_list(firm=firm, q=q)[:CANDIDATES_SHOWN]
    # The last choice made for this app stays on the page after "Affecter" (in the session).
    kept = f"assignments.portal.{installation.pk}"
    form = RoleGrantForm(
        _posted(request),
        initial=request.session.get(kept),
        firm=firm,
        choices_queryset=shown,
    )
    if request.method == "POST" and form.submit(
        services.role_grant_create, actor=request.user, installation=installation
    ):
        request.session[kept] = form.choice()
        result = form.result
        messages.success(
            request,
            _("Assigned: %(users)s in %(companies)s (%(assigned)s).")
            % {
                "users": ngettext(
                    "%(count)d user now sees the application",
                    "%(count)d users now see the application",
                    result.users_granted,
                )
                % {"count": result.users_granted},
                "companies": ngettext(
                    "%(count)d client company",
                    "%(count)d client companies",
                    result.companies,
                )
                % {"count": result.companies},
                "assigned": ngettext(
                    "%(count)d of which just got it",
                    "%(count)d of which just got it",
                    result.assigned,
                )
                % {"count": result.assigned},
            },
        )
        return redirect("assignments:portal", pk=installation.pk)
    context = {
        **_base_context(request, installation, "portal"),
        "form": form,
        "q": q,
        "grants": selectors.role_grant_list(firm=firm, installation=installation)[:50],
    }
    return render(request, "assignments/installation_portal.html", context, status=form.status)


@firm_member_required
@require_POST
def portal_grant_stop(request, pk, grant_id):
    installation = _installation(request, pk)
    grant = selectors.role_grant_get(
        firm=request.tenant.firm, installation=installation, pk=grant_id
    )
    services.role_grant_stop(actor=request.user, grant=grant)
    messages.success(request, _("Users who join from now on will not get it by this rule."))
    return redirect("assignments:portal", pk=installation.pk)
