"""The Store page and the firm home page, against the size of the catalogue.

Size = catalogue apps; a third of them are in the firm's space (300 apps → 100 installations),
half of those redirect apps for the firm (tiles on the home page). Another firm's space and
custom apps are there too, so that the firm filter has something to filter.
"""

from django.db import connection

from bench.generate import generate_firm
from bench.pages import PageScenario
from bench.registry import ScenarioError, register

SIZES = (100, 300, 1_000)
SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>'


def build_store(size: int):
    """A fresh catalogue of ``size`` apps and two firms' spaces; returns (firm, admin, apps)."""
    from comptoir.store.models import App, Category, Installation

    Installation.objects.all().delete()
    App.objects.all().delete()
    Category.objects.all().delete()
    categories = Category.objects.bulk_create(
        [
            Category(slug=f"cat-{i}", name_fr=f"Catégorie {i}", name_en=f"Category {i}", order=i)
            for i in range(9)
        ]
    )
    generated = generate_firm(companies=20, users=5, label="store")
    other = generate_firm(companies=5, users=2, label="other")
    apps = App.objects.bulk_create(
        [
            App(
                slug=f"bench-app-{i}",
                name=f"Application {i:05d}",
                publisher=f"Éditeur {i % 40}",
                category=categories[i % len(categories)],
                short_description="Une application de démonstration pour le banc d'essai.",
                long_description="Description longue. " * 40,
                business_model="Abonnement mensuel par dossier.",
                type="redirect" if i % 2 == 0 else "automation",
                audience=("firm", "both", "company")[i % 3],
                launch_url=f"https://app{i}.bench.example/" if i % 2 == 0 else "",
                transport="" if i % 2 == 0 else "email",
                accepted_folders=[] if i % 2 == 0 else ["achats"],
                settings_schema=[]
                if i % 2 == 0
                else [
                    {
                        "key": "email_achats",
                        "label_fr": "Adresse Achats",
                        "label_en": "Purchases address",
                        "kind": "email",
                        "level": "company",
                        "folder": "achats",
                        "required": True,
                    }
                ],
                logo_svg=SVG,
                logo_version=f"v{i}",
            )
            for i in range(size)
        ],
        batch_size=1000,
    )
    App.objects.bulk_create(
        [
            App(
                slug=f"bench-custom-{i}",
                name=f"Lien {i}",
                type="redirect",
                audience="both",
                launch_url="https://lien.bench.example/",
                owner_firm=other.firm,
            )
            for i in range(20)
        ]
    )
    installed = apps[: size // 3]
    Installation.objects.bulk_create(
        [Installation(firm=generated.firm, app=app, position=i) for i, app in enumerate(installed)]
    )
    Installation.objects.bulk_create(
        [Installation(firm=other.firm, app=app, position=i) for i, app in enumerate(apps[-50:])]
    )
    return generated, installed


class _StoreScenario(PageScenario):
    sizes = SIZES
    url_name = ""

    def setup(self, size: int) -> None:
        self.use_built(build_store(size))

    def use_built(self, built) -> None:
        """Take the data of ``build_store`` (one catalogue serves the Store and the home)."""
        self.built = built
        generated, installed = built
        self.use_url(self.url_name)
        self.firm_id = generated.firm.pk
        self.installed = installed
        self.expected = [
            app.name for app in installed if app.type == "redirect" and app.audience != "company"
        ][-1]
        self.log_in(generated.admin)

    def share_store(self, other: "_StoreScenario") -> None:
        """Use another store scenario's catalogue and firm instead of building one."""
        self.use_built(other.built)
        self.served_size = getattr(other, "served_size", None)

    def check(self, content: bytes) -> None:
        if self.expected.encode() not in content:
            raise ScenarioError(f"{self.url} does not show {self.expected!r}")


@register
class StorePage(_StoreScenario):
    name = "store_page"
    description = (
        "Store page (store:index) as a firm admin: selectors (categories, counts, the first "
        "page of cards) vs raw SQL"
    )
    url_name = "store:index"

    def use_built(self, built) -> None:
        super().use_built(built)
        # The Store page is paged, the firm's space first: its first app is on the first page.
        self.expected = min(self.installed, key=lambda app: app.pk).name

    def selector(self) -> None:
        """What the view reads: the categories, both counts, the first page of cards."""
        from django.core.paginator import Paginator

        from comptoir.store.selectors import StoreCards, category_list
        from comptoir.store.views import CARDS_PER_PAGE

        list(category_list())
        cards = StoreCards(firm=self.context.firm, with_unused=True)
        page = Paginator(cards, CARDS_PER_PAGE).get_page(None)
        if len(page.object_list) != min(CARDS_PER_PAGE, cards.count()):
            raise ScenarioError("the Store's first page is not full")
        cards.space_count, cards.unused_count  # noqa: B018 (as the view reads them)

    def baseline(self) -> None:
        """The same reads: categories, both counts in one aggregate, one page of cards (the
        apps left-joined to the firm's installation, the space first in tile order)."""
        from comptoir.store.views import CARDS_PER_PAGE

        visible = (
            " FROM store_app a"
            " LEFT JOIN store_installation i ON i.app_id = a.id AND i.firm_id = %s"
            " LEFT JOIN store_category c ON c.id = a.category_id"
            " WHERE (a.owner_firm_id IS NULL OR a.owner_firm_id = %s)"
            " AND (i.id IS NOT NULL OR a.is_active)"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT id, slug, name_fr, name_en, "order" FROM store_category'
                ' ORDER BY "order", slug'
            )
            cursor.fetchall()
            cursor.execute(
                f"SELECT COUNT(i.id), COUNT(*) - COUNT(i.id){visible}",
                [self.firm_id, self.firm_id],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT a.id, i.id, a.slug, a.name, a.publisher, a.short_description, a.type,"
                " a.audience, a.logo_version, a.is_active, a.owner_firm_id, a.settings_schema,"
                f" c.name_fr, c.name_en{visible}"
                " ORDER BY i.position IS NULL, i.position, i.id IS NULL, i.id,"
                ' c."order" IS NOT NULL, c."order", a.name, a.id LIMIT %s',
                [self.firm_id, self.firm_id, CARDS_PER_PAGE],
            )
            cursor.fetchall()


@register
class FirmHome(_StoreScenario):
    name = "firm_home"
    description = "firm home (portal:firm_home) with its app tiles, as a firm admin"
    url_name = "portal:firm_home"

    def selector(self) -> None:
        from comptoir.portal.tiles import firm_home_tiles

        if not firm_home_tiles(context=self.context):
            raise ScenarioError("no tile on the firm home")

    def baseline(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.id, a.id, a.name, a.logo_version FROM store_installation i"
                " JOIN store_app a ON a.id = i.app_id"
                " WHERE i.firm_id = %s AND a.type = 'redirect' AND a.audience IN ('firm', 'both')"
                " ORDER BY i.position, i.id",
                [self.firm_id],
            )
            cursor.fetchall()
