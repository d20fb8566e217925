"""What the demo is made of: firms, client companies, logins. Deterministic, no I/O.

SIRETs are generated, not real: a bijection on the index gives distinct, random-looking
SIRENs, and Luhn check digits make them valid (the bench reuses ``make_siret``).
"""

from dataclasses import dataclass
from datetime import date

DEMO_PASSWORD = "comptoir-demo"  # noqa: S105 (printed for everyone to use)

# Firm roles and company roles, as stored (FirmRole / CompanyRole values).
FIRM_ADMIN, FIRM_COLLABORATOR = "admin", "collaborator"
COMPANY_ADMIN, COMPANY_COLLABORATOR, COMPANY_GUEST = "administrateur", "collaborateur", "invite"


def luhn_complete(digits: str) -> str:
    """``digits`` followed by the digit that makes the whole pass the Luhn check."""
    total = 0
    # Walking from the right, the digit to add will sit at position 0: double the even ones.
    for position, char in enumerate(reversed(digits), start=1):
        value = int(char) * (2 if position % 2 == 1 else 1)
        total += value - 9 if value > 9 else value
    return digits + str((10 - total % 10) % 10)


_SIREN_SPAN = 70_000_000  # SIRENs from 300 000 00x to 999 999 99x look like real ones
_SIREN_STEP = 2_718_283  # prime to the span: n -> n * step mod span is a bijection


def make_siret(n: int, establishment: int = 1) -> str:
    """A valid SIRET, distinct for every ``n`` below 70 million (and stable across runs)."""
    base = 30_000_000 + (n * _SIREN_STEP) % _SIREN_SPAN
    if base == 35_600_000:  # La Poste's SIREN follows another rule: step aside
        base += 1
    siren = luhn_complete(f"{base:08d}")
    return luhn_complete(f"{siren}{establishment:04d}")


@dataclass(frozen=True)
class FirmSpec:
    slug: str
    name: str
    brand_colour: str
    siret_offset: int  # keeps the SIRETs of the two firms apart
    companies: tuple[str, ...]


@dataclass(frozen=True)
class CompanySpec:
    name: str
    siret: str | None
    fiscal_year_start: date
    fiscal_year_end: date


@dataclass(frozen=True)
class LoginSpec:
    email: str
    full_name: str
    firm: str  # firm slug
    role: str
    company: str | None = None  # company name within the firm, for company roles


FIRMS = (
    FirmSpec(
        slug="cabinet-durand",
        name="Cabinet Durand & Associés",
        brand_colour="#0f766e",
        siret_offset=1_000,
        companies=(
            "Boulangerie Martin",
            "Garage des Tilleuls",
            "Pharmacie du Marché",
            "Menuiserie Roux & Fils",
            "Transports Girard",
            "Le Bistrot de Léon",
            "Cabinet dentaire Dr Moreau",
            "SARL Lemoine Bâtiment",
            "Fleurs de Provence",
            "Librairie La Plume",
            "Atelier Céramique Blanc",
            "Plomberie Chauffage Faure",
            "SAS Vignobles Mercier",
            "Coiffure Élégance",
            "Auto-école du Parc",
            "Électricité Bonnet",
            "Boucherie Charcuterie Perrin",
            "Agence Immobilière Laurent",
            "Ferme des Quatre Vents",
            "Opticien Vision Plus",
            "Traiteur Saveurs d'Antan",
            "Imprimerie Gauthier",
            "Cave à Vins Le Cellier",
            "Studio Photo Lumière",
            "Paysages Dumont",
            "SCI Les Acacias",
            "Crèche Les Petits Loups",
            "Institut de Beauté Iris",
            "Toiture Chevalier",
            "Fromagerie Morel",
            "Cycles Fournier",
            "EURL Conseil Lambert",
            "Salon de thé Camélia",
            "Ambulances Rousseau",
            "Serrurerie Vincent",
            "Épicerie fine Garnier",
        ),
    ),
    FirmSpec(
        slug="fiducia-conseil",
        name="Fiducia Conseil",
        brand_colour="#9d174d",
        siret_offset=5_000,
        companies=(
            "SCI Moreau Patrimoine",
            "Restaurant Le Grand Chêne",
            "Maçonnerie Lefèvre",
            "Pâtisserie Muller",
            "Cabinet Kinésithérapie Henry",
            "SAS Numérique Horizon",
            "Hôtel du Lac",
            "Garage Renard Automobiles",
            "Chocolaterie Masson",
            "Vétérinaires des Collines",
            "Architecte Sophie Caron",
            "Brasserie Artisanale Dupuis",
            "Peinture Déco Marchand",
            "Pressing Bleu Ciel",
            "Taxi Nicolas",
            "Jardinerie Les Glycines",
            "Poissonnerie Le Goff",
            "SARL Sécurité Blanchard",
            "Camping Les Pins",
            "Laboratoire Prothèse Roy",
            "Couverture Zinguerie Colin",
            "Association Sportive Vernon",
            "Boutique Mode Clémence",
            "Agence Web Pixel & Co",
            "Domaine Viticole Barbier",
            "Crêperie Ty Breizh",
            "Charpente Arnaud",
            "Cordonnerie Express",
            "Kiné Sport Picard",
            "Centre Équestre Les Écuries",
            "Nettoyage Pro Gérard",
            "Ostéopathe Julien Lacroix",
            "Quincaillerie Centrale",
            "Micro-crèche Les Lucioles",
        ),
    ),
)


def fiscal_year(start_month: int, today: date) -> tuple[date, date]:
    """The fiscal year starting on the 1st of ``start_month`` that contains ``today``."""
    year = today.year if today.month >= start_month else today.year - 1
    start = date(year, start_month, 1)
    if start_month == 1:
        return start, date(year, 12, 31)
    next_start = date(year + 1, start_month, 1)
    return start, date.fromordinal(next_start.toordinal() - 1)


def _start_month(index: int) -> int:
    """Most companies close on 31 December; some on 31 March, 30 June or 30 September."""
    if index % 6 == 3:
        return 4
    if index % 9 == 5:
        return 7
    if index % 11 == 7:
        return 10
    return 1


def company_specs(firm: FirmSpec, today: date) -> list[CompanySpec]:
    """The firm's client companies; one in seven has no SIRET yet (being registered)."""
    specs = []
    for index, name in enumerate(firm.companies):
        siret = None if index % 7 == 6 else make_siret(firm.siret_offset + index)
        start, end = fiscal_year(_start_month(index), today)
        specs.append(CompanySpec(name, siret, start, end))
    return specs


DURAND, FIDUCIA = (firm.slug for firm in FIRMS)

OPERATOR_EMAIL = "operateur@comptoir.test"

LOGINS = (
    LoginSpec("sophie.durand@cabinet-durand.test", "Sophie Durand", DURAND, FIRM_ADMIN),
    LoginSpec("lucas.bernard@cabinet-durand.test", "Lucas Bernard", DURAND, FIRM_COLLABORATOR),
    LoginSpec("claire.fontaine@fiducia.test", "Claire Fontaine", FIDUCIA, FIRM_ADMIN),
    LoginSpec("hugo.lefebvre@fiducia.test", "Hugo Lefebvre", FIDUCIA, FIRM_COLLABORATOR),
    # Client companies of Cabinet Durand
    LoginSpec(
        "pierre.martin@boulangerie-martin.test",
        "Pierre Martin",
        DURAND,
        COMPANY_ADMIN,
        "Boulangerie Martin",
    ),
    LoginSpec(
        "emma.petit@boulangerie-martin.test",
        "Emma Petit",
        DURAND,
        COMPANY_COLLABORATOR,
        "Boulangerie Martin",
    ),
    LoginSpec(
        "louis.martin@boulangerie-martin.test",
        "Louis Martin",
        DURAND,
        COMPANY_GUEST,
        "Boulangerie Martin",
    ),
    LoginSpec(
        "nathalie.leroy@garage-tilleuls.test",
        "Nathalie Leroy",
        DURAND,
        COMPANY_ADMIN,
        "Garage des Tilleuls",
    ),
    LoginSpec(
        "karim.benali@garage-tilleuls.test",
        "Karim Benali",
        DURAND,
        COMPANY_COLLABORATOR,
        "Garage des Tilleuls",
    ),
    LoginSpec(
        "ines.garcia@garage-tilleuls.test",
        "Inès Garcia",
        DURAND,
        COMPANY_GUEST,
        "Garage des Tilleuls",
    ),
    # Client companies of Fiducia Conseil
    LoginSpec(
        "thomas.roche@legrandchene.test",
        "Thomas Roche",
        FIDUCIA,
        COMPANY_ADMIN,
        "Restaurant Le Grand Chêne",
    ),
    LoginSpec(
        "lea.dubois@legrandchene.test",
        "Léa Dubois",
        FIDUCIA,
        COMPANY_COLLABORATOR,
        "Restaurant Le Grand Chêne",
    ),
    LoginSpec(
        "paul.simon@legrandchene.test",
        "Paul Simon",
        FIDUCIA,
        COMPANY_GUEST,
        "Restaurant Le Grand Chêne",
    ),
    LoginSpec(
        "manon.faure@numerique-horizon.test",
        "Manon Faure",
        FIDUCIA,
        COMPANY_ADMIN,
        "SAS Numérique Horizon",
    ),
    LoginSpec(
        "antoine.mercier@numerique-horizon.test",
        "Antoine Mercier",
        FIDUCIA,
        COMPANY_COLLABORATOR,
        "SAS Numérique Horizon",
    ),
    LoginSpec(
        "chloe.andre@numerique-horizon.test",
        "Chloé André",
        FIDUCIA,
        COMPANY_GUEST,
        "SAS Numérique Horizon",
    ),
    # One login in two places: a collaborator of Cabinet Durand who also runs the family SCI,
    # a client of Fiducia Conseil. She switches context from the menu.
    LoginSpec("julie.moreau@cabinet-durand.test", "Julie Moreau", DURAND, FIRM_COLLABORATOR),
    LoginSpec(
        "julie.moreau@cabinet-durand.test",
        "Julie Moreau",
        FIDUCIA,
        COMPANY_ADMIN,
        "SCI Moreau Patrimoine",
    ),
)


# An invitation waiting for its answer, to see consent before membership: Fiducia Conseil
# invites a collaborator of Cabinet Durand to one of its clients. He sees "Fiducia Conseil vous
# invite à rejoindre SCI Moreau Patrimoine — Accepter / Refuser" on his home page.
PENDING_INVITATION = ("lucas.bernard@cabinet-durand.test", FIDUCIA, "SCI Moreau Patrimoine")
