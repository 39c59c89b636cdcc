# ruff: noqa: E501  (one mail per line reads better than wrapped strings)
"""Customer replies for the demo inbox: promises, disputes, copy requests, "already paid", questions
and out-of-office mails in the customer's language (nl, en, de, fr), from the demo customers' contacts.

Each mail goes through the real ingestion (parse, link, classify, assign), so the demo shows what a
real mailbox would: most mails linked by the sender's address, a few by an invoice number, one left
for triage. Deterministic (seeded) and safe to run twice: a mail is stored once by its Message-ID.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Contact, Customer, Invoice
from dunning.inbox import replies, services
from dunning.models import InboundMail

MONTHS = {
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
}
DAY_FORMAT = {"nl": "{d} {m}", "en": "{d} {m}", "de": "{d}. {m}", "fr": "{d} {m}"}

# class -> language -> [(subject, body)]; {inv} invoice number, {date} a date ahead, {amount} the open amount, {name} the sender.
MAILS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "promise": {
        "nl": [
            (
                "Re: Herinnering factuur {inv}",
                "Goedemiddag,\n\nExcuses, de factuur was blijven liggen bij onze directeur. We betalen op {date} het volledige bedrag van {amount}.\n\nMet vriendelijke groet,\n{name}",
            ),
            (
                "Re: Betalingsherinnering",
                "Hallo,\n\nFactuur {inv} staat in onze betaalrun van {date}. Wij maken het dan over.\n\nGroet, {name}",
            ),
            (
                "Betaling {inv}",
                "Beste,\n\nDoor een late betaling van een grote klant lukt het pas op {date}, dan betalen wij {amount}. Ik hoop op uw begrip.\n\n{name}",
            ),
        ],
        "en": [
            (
                "Re: Payment reminder {inv}",
                "Hi,\n\nSorry for the delay, our AP clerk was on leave. We will pay {inv} on {date}.\n\nKind regards,\n{name}",
            ),
            (
                "Re: Overdue invoice",
                "Hello,\n\n{amount} is scheduled for our payment run on {date}. You should see it the day after.\n\nBest,\n{name}",
            ),
        ],
        "de": [
            (
                "AW: Zahlungserinnerung {inv}",
                "Sehr geehrte Damen und Herren,\n\nwir zahlen die Rechnung {inv} über {amount} am {date}. Bitte entschuldigen Sie die Verzögerung.\n\nMit freundlichen Grüßen\n{name}",
            ),
            (
                "AW: Offene Posten",
                "Guten Tag,\n\ndie Zahlung wird am {date} angewiesen, wir zahlen dann den vollen Betrag.\n\nGruß\n{name}",
            ),
        ],
        "fr": [
            (
                "RE: Rappel facture {inv}",
                "Bonjour,\n\nNous paierons la facture {inv} le {date}. Désolés pour ce retard.\n\nCordialement,\n{name}",
            ),
            (
                "RE: Relance",
                "Madame, Monsieur,\n\nLe montant de {amount} sera réglé le {date} par virement.\n\nBien à vous,\n{name}",
            ),
        ],
    },
    "dispute": {
        "nl": [
            (
                "Re: Herinnering factuur {inv}",
                "Goedendag,\n\nDe levering van factuur {inv} is beschadigd aangekomen: drie dozen waren nat en de inhoud onbruikbaar. Wij betalen niet voordat dit is opgelost.\n\n{name}",
            ),
            (
                "Klacht over factuur {inv}",
                "Beste,\n\nDe prijs op {inv} klopt niet met de offerte die wij getekend hebben. Graag een creditnota voor het verschil.\n\nMvg, {name}",
            ),
        ],
        "en": [
            (
                "Re: Payment reminder {inv}",
                "Hello,\n\nWe never received the goods on invoice {inv}. Our warehouse has no delivery note. Please look into it before chasing us.\n\n{name}",
            ),
            (
                "Invoice {inv} incorrect",
                "Dear credit team,\n\nYou charged 40 units, only 25 arrived. We dispute the invoice until you send a credit note.\n\nRegards, {name}",
            ),
        ],
        "de": [
            (
                "Reklamation Rechnung {inv}",
                "Guten Tag,\n\ndie Ware zur Rechnung {inv} kam beschädigt an. Fotos haben wir an den Vertrieb geschickt. Bis zur Klärung zahlen wir nicht.\n\nMit freundlichen Grüßen\n{name}",
            ),
        ],
        "fr": [
            (
                "Réclamation facture {inv}",
                "Bonjour,\n\nNous contestons la facture {inv} : la marchandise est arrivée endommagée. Merci de nous faire parvenir un avoir.\n\nCordialement,\n{name}",
            ),
        ],
    },
    "copy": {
        "nl": [
            (
                "Kopie factuur {inv}",
                "Goedemorgen,\n\nKunt u ons een kopie van factuur {inv} sturen? Wij kunnen hem niet terugvinden in onze administratie.\n\nAlvast bedankt,\n{name}",
            ),
            (
                "Rekeningoverzicht",
                "Hallo,\n\nOnze accountant vraagt om een rekeningoverzicht met alle openstaande posten. Kunt u dat mailen?\n\n{name}",
            ),
        ],
        "en": [
            (
                "Copy of invoice {inv}",
                "Hi,\n\nCould you resend invoice {inv}? It seems to have gone to a colleague who left.\n\nThanks,\n{name}",
            ),
            (
                "Statement request",
                "Hello,\n\nPlease send us a statement of account for our year-end reconciliation.\n\nKind regards,\n{name}",
            ),
        ],
        "de": [
            (
                "Kopie der Rechnung {inv}",
                "Guten Tag,\n\nbitte senden Sie uns eine Kopie der Rechnung {inv}, das Original ist bei uns nicht angekommen.\n\nDanke und Gruß\n{name}",
            ),
        ],
        "fr": [
            (
                "Copie de la facture {inv}",
                "Bonjour,\n\nPourriez-vous nous envoyer une copie de la facture {inv} ? Nous ne la retrouvons pas.\n\nMerci,\n{name}",
            ),
        ],
    },
    "paid": {
        "nl": [
            (
                "Re: Herinnering factuur {inv}",
                "Beste,\n\nDeze factuur is al betaald op {past}, zie het betalingsbewijs in de bijlage. Wilt u de herinnering intrekken?\n\n{name}",
            ),
            (
                "Betaald {inv}",
                "Goedemiddag,\n\nWij hebben {amount} gisteren overgemaakt onder vermelding van {inv}.\n\nGroet, {name}",
            ),
        ],
        "en": [
            (
                "Re: Overdue invoice {inv}",
                "Hi,\n\nWe have paid this already, the transfer of {amount} left our account on {past}. Remittance advice attached.\n\n{name}",
            ),
        ],
        "de": [
            (
                "AW: Zahlungserinnerung {inv}",
                "Sehr geehrte Damen und Herren,\n\ndie Rechnung {inv} wurde bereits bezahlt, der Betrag von {amount} wurde am {past} überwiesen.\n\nMit freundlichen Grüßen\n{name}",
            ),
        ],
        "fr": [
            (
                "RE: Rappel facture {inv}",
                "Bonjour,\n\nCette facture a déjà été payée : virement effectué le {past} pour {amount}.\n\nCordialement,\n{name}",
            ),
        ],
    },
    "question": {
        "nl": [
            (
                "Vraag over {inv}",
                "Hallo,\n\nWaarom staan er rentekosten op de laatste herinnering? Wij waren maar een week te laat.\n\n{name}",
            ),
            (
                "Betalen in termijnen?",
                "Beste,\n\nKunnen wij het openstaande bedrag in drie termijnen betalen? Het is een krappe maand.\n\n{name}",
            ),
        ],
        "en": [
            (
                "Question about {inv}",
                "Hello,\n\nCan you tell me which purchase order invoice {inv} belongs to? I need it to get it approved.\n\n{name}",
            ),
        ],
        "de": [
            (
                "Frage zur Rechnung {inv}",
                "Guten Tag,\n\nkönnen Sie uns sagen, auf welche Bestellung sich die Rechnung {inv} bezieht?\n\nGruß\n{name}",
            ),
        ],
        "fr": [
            (
                "Question facture {inv}",
                "Bonjour,\n\nPourquoi des frais de retard figurent-ils sur le dernier rappel ?\n\nMerci,\n{name}",
            ),
        ],
    },
    "auto_reply": {
        "nl": [
            (
                "Automatisch antwoord: Herinnering factuur {inv}",
                "Ik ben afwezig tot en met {date} en heb beperkt toegang tot mijn e-mail. Voor dringende zaken kunt u de administratie bellen.\n\n{name}",
            )
        ],
        "en": [
            (
                "Automatic reply: Payment reminder {inv}",
                "I am out of the office until {date} with no access to e-mail. For urgent matters please contact accounts@ our office.\n\n{name}",
            )
        ],
        "de": [
            (
                "Abwesenheitsnotiz: Zahlungserinnerung {inv}",
                "Ich bin bis zum {date} nicht im Büro. Ihre Nachricht wird nicht weitergeleitet.\n\n{name}",
            )
        ],
        "fr": [
            (
                "Réponse automatique : Rappel facture {inv}",
                "Je suis absent du bureau jusqu'au {date}. Je vous répondrai à mon retour.\n\n{name}",
            )
        ],
    },
}
# How often each kind comes in (a month in a credit department's inbox, roughly).
MIX = [("promise", 24), ("dispute", 12), ("copy", 16), ("paid", 14), ("question", 12), ("auto_reply", 22)]


def _day_text(day: date, language: str) -> str:
    return DAY_FORMAT[language].format(d=day.day, m=MONTHS[language][day.month - 1])


def _money(amount, language: str) -> str:
    whole = f"{amount:,.2f}"
    if language in ("nl", "de"):
        return "€ " + whole.replace(",", "_").replace(".", ",").replace("_", ".")
    if language == "fr":
        return whole.replace(",", " ").replace(".", ",") + " €"
    return "€" + whole


def _working_hour(rng: random.Random, today: date, days_back: int) -> datetime:
    day = today - timedelta(days=days_back)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    at = timezone.make_aware(datetime.combine(day, time(rng.randint(7, 17), rng.randint(0, 59))))
    while at > timezone.now():  # seeded early in the morning: that hour of the working day before
        at -= timedelta(days=1)
        while at.weekday() >= 5:
            at -= timedelta(days=1)
    return at


def _raw(*, sender: str, name: str, subject: str, body: str, mid: str, at: datetime, auto: bool) -> bytes:
    m = EmailMessage()
    m["From"] = f"{name} <{sender}>"
    m["To"] = settings.COMPANY["email"]
    m["Subject"] = subject
    m["Message-ID"] = mid
    m["Date"] = format_datetime(at)
    if auto:
        m["Auto-Submitted"] = "auto-replied"
    m.set_content(body)
    return bytes(m)


def seed_inbox(
    *,
    today: date | None = None,
    seed: int = 2026,
    count: int = 60,
    log: Callable[[str], None] = lambda line: None,
) -> dict:
    """Put about `count` customer mails into the inbox (nothing when the demo has no customers)."""
    today = today or timezone.localdate()
    rng = random.Random(seed)
    overdue = Invoice.objects.filter(
        customer=OuterRef("pk"), status=Invoice.Status.OPEN, open_amount__gt=0, due_date__lt=today
    )
    with_mail = Contact.objects.filter(customer=OuterRef("pk")).exclude(email="")
    customers = list(
        Customer.objects.filter(Exists(overdue), Exists(with_mail))
        .select_related("controller")
        .order_by("number")
    )
    if not customers:
        log("Inbox: no customers with overdue invoices and an e-mail contact; nothing seeded.")
        return {"mails": 0}
    # Every customer who writes in another language than Dutch first: the mix shows all four.
    foreign = [c for c in customers if c.language != "nl" or c.country == "BE"]
    dutch = [c for c in customers if c not in foreign]
    chosen = foreign[: count // 3] + rng.sample(dutch, min(count - min(len(foreign), count // 3), len(dutch)))
    kinds = [k for k, weight in MIX for _ in range(weight)]
    stored = 0
    for i, customer in enumerate(chosen):
        contact = min((c for c in customer.contacts.all() if c.email), key=lambda c: (not c.is_primary, c.pk))
        invoice = (
            Invoice.objects.filter(customer=customer, status=Invoice.Status.OPEN, open_amount__gt=0)
            .order_by("due_date", "id")
            .first()
        )
        language = (contact.language or customer.language or "nl")[:2]
        if customer.country == "BE" and customer.city in ("Brussel", "Bruxelles"):
            language = "fr"  # Brussels: the accounts payable clerk writes French
        language = language if language in MONTHS else "en"
        kind = rng.choice(kinds)
        subject, body = rng.choice(MAILS[kind][language])
        at = _working_hour(rng, today, rng.choice([0, 0, 0, 1, 1, 2, 3, 4, 6]))
        fill = {
            "inv": invoice.number,
            "date": _day_text(today + timedelta(days=rng.randint(4, 21)), language),
            "past": _day_text(today - timedelta(days=rng.randint(1, 6)), language),
            "amount": _money(invoice.open_amount, language),
            "name": contact.name or customer.name,
        }
        sender = contact.email
        if i % 25 == 7:  # a shared-service centre writes from an address we do not know: linked by invoice
            sender = f"ap-{rng.randint(100, 999)}@ssc-finance.example"
        raw = _raw(
            sender=sender,
            name=fill["name"],
            subject=subject.format(**fill),
            body=body.format(**fill),
            mid=f"<demo-{seed}-{i}@{sender.rpartition('@')[2]}>",
            at=at,
            auto=kind == "auto_reply",
        )
        mail, created = services.ingest(raw, source=InboundMail.Source.IMAP)
        if not created:
            continue
        stored += 1
        # As if it came in when it was sent: the list's order and the response target follow.
        changes: dict = {"received_at": at}
        if mail.respond_by is not None:
            changes["respond_by"] = replies.respond_by(at)
        if at.date() < today and rng.random() < 0.6:
            changes["read_at"] = at + timedelta(hours=1)
        InboundMail.objects.filter(pk=mail.pk).update(**changes)
    # One mail nobody can link: it waits in triage.
    raw = _raw(
        sender="info@onbekend-bedrijf.example",
        name="Onbekend Bedrijf",
        subject="Vraag over uw factuur",
        body="Goedendag,\n\nWij ontvingen een factuur van u maar kennen uw bedrijf niet. Kunt u uitleggen waar deze voor is?\n\nMet vriendelijke groet,\nJ. de Groot",
        mid=f"<demo-{seed}-triage@onbekend-bedrijf.example>",
        at=_working_hour(rng, today, 1),
        auto=False,
    )
    stored += services.ingest(raw, source=InboundMail.Source.WEBHOOK)[1]
    tasks = services.follow_up_unanswered()
    by_class: dict[str, int] = {}
    for category in InboundMail.objects.values_list("category", flat=True):
        by_class[category] = by_class.get(category, 0) + 1
    log(
        f"Inbox: {stored} customer mails ({', '.join(f'{k} {v}' for k, v in sorted(by_class.items()))}); {tasks} past the response target."
    )
    return {"mails": stored, "tasks": tasks, **by_class}


def seed(
    *, seed: int = 2026, today: date | None = None, log: Callable[[str], None] = lambda line: None
) -> dict:
    """What seed_demo calls (accounts finds this module by name): about 60 mails."""
    return seed_inbox(today=today, seed=seed, log=log)
