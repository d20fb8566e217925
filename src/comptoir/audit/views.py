"""The firm's audit log page (firm settings ⚙ → Journal), for firm admins, and its export."""

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from comptoir.audit import journal
from comptoir.audit.selectors import (
    AUDIT_DEFAULT_SORT,
    AUDIT_SORTS,
    audit_action_list,
    audit_event_list,
)
from comptoir.core.exports import Column, export_response
from comptoir.core.forms import DateInput
from comptoir.core.sorting import sort_from_request
from comptoir.tenancy.permissions import firm_admin_required

EVENTS_PER_PAGE = 50


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Who (e-mail)"), required=False, max_length=254)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, data=None, *, actions=()):
        super().__init__(data, label_suffix="")
        self.fields["action"].choices = [("", _("All actions")), *journal.action_choices(actions)]

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


def _filtered(request):
    firm = request.tenant.firm
    form = AuditFilterForm(request.GET or None, actions=audit_action_list(firm=firm))
    sort = sort_from_request(request, AUDIT_SORTS, AUDIT_DEFAULT_SORT)
    return form, sort, audit_event_list(firm=firm, order_by=sort.order_by, **form.filters())


@firm_admin_required
def index(request):
    form, sort, events = _filtered(request)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.label = journal.action_label(event.action)
        event.lines = journal.detail_lines(event.details)
    return render(request, "audit/index.html", {"form": form, "page": page, "sort": sort})


EXPORT_COLUMNS = [
    Column(_("When"), lambda e: e.created_at),
    Column(_("Who"), lambda e: e.actor_email),
    Column(_("Action"), lambda e: journal.action_label(e.action)),
    Column(_("Target"), lambda e: e.target_repr),
    Column(_("Details"), lambda e: journal.details_text(e.details)),
    Column(_("IP address"), lambda e: e.ip_address),
    Column(_("Action code"), lambda e: e.action),
    Column(_("Details (JSON)"), lambda e: journal.details_json(e.details)),
]


@firm_admin_required
def export(request):
    """The filtered log as CSV (``?format=csv``) or XLSX (``?format=xlsx``), in the page's order."""
    _form, _sort, events = _filtered(request)
    return export_response(
        request,
        back=reverse("audit:index"),
        filename="journal",
        sheet=str(_("Audit log")),
        columns=EXPORT_COLUMNS,
        rows=events.iterator(chunk_size=2000),
        count=events.count,
    )
