"""Send-history pages: the firm-wide list ("Envois"), "Renvoyer", a version's live history."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from comptoir.core.errors import ServiceError
from comptoir.core.forms import DateInput
from comptoir.core.navigation import safe_next
from comptoir.core.sorting import sort_from_request
from comptoir.deliveries import selectors, services
from comptoir.deliveries.history import history_context
from comptoir.deliveries.models import DeliveryStatus
from comptoir.documents import selectors as document_selectors
from comptoir.tenancy.permissions import firm_member_required, tenant_required

DELIVERIES_PER_PAGE = 50


class DeliveryFilterForm(forms.Form):
    app = forms.ChoiceField(label=gettext_lazy("Application"), required=False)
    company = forms.CharField(label=gettext_lazy("Client company"), required=False, max_length=200)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    until = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())

    def __init__(self, data=None, *, apps=()):
        super().__init__(data, label_suffix="")
        self.fields["app"].choices = [("", _("All applications")), *apps]
        self.fields["status"].choices = [("", _("All statuses")), *DeliveryStatus.choices]

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "app_slug": data.get("app") or None,
            "company_name": data.get("company") or None,
            "status": data.get("status") or None,
            "since": data.get("since"),
            "until": data.get("until"),
        }


@firm_member_required
def index(request):
    """Firm settings-free page: every delivery of the firm, newest first, filtered."""
    context = request.tenant
    form = DeliveryFilterForm(request.GET or None, apps=selectors.app_choices(context=context))
    sort = sort_from_request(request, selectors.DELIVERY_SORTS, selectors.DELIVERY_DEFAULT_SORT)
    deliveries = selectors.delivery_list(context=context, order_by=sort.order_by, **form.filters())
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_attempts(page.object_list)
    return render(
        request,
        "deliveries/index.html",
        {"form": form, "page": page, "sort": sort, "next_url": request.get_full_path()},
    )


@require_POST
@firm_member_required
def resend(request, pk):
    """ "Renvoyer": a new delivery of the same version to the same destination (audited)."""
    delivery = selectors.delivery_get(context=request.tenant, pk=pk)
    try:
        services.delivery_resend(actor=request.user, delivery=delivery)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("“%(document)s” will be sent again to “%(app)s”.")
            % {"document": delivery.version.document.title, "app": delivery.app_name},
        )
    return redirect(safe_next(request, reverse("deliveries:index")))


@tenant_required
def version_history(request, pk, number):
    """The send history of one version (the partial the document page refreshes itself)."""
    tenant = request.tenant
    document = document_selectors.document_for_context(context=tenant, pk=pk)
    version = document_selectors.version_get(document=document, number=number)
    history = history_context(
        version=version,
        deliveries=list(selectors.version_deliveries(version=version)),
        tenant=tenant,
        next_url=reverse("documents:detail", args=[document.pk]) + f"#version-{version.number}",
    )
    return render(request, "deliveries/partials/version_history.html", {"history": history})
