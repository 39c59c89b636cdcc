# ruff: noqa: E501  (one mail per line reads better than wrapped strings)
"""Writes the labelled mail sets (tests/dunning/data/inbox_labelled.jsonl and the seed set).

Hand-written phrasings per class in Dutch and English (and, added later, in all four languages
with signatures and quoted reminders), filled with invoice numbers, dates and
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


# More phrasings, in all four languages, written after the first set: a filling may carry the
# signature, phone footer and quoted reminder a real reply has below the customer's words.
EXTRA: dict[str, list[tuple[str, str, str]]] = {
    "promise": [
        ("nl", "Re: Herinnering {inv}", "Goedemorgen,\n\nDe overboeking staat gepland voor {date}. Excuses voor het ongemak.\n\nMet vriendelijke groet,\n{name}"),
        ("nl", "Re: Betalingsherinnering", "Wij kunnen helaas niet eerder betalen dan {date}, dan wordt {amount} overgeboekt.\n{name}"),
        ("nl", "Re: {inv}", "hoi, betaal ik eind deze maand, uiterlijk {date}. sorry!\n{name}"),
        ("nl", "Re: Aanmaning {inv}", "Geachte heer/mevrouw,\n\nHet bedrag van {amount} storten wij op {date} op uw rekening.\n\nHoogachtend,\n{name}"),
        ("en", "Re: Reminder {inv}", "Hi,\n\nThe invoice has been approved and goes out in our payment run on {date}.\n\nThanks,\n{name}"),
        ("en", "Re: Overdue {inv}", "We cannot pay before {date}, when our customer pays us. You will receive {amount} then.\n{name}"),
        ("en", "Re: Payment reminder", "Sorry for the delay - we're paying this on {date}.\n{name}"),
        ("de", "AW: Zahlungserinnerung {inv}", "Sehr geehrte Damen und Herren,\n\nwir zahlen den Betrag von {amount} am {date}.\n\nMit freundlichen Grüßen\n{name}"),
        ("de", "AW: Mahnung {inv}", "Hallo,\n\ndie Überweisung ist für den {date} eingeplant, die Rechnung wird dann beglichen.\n\nViele Grüße\n{name}"),
        ("de", "Rechnung {inv}", "Guten Tag,\n\nwir werden die offene Rechnung bis spätestens {date} ausgleichen.\n\nBeste Grüße\n{name}"),
        ("fr", "RE: Relance facture {inv}", "Bonjour,\n\nNous réglerons la facture {inv} le {date}.\n\nCordialement,\n{name}"),
        ("fr", "TR: Rappel de paiement", "Madame, Monsieur,\n\nLe virement de {amount} sera effectué au plus tard le {date}.\n\nBien à vous,\n{name}"),
        ("fr", "RE: Facture {inv}", "Bonjour,\n\nle paiement est prévu pour le {date}, merci de votre patience.\n\n{name}"),
        ('nl', 'Re: factuur 2026-1182', 'Hallo Marieke,\n\nIk heb het bij onze boekhouder neergelegd, die maakt het vrijdag over.\n\nGr. Kees\n\nVan: Debiteuren <d@x.nl>\nVerzonden: maandag\nAan: Kees\nOnderwerp: Herinnering\n\nUw factuur is vervallen, gelieve te betalen.'),
        ('en', 'Re: Reminder', "hi, sorry about this. i'll pay it next week when the funds come in.\nSent from my iPhone"),
        ('de', 'AW: Mahnung', 'Wir begleichen die Rechnung Anfang nächsten Monats.\nMfG Huber'),
        ('fr', 'RE: Relance', 'Bonjour, nous allons procéder au paiement en fin de semaine. Cordialement'),
    ],
    "dispute": [
        ("nl", "Re: Herinnering {inv}", "Goedemiddag,\n\nDit hebben wij niet besteld. Wij wachten op een creditfactuur.\n\nMet vriendelijke groet,\n{name}"),
        ("nl", "Re: Aanmaning", "Het bedrag op factuur {inv} klopt niet, er is een uurtarief van 95 euro gerekend in plaats van 85.\n{name}"),
        ("nl", "Klacht {inv}", "De levering was incompleet en twee dozen waren nat geworden. Zolang dit niet is opgelost houden wij de betaling aan.\n{name}"),
        ("en", "Re: Reminder {inv}", "Hello,\n\nThe parts delivered were the wrong size, so we are returning them. Please cancel invoice {inv}.\n\nRegards,\n{name}"),
        ("en", "Re: Invoice {inv}", "We did not order the extra maintenance on this invoice and will not pay for it.\n{name}"),
        ("en", "Re: Overdue notice", "This invoice is disputed: the work was never finished. Please contact our project manager.\n{name}"),
        ("de", "AW: Zahlungserinnerung {inv}", "Sehr geehrte Damen und Herren,\n\ndie Ware ist beschädigt bei uns angekommen. Wir bitten um eine Gutschrift.\n\nMit freundlichen Grüßen\n{name}"),
        ("de", "Falsche Rechnung {inv}", "Guten Tag,\n\ndie Rechnung ist falsch, wir haben nur 10 Stück bestellt und nicht 20.\n\n{name}"),
        ("de", "AW: Mahnung", "Wir widersprechen der Mahnung, die Leistung wurde nicht erbracht.\n{name}"),
        ("fr", "RE: Relance facture {inv}", "Bonjour,\n\nLa marchandise est arrivée endommagée, nous ne réglerons pas cette facture.\n\nCordialement,\n{name}"),
        ("fr", "Réclamation {inv}", "Madame, Monsieur,\n\nNous contestons la facture {inv} : le prix ne correspond pas au devis.\n\n{name}"),
        ("fr", "RE: Rappel", "Nous n'avons jamais reçu cette commande, merci d'émettre un avoir.\n{name}"),
        ('nl', 'Re: Herinnering', 'Wij hebben deze dienst nooit afgenomen, dus deze factuur klopt echt niet.\n\nMvg'),
        ('en', 'Re: Overdue invoice', 'The quantities on the invoice are not correct - we only took 3 pallets.'),
        ('de', 'AW: Zahlungserinnerung', 'Die gelieferte Ware entspricht nicht der Bestellung. Wir zahlen erst nach Klärung.'),
        ('fr', 'RE: Facture', 'Les produits livrés sont défectueux, nous refusons de régler cette facture.'),
    ],
    "copy": [
        ("nl", "Re: Herinnering {inv}", "Goedemorgen,\n\nDeze factuur hebben wij nooit ontvangen. Kunt u hem naar factuur@{domain} mailen?\n\nGroet,\n{name}"),
        ("nl", "Re: {inv}", "Stuurt u mij even een kopie van de factuur en de pakbon, dan zet ik hem door ter betaling.\n{name}"),
        ("nl", "Openstaande posten", "Beste,\n\nGraag een actueel overzicht van alle openstaande facturen op ons debiteurnummer.\n\n{name}"),
        ("en", "Re: Reminder {inv}", "Hi,\n\nWe don't seem to have this invoice on file. Please re-send it with the PO number on it.\n\nThanks,\n{name}"),
        ("en", "Re: Final reminder", "Could you send me a statement of account showing all open invoices?\n{name}"),
        ("en", "Invoice {inv}", "Please send a copy of invoice {inv} to accounts@{domain} so we can process it.\n{name}"),
        ("de", "AW: Zahlungserinnerung {inv}", "Guten Tag,\n\nbitte senden Sie uns eine Kopie der Rechnung {inv}, sie liegt uns nicht vor.\n\nMit freundlichen Grüßen\n{name}"),
        ("de", "Kontoauszug", "Hallo,\n\nkönnten Sie uns eine Aufstellung aller offenen Posten schicken?\n\n{name}"),
        ("fr", "RE: Relance {inv}", "Bonjour,\n\nPourriez-vous nous renvoyer la facture {inv} ? Nous ne la trouvons pas.\n\nCordialement,\n{name}"),
        ("fr", "Duplicata facture", "Merci de nous faire parvenir un duplicata de la facture {inv}.\n{name}"),
        ('nl', 'Re: Herinnering', 'Ik kan de factuur niet vinden in onze administratie, kunt u hem nog een keer mailen?'),
        ('en', 'Re: Reminder', "Can you please forward me the invoice? I'm new here and can't locate it."),
        ('de', 'AW: Mahnung', 'Bitte schicken Sie uns die Rechnung noch einmal per E-Mail.'),
        ('fr', 'RE: Relance', "Merci de m'envoyer une copie de la facture."),
    ],
    "paid": [
        ("nl", "Re: Herinnering {inv}", "Goedemiddag,\n\nDeze is op {date} al overgemaakt, zie bijlage.\n\nMet vriendelijke groet,\n{name}"),
        ("nl", "Re: Aanmaning", "Dit hebben we vorige week betaald, het stond per abuis nog open in jullie systeem denk ik.\n{name}"),
        ("nl", "Betaald {inv}", "Het bedrag van {amount} is vandaag van onze rekening gegaan.\n{name}"),
        ("en", "Re: Reminder {inv}", "Hi,\n\nThis was paid on {date} via bank transfer, reference {inv}.\n\nKind regards,\n{name}"),
        ("en", "Re: Overdue", "Please check again, we sent the money on {date}. Attached is our payment confirmation.\n{name}"),
        ("en", "Payment sent", "Just to let you know {amount} left our account this morning.\n{name}"),
        ("de", "AW: Zahlungserinnerung {inv}", "Sehr geehrte Damen und Herren,\n\ndie Rechnung {inv} wurde bereits am {date} bezahlt.\n\nMit freundlichen Grüßen\n{name}"),
        ("de", "AW: Mahnung", "Wir haben den Betrag von {amount} schon überwiesen, anbei der Zahlungsnachweis.\n{name}"),
        ("fr", "RE: Relance facture {inv}", "Bonjour,\n\nCette facture a déjà été réglée le {date} par virement.\n\nCordialement,\n{name}"),
        ("fr", "Avis de paiement", "Veuillez trouver ci-joint l'avis de virement de {amount}.\n{name}"),
        ('nl', 'Re: Herinnering', 'Is vanochtend betaald, gr.'),
        ('en', 'Re: Reminder', "We've paid this already - check your account please."),
        ('de', 'AW: Zahlungserinnerung', 'Die Zahlung ist bereits erfolgt, siehe Anhang.'),
        ('fr', 'RE: Relance', 'Nous avons effectué le virement hier.'),
    ],
    "question": [
        ("nl", "Re: Herinnering {inv}", "Goedemiddag,\n\nMogen wij deze factuur in drie termijnen betalen?\n\nMet vriendelijke groet,\n{name}"),
        ("nl", "Re: Aanmaning", "Ik begrijp niet waar de kosten van 40 euro vandaan komen, kunt u dat toelichten?\n{name}"),
        ("en", "Re: Reminder {inv}", "Hi,\n\nIs there a discount if we pay within 8 days?\n\nThanks,\n{name}"),
        ("en", "Re: Invoice {inv}", "Do you accept payment in USD, or only in euro?\n{name}"),
        ("de", "AW: Zahlungserinnerung {inv}", "Guten Tag,\n\nauf welches Konto sollen wir den Betrag überweisen?\n\nMit freundlichen Grüßen\n{name}"),
        ("de", "Frage zur Rechnung {inv}", "Wie setzen sich die Mahngebühren zusammen?\n{name}"),
        ("fr", "RE: Relance {inv}", "Bonjour,\n\nQuelle référence devons-nous indiquer sur le virement ?\n\nCordialement,\n{name}"),
        ("fr", "Question facture {inv}", "Pouvez-vous m'expliquer les frais de relance ajoutés ?\n{name}"),
        ('nl', 'Re: Herinnering', 'Kan ik ook in termijnen betalen?'),
        ('en', 'Re: Reminder', 'Do you have a payment link I can use'),
        ('de', 'AW: Mahnung', 'Können wir die Zahlungsfrist verlängern?'),
        ('fr', 'RE: Relance', 'Est-il possible de payer par carte bancaire ?'),
    ],
    "auto_reply": [
        ("nl", "Automatisch antwoord: Herinnering {inv}", "Beste afzender,\n\nIk ben vanaf heden tot {date} afwezig. Uw bericht wordt niet doorgestuurd.\n\n{name}"),
        ("en", "Out of Office: Reminder {inv}", "I'm out of the office until {date} and will respond to your email when I return.\n{name}"),
        ("de", "Abwesenheitsnotiz: Zahlungserinnerung {inv}", "Vielen Dank für Ihre Nachricht. Ich bin bis zum {date} nicht im Büro.\n{name}"),
        ("de", "Automatische Antwort", "Ich befinde mich im Urlaub und habe keinen Zugriff auf meine E-Mails.\n{name}"),
        ("fr", "Réponse automatique : Relance {inv}", "Je suis absent jusqu'au {date}. Pour toute urgence, contactez l'accueil.\n{name}"),
        ("fr", "Absence", "Bonjour, je suis actuellement en congés avec un accès limité à mes e-mails.\n{name}"),
        ('nl', 'Afwezig', 'Ik ben tot 5 januari met verlof en lees mijn mail niet.'),
        ('en', 'Auto: Reminder', 'I am currently out of office with no access to email.'),
        ('de', 'Abwesend', 'Ich bin derzeit abwesend und ab dem 4.1. wieder erreichbar.'),
        ('fr', 'Absence', "Je suis en déplacement jusqu'au 10 janvier."),
    ],
    "other": [
        ("nl", "Re: Herinnering {inv}", "Ontvangen, ik kijk er morgen naar.\n\nGroet,\n{name}"),
        ("en", "Re: Reminder {inv}", "Received, I'll pass it on.\n\nThanks,\n{name}"),
        ("de", "Neue Bankverbindung", "Bitte beachten Sie unsere neue Adresse ab dem {date}: Hauptstraße 5, Köln.\n{name}"),
        ("de", "AW: Mahnung", "Danke für die Information.\n\nMit freundlichen Grüßen\n{name}"),
        ("fr", "Invitation salon", "Nous serons présents au salon de Lyon le {date}, venez nous rendre visite !\n{name}"),
        ("fr", "RE: Relance", "Bien reçu, merci.\n\nCordialement,\n{name}"),
        ('nl', 'Re: Herinnering', 'Ok, ik geef het door.'),
        ('en', 'Re: Reminder', 'Noted with thanks.'),
        ('de', 'Betriebsferien', 'Unser Betrieb ist vom 24.12. bis 2.1. geschlossen.'),
        ('fr', 'Voeux', "Toute l'équipe vous souhaite de bonnes fêtes."),
    ],
}  # fmt: skip
SIGNATURES = [
    "\n--\n{name}\nAdministratie | {domain}\nT +31 (0)20 123 45 67\nwww.{domain}",
    "\n{name}\nFinance department\nTel: +44 20 7946 0958\nThis e-mail and any attachments are confidential.",
    "\n\nVerzonden vanaf mijn iPhone",
]
QUOTES = {
    "nl": "\n\nOp {date} schreef Debiteurenbeheer <debiteuren@example.com>:\n> Geachte klant,\n> Factuur {inv} van {amount} is vervallen. Wij verzoeken u het bedrag binnen 7 dagen te betalen.\n> Met vriendelijke groet,",
    "en": "\n\n-----Original Message-----\nFrom: Credit control <ar@example.com>\nSent: {date}\nSubject: Payment reminder {inv}\n\nDear customer, invoice {inv} of {amount} is overdue. Please pay within 7 days or contact us if you have already paid.",
    "de": "\n\nAm {date} schrieb Buchhaltung <buchhaltung@example.com>:\n> Sehr geehrte Damen und Herren, die Rechnung {inv} über {amount} ist fällig. Bitte überweisen Sie den Betrag.",
    "fr": "\n\nLe {date}, Service comptable <compta@example.com> a écrit :\n> Madame, Monsieur, la facture {inv} de {amount} est échue. Merci de procéder au paiement.",
}
DATES = {
    "nl": DATES_NL,
    "en": DATES_EN,
    "de": ["30. November", "15.12.", "1. Dezember", "Montag, den 7. Dezember", "20.12.2026", "31. Dezember"],
    "fr": ["30 novembre", "15/12", "1er décembre", "lundi 7 décembre", "20.12.2026", "31 décembre"],
}


def generate_extra(seed: int, per_template: int) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for label, templates in EXTRA.items():
        for i, (language, subject, body) in enumerate(templates):
            for _ in range(per_template):
                fill = {
                    "inv": f"{rnd.choice(['F', 'INV', '2026', 'VF', 'RE'])}-{rnd.randint(1000, 99999)}",
                    "date": rnd.choice(DATES[language]),
                    "amount": rnd.choice(
                        ["€ 1.210,00", "EUR 450", "€2.500,50", "1.875,00 euro", "EUR 1,210.00"]
                    ),
                    "name": rnd.choice(NAMES),
                    "domain": rnd.choice(["devries.example", "acme.example", "bouw.example"]),
                }
                text = body
                if rnd.random() < 0.5:
                    text += rnd.choice(SIGNATURES)
                if rnd.random() < 0.6:
                    text += QUOTES[language]
                rows.append(
                    {
                        "template": f"{label}-x{i}",
                        "language": language,
                        "label": label,
                        "subject": subject.format(**fill),
                        "body": text.format(**fill),
                    }
                )
    rnd.shuffle(rows)
    return rows


def write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    labelled = generate(seed=7, per_template=2) + generate_extra(seed=17, per_template=2)
    write(root / "tests/dunning/data/inbox_labelled.jsonl", labelled)
    seed = generate(seed=11, per_template=1) + generate_extra(seed=19, per_template=1)
    write(Path(__file__).with_name("seed_mails.jsonl"), seed)
