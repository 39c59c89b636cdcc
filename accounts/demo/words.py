"""The text the demo book is made of: names, places, streets, invoice lines and notes.

Plain data, Dutch first. The planner picks from these lists by position with
its seeded generator, so any edit here (order, length, text) changes the book
a seed makes.
"""

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
