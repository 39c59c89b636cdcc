# ruff: noqa: E501  (one mail per line reads better than wrapped strings)
"""Writes the labelled mail sets (tests/dunning/data/inbox_labelled.jsonl and the seed set).

Hand-written phrasings per class in Dutch and English, filled with invoice numbers, dates and
amounts; the seed set and the test set use different fillings. Run: python -m dunning.inbox.make_mails
"""

import json
import random
from pathlib import Path

T = {
    "promise": [
        ("Factuur {inv}", "Beste heer/mevrouw,\n\nWe betalen op {date} het volledige bedrag.\n\nMet vriendelijke groet,\n{name}"),
        ("Re: Herinnering {inv}", "Hallo,\n\nExcuses voor de vertraging. Wij maken {amount} uiterlijk {date} over.\n\nGroet, {name}"),
        ("Re: Betalingsherinnering", "Goedemiddag,\n\nDe factuur {inv} wordt {date} voldaan, de betaalrun staat ingepland.\n\n{name}"),
        ("Betaling {inv}", "Wij zullen het openstaande bedrag van {amount} op {date} betalen.\n\n{name}"),
        ("Re: {inv}", "Ik heb het doorgezet naar onze administratie, betaling volgt op {date}.\n{name}"),
        ("Re: Aanmaning", "Beste,\n\nDoor een liquiditeitsprobleem lukt het pas op {date}. Dan betalen wij {amount}.\n\nmvg {name}"),
        ("Herinnering factuur {inv}", "Dag,\n\nvolgende week vrijdag ({date}) gaat de betaling de deur uit.\n{name}"),
        ("Re: Openstaande posten", "Hoi,\n\nwe gaan betalen zodra de klant ons betaalt, verwacht rond {date}.\n\n{name}"),
        ("Re: Payment reminder {inv}", "Dear Sir or Madam,\n\nWe will pay invoice {inv} on {date}.\n\nKind regards,\n{name}"),
        ("Invoice {inv}", "Hi,\n\nApologies for the delay. {amount} will be transferred on {date}.\n\nBest,\n{name}"),
        ("Re: Overdue invoice", "Hello,\n\nPayment will be made by {date}, it is scheduled in our next payment run.\n\n{name}"),
        ("Re: Reminder", "We'll settle the outstanding {amount} before {date}.\nThanks for your patience,\n{name}"),
        ("Re: {inv}", "Our finance team confirmed the transfer is planned for {date}.\n\nRegards, {name}"),
        ("Payment {inv}", "Good morning,\n\nCash is tight this month but you will have the money on {date}.\n\n{name}"),
        ("Re: Statement of account", "We intend to clear invoice {inv} on {date}, amount {amount}.\n{name}"),
        ("Re: Second reminder", "Dear team,\n\nwe commit to paying the balance in full on {date}.\n\nSincerely,\n{name}"),
    ],
    "dispute": [
        ("Klacht over levering {inv}", "Goedendag,\n\nDe goederen van factuur {inv} zijn beschadigd aangekomen. Wij betalen niet voordat dit is opgelost.\n\n{name}"),
        ("Re: Herinnering {inv}", "Wij zijn het niet eens met deze factuur: de prijs klopt niet met de offerte.\n\n{name}"),
        ("Factuur {inv} onjuist", "Beste,\n\nEr staan 40 stuks op de factuur maar we hebben er 25 ontvangen.\n\nGroet, {name}"),
        ("Re: Aanmaning", "Deze bestelling hebben wij nooit ontvangen, dus wij gaan hier ook niet voor betalen.\n{name}"),
        ("Bezwaar {inv}", "Hierbij maak ik bezwaar tegen factuur {inv}. De werkzaamheden zijn niet uitgevoerd zoals afgesproken.\n{name}"),
        ("Re: {inv}", "De machine is na twee dagen kapot gegaan. Ik verwacht een creditnota.\n\n{name}"),
        ("Re: Betalingsherinnering", "De geleverde kwaliteit was ver onder de maat, we willen een korting voordat we betalen.\n{name}"),
        ("Verkeerde artikelen", "We hebben de verkeerde artikelen gekregen bij order {inv}. Graag retour laten halen.\n{name}"),
        ("Re: Payment reminder {inv}", "Hello,\n\nThe goods on invoice {inv} arrived damaged. We will not pay until this is resolved.\n\n{name}"),
        ("Invoice {inv} incorrect", "Dear team,\n\nThe price on this invoice does not match the quote we signed.\n\n{name}"),
        ("Re: Reminder", "We never received this delivery, so we dispute the charge.\n\nRegards, {name}"),
        ("Complaint {inv}", "I want to file a complaint: the service was not carried out as agreed.\n{name}"),
        ("Re: {inv}", "Half of the pallets were missing. Please issue a credit note for the shortfall.\n\n{name}"),
        ("Re: Overdue invoice", "The equipment stopped working after a week. We are withholding payment.\n{name}"),
        ("Quantity mismatch {inv}", "You billed 40 units but only 25 were delivered.\n\nBest, {name}"),
        ("Re: Final notice", "We were charged twice for the same order, the second invoice {inv} should be cancelled.\n{name}"),
    ],
    "copy": [
        ("Kopie factuur {inv}", "Goedemorgen,\n\nKunt u ons een kopie van factuur {inv} sturen? Wij kunnen hem niet vinden.\n\n{name}"),
        ("Re: Herinnering", "Beste,\n\nWilt u de factuur opnieuw toesturen? Hij is bij ons niet binnengekomen.\n{name}"),
        ("Rekeningoverzicht", "Hallo,\n\nGraag ontvangen wij een overzicht van alle openstaande facturen.\n\n{name}"),
        ("Re: {inv}", "Ik mis de pdf van deze factuur in de bijlage, kunt u die nogmaals sturen?\n{name}"),
        ("Factuur graag naar ander adres", "Wilt u de facturen voortaan naar crediteuren@{domain} sturen? En graag {inv} nog een keer.\n{name}"),
        ("Duplicaat", "Kunnen wij een duplicaat ontvangen van {inv}? Onze accountant heeft het origineel nodig.\n{name}"),
        ("Re: Aanmaning", "Onze administratie heeft deze factuur niet geboekt. Stuur hem alstublieft opnieuw naar ons.\n{name}"),
        ("Saldo-opgave", "Voor de jaarafsluiting hebben wij een saldo-opgave per 31 december nodig.\n\n{name}"),
        ("Copy of invoice {inv}", "Hi,\n\nCould you send us a copy of invoice {inv}? We cannot find it in our system.\n\n{name}"),
        ("Re: Reminder", "Please resend the invoice, it never reached our accounts payable mailbox.\n{name}"),
        ("Statement request", "Hello,\n\nCan we get a statement of all open items on our account?\n\nThanks, {name}"),
        ("Re: {inv}", "The PDF was not attached to your reminder. Please send the invoice again.\n{name}"),
        ("Invoice {inv} missing", "We have no record of this invoice. Kindly forward the original document.\n{name}"),
        ("Duplicate invoice needed", "Our auditors need a duplicate of invoice {inv}.\n\nRegards, {name}"),
        ("Re: Overdue invoice", "Could you email the invoice to ap@{domain}? It went to someone who left the company.\n{name}"),
        ("Account overview", "For our year-end we need an overview of the balance on our account.\n{name}"),
    ],
    "paid": [
        ("Re: Herinnering {inv}", "Goedendag,\n\nDeze factuur is al betaald op {date}. Zie bijgaand betalingsbewijs.\n\n{name}"),
        ("Betaling {inv}", "Wij hebben {amount} vorige week overgemaakt, het zou inmiddels binnen moeten zijn.\n{name}"),
        ("Re: Aanmaning", "Beste,\n\nDit bedrag is reeds voldaan. Kunt u uw administratie controleren?\n\n{name}"),
        ("Betaalspecificatie", "In de bijlage vindt u de betaalspecificatie van onze betaling van vandaag ({amount}).\n{name}"),
        ("Re: {inv}", "Volgens onze bank is {inv} gisteren afgeschreven.\nGroet, {name}"),
        ("Re: Betalingsherinnering", "Uw herinnering heeft onze betaling gekruist, het is gisteren betaald.\n{name}"),
        ("Re: Openstaand bedrag", "Wij hebben {inv} samen met de andere facturen in één keer betaald, kenmerk {inv}.\n{name}"),
        ("Afschrift betaling", "Hierbij het bankafschrift waaruit blijkt dat wij {amount} hebben voldaan.\n{name}"),
        ("Re: Payment reminder {inv}", "Hello,\n\nThis invoice was already paid on {date}. Please find the remittance advice attached.\n\n{name}"),
        ("Payment {inv}", "We transferred {amount} last Friday, it should have reached your account.\n{name}"),
        ("Re: Reminder", "Our records show this invoice as settled. Could you double check?\n\n{name}"),
        ("Remittance advice", "Please find attached the remittance for our payment of {amount} today.\n{name}"),
        ("Re: {inv}", "Our bank debited {inv} yesterday.\nRegards, {name}"),
        ("Re: Overdue invoice", "Your reminder crossed our payment, it went out yesterday.\n{name}"),
        ("Proof of payment", "Attached is the bank confirmation showing {amount} has been paid.\n{name}"),
        ("Re: Final notice", "We paid this together with the other open items in one batch last week.\n{name}"),
    ],
    "question": [
        ("Vraag over factuur {inv}", "Goedemiddag,\n\nWaarom is er administratiekosten in rekening gebracht op {inv}?\n\n{name}"),
        ("Re: Herinnering", "Wat is het juiste rekeningnummer om naar over te maken?\n{name}"),
        ("Vraag", "Kunt u mij uitleggen hoe de rente is berekend?\n\nGroet, {name}"),
        ("Re: {inv}", "Is het mogelijk om via iDEAL te betalen, of alleen per bank?\n{name}"),
        ("Betalingstermijn", "Hallo,\n\nHoe lang is de betalingstermijn bij jullie precies? Op de factuur staat iets anders dan in het contract.\n{name}"),
        ("Re: Aanmaning", "Met wie kan ik contact opnemen over onze klantgegevens?\n{name}"),
        ("Kenmerk", "Welk betalingskenmerk moeten wij vermelden bij de overboeking van {inv}?\n{name}"),
        ("Re: Betalingsherinnering", "Ik wil graag weten of deze factuur al in behandeling is bij een incassobureau.\n{name}"),
        ("Question about invoice {inv}", "Hi,\n\nWhy was an administration fee added to invoice {inv}?\n\n{name}"),
        ("Re: Reminder", "What is the correct bank account to transfer to?\n{name}"),
        ("Query", "Could you explain how the interest on this reminder was calculated?\n\nThanks, {name}"),
        ("Re: {inv}", "Is it possible to pay by credit card instead of bank transfer?\n{name}"),
        ("Payment terms", "Hello,\n\nWhat are your standard payment terms? The invoice says 14 days, our contract says 30.\n{name}"),
        ("Re: Overdue invoice", "Who should I talk to about updating our company details?\n{name}"),
        ("Reference", "Which payment reference should we quote when we pay {inv}?\n{name}"),
        ("Re: Second reminder", "I would like to know whether this account has been passed to a collection agency.\n{name}"),
    ],
    "auto_reply": [
        ("Automatisch antwoord: Herinnering {inv}", "Ik ben afwezig tot en met {date}. Voor dringende zaken kunt u contact opnemen met de receptie.\n{name}"),
        ("Afwezig: {inv}", "Bedankt voor uw bericht. Ik ben met vakantie en lees mijn mail niet.\n{name}"),
        ("Afwezigheidsmelding", "Ik ben vandaag niet aanwezig. Uw e-mail wordt niet doorgestuurd.\n{name}"),
        ("Re: Aanmaning", "Dit is een automatisch bericht: uw e-mail is ontvangen en wordt binnen 5 werkdagen behandeld.\n{name}"),
        ("Ontvangstbevestiging", "Wij hebben uw bericht in goede orde ontvangen. Dit bericht is automatisch verzonden.\n{name}"),
        ("Niet op kantoor", "Tot {date} ben ik niet op kantoor. Mijn collega neemt het waar.\n{name}"),
        ("Automatic reply: Payment reminder {inv}", "I am out of the office until {date} with limited access to email.\n{name}"),
        ("Out of Office: {inv}", "Thank you for your email. I am on annual leave and will reply on my return.\n{name}"),
        ("Away", "I'm currently away from my desk. For urgent matters call reception.\n{name}"),
        ("Re: Reminder", "This is an automated message: your request has been received and a ticket was created.\n{name}"),
        ("Thank you for your message", "We have received your email. This mailbox is not monitored; replies are sent automatically.\n{name}"),
        ("Not in the office", "Until {date} I am not in the office. My colleague will handle your message.\n{name}"),
    ],
    "other": [
        ("Nieuwsbrief december", "Ontdek onze nieuwe collectie en profiteer van 20% korting deze maand!\n{name}"),
        ("Re: Herinnering", "Bedankt voor uw bericht.\n{name}"),
        ("Nieuw adres", "Per 1 januari zijn wij verhuisd naar de Stationsstraat 12 in Utrecht.\n{name}"),
        ("Uitnodiging relatiedag", "Wij nodigen u graag uit voor onze relatiedag op {date}.\n{name}"),
        ("Re: {inv}", "Ik stuur dit door naar mijn collega van de boekhouding.\n{name}"),
        ("Contactpersoon gewijzigd", "Vanaf deze maand is Sanne de Boer uw contactpersoon voor de administratie.\n{name}"),
        ("Webinar", "Join our webinar on supply chain trends next Thursday.\n{name}"),
        ("Re: Reminder", "Thanks, noted.\n{name}"),
        ("New address", "As of 1 January we have moved to 12 Station Road, Leeds.\n{name}"),
        ("Invitation", "You are invited to our customer day on {date}.\n{name}"),
        ("Re: {inv}", "I have forwarded this to my colleague in accounting.\n{name}"),
        ("Contact change", "From this month Sarah Jones is your contact for all finance matters.\n{name}"),
    ],
}  # fmt: skip
NAMES = ["Petra Smit", "Jan de Vries", "Karin Bakker", "M. Jansen", "Ahmed El Amrani", "Sophie Visser",
         "John Carter", "Emma Wilson", "Tom Hughes", "Lisa Meyer", "Pieter van Dijk", "Anna Novak"]  # fmt: skip
DATES_NL = ["30 november", "15 december", "1 december", "maandag 7 december", "20-12", "31 december"]
DATES_EN = [
    "30 November",
    "December 15th",
    "1 December",
    "Monday 7 December",
    "20/12",
    "the 31st of December",
]


def generate(seed: int, per_template: int) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for label, templates in T.items():
        for i, (subject, body) in enumerate(templates):
            dutch = i < len(templates) // 2
            for _ in range(per_template):
                fill = {
                    "inv": f"{rnd.choice(['F', 'INV', '2026', 'VF'])}-{rnd.randint(1000, 99999)}",
                    "date": rnd.choice(DATES_NL if dutch else DATES_EN),
                    "amount": rnd.choice(["€ 1.210,00", "EUR 450", "€2.500,50", "1.875,00 euro"])
                    if dutch
                    else rnd.choice(["EUR 1,210.00", "€450", "EUR 2,500.50", "1,875.00 EUR"]),
                    "name": rnd.choice(NAMES),
                    "domain": rnd.choice(["devries.example", "acme.example", "bouw.example"]),
                }
                rows.append(
                    {
                        "template": f"{label}-{i}",
                        "language": "nl" if dutch else "en",
                        "label": label,
                        "subject": subject.format(**fill),
                        "body": body.format(**fill),
                    }
                )
    rnd.shuffle(rows)
    return rows


def write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    write(root / "tests/dunning/data/inbox_labelled.jsonl", generate(seed=7, per_template=2))
    write(Path(__file__).with_name("seed_mails.jsonl"), generate(seed=11, per_template=1))
