"""The firm's audit log page (firm settings ⚙ → Journal), for firm admins."""

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from comptoir.audit.selectors import audit_action_list, audit_event_list
from comptoir.core.forms import DateInput
from comptoir.tenancy.permissions import firm_admin_required

EVENTS_PER_PAGE = 50


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Who (e-mail)"), required=False, max_length=254)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, data=None, *, actions=()):
        super().__init__(data)
        self.fields["action"].choices = [("", _("All actions"))] + [(a, a) for a in actions]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


@firm_admin_required
def index(request):
    firm = request.tenant.firm
    form = AuditFilterForm(request.GET or None, actions=audit_action_list(firm=firm))
    events = audit_event_list(firm=firm, **form.filters())
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "audit/index.html", {"form": form, "page": page})
