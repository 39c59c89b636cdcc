"""Demo data: a deterministic, realistic Dutch B2B credit book.

`seed()` makes the demo users (one per role, one password) and N customers
with contacts, 18 months of invoices, credit notes, payments, allocations,
notes, tasks and the timeline events that tell the story, following a payment
behaviour profile per customer (on time, sometimes late, structurally late,
deteriorating, defaulting, disputing).

Planning and writing are separate. `Planner` builds unsaved model instances
with their primary keys already chosen (so foreign keys and timeline targets
are known before anything is written) from `random.Random(seed)` and the
given `today` only: the same seed, size and day give the same rows. `write()`
stores one batch with `bulk_create` (COPY on PostgreSQL); nothing goes through
the per-row services, so a million invoices take minutes, not hours. The
ledger rules the services keep (open amounts, statuses, paid dates, days late,
unallocated payments, the customer's stored totals) are computed here in
integer cents and the tests check them on the stored rows.

Every demo user signs in with DEMO_PASSWORD; `manage.py demo_logins` lists them.
Seeding assumes nobody else writes these tables meanwhile: primary keys are
chosen up front and the sequences are moved past them afterwards.
"""

from __future__ import annotations

import enum
import json
import random
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import iban as std_iban
from stdnum.iso7064 import mod_11_10

from accounts.models import (
    Allocation,
    Contact,
    Customer,
    Event,
    Invoice,
    Note,
    Payment,
    Task,
)
from creditmgmt.models import Role, User

DEMO_PASSWORD = "demo-pass-2026"

# username, role, first name, last name, UI language
DEMO_USERS: list[tuple[str, str, str, str, str]] = [
    ("anna", Role.ADMIN, "Anna", "de Boer", "nl"),
    ("mark", Role.MANAGER, "Mark", "Visser", "nl"),
    ("chris", Role.CONTROLLER, "Chris", "Bakker", "nl"),
    ("olga", Role.CONTROLLER, "Olga", "Smits", "en"),
    ("pieter", Role.CONTROLLER, "Pieter", "van den Berg", "nl"),
    ("cees", Role.COUNTER, "Cees", "Mulder", "nl"),
    ("sam", Role.SALES, "Sam", "Hendriks", "en"),
]
CONTROLLERS = ("chris", "olga", "pieter")
MANAGER = "mark"

PROFILES = (
    "on_time",
    "sometimes_late",
    "structurally_late",
    "deteriorating",
    "defaulting",
    "disputing",
)
PROFILE_WEIGHTS = (46, 24, 12, 8, 4, 6)

BATCH_SIZE = 5000  # rows per INSERT
CHUNK_CUSTOMERS = 1000  # customers planned and written together
ATOMIC_UP_TO = 5000  # up to this many customers the whole seed is one transaction

ERP = "import: ERP"
BANK = "import: bank statement"
MATCHING = "system: payment matching"
DAILY = "system: daily run"

# --- word lists -------------------------------------------------------------

SURNAMES = [
    "De Vries", "Jansen", "Van den Berg", "Bakker", "Van Dijk", "Visser", "Smit", "Meijer",
    "De Boer", "Mulder", "De Groot", "Bos", "Vos", "Peters", "Hendriks", "Van Leeuwen",
    "Dekker", "Brouwer", "De Wit", "Dijkstra", "Smits", "De Graaf", "Van der Meer",
    "Van der Linden", "Kok", "Jacobs", "De Haan", "Vermeulen", "Van den Heuvel",
    "Van der Veen", "Van den Broek", "De Bruijn", "Van der Heijden", "Schouten", "Van Beek",
    "Willems", "Van Vliet", "Van de Ven", "Hoekstra", "Maas", "Verhoeven", "Koster",
    "Van Dam", "Van der Wal", "Prins", "Blom", "Huisman", "De Jong", "Kuipers", "Van Wijk",
    "Postma", "Kramer", "Van den Bosch", "Timmermans", "Groen", "Bosman", "Koning",
    "Van der Laan", "Wouters", "Sanders", "Martens", "Evers", "Van Rijn", "Hermans",
    "Verbeek", "Van Loon", "Jonker", "Gerritsen", "Veenstra", "Molenaar", "Van der Velden",
    "Boersma", "Scholten", "Post", "Kuiper", "Van Es", "Hofman", "Van Doorn", "Zijlstra",
    "Brink", "Claassen", "Drost", "Hoogland", "Lambers", "Nieuwenhuis", "Oosterhuis",
    "Rutten", "Staal", "Tromp", "Verschuren", "Wolters", "Zwart", "Bouwman", "Kroon",
    "Hoek", "Roos", "Van Vliet", "Terpstra", "Wijnen", "Van Hout", "Schipper", "Jongman",
    "Van Os", "Keizer", "Boer", "Lammers", "Pronk", "Sluiter", "Ypma", "Haverkamp",
]  # fmt: skip
FIRST_NAMES = [
    "Jan", "Piet", "Kees", "Anne", "Sanne", "Lotte", "Daan", "Bram", "Ruud", "Marieke",
    "Femke", "Joost", "Sven", "Ingrid", "Henk", "Gerrit", "Willem", "Sophie", "Emma",
    "Lucas", "Thijs", "Noor", "Eva", "Jeroen", "Maarten", "Karin", "Annelies", "Bas",
    "Wouter", "Hanneke", "Esther", "Ilse", "Rob", "Erik", "Linda", "Monique", "Patrick",
    "Sandra", "Tom", "Marloes", "Niels", "Fleur", "Jasper", "Mirjam", "Koen", "Roos",
]  # fmt: skip
TRADES = [
    "Bakkerij", "Slagerij", "Installatiebedrijf", "Schildersbedrijf", "Aannemersbedrijf",
    "Hoveniersbedrijf", "Autobedrijf", "Loodgietersbedrijf", "Timmerbedrijf",
    "Transportbedrijf", "Drukkerij", "Kwekerij", "Metaalbewerking", "Elektrotechniek",
    "Tegelhandel", "Houthandel", "Bouwbedrijf", "Schoonmaakbedrijf", "Administratiekantoor",
    "Loonbedrijf", "Dakdekkersbedrijf", "Stukadoorsbedrijf", "Fietsenspeciaalzaak",
    "Café-Restaurant", "Hotel", "Bloemisterij", "Glashandel", "Zonwering", "Klimaattechniek",
    "Machinefabriek", "Constructiebedrijf", "Verhuisbedrijf", "Grondverzet", "Keukenstudio",
]  # fmt: skip
SECTORS = [
    "Transport", "Logistiek", "Bouw", "Techniek", "Installatietechniek", "Metaal", "Vastgoed",
    "Groothandel", "Food", "Agri", "Interieurbouw", "Verhuur", "Automatisering", "ICT",
    "Makelaardij", "Verpakkingen", "Kunststoffen", "Machinehandel", "Elektro", "Catering",
    "Beveiliging", "Uitzendbureau", "Infra", "Staalbouw", "Koeltechniek", "Tuinbouw",
]  # fmt: skip
BRANDS = [
    "Noordzee", "Hollandia", "Delta", "Polder", "Rijnmond", "Zuiderzee", "Veluwe", "Kempen",
    "Maasland", "Wadden", "Oranje", "Tulp", "Duinzicht", "Eemland", "Twente", "Achterhoek",
    "Westland", "Brabant", "Limburg", "Friesland", "Groene Hart", "Kennemer", "IJssel",
    "Merwede", "Horizon", "Vakwerk", "Prima", "Kompas", "Ankerpunt", "Molenwiek", "Zeester",
    "Dijkzicht", "Lindeboom", "Eikenhof", "Waterland", "Bollenstreek", "Betuwe", "Peelland",
]  # fmt: skip
PARTNER_TRADES = ["Advocaten", "Accountants", "Notarissen", "Architecten", "Adviseurs"]
GOVERNMENT_BODIES = [
    "Waterschap Rivierenland", "Waterschap Brabantse Delta", "Waterschap De Dommel",
    "Waterschap Hollandse Delta", "Hoogheemraadschap van Rijnland", "Waterschap Vallei en Veluwe",
    "Waterschap Zuiderzeeland", "Waterschap Aa en Maas", "Provincie Utrecht",
    "Provincie Gelderland", "Provincie Noord-Brabant", "Provincie Zuid-Holland",
    "Provincie Overijssel", "Rijkswaterstaat", "Rijksvastgoedbedrijf",
]  # fmt: skip
FOUNDATIONS = [
    "Stichting Kinderopvang {brand}", "Stichting Zorggroep {brand}",
    "Stichting Openbaar Onderwijs {city}", "Stichting Woonzorg {brand}",
]  # fmt: skip
ASSOCIATIONS = ["Voetbalvereniging {brand}", "Tennisvereniging {brand}", "Hockeyclub {city}"]
COOPERATIVES = ["Coöperatie {brand} U.A.", "Coöperatieve Zuivel {brand} U.A."]
STREETS = [
    "Dorpsstraat", "Kerkstraat", "Hoofdstraat", "Molenweg", "Industrieweg", "Stationsweg",
    "Nijverheidsweg", "Havenweg", "Marktplein", "Schoolstraat", "Julianastraat",
    "Wilhelminastraat", "Beatrixlaan", "Parallelweg", "Ambachtsweg", "Edisonstraat",
    "Handelsweg", "Energieweg", "Kanaalweg", "Transportweg", "Langestraat", "Nieuweweg",
    "Voorstraat", "Zandweg", "Rijksstraatweg", "Europalaan", "Columbusweg", "Newtonstraat",
    "Ampèrestraat", "Vlasakker", "Spoorlaan", "Koningsweg", "Zuidkade", "Westerhaven",
]  # fmt: skip
# city, first and last postcode digits, area code, weight
NL_CITIES = [
    ("Amsterdam", 1011, 1109, "020", 10), ("Rotterdam", 3011, 3089, "010", 8),
    ("Den Haag", 2491, 2599, "070", 6), ("Utrecht", 3511, 3585, "030", 5),
    ("Eindhoven", 5611, 5658, "040", 4), ("Groningen", 9711, 9747, "050", 3),
    ("Tilburg", 5011, 5049, "013", 3), ("Almere", 1311, 1365, "036", 2),
    ("Breda", 4811, 4839, "076", 2), ("Nijmegen", 6511, 6546, "024", 2),
    ("Apeldoorn", 7311, 7339, "055", 2), ("Haarlem", 2011, 2037, "023", 2),
    ("Arnhem", 6811, 6846, "026", 2), ("Enschede", 7511, 7548, "053", 2),
    ("Amersfoort", 3811, 3829, "033", 2), ("Zaandam", 1501, 1509, "075", 1),
    ("'s-Hertogenbosch", 5211, 5236, "073", 2), ("Zwolle", 8011, 8043, "038", 2),
    ("Leiden", 2311, 2334, "071", 1), ("Maastricht", 6211, 6229, "043", 1),
    ("Dordrecht", 3311, 3329, "078", 1), ("Zoetermeer", 2711, 2729, "079", 1),
    ("Deventer", 7411, 7429, "0570", 1), ("Delft", 2611, 2629, "015", 1),
    ("Alkmaar", 1811, 1829, "072", 1), ("Venlo", 5911, 5928, "077", 1),
    ("Leeuwarden", 8911, 8939, "058", 1), ("Heerlen", 6411, 6422, "045", 1),
    ("Hilversum", 1211, 1223, "035", 1), ("Amstelveen", 1181, 1189, "020", 1),
    ("Ede", 6711, 6718, "0318", 1), ("Gouda", 2801, 2809, "0182", 1),
    ("Helmond", 5701, 5709, "0492", 1), ("Hengelo", 7551, 7559, "074", 1),
    ("Veenendaal", 3901, 3907, "0318", 1), ("Waalwijk", 5141, 5146, "0416", 1),
    ("Barneveld", 3771, 3774, "0342", 1), ("Oss", 5341, 5349, "0412", 1),
    ("Roermond", 6041, 6046, "0475", 1), ("Middelburg", 4331, 4338, "0118", 1),
    ("Assen", 9401, 9409, "0592", 1), ("Emmen", 7811, 7815, "0591", 1),
    ("Harderwijk", 3841, 3849, "0341", 1), ("Sneek", 8601, 8608, "0515", 1),
]  # fmt: skip
# Flemish cities speak Dutch; Brussels gets English (no French templates yet).
BE_CITIES = [
    ("Antwerpen", "2000", "3", "nl"), ("Gent", "9000", "9", "nl"), ("Brugge", "8000", "50", "nl"),
    ("Leuven", "3000", "16", "nl"), ("Hasselt", "3500", "11", "nl"), ("Mechelen", "2800", "15", "nl"),
    ("Turnhout", "2300", "14", "nl"), ("Brussel", "1000", "2", "en"),
]  # fmt: skip
DE_CITIES = [
    ("Düsseldorf", "40210", "211"), ("Köln", "50667", "221"), ("Aachen", "52062", "241"),
    ("Duisburg", "47051", "203"), ("Münster", "48143", "251"), ("Essen", "45127", "201"),
    ("Kleve", "47533", "2821"), ("Emmerich am Rhein", "46446", "2822"), ("Krefeld", "47798", "2151"),
]  # fmt: skip
BE_SURNAMES = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Claes", "Goossens", "De Smet",
               "Wouters", "Vermeulen", "Desmet", "Dubois", "Lambrechts", "Van Damme"]  # fmt: skip
DE_SURNAMES = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
               "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann"]  # fmt: skip
DE_STREETS = ["Hauptstraße", "Industriestraße", "Bahnhofstraße", "Gewerbestraße", "Hafenstraße",
              "Am Rheinufer", "Lindenallee", "Königsallee"]  # fmt: skip
DE_SECTORS = ["Logistik", "Bau", "Metallbau", "Haustechnik", "Maschinenbau", "Spedition", "Handel"]
NL_BANKS = ["ABNA", "RABO", "INGB", "SNSB", "TRIO", "ASNB", "KNAB", "BUNQ", "RBRB"]
BE_BANKS = ["001", "063", "068", "363", "734", "735", "143", "310"]

DESCRIPTIONS = [
    "Levering bouwmaterialen", "Levering volgens order", "Onderhoudscontract {period}",
    "Huur materieel {period}", "Transportkosten {period}", "Advieswerkzaamheden {period}",
    "Levering kantoorartikelen", "Service en onderhoud", "Installatiewerkzaamheden",
    "Levering onderdelen", "Abonnement {period}", "Schoonmaakdiensten {period}",
    "Meerwerk project {project}", "Termijnfactuur project {project}", "Levering verpakkingsmateriaal",
]  # fmt: skip
DISPUTE_REASONS_NL = [
    "levering incompleet", "prijs wijkt af van de offerte", "goederen beschadigd ontvangen",
    "dubbel gefactureerd", "werkzaamheden niet volgens afspraak uitgevoerd",
    "inkoopordernummer ontbreekt",
]  # fmt: skip
DISPUTE_REASONS_EN = [
    "delivery incomplete", "price differs from the quotation", "goods arrived damaged",
    "invoiced twice", "work not done as agreed", "purchase order number missing",
]  # fmt: skip
BLOCK_REASONS = [
    "Openstaand saldo ouder dan 90 dagen", "Kredietlimiet ruim overschreden",
    "Betalingsregeling niet nagekomen", "Faillissementsaanvraag gesignaleerd",
    "Herhaaldelijk betalingstoezeggingen niet nagekomen",
]  # fmt: skip
WEEKDAYS_NL = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "maandag", "maandag"]
WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Monday", "Monday"]
MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
             "september", "oktober", "november", "december"]  # fmt: skip

NOTES = {
    "nl": {
        "promise": [
            "Gebeld met crediteurenadministratie, betaling toegezegd voor {weekday}.",
            "Gebeld met {contact}: factuur {invoice} zit in de betaalrun van {weekday}.",
            "{contact} belooft het openstaande bedrag van {amount} uiterlijk {weekday} over te maken.",
        ],
        "no_answer": [
            "Geen gehoor bij crediteurenadministratie, voicemail ingesproken. Morgen opnieuw.",
            "Twee keer gebeld, niemand bereikt. Mail gestuurd naar {email}.",
        ],
        "copy": [
            "Kopie van factuur {invoice} gemaild naar {email}; klant had de factuur niet ontvangen.",
            "{contact} geeft aan dat factuur {invoice} nog ter goedkeuring bij de budgethouder ligt.",
        ],
        "dispute": [
            "Klant betwist factuur {invoice}: {reason}. Navraag gedaan bij sales.",
            "{contact} meldt een klacht over factuur {invoice} ({reason}). Factuur in afwachting gezet.",
        ],
        "credit": ["Creditnota {credit_note} verstuurd ter oplossing van de klacht over factuur {invoice}."],
        "plan": [
            "Betalingsregeling besproken: {n} termijnen van {amount}. Wacht op schriftelijke bevestiging."
        ],
        "delay": [
            "Klant vraagt uitstel tot het einde van de maand vanwege liquiditeitsproblemen.",
            "Klant stapt over op een nieuw ERP-pakket, betalingen lopen enkele weken vertraging op.",
        ],
        "broken": ["Toezegging niet nagekomen. Tweede aanmaning verstuurd en sales geïnformeerd."],
        "review": [
            "Jaarrekening {year} ontvangen en beoordeeld, solvabiliteit voldoende. Limiet ongewijzigd.",
            "Nieuwe contactpersoon bij de crediteurenadministratie: {contact}.",
        ],
        "rating": ["Kredietrapport opgevraagd: score gedaald, limiet wordt herzien."],
        "block": ["Leverstop ingesteld na overleg met Mark; vrijgeven zodra {amount} binnen is."],
        "agency": ["Dossier overgedragen aan het incassobureau; alle correspondentie loopt via het bureau."],
    },
    "en": {
        "promise": [
            "Called accounts payable; payment promised for {weekday}.",
            "Spoke to {contact}: invoice {invoice} is approved and in the payment run of {weekday}.",
        ],
        "no_answer": ["No answer, left a voicemail. Will try again tomorrow."],
        "copy": ["Sent a copy of invoice {invoice} to {email}; the customer had not received it."],
        "dispute": ["Customer disputes invoice {invoice}: {reason}. Checked with sales."],
        "credit": ["Credit note {credit_note} sent to settle the complaint about invoice {invoice}."],
        "plan": ["Payment plan discussed: {n} instalments of {amount}. Waiting for written confirmation."],
        "delay": ["Customer is migrating to a new ERP system; payments are delayed by a few weeks."],
        "broken": ["Promise broken. Second reminder sent and sales informed."],
        "review": ["Annual accounts {year} received; solvency is fine, limit unchanged."],
        "rating": ["Credit report requested: the score dropped, the limit will be reviewed."],
        "block": ["Delivery block set after talking to Mark; lift it once {amount} is in."],
        "agency": ["Case handed to the collection agency; all contact now goes through them."],
    },
}
# Which notes each profile tends to collect, and how many (min, max).
PROFILE_NOTES = {
    "on_time": ((0, 1), ["review"]),
    "sometimes_late": ((0, 2), ["promise", "no_answer", "copy"]),
    "structurally_late": ((1, 3), ["promise", "no_answer", "copy", "delay", "broken"]),
    "deteriorating": ((2, 4), ["no_answer", "delay", "rating", "broken", "plan", "promise"]),
    "defaulting": ((3, 5), ["no_answer", "broken", "delay", "plan", "rating"]),
    "disputing": ((0, 1), ["promise", "copy"]),
}

STANDARD_WINDOW_DAYS = 548  # 18 months: the invoice counts below are per this many days
# segment: weight, invoices per 18 months, median invoice (cents, excl. VAT), credit limits, terms
SEGMENTS = {
    Customer.Segment.KEY_ACCOUNT: (3, 55, 320000, (100_000, 500_000, 25_000), (30, 30, 60)),
    Customer.Segment.BUSINESS: (37, 13, 115000, (10_000, 75_000, 2_500), (30, 30, 14, 60)),
    Customer.Segment.SMALL_BUSINESS: (42, 6.5, 45000, (2_500, 15_000, 500), (14, 30, 30)),
    Customer.Segment.CONSUMER: (14, 2.2, 21000, (500, 2_500, 250), (14,)),
    Customer.Segment.GOVERNMENT: (4, 18, 180000, (50_000, 250_000, 25_000), (30,)),
}

# How likely a customer with overdue invoices has an open task about them today.
OPEN_TASK_CHANCE = {
    "on_time": 0.25,
    "sometimes_late": 0.55,
    "structurally_late": 0.75,
    "deteriorating": 0.9,
    "defaulting": 1.0,
    "disputing": 0.9,
}
CENT = Decimal("0.01")

# --- small helpers ----------------------------------------------------------


def cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def eur(value: int) -> str:
    """Dutch money format: € 12.345,67."""
    sign = "-" if value < 0 else ""
    whole, part = divmod(abs(value), 100)
    return f"{sign}€ {whole:,}".replace(",", ".") + f",{part:02d}"


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def nl_vat(rng: random.Random) -> str:
    """NL + a 9-digit number passing the 11-test + B01..B03 (the classic btw-nummer)."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(8)]
        if digits[0] == 0:
            continue
        check = sum((9 - i) * d for i, d in enumerate(digits)) % 11
        if check < 10:
            return "NL" + "".join(map(str, digits)) + str(check) + f"B{rng.choice((1, 1, 1, 2, 3)):02d}"


def be_vat(rng: random.Random) -> str:
    base = rng.randint(2_000_000, 9_999_999) + 10_000_000 * rng.choice((0, 0, 1))
    head = f"{base:08d}"
    return f"BE{head}{97 - int(head) % 97:02d}"


def de_vat(rng: random.Random) -> str:
    head = str(rng.randint(10_000_000, 99_999_999))
    return "DE" + head + mod_11_10.calc_check_digit(head)


def make_iban(rng: random.Random, country: str) -> str:
    if country == "BE":
        bban = rng.choice(BE_BANKS) + f"{rng.randint(0, 9_999_999):07d}"
        bban += f"{int(bban) % 97 or 97:02d}"
    elif country == "DE":
        bban = f"{rng.randint(10_000_000, 89_999_999)}{rng.randint(0, 9_999_999_999):010d}"
    else:
        bban = rng.choice(NL_BANKS) + f"{rng.randint(100_000_000, 9_999_999_999):010d}"
    return country + std_iban.calc_check_digits(country + "00" + bban) + bban


POSTCODE_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"  # F, I, O, Q, U and Y are (almost) never used


def nl_postcode(rng: random.Random, low: int, high: int) -> str:
    while True:
        letters = rng.choice(POSTCODE_LETTERS) + rng.choice(POSTCODE_LETTERS)
        if letters not in ("SA", "SD", "SS"):
            return f"{rng.randint(low, high)} {letters}"


def weighted(rng: random.Random, items: list, cum: list[float]):
    return rng.choices(items, cum_weights=cum)[0]


def cumulative(weights) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


_DEFAULTS: dict[type[models.Model], dict] = {}


def make(model: type[models.Model], **values) -> models.Model:
    """An unsaved instance for bulk_create, without Model.__init__ (a third of the seed time).

    Every column gets its default unless given; callers pass attnames (customer_id)
    and always give the mutable and time-dependent fields themselves.
    """
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        defaults = _DEFAULTS[model] = {
            f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key
        }
    obj = model.__new__(model)
    obj._state = ModelState()
    obj.__dict__.update(defaults)
    obj.__dict__.update(values)
    return obj


@contextmanager
def historical_timestamps() -> Iterator[None]:
    """Let bulk_create keep the created_at values we give instead of stamping now."""
    fields = [m._meta.get_field("created_at") for m in (Customer, Invoice, Payment, Allocation, Task)]
    saved = [(f, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in saved:
            f.auto_now_add = value


# --- users --------------------------------------------------------------------


def ensure_demo_users() -> dict[str, User]:
    """The demo staff, one user per role; existing users are reused as they are."""
    from creditmgmt.services import create_user

    users = {u.username: u for u in User.objects.filter(username__in=[row[0] for row in DEMO_USERS])}
    password_hash = None
    for username, role, first, last, language in DEMO_USERS:
        if username in users:
            continue
        if password_hash is None:  # hash once: PBKDF2 is slow on purpose
            password_hash = make_password(DEMO_PASSWORD)
        user = create_user(
            username=username,
            role=role,
            email=f"{username}@credit.example",
            first_name=first,
            last_name=last,
            language=language,
        )
        user.password = password_hash
        user.save(update_fields=["password"])
        users[username] = user
    return users


# --- planning -----------------------------------------------------------------


@dataclass
class Batch:
    customers: list[Customer] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    profiles: dict[int, str] = field(default_factory=dict)  # customer id -> profile

    ORDER = ("customers", "contacts", "invoices", "payments", "allocations", "notes", "tasks", "events")

    def counts(self) -> Counter:
        return Counter({name: len(getattr(self, name)) for name in self.ORDER})


class Ids:
    """Primary keys handed out in advance, starting after the highest one in use."""

    MODELS = (Customer, Contact, Invoice, Payment, Allocation, Note, Task, Event)

    def __init__(self, start: dict[type[models.Model], int] | None = None) -> None:
        self.next_id = {model: (start or {}).get(model, 1) for model in self.MODELS}

    @classmethod
    def from_database(cls) -> Ids:
        return cls({m: (m.objects.aggregate(top=Max("pk"))["top"] or 0) + 1 for m in cls.MODELS})

    def take(self, model: type[models.Model]) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value


@dataclass
class _Inv:
    """An invoice being planned, amounts in cents."""

    id: int
    number: str
    issue: date
    due: date
    amount: int
    vat: int
    description: str
    order_reference: str
    allocations: list[tuple[date, int, int]] = field(default_factory=list)  # (date, cents, alloc id)
    disputed: bool = False

    @property
    def open(self) -> int:
        return self.amount - sum(a[1] for a in self.allocations)


class Planner:
    """Builds the rows for N customers, deterministic for a seed and a day.

    Each customer draws from its own `random.Random(f"{seed}/{index}")`, so a
    customer does not change when the chunk size does; the few choices that
    span customers (group structures) come from one master generator.
    """

    def __init__(
        self,
        *,
        seed: int,
        today: date,
        months: int = 18,
        staff: dict[str, int],
        content_types: dict[type[models.Model], int],
        ids: Ids | None = None,
        taken_kvk: set[str] | None = None,
    ) -> None:
        self.seed = seed
        self.today = today
        self.start = today - timedelta(days=round(months * 30.44))
        self.window = (today - self.start).days
        self.staff = staff
        self.controllers = [staff[name] for name in CONTROLLERS]
        self.ct = content_types
        self.ids = ids or Ids()
        self.taken_kvk = set(taken_kvk or ())
        self.tz = timezone.get_default_timezone()
        real_now = self.stamp = timezone.now()
        # Only when the book ends today can a planned moment lie in the future.
        self.now = real_now if today == timezone.localdate(real_now) else None
        self.master = random.Random(seed)
        self.group: tuple[int, int, str, int] | None = None  # parent id, left, surname, controller
        self.profile_cum = cumulative(PROFILE_WEIGHTS)
        self.segments = list(SEGMENTS)
        self.segment_cum = cumulative(v[0] for v in SEGMENTS.values())
        self.city_cum = cumulative(c[4] for c in NL_CITIES)
        # Translated once: gettext per row costs more than building the row.
        self.t = {
            "created": _("Customer %(name)s created"),
            "received": _("Payment of %(currency)s %(amount)s received (%(date)s)"),
            "payment_of": _("payment of %(date)s"),
            "credit_of": _("credit note %(number)s"),
            "allocated": _("%(amount)s of the %(source)s allocated to invoice %(number)s"),
            "posted": _("%(label)s %(number)s posted: %(currency)s %(amount)s, due %(due)s"),
            "invoice": _("Invoice"),
            "credit_note": _("Credit note"),
            "blocked": _("Delivery block set: %(reason)s"),
            "changed": _("Customer details changed: %(fields)s"),
            "task": _("Task planned for %(date)s: %(title)s"),
            "task_done": _("Task done: %(title)s — %(outcome)s"),
            "ap": _("Accounts payable"),
        }
        self.outcomes = {value: str(label) for value, label in Task.Outcome.choices}

    # -- time ---------------------------------------------------------------

    def at(self, day: date, minutes: int) -> datetime:
        """A moment (minutes after midnight) on a day, never after now."""
        if day == self.today:  # today's work happened early: a seed at ten equals one at eight
            minutes = 5 * 60 + minutes % 180
        moment = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=self.tz)
        if self.now is not None and moment > self.now:
            moment = self.now - timedelta(seconds=1)
        return moment

    @staticmethod
    def business_day(day: date) -> date:
        weekday = day.weekday()
        return day + timedelta(days=7 - weekday) if weekday >= 5 else day

    @staticmethod
    def event(
        events: list,
        at: datetime,
        kind: str,
        verb: str,
        summary: str,
        ct: int,
        obj: int,
        *,
        actor: int | None = None,
        label: str = "",
        data: dict | None = None,
    ) -> None:
        events.append((at, kind, verb, summary, data or {}, actor, label, ct, obj))

    # -- customers ------------------------------------------------------------

    def batches(self, count: int, *, chunk: int = CHUNK_CUSTOMERS) -> Iterator[Batch]:
        batch = Batch()
        for index in range(count):
            self.plan_customer(index, batch)
            if len(batch.customers) >= chunk:
                yield batch
                batch = Batch()
        if batch.customers:
            yield batch

    def _profile_and_status(self, index: int, rng: random.Random) -> tuple[str, str]:
        if index < len(PROFILES):  # small demo books still show every behaviour
            return PROFILES[index], Customer.Status.ACTIVE
        if index == len(PROFILES):
            return "on_time", Customer.Status.PROSPECT
        if index == len(PROFILES) + 1:
            return "on_time", Customer.Status.CLOSED
        profile = weighted(rng, list(PROFILES), self.profile_cum)
        roll = rng.random()
        status = Customer.Status.ACTIVE
        if roll < 0.02:
            status = Customer.Status.PROSPECT
        elif roll < 0.035 and profile in ("on_time", "sometimes_late"):
            status = Customer.Status.CLOSED
        return profile, status

    def plan_customer(self, index: int, batch: Batch, **overrides) -> Customer:
        """Plan customer number `index` into `batch`; overrides: profile, status, segment, name, invoices."""
        rng = random.Random(f"{self.seed}/{index}")
        cid = self.ids.take(Customer)
        profile, status = self._profile_and_status(index, rng)
        profile = overrides.get("profile", profile)
        status = overrides.get("status", status)

        # Groups: a parent followed by 2-4 subsidiaries with the same controller.
        parent_id = None
        group_surname = ""
        controller = self.controllers[index % len(self.controllers)]
        if self.group is not None and not overrides:
            parent_id, left, group_surname, controller = self.group
            self.group = (parent_id, left - 1, group_surname, controller) if left > 1 else None
        starts_group = (
            self.group is None
            and parent_id is None
            and not overrides
            and status == Customer.Status.ACTIVE
            and (index == 8 or (index > 8 and self.master.random() < 0.008))
        )
        if starts_group:
            group_surname = rng.choice(SURNAMES)
            self.group = (cid, self.master.randint(2, 4), group_surname, controller)
        in_group = starts_group or parent_id is not None

        roll = rng.random()
        country = "BE" if roll < 0.04 else "DE" if roll < 0.06 else "NL"
        if in_group:
            country = "NL"
        if in_group:
            segment = Customer.Segment.KEY_ACCOUNT if starts_group else Customer.Segment.BUSINESS
        else:
            segment = weighted(rng, self.segments, self.segment_cum)
            if country != "NL" and segment in (Customer.Segment.GOVERNMENT, Customer.Segment.CONSUMER):
                segment = Customer.Segment.BUSINESS
        segment = overrides.get("segment", segment)
        _weight, per_window, median, limits, terms = SEGMENTS[segment]

        # Name, legal form, address, language.
        language = "nl"
        if country == "NL":
            city, low, high, area, _w = weighted(rng, NL_CITIES, self.city_cum)
            postal_code = nl_postcode(rng, low, high)
            suffix = rng.choice(("", "", "", "", "A", "B", "-2"))
            street = f"{rng.choice(STREETS)} {rng.randint(1, 240)}{suffix}"
            phone_prefix = "+31 " + area[1:]
            if rng.random() < 0.04:
                language = "en"  # a foreign-owned business with English-speaking staff
            name, legal_form = self._nl_name(rng, segment, city, starts_group, group_surname, parent_id)
        elif country == "BE":
            city, postal_code, area, language = rng.choice(BE_CITIES)
            street = f"{rng.choice(STREETS)} {rng.randint(1, 180)}"
            phone_prefix = "+32 " + area
            form = rng.choice(("BV", "BV", "NV"))
            name = f"{rng.choice(BE_SURNAMES)} {rng.choice(SECTORS)} {form}"
            legal_form = Customer.LegalForm.BV if form == "BV" else Customer.LegalForm.NV
        else:
            city, postal_code, area = rng.choice(DE_CITIES)
            street = f"{rng.choice(DE_STREETS)} {rng.randint(1, 150)}"
            phone_prefix = "+49 " + area
            language = "de"
            surname = rng.choice(DE_SURNAMES)
            name = rng.choice(
                (
                    f"{surname} {rng.choice(DE_SECTORS)} GmbH",
                    f"Spedition {surname} GmbH & Co. KG",
                    f"{surname} & {rng.choice(DE_SURNAMES)} KG",
                )
            )
            legal_form = Customer.LegalForm.OTHER
        name = overrides.get("name", name)

        kvk = vat = ""
        if country == "NL" and legal_form != Customer.LegalForm.PERSON:
            kvk = self._kvk(rng)
            vat = nl_vat(rng)
        elif country == "BE":
            vat = be_vat(rng)
        elif country == "DE":
            vat = de_vat(rng)

        # Life span: most customers were here before the window, some joined later.
        if status == Customer.Status.PROSPECT:
            since = self.today - timedelta(days=rng.randint(2, 40))
        elif rng.random() < 0.7 or starts_group or profile == "defaulting":
            since = self.start - timedelta(days=rng.randint(30, 2000))
        else:
            since = self.start + timedelta(days=rng.randint(0, max(self.window - 20, 0)))
        since = min(self.business_day(since), self.today)
        until = self.today
        if status == Customer.Status.CLOSED:
            until = self.today - timedelta(days=rng.randint(150, 300))
            since = min(since, until - timedelta(days=200))

        low, high, step = limits
        credit_limit = rng.randint(low // step, high // step) * step
        if status == Customer.Status.PROSPECT:
            credit_limit = 0 if rng.random() < 0.5 else low
        elif status == Customer.Status.CLOSED:
            credit_limit = 0
        customer = make(
            Customer,
            id=cid,
            number=str(100000 + cid),
            name=name,
            legal_form=legal_form,
            kvk_number=kvk,
            vat_number=vat,
            address=street,
            postal_code=postal_code,
            city=city,
            country=country,
            language=language,
            currency="EUR",
            segment=segment,
            parent_id=parent_id,
            controller_id=controller,
            credit_limit=Decimal(credit_limit).quantize(CENT),
            payment_terms_days=rng.choice(terms),
            status=status,
            risk_class=self._risk(rng, profile, status, since),
            created_at=self.at(since, 9 * 60 + rng.randint(0, 420)),
            updated_at=self.stamp,
        )
        batch.customers.append(customer)
        batch.profiles[cid] = profile
        events: list[tuple] = []
        self.event(
            events,
            customer.created_at,
            Event.Kind.CUSTOMER,
            "created",
            self.t["created"] % {"name": name},
            self.ct[Customer],
            cid,
            label=ERP,
        )

        contacts = self._contacts(rng, customer, phone_prefix, batch)
        if status != Customer.Status.PROSPECT:
            invoice_count = overrides.get("invoices")
            if invoice_count is None:
                active_days = max((until - max(since, self.start)).days, 1)
                factor = active_days / STANDARD_WINDOW_DAYS * rng.lognormvariate(0, 0.5)
                invoice_count = max(1, round(per_window * factor))
                if starts_group:
                    invoice_count = max(1, invoice_count // 4)  # a holding buys little itself
            self._ledger(
                rng,
                customer,
                profile,
                max(since, self.start),
                until,
                invoice_count,
                median,
                contacts,
                batch,
                events,
            )
        self.emit_events(events, cid, batch)
        return customer

    def _nl_name(self, rng, segment, city, starts_group, group_surname, parent_id) -> tuple[str, str]:
        LF = Customer.LegalForm
        if starts_group:
            return f"{group_surname} Groep B.V.", LF.BV
        if parent_id is not None:
            sector = rng.choice(SECTORS)
            options = (
                f"{group_surname} {sector} B.V.",
                f"{group_surname} {city} B.V.",
                f"{group_surname} {sector} {city} B.V.",
            )
            return rng.choice(options), LF.BV
        if segment == Customer.Segment.CONSUMER:
            first = rng.choice(FIRST_NAMES)
            surname = rng.choice(SURNAMES)
            if surname.startswith(("De ", "Van ")):
                surname = surname[0].lower() + surname[1:]
            if rng.random() < 0.5:
                return f"{first} {surname}", LF.PERSON
            return f"{first[0]}. {surname}", LF.PERSON
        if segment == Customer.Segment.GOVERNMENT:
            if rng.random() < 0.7:
                return f"Gemeente {city}", LF.GOVERNMENT
            return rng.choice(GOVERNMENT_BODIES), LF.GOVERNMENT
        surname = rng.choice(SURNAMES)
        brand = rng.choice(BRANDS)
        roll = rng.random()
        if roll < 0.04:
            return rng.choice(FOUNDATIONS).format(brand=brand, city=city), LF.FOUNDATION
        if roll < 0.06:
            return rng.choice(ASSOCIATIONS).format(brand=brand, city=city), LF.ASSOCIATION
        if roll < 0.07:
            return rng.choice(COOPERATIVES).format(brand=brand), LF.COOPERATIVE
        if roll < 0.12:
            name = f"{surname} & {rng.choice(SURNAMES)} {rng.choice(PARTNER_TRADES)}"
            return name, rng.choice((LF.VOF, LF.BV))
        pattern = rng.random()
        if pattern < 0.4:
            base = f"{rng.choice(TRADES)} {surname}"
        elif pattern < 0.75:
            base = f"{surname} {rng.choice(SECTORS)}"
        elif pattern < 0.9:
            base = f"{brand} {rng.choice(SECTORS)}"
        else:
            base = f"{rng.choice(TRADES)} {brand}"
        form = rng.random()
        if segment == Customer.Segment.KEY_ACCOUNT:
            return (f"{base} N.V.", LF.NV) if form < 0.15 else (f"{base} B.V.", LF.BV)
        if form < 0.6:
            return f"{base} B.V.", LF.BV
        if form < 0.75:
            return f"{base} V.O.F.", LF.VOF
        return base, LF.SOLE

    def _kvk(self, rng: random.Random) -> str:
        while True:
            kvk = str(rng.randint(10_000_000, 99_999_999))
            if kvk not in self.taken_kvk:
                self.taken_kvk.add(kvk)
                return kvk

    def _risk(self, rng, profile: str, status: str, since: date) -> str:
        R = Customer.RiskClass
        if status == Customer.Status.PROSPECT or ((self.today - since).days < 60 and rng.random() < 0.5):
            return R.UNKNOWN
        choices = {
            "on_time": (R.LOW, R.LOW, R.LOW, R.LOW, R.MEDIUM),
            "sometimes_late": (R.LOW, R.MEDIUM, R.MEDIUM),
            "structurally_late": (R.MEDIUM, R.HIGH),
            "deteriorating": (R.HIGH, R.HIGH, R.MEDIUM),
            "defaulting": (R.VERY_HIGH, R.VERY_HIGH, R.HIGH),
            "disputing": (R.MEDIUM, R.MEDIUM, R.LOW),
        }[profile]
        return rng.choice(choices)

    def _contacts(self, rng, customer: Customer, phone_prefix: str, batch: Batch) -> list[Contact]:
        base = re.sub(r"\b(B\.V\.|N\.V\.|V\.O\.F\.|GmbH.*|KG|BV|NV|U\.A\.)$", "", customer.name)
        domain = (slug(base) or "klant")[:40] + ".example"  # reserved TLD: demo mail never leaves
        people = [(rng.choice(FIRST_NAMES), rng.choice(SURNAMES)) for _ in range(3)]

        def phone() -> str:
            if rng.random() < 0.3 and customer.country == "NL":
                return f"+31 6 {rng.randint(10_000_000, 99_999_999)}"
            return f"{phone_prefix} {rng.randint(100_000, 9_999_999)}"

        def full(first: str, surname: str) -> str:
            if surname.startswith(("De ", "Van ")):
                surname = surname[0].lower() + surname[1:]
            return f"{first} {surname}"

        R, C = Contact.Role, Contact.Channel
        if customer.legal_form == Customer.LegalForm.PERSON:
            first, surname = people[0]
            email = f"{slug(first)}.{slug(surname)}@mail.example"
            rows = [(customer.name, R.OTHER, email, phone(), C.EMAIL, True)]
        else:
            mailbox = rng.choice(("crediteuren", "facturen", "administratie", "finance", "invoices"))
            ap_name = full(*people[0]) if rng.random() < 0.6 else self.t["ap"]
            rows = [(ap_name, R.ACCOUNTS_PAYABLE, f"{mailbox}@{domain}", phone(), C.EMAIL, True)]
            extra = rng.choices((0, 1, 2), weights=(45, 40, 15))[0]
            if extra >= 1:
                first, surname = people[1]
                email = f"{slug(first)}.{slug(surname)}@{domain}"
                rows.append((full(first, surname), R.FINANCE, email, phone(), C.EMAIL, False))
            if extra >= 2:
                first, surname = people[2]
                role = rng.choice((R.DIRECTOR, R.PURCHASING))
                rows.append((full(first, surname), role, f"{slug(first)}@{domain}", phone(), C.PHONE, False))
        contacts = [
            make(
                Contact,
                id=self.ids.take(Contact),
                customer_id=customer.id,
                name=name,
                role=role,
                email=email,
                phone=tel,
                language="",
                preferred_channel=channel,
                is_primary=primary,
            )
            for name, role, email, tel, channel, primary in rows
        ]
        batch.contacts.extend(contacts)
        return contacts

    # -- the ledger -------------------------------------------------------------

    def _delay(self, rng: random.Random, profile: str, issue: date) -> int:
        """Days after the due date the customer pays this invoice (negative: early)."""
        f = (issue - self.start).days / self.window
        r = rng.random()
        if profile == "on_time":
            return -rng.randint(0, 10) if r < 0.88 else rng.randint(1, 6)
        if profile == "sometimes_late":
            return rng.randint(-6, 2) if r < 0.65 else rng.randint(5, 45)
        if profile == "structurally_late":
            return max(8, min(110, int(rng.gauss(38, 14))))
        if profile == "deteriorating":
            if f < 0.55:
                return rng.randint(-5, 6)
            return int(8 + (f - 0.55) / 0.45 * rng.uniform(40, 150))
        if profile == "defaulting":
            return rng.randint(5, 45)
        return rng.randint(-4, 4) if r < 0.7 else rng.randint(5, 30)  # disputing: else an ordinary payer

    def _ledger(self, rng, customer, profile, since, until, count, median, contacts, batch, events) -> None:
        cid = customer.id
        today = self.today
        ids = self.ids
        t = self.t
        ct_invoice, ct_payment = self.ct[Invoice], self.ct[Payment]
        terms = timedelta(days=customer.payment_terms_days)
        reverse_charge = customer.country != "NL"  # intra-EU B2B: no Dutch VAT
        big_payer = customer.segment in (Customer.Segment.KEY_ACCOUNT, Customer.Segment.GOVERNMENT)
        payment_run = big_payer or rng.random() < 0.15  # pays on Thursdays, several invoices at once
        purchase_orders = big_payer
        stop = None  # defaulting: the day the money stopped
        if profile == "defaulting":
            stop = today - timedelta(days=rng.randint(80, 220))
            until = min(until, stop + timedelta(days=rng.randint(30, 70)))
        span = max((until - since).days, 1)
        days = [rng.randint(0, span) for _ in range(count)]
        if stop is not None:  # the orders that were never paid
            low = min(max(0, (stop - since).days - 40), span)
            days.extend(rng.randint(low, span) for _ in range(rng.randint(2, 5)))
        days.sort()

        invoices: list[_Inv] = []
        credit_notes: list[tuple[_Inv, _Inv | None]] = []  # (credit note, the invoice it settles)
        runs: dict[date, list[tuple[_Inv, int]]] = {}  # payment run day -> [(invoice, cents)]
        singles: list[tuple[date, _Inv, int]] = []
        for offset in days:
            issue = min(self.business_day(since + timedelta(days=offset)), until)
            net = int(median * rng.lognormvariate(0, 0.85))
            after_stop = stop is not None and issue > stop
            if after_stop:
                net = int(net * rng.uniform(1.2, 2.5))  # the last orders before a default are the big ones
            vat = 0 if reverse_charge else round(net * 0.21)
            gross = net + vat
            if not 15_000 <= gross <= 2_500_000:  # EUR 150 to 25,000
                gross = max(15_000, min(2_500_000, gross))
                vat = 0 if reverse_charge else round(gross * 21 / 121)
            iid = ids.take(Invoice)
            if purchase_orders:
                order_reference = f"PO-{rng.randint(4_500_000_000, 4_599_999_999)}"
            else:
                order_reference = str(rng.randint(10_000, 99_999)) if rng.random() < 0.3 else ""
            period = f"{MONTHS_NL[issue.month - 1]} {issue.year}"
            inv = _Inv(
                id=iid,
                number=f"F{iid:08d}",
                issue=issue,
                due=issue + terms,
                amount=gross,
                vat=vat,
                description=rng.choice(DESCRIPTIONS).format(period=period, project=rng.randint(100, 999)),
                order_reference=order_reference,
            )
            invoices.append(inv)
            remaining = gross
            ready = issue  # money for this invoice comes after this day

            # Credit notes: price corrections and returns; most are allocated at once.
            if rng.random() < 0.03 and issue + timedelta(days=30) <= today:
                cn_day = self.business_day(issue + timedelta(days=rng.randint(3, 25)))
                share = rng.choice((0.05, 0.1, 0.15, 0.25, 0.5, 1.0))
                cn = self._credit_note(cn_day, max(1000, int(gross * share)) if share < 1 else gross, inv)
                invoices.append(cn)
                if rng.random() < 0.8 or customer.status == Customer.Status.CLOSED:
                    credit_notes.append((cn, inv))
                    remaining += cn.amount
                    ready = cn_day
                else:
                    credit_notes.append((cn, None))  # waits for the controller to allocate it
            if remaining <= 0:
                continue

            # Disputes: the invoice stays open; some old ones end with a credit note and payment.
            if profile == "disputing" and rng.random() < 0.22 and issue < today - timedelta(days=30):
                inv.disputed = True
                if issue < today - timedelta(days=150) and rng.random() < 0.6 and remaining == gross:
                    cn_day = self.business_day(inv.due + timedelta(days=rng.randint(20, 70)))
                    cn = self._credit_note(cn_day, max(1000, int(gross * rng.choice((0.1, 0.2, 0.3)))), inv)
                    invoices.append(cn)
                    credit_notes.append((cn, inv))
                    remaining += cn.amount
                    pay_day = self.business_day(cn_day + timedelta(days=rng.randint(3, 20)))
                    if pay_day <= today:
                        singles.append((pay_day, inv, remaining))
                continue

            pay_day = inv.due + timedelta(days=self._delay(rng, profile, issue))
            if pay_day <= ready:
                pay_day = ready + timedelta(days=rng.randint(1, 5))
            pay_day = self.business_day(pay_day)
            if stop is not None and (pay_day > stop or after_stop):
                continue  # never paid
            if payment_run and rng.random() < 0.9:
                pay_day += timedelta(days=(3 - pay_day.weekday()) % 7)
            if pay_day > today:
                continue  # not paid yet
            if remaining > 50_000 and rng.random() < 0.04:  # paid in two parts
                first = int(remaining * rng.uniform(0.3, 0.7))
                singles.append((pay_day, inv, first))
                second_day = self.business_day(pay_day + timedelta(days=rng.randint(10, 45)))
                if second_day <= today:
                    singles.append((second_day, inv, remaining - first))
            elif payment_run:
                runs.setdefault(pay_day, []).append((inv, remaining))
            else:
                singles.append((pay_day, inv, remaining))

        # Credit notes settle their invoice on the day they are posted (before any payment).
        for cn, target in credit_notes:
            if target is None:
                continue
            alloc_id = ids.take(Allocation)
            target.allocations.append((cn.issue, -cn.amount, alloc_id))
            cn.allocations.append((cn.issue, cn.amount, alloc_id))  # the credit note is used up
            at = self.at(cn.issue, 10 * 60 + 5)
            batch.allocations.append(
                make(
                    Allocation,
                    id=alloc_id,
                    invoice_id=target.id,
                    credit_note_id=cn.id,
                    amount=cents(-cn.amount),
                    created_at=at,
                )
            )
            summary = t["allocated"] % {
                "amount": cents(-cn.amount),
                "source": t["credit_of"] % {"number": cn.number},
                "number": target.number,
            }
            data = {"allocation": alloc_id, "invoice_open": str(cents(target.amount + cn.amount))}
            self.event(
                events,
                at,
                Event.Kind.ALLOCATION,
                "allocated",
                summary,
                ct_invoice,
                target.id,
                label=MATCHING,
                data=data,
            )

        # Payments, each with its allocations; a few overpaid or paid twice.
        iban = make_iban(rng, customer.country)
        payments = [(day, [(inv, amount)]) for day, inv, amount in singles]
        payments.extend(runs.items())
        payments.sort(key=lambda p: (p[0], p[1][0][0].id))
        unallocated_total = 0
        twice: list[tuple[date, list[tuple[_Inv, int]]]] = []
        for day, settles, extra in self._with_extras(rng, payments, twice):
            total = sum(amount for _inv, amount in settles)
            pid = ids.take(Payment)
            at = self.at(day, 6 * 60 + rng.randint(0, 90))
            number = settles[0][0].number
            if len(settles) > 1:
                reference = f"Betaalrun {day.isoformat()} {len(settles)} facturen"
            else:
                reference = rng.choice((number, f"Factuur {number}", f"{number} {customer.name}"[:140]))
            allocated = 0 if extra is None else total
            amount = total + (extra or 0)
            unallocated_total += amount - allocated
            batch.payments.append(
                make(
                    Payment,
                    id=pid,
                    customer_id=cid,
                    value_date=day,
                    currency="EUR",
                    amount=cents(amount),
                    unallocated_amount=cents(amount - allocated),
                    source=Payment.Source.BANK,
                    reference=reference,
                    counterparty_name=customer.name[:140],
                    counterparty_iban=iban,
                    created_at=at,
                )
            )
            summary = t["received"] % {"currency": "EUR", "amount": cents(amount), "date": day.isoformat()}
            self.event(events, at, Event.Kind.PAYMENT, "received", summary, ct_payment, pid, label=BANK)
            if extra is None:
                continue  # the second payment of an invoice paid twice stays unallocated
            source = t["payment_of"] % {"date": day.isoformat()}
            for n, (inv, part) in enumerate(settles, 1):
                alloc_id = ids.take(Allocation)
                inv.allocations.append((day, part, alloc_id))
                alloc_at = at + timedelta(minutes=n)
                batch.allocations.append(
                    make(
                        Allocation,
                        id=alloc_id,
                        invoice_id=inv.id,
                        payment_id=pid,
                        amount=cents(part),
                        created_at=alloc_at,
                    )
                )
                summary = t["allocated"] % {"amount": cents(part), "source": source, "number": inv.number}
                data = {"allocation": alloc_id, "invoice_open": str(cents(inv.open))}
                self.event(
                    events,
                    alloc_at,
                    Event.Kind.ALLOCATION,
                    "allocated",
                    summary,
                    ct_invoice,
                    inv.id,
                    label=MATCHING,
                    data=data,
                )

        # Invoices in their final state, and the customer's stored totals.
        open_total = 0
        oldest_due = None
        for inv in invoices:
            open_cents = inv.open
            if open_cents == 0:
                paid = max(a[0] for a in inv.allocations)
                status, paid_date, days_late = Invoice.Status.PAID, paid, (paid - inv.due).days
            else:
                status, paid_date, days_late = Invoice.Status.OPEN, None, None
                open_total += open_cents
                if open_cents > 0 and (oldest_due is None or inv.due < oldest_due):
                    oldest_due = inv.due
            at = self.at(inv.issue, 7 * 60 + rng.randint(0, 120))
            batch.invoices.append(
                make(
                    Invoice,
                    id=inv.id,
                    customer_id=cid,
                    number=inv.number,
                    issue_date=inv.issue,
                    due_date=inv.due,
                    currency="EUR",
                    amount=cents(inv.amount),
                    vat_amount=cents(inv.vat),
                    open_amount=cents(open_cents),
                    status=status,
                    description=inv.description,
                    order_reference=inv.order_reference,
                    payment_reference="",
                    paid_date=paid_date,
                    days_late=days_late,
                    created_at=at,
                )
            )
            summary = t["posted"] % {
                "label": t["credit_note"] if inv.amount < 0 else t["invoice"],
                "number": inv.number,
                "currency": "EUR",
                "amount": cents(inv.amount),
                "due": inv.due.isoformat(),
            }
            self.event(events, at, Event.Kind.INVOICE, "posted", summary, ct_invoice, inv.id, label=ERP)
        customer.open_amount = cents(open_total)
        customer.oldest_open_due_date = oldest_due
        customer.unallocated_amount = cents(unallocated_total)

        block_day = self._status_and_block(rng, customer, profile, stop, events)
        self._notes_and_tasks(
            rng, customer, profile, invoices, credit_notes, contacts, block_day, batch, events
        )

    def _with_extras(self, rng, payments, twice) -> Iterator[tuple[date, list, int | None]]:
        """Each payment with what was paid too much; None marks a payment made a second time."""
        for day, settles in payments:
            roll = rng.random()
            if roll < 0.015:
                yield day, settles, rng.randint(100, 5000)  # a little too much: a fee added twice
                continue
            yield day, settles, 0
            if roll < 0.02:  # paid twice: the second payment waits for a refund
                again = self.business_day(day + timedelta(days=rng.randint(1, 12)))
                if again <= self.today:
                    twice.append((again, settles))
        for day, settles in twice:
            yield day, settles, None

    def _credit_note(self, day: date, amount: int, inv: _Inv) -> _Inv:
        cn_id = self.ids.take(Invoice)
        return _Inv(
            id=cn_id,
            number=f"C{cn_id:08d}",
            issue=day,
            due=day,
            amount=-amount,
            vat=-round(inv.vat * amount / inv.amount),
            description=f"Creditnota op factuur {inv.number}",
            order_reference=inv.order_reference,
        )

    def _status_and_block(
        self, rng, customer: Customer, profile: str, stop: date | None, events
    ) -> date | None:
        """Put defaulting and long-overdue customers on hold or in collection; returns the block day."""
        today = self.today
        controller = customer.controller_id
        ct = self.ct[Customer]
        oldest = customer.oldest_open_due_date
        change = block_day = None
        if profile == "defaulting" and customer.status == Customer.Status.ACTIVE:
            change = rng.choice((Customer.Status.IN_COLLECTION, Customer.Status.ON_HOLD))
            block_day = (stop or today) + timedelta(days=rng.randint(45, 75))
        elif (
            profile in ("deteriorating", "structurally_late")
            and customer.status == Customer.Status.ACTIVE
            and oldest is not None
            and oldest < today - timedelta(days=60)
            and rng.random() < 0.5
        ):
            change = Customer.Status.ON_HOLD
            block_day = oldest + timedelta(days=rng.randint(60, 75))
        if change is not None:
            block_day = min(today, self.business_day(min(today, block_day)))
            reason = rng.choice(BLOCK_REASONS)
            customer.delivery_blocked = True
            customer.delivery_block_reason = reason
            customer.status = change
            at = self.at(block_day, 11 * 60 + rng.randint(0, 300))
            self.event(
                events,
                at,
                Event.Kind.CUSTOMER,
                "delivery_blocked",
                self.t["blocked"] % {"reason": reason},
                ct,
                customer.id,
                actor=controller,
            )
            if change == Customer.Status.IN_COLLECTION:
                at = self.at(min(today, block_day + timedelta(days=rng.randint(14, 40))), 14 * 60)
            self.event(
                events,
                at + timedelta(seconds=30),
                Event.Kind.CUSTOMER,
                "updated",
                self.t["changed"] % {"fields": "status"},
                ct,
                customer.id,
                actor=controller,
                data={"changes": {"status": ["active", str(change)]}},
            )
        if customer.status == Customer.Status.CLOSED:
            last = max(e[0] for e in events)
            at = min(last + timedelta(days=rng.randint(20, 60)), self.at(today, 6 * 60))
            self.event(
                events,
                at,
                Event.Kind.CUSTOMER,
                "updated",
                self.t["changed"] % {"fields": "status"},
                ct,
                customer.id,
                actor=controller,
                data={"changes": {"status": ["active", "closed"]}},
            )
        return block_day

    # -- notes and tasks ------------------------------------------------------------

    def _notes_and_tasks(
        self, rng, customer, profile, invoices, credit_notes, contacts, block_day, batch, events
    ) -> None:
        today = self.today
        controller = customer.controller_id
        first_day = customer.created_at.date()
        lang = "en" if customer.language in ("en", "de") or rng.random() < 0.1 else "nl"
        weekdays = WEEKDAYS_EN if lang == "en" else WEEKDAYS_NL
        reasons = DISPUTE_REASONS_EN if lang == "en" else DISPUTE_REASONS_NL
        contact = contacts[0]
        regular = [inv for inv in invoices if inv.amount > 0]
        overdue = [inv for inv in regular if inv.open > 0 and inv.due < today]
        late_paid = [inv for inv in regular if inv.open == 0 and max(a[0] for a in inv.allocations) > inv.due]
        open_total = sum(inv.open for inv in invoices)
        overdue_total = sum(inv.open for inv in overdue)

        def add_note(day: date, kind: str, inv: _Inv | None = None, **extra) -> None:
            day = max(first_day, min(day, today))
            promised = day + timedelta(days=rng.randint(1, 4))
            values = {
                "weekday": weekdays[promised.weekday()],
                "contact": contact.name,
                "email": contact.email,
                "invoice": inv.number if inv else "",
                "amount": eur(inv.open if inv and inv.open > 0 else max(open_total, 10_000)),
                "n": rng.choice((3, 4, 6)),
                "year": day.year - 1,
                "reason": rng.choice(reasons),
                **extra,
            }
            if kind == "plan":
                values["amount"] = eur(max(open_total // values["n"], 10_000))
            text = rng.choice(NOTES[lang][kind]).format(**values)
            at = self.at(day, 9 * 60 + rng.randint(0, 480))
            nid = self.ids.take(Note)
            batch.notes.append(
                make(Note, id=nid, customer_id=customer.id, author_id=controller, text=text, created_at=at)
            )
            self.event(events, at, Event.Kind.NOTE, "added", text[:300], self.ct[Note], nid, actor=controller)

        # Dispute notes on the disputed invoices, and the credit notes that settled some.
        for inv in regular:
            if inv.disputed:
                add_note(inv.due + timedelta(days=rng.randint(3, 20)), "dispute", inv)
        for cn, target in credit_notes:
            if target is not None and target.disputed:
                add_note(cn.issue, "credit", target, credit_note=cn.number)

        (low, high), kinds = PROFILE_NOTES[profile]
        if customer.status != Customer.Status.CLOSED:
            pool = overdue + late_paid or regular
            for _n in range(rng.randint(low, high)):
                kind = rng.choice(kinds)
                inv = rng.choice(pool) if pool else None
                if kind == "review" or inv is None:
                    day = today - timedelta(days=rng.randint(20, 250))
                else:
                    day = inv.due + timedelta(days=rng.randint(5, 25))
                add_note(day, kind, inv)
        if block_day is not None:
            add_note(block_day, "block")
        if customer.status == Customer.Status.IN_COLLECTION:
            add_note(today - timedelta(days=rng.randint(0, 20)), "agency")

        # Done tasks in the past: the calls a controller made about late invoices.
        Out = Task.Outcome
        if profile != "on_time" and late_paid:
            for inv in rng.sample(late_paid, min(len(late_paid), rng.randint(0, 3))):
                due = self.business_day(inv.due + timedelta(days=rng.randint(7, 14)))
                if due < today:
                    outcome = rng.choice((Out.PROMISED, Out.PROMISED, Out.NOT_REACHED, Out.REACHED, Out.PAID))
                    self._task(
                        rng,
                        customer,
                        batch,
                        events,
                        Task.Kind.CALL,
                        f"Bellen over vervallen factuur {inv.number}",
                        due,
                        controller,
                        Task.Priority.NORMAL,
                        inv.id,
                        done=outcome,
                    )

        # Open tasks: today's worklist.
        P, K = Task.Priority, Task.Kind
        english = customer.language in ("en", "de")
        if overdue and rng.random() < OPEN_TASK_CHANCE[profile]:
            worst = min(overdue, key=lambda i: i.due)
            days_over = (today - worst.due).days
            disputed = [inv for inv in overdue if inv.disputed]
            if disputed:
                kind, invoice_id, priority = K.DISPUTE, disputed[0].id, rng.choice((P.HIGH, P.NORMAL))
                title = f"Geschil factuur {disputed[0].number} uitzoeken met sales"
            else:
                kind, invoice_id = K.CALL, worst.id
                if english:
                    title = f"Call about overdue invoices ({eur(overdue_total)}, {days_over} days)"
                else:
                    title = f"Bellen over vervallen facturen ({eur(overdue_total)}, {days_over} dagen)"
                if profile == "defaulting" or days_over > 90:
                    priority = P.URGENT
                elif days_over > 45 or profile == "deteriorating":
                    priority = P.HIGH
                else:
                    priority = rng.choice((P.NORMAL, P.NORMAL, P.LOW))
            self._task(
                rng,
                customer,
                batch,
                events,
                kind,
                title,
                self._task_due(rng),
                controller,
                priority,
                invoice_id,
            )
            if profile in ("structurally_late", "deteriorating") and rng.random() < 0.3:
                self._task(
                    rng,
                    customer,
                    batch,
                    events,
                    K.FOLLOW_UP,
                    "Betaalbelofte controleren",
                    self._task_due(rng),
                    controller,
                    P.NORMAL,
                    None,
                )
        if customer.unallocated_amount > 0 and rng.random() < 0.6:
            title = f"Onverwerkte betaling van {eur(int(customer.unallocated_amount * 100))} uitzoeken"
            self._task(
                rng, customer, batch, events, K.PAYMENT, title, self._task_due(rng), controller, P.LOW, None
            )
        if customer.segment == Customer.Segment.KEY_ACCOUNT and rng.random() < 0.3:
            self._task(
                rng,
                customer,
                batch,
                events,
                K.REVIEW,
                "Kredietlimiet jaarlijks herzien",
                today + timedelta(days=rng.randint(0, 30)),
                controller,
                P.LOW,
                None,
            )
        if customer.status == Customer.Status.ACTIVE and rng.random() < 0.02:
            new_limit = max(int(customer.credit_limit) * 2, 5000)
            title = f"Limietverhoging naar {eur(new_limit * 100)[:-3]} goedkeuren"
            self._task(
                rng,
                customer,
                batch,
                events,
                K.APPROVAL,
                title,
                self._task_due(rng),
                self.staff[MANAGER],
                P.HIGH,
                None,
            )

    def _task_due(self, rng: random.Random) -> date:
        roll = rng.random()
        if roll < 0.3:
            return self.today - timedelta(days=rng.randint(1, 10))  # overdue
        if roll < 0.6:
            return self.today
        return self.today + timedelta(days=rng.randint(1, 14))

    def _task(
        self, rng, customer, batch, events, kind, title, due, assignee, priority, invoice_id, done: str = ""
    ) -> None:
        tid = self.ids.take(Task)
        created = max(due - timedelta(days=rng.randint(0, 7)), customer.created_at.date())
        created_at = self.at(min(created, self.today), 6 * 60 + rng.randint(0, 60))
        by_system = kind in (Task.Kind.CALL, Task.Kind.PAYMENT, Task.Kind.REVIEW)
        task = make(
            Task,
            id=tid,
            customer_id=customer.id,
            invoice_id=invoice_id,
            kind=kind,
            title=title,
            assignee_id=assignee,
            due_date=due,
            priority=priority,
            status=Task.Status.OPEN,
            created_at=created_at,
        )
        summary = self.t["task"] % {"date": due.isoformat(), "title": title}
        self.event(
            events,
            created_at,
            Event.Kind.TASK,
            "created",
            summary,
            self.ct[Task],
            tid,
            actor=None if by_system else assignee,
            label=DAILY if by_system else "",
        )
        if done:
            task.status = Task.Status.DONE
            task.outcome = done
            task.completed_by_id = assignee
            task.completed_at = max(created_at, self.at(due, 10 * 60 + rng.randint(0, 360)))
            summary = self.t["task_done"] % {"title": title, "outcome": self.outcomes[done]}
            self.event(
                events,
                task.completed_at,
                Event.Kind.TASK,
                "completed",
                summary[:300],
                self.ct[Task],
                tid,
                actor=assignee,
            )
        batch.tasks.append(task)

    def emit_events(self, events: list[tuple], customer_id: int, batch: Batch) -> None:
        """The customer's events in time order, so ids and timestamps agree."""
        events.sort(key=lambda e: e[0])
        take = self.ids.take
        for at, kind, verb, summary, data, actor_id, label, ct_id, object_id in events:
            batch.events.append(
                make(
                    Event,
                    id=take(Event),
                    customer_id=customer_id,
                    kind=kind,
                    verb=verb,
                    summary=summary[:300],
                    data=data,
                    actor_id=actor_id,
                    actor_label=label,
                    content_type_id=ct_id,
                    object_id=object_id,
                    created_at=at,
                )
            )


# --- writing -------------------------------------------------------------------------


def write(batch: Batch, *, copy: bool | None = None) -> None:
    """Store one batch; the foreign keys point inside the batch or at rows already stored.

    bulk_create in batches of BATCH_SIZE everywhere; on PostgreSQL COPY instead
    (the default there), which is about three times faster for the same rows.
    """
    if copy is None:
        copy = connection.vendor == "postgresql"
    with historical_timestamps():
        for name in Batch.ORDER:
            rows = getattr(batch, name)
            if not rows:
                continue
            model = type(rows[0])
            if copy:
                copy_rows(model, rows)
            else:
                model.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def _plain(value):
    return value.value if isinstance(value, enum.Enum) else value


def copy_rows(model: type[models.Model], rows: list[models.Model]) -> None:
    """COPY fully built instances into the model's table (PostgreSQL, psycopg 3).

    The instances must carry every column (see `make`): nothing runs pre_save.
    """
    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]
    converters = [
        json.dumps if isinstance(f, models.JSONField) else _plain if f.choices else None for f in fields
    ]
    special = [(i, c) for i, c in enumerate(converters) if c is not None]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as out:
        for obj in rows:
            values = obj.__dict__
            row = [values[name] for name in names]
            for i, convert in special:
                row[i] = convert(row[i])
            out.write_row(row)


def reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(Ids.MODELS))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in Ids.MODELS:
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')


def content_type_ids() -> dict[type[models.Model], int]:
    return {
        model: ContentType.objects.get_for_model(model).pk
        for model in (Customer, Contact, Invoice, Payment, Note, Task)
    }


@dataclass
class SeedResult:
    counts: Counter
    profiles: Counter
    users: dict[str, User]
    seconds: float
    skipped: bool = False
    profile_of: dict[int, str] = field(default_factory=dict)  # customer id -> behaviour profile


def seed(
    *,
    customers: int,
    seed: int = 2026,
    months: int = 18,
    today: date | None = None,
    if_empty: bool = False,
    atomic: bool | None = None,
    chunk: int = CHUNK_CUSTOMERS,
    log: Callable[[str], None] = lambda line: None,
) -> SeedResult:
    """Make the demo users and `customers` customers with their history."""
    started = time.monotonic()
    if if_empty and Customer.objects.exists():
        log(f"Customers exist already ({Customer.objects.count():,}); nothing seeded.")
        return SeedResult(Counter(), Counter(), {}, 0.0, skipped=True)
    today = today or timezone.localdate()
    atomic = customers <= ATOMIC_UP_TO if atomic is None else atomic
    totals: Counter = Counter()
    profiles: Counter = Counter()
    profile_of: dict[int, str] = {}

    def run() -> dict[str, User]:
        users = ensure_demo_users()
        planner = Planner(
            seed=seed,
            today=today,
            months=months,
            staff={name: user.pk for name, user in users.items()},
            content_types=content_type_ids(),
            ids=Ids.from_database(),
            taken_kvk=set(Customer.objects.exclude(kvk_number="").values_list("kvk_number", flat=True)),
        )
        log(f"Seeding {customers:,} customers (seed {seed}, {months} months up to {today.isoformat()}).")
        for batch in planner.batches(customers, chunk=chunk):
            with transaction.atomic():
                write(batch)
                if not atomic:
                    reset_sequences()
            totals.update(batch.counts())
            profiles.update(batch.profiles.values())
            profile_of.update(batch.profiles)
            elapsed = time.monotonic() - started
            log(
                f"  {totals['customers']:>9,} customers {totals['invoices']:>11,} invoices "
                f"{totals['payments']:>10,} payments {totals['events']:>11,} events  {elapsed:7.1f} s"
            )
        reset_sequences()
        return users

    if atomic:
        with transaction.atomic():
            users = run()
    else:
        users = run()
    analyze()
    seconds = time.monotonic() - started
    rows = sum(totals.values())
    log(
        f"Done in {seconds:.1f} s ({rows / seconds if seconds else 0:,.0f} rows/s): "
        + ", ".join(f"{totals[name]:,} {name}" for name in Batch.ORDER)
    )
    log("Profiles: " + ", ".join(f"{name} {profiles[name]:,}" for name in PROFILES))
    return SeedResult(totals, profiles, users, seconds, profile_of=profile_of)


def seed_big_customer(
    *, invoices: int = 500, events: int = 2000, seed: int = 99, today: date | None = None
) -> Customer:
    """One large key account (for benchmarks): `invoices` invoices and exactly `events` timeline events."""
    today = today or timezone.localdate()
    users = ensure_demo_users()
    planner = Planner(
        seed=seed,
        today=today,
        staff={name: user.pk for name, user in users.items()},
        content_types=content_type_ids(),
        ids=Ids.from_database(),
        taken_kvk=set(Customer.objects.exclude(kvk_number="").values_list("kvk_number", flat=True)),
    )
    batch = Batch()
    customer = planner.plan_customer(
        10_000_000,
        batch,
        invoices=invoices,
        name="Hollandia Bouwgroep N.V.",
        segment=Customer.Segment.KEY_ACCOUNT,
        profile="sometimes_late",
        status=Customer.Status.ACTIVE,
    )
    rng = random.Random(seed)
    if len(batch.events) > events:
        raise ValueError(f"{len(batch.events)} events already; ask for at least that many")
    # Pad the timeline with the reminders the dunning run would have sent.
    late = [
        i
        for i in batch.invoices
        if i.amount > 0
        and i.due_date + timedelta(days=7) <= today
        and (i.paid_date is None or i.paid_date > i.due_date + timedelta(days=7))
    ]
    invoices_by_due = sorted(late or [i for i in batch.invoices if i.amount > 0], key=lambda i: i.due_date)
    extra = []
    for n in range(events - len(batch.events)):
        inv = invoices_by_due[n % len(invoices_by_due)]
        day = min(today, inv.due_date + timedelta(days=7 + 7 * (n // len(invoices_by_due))))
        at = planner.at(day, 5 * 60 + rng.randint(0, 59))
        extra.append(
            (
                at,
                Event.Kind.DUNNING,
                "reminder_sent",
                f"Herinnering verstuurd per e-mail voor factuur {inv.number}",
                {},
                None,
                DAILY,
                planner.ct[Invoice],
                inv.id,
            )
        )
    planner.emit_events(extra, customer.id, batch)
    # Keep ids in time order over the whole timeline, as for every other customer.
    first_id = min(e.id for e in batch.events)
    batch.events.sort(key=lambda e: e.created_at)
    for n, event in enumerate(batch.events):
        event.id = first_id + n
    with transaction.atomic():
        write(batch)
        reset_sequences()
    analyze()
    return customer
