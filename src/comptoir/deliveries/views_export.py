"""The send history's export: the deliveries the page lists (same filters), as CSV or XLSX."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from comptoir.core.exports import Column, export_response
from comptoir.core.sorting import sort_from_request
from comptoir.deliveries import selectors
from comptoir.deliveries.models import DeliveryStatus
from comptoir.deliveries.views import DeliveryFilterForm
from comptoir.tenancy.permissions import firm_member_required


def _status(delivery) -> str:
    return str(DeliveryStatus(delivery.status).label) if delivery.status else ""


COLUMNS = [
    Column(_("Created"), lambda d: d.created_at),
    Column(_("Document"), lambda d: d.version.document.title),
    Column(_("Version"), lambda d: d.version.number),
    Column(_("Folder"), lambda d: d.folder_label),
    Column(_("Client company"), lambda d: d.company_name),
    Column(_("Application"), lambda d: d.app_name),
    Column(_("Destination"), lambda d: d.destination_label),
    Column(_("Status"), _status),
    Column(_("Sent at"), lambda d: d.sent_at),
    Column(_("Attempts"), lambda d: d.attempt_count),
    Column(_("Last error"), lambda d: d.last_error if d.status != DeliveryStatus.SENT else ""),
    Column(_("Partner's reference"), lambda d: d.remote_id),
]


@firm_member_required
def export(request):
    """``?format=csv|xlsx`` plus the page's filters (application, company, status, dates)."""
    context = request.tenant
    form = DeliveryFilterForm(request.GET or None, apps=selectors.app_choices(context=context))
    sort = sort_from_request(request, selectors.DELIVERY_SORTS, selectors.DELIVERY_DEFAULT_SORT)
    deliveries = selectors.delivery_list(context=context, order_by=sort.order_by, **form.filters())
    return export_response(
        request,
        back=reverse("deliveries:index"),
        filename="envois",
        sheet=str(_("Send history")),
        columns=COLUMNS,
        rows=deliveries.iterator(chunk_size=2000),
        count=deliveries.count,
    )
