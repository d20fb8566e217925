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
        self.use_url(self.url_name)
        generated, installed = build_store(size)
        self.firm_id = generated.firm.pk
        self.expected = [
            app.name for app in installed if app.type == "redirect" and app.audience != "company"
        ][-1]
        self.log_in(generated.admin)

    def run(self) -> None:
        response = self.get()
        if self.expected.encode() not in response.content:
            raise ScenarioError(f"{self.url} does not show {self.expected!r}")


@register
class StorePage(_StoreScenario):
    name = "store_page"
    description = "GET /cabinet/parametres/applications/ (store:index) as a firm admin"
    url_name = "store:index"

    def setup(self, size: int) -> None:
        super().setup(size)
        from comptoir.store.models import Installation

        # The Store page is paged, the firm's space first: its first app is on the first page.
        first = Installation.objects.filter(firm_id=self.firm_id).order_by("position", "id")
        self.expected = first.select_related("app").first().app.name

    def baseline(self) -> None:
        """Categories, the firm's space with its apps, the unused active apps."""
        app_columns = (
            "a.id, a.slug, a.name, a.publisher, a.short_description, a.type, a.audience,"
            " a.logo_version, a.is_active, a.owner_firm_id, a.settings_schema,"
            " c.slug, c.name_fr, c.name_en"
        )
        with connection.cursor() as cursor:
            self.read_firm_context(cursor)
            cursor.execute('SELECT id, slug, name_fr, name_en FROM store_category ORDER BY "order"')
            cursor.fetchall()
            cursor.execute(
                f"SELECT i.id, i.position, {app_columns} FROM store_installation i"
                " JOIN store_app a ON a.id = i.app_id"
                " LEFT JOIN store_category c ON c.id = a.category_id"
                " WHERE i.firm_id = %s ORDER BY i.position, i.id",
                [self.firm_id],
            )
            cursor.fetchall()
            cursor.execute(
                f"SELECT {app_columns} FROM store_app a"
                " LEFT JOIN store_category c ON c.id = a.category_id"
                " WHERE a.is_active AND (a.owner_firm_id IS NULL OR a.owner_firm_id = %s)"
                " AND NOT EXISTS (SELECT 1 FROM store_installation i"
                " WHERE i.app_id = a.id AND i.firm_id = %s)"
                ' ORDER BY c."order", a.name, a.id',
                [self.firm_id, self.firm_id],
            )
            cursor.fetchall()


@register
class FirmHome(_StoreScenario):
    name = "firm_home"
    description = "GET /cabinet/ (core:firm_home) with its app tiles, as a firm admin"
    url_name = "core:firm_home"

    def baseline(self) -> None:
        with connection.cursor() as cursor:
            self.read_firm_context(cursor)
            cursor.execute(
                "SELECT i.id, a.id, a.name, a.logo_version FROM store_installation i"
                " JOIN store_app a ON a.id = i.app_id"
                " WHERE i.firm_id = %s AND a.type = 'redirect' AND a.audience IN ('firm', 'both')"
                " ORDER BY i.position, i.id",
                [self.firm_id],
            )
            cursor.fetchall()
