"""The Store pages (firm settings ⚙ → Applications), the tile launcher and the logos."""

from types import SimpleNamespace

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.core.errors import ServiceError
from comptoir.core.navigation import UrlPattern, safe_next
from comptoir.documents.folders import folder_label
from comptoir.store import selectors, services
from comptoir.store.forms import CustomAppEditForm, CustomAppForm, SettingsForm, StoreFilterForm
from comptoir.store.models import AppType, Audience
from comptoir.store.permissions import is_store_management_allowed
from comptoir.store.schema import firm_fields, schema_fields
from comptoir.tenancy.permissions import (
    firm_admin_required,
    firm_member_required,
    require_firm_admin_context,
)

RESULTS_TARGET = "store-results"


def _posted(request):
    return request.POST if request.method == "POST" else None


def _files(request):
    return request.FILES if request.method == "POST" else None


# Cards per page, the space's first then the unused apps: ~1.5 KiB of HTML each.
CARDS_PER_PAGE = 48


class _CardMaker:
    """Turns the selectors' card values into what the card markup prints.

    Per page, not per card: the URL patterns are reversed once (``UrlPattern``) and the
    translated strings resolved once; a card is then string formatting only.
    """

    def __init__(self, *, can_manage: bool) -> None:
        self.can_manage = can_manage
        self.detail = UrlPattern("store:app_detail")
        self.install = UrlPattern("store:install")
        self.edit = UrlPattern("store:installation_edit")
        self.remove = UrlPattern("store:installation_remove")
        self.move = UrlPattern("store:tile_move")
        self.clients = UrlPattern("assignments:installation")
        self.logo = UrlPattern("portal:logo", 2)
        self.types = {value: str(label) for value, label in AppType.choices}
        # Spelled out after "Visible par :" (plural: the companies, not one of them).
        self.audiences = {
            Audience.FIRM: pgettext("visible to", "Firm"),
            Audience.COMPANY: pgettext("visible to", "Companies"),
            Audience.BOTH: pgettext("visible to", "Firm and companies"),
        }
        self.french = (get_language() or "fr").startswith("fr")
        self.labels = {
            "learn_more": _("Learn more about %(name)s"),
            "edit": _("Edit %(name)s"),
            "remove": _("Remove %(name)s"),
            "up": _("Move the %(name)s tile up"),
            "down": _("Move the %(name)s tile down"),
            "add": _("Add %(name)s"),
            # The visible word ("Clients") starts the name read aloud (WCAG 2.5.3).
            "clients": _("Clients of the %(name)s app"),
        }

    def card(self, row: dict, *, installed: bool) -> dict:
        name = row["name"]
        named = {"name": name}
        labels = self.labels
        installation = row["installation"] if installed else None
        category = row["category__name_fr"] if self.french else row["category__name_en"]
        version = row["logo_version"]
        needs_settings = bool(firm_fields_of(row))
        card = {
            "slug": row["slug"],
            "dom_id": f"app-{row['id']}-{installation or 'new'}",
            "name": name,
            "publisher": row["publisher"],
            "text": row["short_description"],
            "logo_url": self.logo.format(row["id"], version) if version else None,
            "initials": selectors.initials(name),
            "category": category,
            "category_order": row["category__order"],
            "type": row["type"],
            "type_label": self.types.get(row["type"], row["type"]),
            "audience_label": self.audiences.get(row["audience"], row["audience"]),
            "is_custom": row["owner_firm_id"] is not None,
            "inactive": not row["is_active"],
            "detail_url": self.detail.format(row["slug"]),
            "learn_more_label": labels["learn_more"] % named,
            # Every key the markup reads, even empty: a missing key costs the template engine
            # a failed lookup (two exceptions and a dir()) per card.
            **_NO_ACTIONS,
        }
        if installed and (row["type"] == AppType.AUTOMATION or row["audience"] != Audience.FIRM):
            card["clients_url"] = self.clients.format(installation)
            card["clients_label"] = labels["clients"] % named
        if not self.can_manage:
            return card
        if installed:
            if card["is_custom"] or needs_settings:
                card["edit_url"] = self.edit.format(installation)
                card["edit_label"] = labels["edit"] % named
            card["remove_url"] = self.remove.format(installation)
            card["remove_label"] = labels["remove"] % named
            if row["type"] == AppType.REDIRECT:
                card["move_url"] = self.move.format(installation)
                card["up_label"] = labels["up"] % named
                card["down_label"] = labels["down"] % named
        else:
            card["install_url"] = self.install.format(row["slug"])
            card["install_form"] = not needs_settings
            card["add_label"] = labels["add"] % named
        return card


# The card's optional actions (set below when they apply).
_NO_ACTIONS = dict.fromkeys(
    ("clients_url", "edit_url", "remove_url", "move_url", "install_url", "install_form")
)


# ``?vue=cartes``: the cards; anything else (or nothing) the compact list, grouped by category.
CARDS_VIEW = "cartes"


def by_category(cards: list[dict]) -> list[dict]:
    """The page's cards under their category headings, in the categories' order (apps without
    a category first, as the selector pages them); within a category the page's own order (the
    tile order for the space's apps)."""
    groups: dict = {}
    for card in sorted(
        cards, key=lambda c: (c["category_order"] is not None, c["category_order"] or 0)
    ):
        groups.setdefault((card["category_order"], card["category"]), []).append(card)
    return [{"name": name, "apps": apps} for (_order, name), apps in groups.items()]


def firm_fields_of(row: dict):
    """The firm-level settings of an app's schema, from card values (``schema.firm_fields``)."""
    return firm_fields(SimpleNamespace(slug=row["slug"], settings_schema=row["settings_schema"]))


@firm_member_required
def index(request):
    """“Les applications de mon espace” ✅ and, for admins, “Les applications non utilisées” ❌.

    Paged, the space's apps first: the page stays small whatever the size of the catalogue."""
    context = request.tenant
    categories = list(selectors.category_list())
    filter_form = StoreFilterForm(request.GET or None, categories=categories)
    filters = filter_form.filters()
    is_admin = is_store_management_allowed(context)
    cards = selectors.StoreCards(firm=context.firm, with_unused=is_admin, **filters)
    paged = Paginator(cards, CARDS_PER_PAGE).get_page(request.GET.get("page"))
    maker = _CardMaker(can_manage=is_admin)
    installations, unused = [], []
    for row in paged.object_list:
        installed = row["installation"] is not None
        (installations if installed else unused).append(maker.card(row, installed=installed))
    cards_view = request.GET.get("vue") == CARDS_VIEW
    page = {
        "cards_view": cards_view,
        "space_groups": None if cards_view else by_category(installations),
        "unused_groups": None if cards_view or not is_admin else by_category(unused),
        "has_tiles": any(card["move_url"] for card in installations),
        "filter_form": filter_form,
        "filtered": any(filters.values()),
        "installations": installations,
        "space_count": cards.space_count,
        "unused": unused if is_admin else None,
        "unused_count": cards.unused_count,
        "page": paged,
        "can_manage": is_admin,
        "next_path": request.get_full_path(),
    }
    if request.htmx and request.htmx.target == RESULTS_TARGET:
        return render(request, "store/partials/results.html", page)
    return render(request, "store/index.html", page)


@firm_member_required
def app_detail(request, slug):
    """“En savoir plus”: the description and the business model."""
    app = selectors.app_get(context=request.tenant, slug=slug)
    return render(
        request,
        "store/app_detail.html",
        {
            "app": app,
            "can_manage": is_store_management_allowed(request.tenant),
            "settings_fields": schema_fields(app),
            "folder_labels": [folder_label(key) for key in app.accepted_folders or []],
        },
    )


@firm_member_required
def install(request, slug):
    """The add button: add the app, asking for its firm-level settings when it has some."""
    context = request.tenant
    app = selectors.app_get(context=context, slug=slug)
    require_firm_admin_context(request)
    if app.installation_id is not None:
        messages.info(request, _("“%(app)s” is already in your space.") % {"app": app.name})
        return redirect("store:index")
    form = SettingsForm(_posted(request), app=app)
    if request.method == "POST" and form.submit(
        services.installation_add, actor=request.user, firm=context.firm, app=app
    ):
        messages.success(
            request, _("“%(app)s” is now in your space's applications.") % {"app": app.name}
        )
        return redirect("store:index")
    return render(request, "store/install.html", {"app": app, "form": form}, status=form.status)


@firm_member_required
def installation_edit(request, pk):
    """Edit the firm-level settings, or a custom app's name, address, logo."""
    installation = selectors.installation_get(firm=request.tenant.firm, pk=pk)
    require_firm_admin_context(request)
    app = installation.app
    if app.is_custom:
        form = CustomAppEditForm(
            _posted(request),
            _files(request),
            initial={
                "name": app.name,
                "url": app.launch_url,
                "description": app.long_description,
                "audience": app.audience,
            },
        )
        service = services.custom_app_update
    else:
        form = SettingsForm(_posted(request), app=app, stored=installation.settings)
        service = services.installation_update_settings
    if request.method == "POST" and form.submit(
        service, actor=request.user, installation=installation
    ):
        messages.success(request, _("The changes to “%(app)s” are saved.") % {"app": app.name})
        return redirect("store:index")
    return render(
        request,
        "store/installation_edit.html",
        {"installation": installation, "app": app, "form": form},
        status=form.status,
    )


@firm_member_required
def installation_remove(request, pk):
    """Remove an app, after a warning that says what goes with it."""
    installation = selectors.installation_get(firm=request.tenant.firm, pk=pk)
    require_firm_admin_context(request)
    if request.method == "POST":
        name = installation.app.name
        try:
            services.installation_remove(actor=request.user, installation=installation)
        except ServiceError as error:
            messages.error(request, str(error.message))
            return redirect("store:installation_remove", pk=pk)
        messages.success(
            request,
            _("“%(app)s” was removed for the firm and all its clients.") % {"app": name},
        )
        return redirect("store:index")
    impact = selectors.removal_impact(firm=request.tenant.firm, installation=installation)
    return render(
        request,
        "store/installation_remove.html",
        {"installation": installation, "app": installation.app, "impact": impact},
    )


@firm_admin_required
def custom_app_create(request):
    """“Ajouter une application”: a redirect app of the firm's own."""
    form = CustomAppForm(_posted(request), _files(request))
    if request.method == "POST" and form.submit(
        services.custom_app_create, actor=request.user, firm=request.tenant.firm
    ):
        messages.success(
            request, _("“%(app)s” was added to your space.") % {"app": form.result.app.name}
        )
        return redirect("store:index")
    return render(request, "store/custom_app_form.html", {"form": form}, status=form.status)


@require_POST
@firm_member_required
def tile_move(request, pk):
    """Move a tile one place up or down (the firm's home page shows tiles in this order)."""
    installation = selectors.installation_get(firm=request.tenant.firm, pk=pk)
    require_firm_admin_context(request)
    offset = -1 if request.POST.get("direction") == "up" else 1
    try:
        services.tile_move(actor=request.user, installation=installation, offset=offset)
    except ServiceError as error:
        messages.error(request, str(error.message))
    return redirect(safe_next(request, reverse("store:index")))
