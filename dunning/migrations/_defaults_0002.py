"""Texts and procedures shipped with the dunning app (used by migration 0002 only).

Templates use Django template syntax over the context documented in docs/dunning.md.
"""

INVOICE_LINES_NL = (
    "{% for i in invoices %}- factuur {{ i.number }} van {{ i.issue_date|date:'d-m-Y' }}, "
    "vervaldatum {{ i.due_date|date:'d-m-Y' }}: {{ i.open_amount|money:currency }}\n{% endfor %}"
)
INVOICE_LINES_EN = (
    "{% for i in invoices %}- invoice {{ i.number }} of {{ i.issue_date|date:'j M Y' }}, "
    "due {{ i.due_date|date:'j M Y' }}: {{ i.open_amount|money:currency }}\n{% endfor %}"
)
COSTS_NL = (
    "{% if costs %}Wettelijke incassokosten: {{ costs|money:currency }}\n{% endif %}"
    "{% if interest %}Wettelijke handelsrente tot vandaag: {{ interest|money:currency }}\n{% endif %}"
)
COSTS_EN = (
    "{% if costs %}Statutory collection costs: {{ costs|money:currency }}\n{% endif %}"
    "{% if interest %}Statutory commercial interest to date: {{ interest|money:currency }}\n{% endif %}"
)
PAY_NL = (
    "U kunt betalen op IBAN {{ company.iban }} ten name van {{ company.name }}, "
    "onder vermelding van uw klantnummer {{ customer.number }}."
    "{% if portal_url %}\nBekijk en betaal uw facturen online: {{ portal_url }}{% endif %}"
)
PAY_EN = (
    "Please pay to IBAN {{ company.iban }} in the name of {{ company.name }}, "
    "stating your customer number {{ customer.number }}."
    "{% if portal_url %}\nSee and pay your invoices online: {{ portal_url }}{% endif %}"
)
SIGN_NL = "\nMet vriendelijke groet,\n\n{{ company.name }}\nAfdeling debiteurenbeheer\n{{ company.phone }} · {{ company.email }}"
SIGN_EN = "\nKind regards,\n\n{{ company.name }}\nCredit control\n{{ company.phone }} · {{ company.email }}"
SIGN_STRICT_NL = "\nHoogachtend,\n\n{{ company.name }}\nAfdeling debiteurenbeheer\n{{ company.phone }} · {{ company.email }}"
SIGN_STRICT_EN = "\nYours faithfully,\n\n{{ company.name }}\nCredit control\n{{ company.phone }} · {{ company.email }}"
DEAR_NL = "Geachte {% if contact.name %}{{ contact.name }}{% else %}heer, mevrouw{% endif %},\n\n"
DEAR_EN = "Dear {% if contact.name %}{{ contact.name }}{% else %}Sir or Madam{% endif %},\n\n"

# key: (nl subject, nl text, en subject, en text); the text sits between greeting and signature.
TEXTS = {
    "low-predue": (
        "Vriendelijke herinnering: binnenkort te betalen",
        "Even een vriendelijke herinnering: de volgende facturen vervallen binnenkort.\n\n"
        + INVOICE_LINES_NL
        + "\nTotaal: {{ total|money:currency }}\n\nAls u al betaald heeft, dank u wel! " + PAY_NL + "\n"
        + SIGN_NL,
        "Friendly reminder: payment due soon",
        "Just a friendly reminder that the following invoices fall due soon.\n\n"
        + INVOICE_LINES_EN
        + "\nTotal: {{ total|money:currency }}\n\nIf you have already paid, thank you! " + PAY_EN + "\n"
        + SIGN_EN,
    ),
    "low-reminder": (
        "Herinnering: openstaande facturen",
        "Volgens onze administratie staan de volgende facturen nog open. Wellicht is de betaling "
        "aan uw aandacht ontsnapt.\n\n"
        + INVOICE_LINES_NL
        + "\nTotaal: {{ total|money:currency }}\n\n" + PAY_NL
        + "\nHeeft u vragen over een factuur? Laat het ons gerust weten.\n" + SIGN_NL,
        "Reminder: open invoices",
        "According to our records the following invoices are still open. Perhaps the payment "
        "slipped your attention.\n\n"
        + INVOICE_LINES_EN
        + "\nTotal: {{ total|money:currency }}\n\n" + PAY_EN
        + "\nIf you have a question about an invoice, just let us know.\n" + SIGN_EN,
    ),
    "medium-reminder-1": (
        "Herinnering: betaling vervallen",
        "De betalingstermijn van de volgende facturen is verstreken.\n\n"
        + INVOICE_LINES_NL
        + "\nTotaal vervallen: {{ total|money:currency }}\n\nWij verzoeken u dit bedrag binnen 7 dagen "
        "te betalen. " + PAY_NL + "\n" + SIGN_NL,
        "Reminder: payment overdue",
        "The payment terms of the following invoices have expired.\n\n"
        + INVOICE_LINES_EN
        + "\nTotal overdue: {{ total|money:currency }}\n\nPlease pay this amount within 7 days. "
        + PAY_EN + "\n" + SIGN_EN,
    ),
    "medium-reminder-2": (
        "Tweede herinnering: {{ total|money:currency }} vervallen",
        "Ondanks onze eerdere herinnering hebben wij de betaling van de volgende facturen nog niet "
        "ontvangen.\n\n"
        + INVOICE_LINES_NL
        + "\nTotaal vervallen: {{ total|money:currency }}\n\nWij verzoeken u dringend dit bedrag binnen "
        "5 dagen te betalen. " + PAY_NL
        + "\nKunt u niet (volledig) betalen, neem dan contact met ons op om een regeling te bespreken.\n"
        + SIGN_NL,
        "Second reminder: {{ total|money:currency }} overdue",
        "Despite our earlier reminder we have not yet received payment of the following invoices.\n\n"
        + INVOICE_LINES_EN
        + "\nTotal overdue: {{ total|money:currency }}\n\nWe urgently ask you to pay this amount within "
        "5 days. " + PAY_EN
        + "\nIf you cannot pay (in full), please contact us to discuss an arrangement.\n" + SIGN_EN,
    ),
    "medium-final": (
        "Aanmaning: laatste gelegenheid tot betaling",
        "Ondanks herhaalde herinneringen staan de volgende facturen nog steeds open.\n\n"
        + INVOICE_LINES_NL
        + "\nTotaal vervallen: {{ total|money:currency }}\n" + COSTS_NL
        + "\nWij sommeren u het vervallen bedrag van {{ total|money:currency }} binnen 14 dagen na "
        "ontvangst van deze brief te betalen. Betaalt u niet binnen deze termijn, dan bent u "
        "daarnaast de wettelijke incassokosten van {{ costs|money:currency }} verschuldigd en dragen wij "
        "de vordering over aan een incassobureau.\n\n" + PAY_NL + "\n" + SIGN_STRICT_NL,
        "Final notice: last opportunity to pay",
        "Despite repeated reminders the following invoices are still open.\n\n"
        + INVOICE_LINES_EN
        + "\nTotal overdue: {{ total|money:currency }}\n" + COSTS_EN
        + "\nWe demand payment of the overdue amount of {{ total|money:currency }} within 14 days of "
        "receipt of this letter. If you do not pay within this period, you will in addition owe the "
        "statutory collection costs of {{ costs|money:currency }} and we will hand the claim over to a "
        "collection agency.\n\n" + PAY_EN + "\n" + SIGN_STRICT_EN,
    ),
    "high-predue": (
        "Betaling vervalt binnenkort",
        "Wij wijzen u erop dat de volgende facturen binnenkort vervallen. Wij rekenen op tijdige "
        "betaling.\n\n"
        + INVOICE_LINES_NL + "\nTotaal: {{ total|money:currency }}\n\n" + PAY_NL + "\n" + SIGN_NL,
        "Payment due soon",
        "Please note that the following invoices fall due shortly. We count on payment on time.\n\n"
        + INVOICE_LINES_EN + "\nTotal: {{ total|money:currency }}\n\n" + PAY_EN + "\n" + SIGN_EN,
    ),
    "high-reminder-1": (
        "Betaling vervallen: direct betalen",
        "De volgende facturen zijn vervallen en nog niet betaald.\n\n"
        + INVOICE_LINES_NL
        + "\nTotaal vervallen: {{ total|money:currency }}\n\nWij verzoeken u dit bedrag per omgaande, "
        "uiterlijk binnen 3 dagen, te betalen. Zonder betaling kunnen wij helaas niet verder leveren.\n"
        + PAY_NL + "\n" + SIGN_STRICT_NL,
        "Payment overdue: please pay now",
        "The following invoices are overdue and have not been paid.\n\n"
        + INVOICE_LINES_EN
        + "\nTotal overdue: {{ total|money:currency }}\n\nPlease pay this amount immediately, within 3 "
        "days at the latest. Without payment we regret that we cannot continue to deliver.\n"
        + PAY_EN + "\n" + SIGN_STRICT_EN,
    ),
    "high-final": (
        "Ingebrekestelling en aanmaning",
        "Ondanks onze herinneringen zijn de volgende facturen niet betaald. Met deze brief stellen wij "
        "u in gebreke.\n\n"
        + INVOICE_LINES_NL
        + "\nTotaal vervallen: {{ total|money:currency }}\n" + COSTS_NL
        + "\nWij sommeren u het vervallen bedrag binnen 14 dagen na ontvangst van deze brief te "
        "voldoen. Na deze termijn bent u de wettelijke incassokosten van {{ costs|money:currency }} en "
        "de wettelijke handelsrente verschuldigd, blijven leveringen geblokkeerd en dragen wij de "
        "vordering zonder nadere aankondiging over aan een incassobureau.\n\n" + PAY_NL + "\n"
        + SIGN_STRICT_NL,
        "Notice of default and final demand",
        "Despite our reminders the following invoices have not been paid. With this letter we give "
        "you notice of default.\n\n"
        + INVOICE_LINES_EN
        + "\nTotal overdue: {{ total|money:currency }}\n" + COSTS_EN
        + "\nWe demand payment of the overdue amount within 14 days of receipt of this letter. After "
        "this period you will owe the statutory collection costs of {{ costs|money:currency }} and "
        "statutory commercial interest, deliveries remain blocked, and we will hand the claim over to "
        "a collection agency without further notice.\n\n" + PAY_EN + "\n" + SIGN_STRICT_EN,
    ),
}

# code, name, description, minimum amount, steps:
# (position, name, offset, action, template key, requires approval, charge costs, charge interest)
PROCEDURES = [
    (
        "low",
        "Low risk",
        "Friendly: a reminder before the due date, one reminder, then a call.",
        "25.00",
        [
            (1, "Friendly reminder before due date", -3, "email", "low-predue", False, False, False),
            (2, "Reminder", 10, "email", "low-reminder", False, False, False),
            (3, "Call the customer", 24, "call", "", False, False, False),
        ],
    ),
    (
        "medium",
        "Medium risk",
        "Two reminders, a call, a final notice with costs (approved by a person), then a review.",
        "10.00",
        [
            (1, "First reminder", 3, "email", "medium-reminder-1", False, False, False),
            (2, "Second reminder", 14, "email", "medium-reminder-2", False, False, False),
            (3, "Call the customer", 21, "call", "", False, False, False),
            (4, "Final notice (14-day letter)", 30, "final_notice", "medium-final", True, True, True),
            (5, "Review: hand over or not", 50, "task", "", False, False, False),
        ],
    ),
    (
        "high",
        "High risk",
        "Early and strict: reminder before due date, automatic notice of default at +14, delivery block "
        "at +30, hand-over at +60 (approved by a person).",
        "0.00",
        [
            (1, "Reminder before due date", -5, "email", "high-predue", False, False, False),
            (2, "Overdue: pay now", 1, "email", "high-reminder-1", False, False, False),
            (3, "Call the customer", 7, "call", "", False, False, False),
            (4, "Notice of default (14-day letter)", 14, "final_notice", "high-final", False, True, True),
            (5, "Delivery block", 30, "delivery_block", "", False, False, False),
            (6, "Hand over to collection agency", 60, "hand_over", "", True, True, True),
        ],
    ),
]

# position, name, procedure code, risk classes, behaviours
RULES = [
    (10, "High and very high risk", "high", ["high", "very_high"], []),
    (20, "Structurally late payers", "high", [], ["structurally_late"]),
    (30, "Medium risk or unknown", "medium", ["medium", "unknown"], []),
    (40, "Everyone else", "low", [], []),
]

# Statutory commercial interest (art. 6:119a BW), percent a year, from the date given.
INTEREST_RATES = [
    ("2022-01-01", "8.00"),
    ("2022-07-01", "8.00"),
    ("2023-01-01", "10.50"),
    ("2023-07-01", "12.00"),
    ("2024-01-01", "12.50"),
    ("2024-07-01", "12.25"),
    ("2025-01-01", "11.15"),
    ("2025-07-01", "10.15"),
    ("2026-01-01", "10.15"),
]
