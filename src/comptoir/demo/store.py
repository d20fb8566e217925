"""The Store part of ``comptoir seed-demo``: a few apps in each demo firm's space.

Idempotent like the rest of the seed: an app already in a firm's space is left alone, and the
firm's custom app is created once (found again by its name). Needs the catalogue
(``comptoir load-catalog``, which ``make demo`` runs first); without it, only the custom apps.
Settings go through the same schema validation as the forms, so secrets are encrypted and
addresses pass the outbound guard; the apps that send to the demo's local sinks take their
settings from ``comptoir.demo.deliveries.firm_wiring()``.
"""

from django.db.models import Max

from comptoir.demo.deliveries import firm_wiring
from comptoir.store.models import App, AppType, Audience, Category, Installation
from comptoir.store.schema import FIRM
from comptoir.store.settings_validation import validate_settings

# Firm-level settings of apps that send to the demo's local sinks (the HTTP receiver, the SFTP
# server): they come from comptoir.demo.deliveries.firm_wiring(), which knows their addresses.
WIRED: dict = {}

# Per firm slug: (app slug, firm-level settings). Unknown firms get the first list.
DEMO_INSTALLATIONS: dict[str, list[tuple[str, dict]]] = {
    "cabinet-durand": [
        ("saisix", {}),
        ("automatiser-saisix", {}),
        ("gestivo", {}),
        ("automatiser-gestivo-achats", {}),
        ("comptanova", {}),
        (
            "automatiser-comptanova",
            {"bot_sender": "comptanova+cabinetdurand@envoi.comptoir.example"},
        ),
        ("planeo-cabinet", {}),
        ("rendez-vous-express", {}),
        ("paielib", {}),
        ("automatiser-horizon-releves", WIRED),
    ],
    "fiducia-conseil": [
        ("factolib", {}),
        ("automatiser-factolib", {}),
        ("iscribe", {}),
        ("iscribe-achats", WIRED),
        ("relancia", {}),
        ("depensio", {}),
        ("previsio", {}),
        ("archivea", {}),
    ],
}

CUSTOM_APP = {
    "name": "Prendre rendez-vous avec le cabinet",
    "description": "Réservez un créneau avec votre expert-comptable.",
    "audience": Audience.BOTH,
}


def _custom_app(firm) -> App:
    app = App.objects.filter(owner_firm=firm, name=CUSTOM_APP["name"]).first()
    if app is not None:
        return app
    return App.objects.create(
        slug=f"perso-{firm.pk}-prendre-rendez-vous",
        name=CUSTOM_APP["name"],
        publisher=firm.name,
        category=Category.objects.filter(slug="autres").first(),
        short_description=CUSTOM_APP["description"],
        long_description=CUSTOM_APP["description"],
        type=AppType.REDIRECT,
        audience=CUSTOM_APP["audience"],
        launch_url=f"https://rdv-express.example/{firm.slug}",
        owner_firm=firm,
        custom_options={"assign_to_all_companies": False, "roles": []},
    )


def _wired(wiring: dict, firm_slug: str, app_slug: str) -> dict:
    """The firm's wiring of the app, or another demo firm's (for a firm the seed does not know)."""
    if app_slug in wiring.get(firm_slug, {}):
        return wiring[firm_slug][app_slug]
    return next((apps[app_slug] for apps in wiring.values() if app_slug in apps), {})


def seed_store(firms: dict, *, installed_by=None) -> dict[str, int]:
    """Install the demo apps in each firm (by slug); returns how many were added per firm."""
    catalogue = {
        app.slug: app
        for app in App.objects.filter(
            owner_firm__isnull=True,
            slug__in={slug for apps in DEMO_INSTALLATIONS.values() for slug, _ in apps},
        )
    }

    wiring = firm_wiring()
    added: dict[str, int] = {}
    for slug, firm in firms.items():
        wanted = DEMO_INSTALLATIONS.get(slug, next(iter(DEMO_INSTALLATIONS.values())))
        wanted = [
            (app_slug, _wired(wiring, slug, app_slug) if values is WIRED else values)
            for app_slug, values in wanted
        ]
        present = set(Installation.objects.filter(firm=firm).values_list("app_id", flat=True))
        top = Installation.objects.filter(firm=firm).aggregate(top=Max("position"))["top"]
        position = -1 if top is None else top
        new = []
        apps = [(catalogue[s], settings) for s, settings in wanted if s in catalogue]
        apps.append((_custom_app(firm), {}))
        for app, settings in apps:
            if app.pk in present:
                continue
            position += 1
            new.append(
                Installation(
                    firm=firm,
                    app=app,
                    settings=validate_settings(app, FIRM, settings),
                    position=position,
                    installed_by=installed_by.get(slug) if installed_by else None,
                )
            )
        Installation.objects.bulk_create(new)
        added[slug] = len(new)
    return added
