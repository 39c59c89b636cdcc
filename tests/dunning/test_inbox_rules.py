"""The classifier reads the customer's own words: quoted reminders, signatures and footers are cut
first, and the rules know inflections, word order and negations in nl/en/de/fr."""

import pytest

from dunning.inbox import classify

NL_REPLY = """Goedemorgen,

Wij maken het bedrag volgende week over.

Met vriendelijke groet,
Petra Smit
Inkoop & Administratie
T: +31 (0)30 123 45 67
www.smit.example

Op 20 nov. 2026 om 09:12 schreef Debiteurenbeheer <debiteuren@example.com>:
> Geachte klant,
> Factuur F-1234 is vervallen. Wij verzoeken u het bedrag binnen 7 dagen te betalen.
"""

OUTLOOK_DE = """Die Ware war beschädigt.

Von: Buchhaltung <buchhaltung@example.com>
Gesendet: Montag, 23. November 2026 10:00
An: Einkauf <einkauf@kunde.example>
Betreff: Zahlungserinnerung 2026-77

Bitte überweisen Sie den Betrag. Falls Sie bereits bezahlt haben,
betrachten Sie dieses Schreiben als gegenstandslos.
"""


def test_clean_body_keeps_only_the_customers_words():
    assert classify.clean_body(NL_REPLY) == "Goedemorgen,\n\nWij maken het bedrag volgende week over."
    assert classify.clean_body(OUTLOOK_DE) == "Die Ware war beschädigt."
    # A closing that is the whole message stays: there is nothing else to read.
    assert classify.clean_body("Thanks, noted.\nTom") == "Thanks, noted.\nTom"
    english = "We paid this yesterday.\n\nSent from my iPhone\n\n-----Original Message-----\nPlease pay."
    assert classify.clean_body(english) == "We paid this yesterday."


def test_the_quoted_reminder_does_not_decide():
    """The quote says "betalen", "vervallen", "bereits bezahlt": the customer's words decide."""
    assert classify.by_rules(subject="Re: Herinnering F-1234", body=NL_REPLY).category == "promise"
    assert classify.by_rules(subject="AW: Zahlungserinnerung", body=OUTLOOK_DE).category == "dispute"
    quoted_only = "Ontvangen, ik kijk ernaar.\n\n> Wij verzoeken u het bedrag te betalen."
    assert classify.by_rules(subject="Re: Herinnering", body=quoted_only) is None


@pytest.mark.parametrize(
    ("body", "category"),
    [
        ("De overboeking staat gepland voor 4 december.", "promise"),
        ("Wij kunnen niet eerder betalen dan 15-12, dan wordt € 1.210,00 overgeboekt.", "promise"),
        ("We cannot pay before the 30th, our customer pays us late.", "promise"),
        ("The outstanding amount will be transferred next Friday.", "promise"),
        ("Wir zahlen am 30. November.", "promise"),
        ("Nous réglerons la facture le 15 décembre.", "promise"),
        ("De geleverde kozijnen waren beschadigde exemplaren.", "dispute"),
        ("Het bedrag klopt volgens ons niet.", "dispute"),
        ("Die Rechnung ist falsch, bitte schicken Sie eine Gutschrift.", "dispute"),
        ("La marchandise est arrivée endommagée.", "dispute"),
        ("We never received the invoice, can you send it again?", "copy"),
        ("Könnten Sie uns eine Kopie der Rechnung schicken?", "copy"),
        ("Pourriez-vous nous renvoyer la facture ?", "copy"),
        ("Deze is vorige week al overgemaakt.", "paid"),
        ("Die Rechnung wurde bereits am 2. November bezahlt.", "paid"),
        ("Cette facture a déjà été réglée.", "paid"),
        ("We have not paid yet, what is the correct account number?", "question"),
        ("Ich bin bis zum 4. Januar nicht im Büro.", "auto_reply"),
        ("Je suis absent jusqu'au 4 janvier.", "auto_reply"),
    ],
)
def test_rules_in_four_languages(body, category):
    verdict = classify.by_rules(subject="Re: Reminder", body=body)
    assert verdict is not None and verdict.category == category, (body, verdict)
    assert verdict.why.startswith(("keyword", "trefwoord"))  # shows which words fired


def test_a_reply_subject_is_ours_and_not_read():
    assert classify.by_rules(subject="Re: Statement of account", body="Noted.") is None
    assert classify.by_rules(subject="Statement of account please", body="Noted.").category == "copy"


def test_the_model_explains_with_words():
    promises = [
        "De overboeking gaat mee in de betaalrun.",
        "Overboeking staat klaar voor de betaalrun.",
        "Uw overboeking komt in de betaalrun van maart.",
        "De betaalrun neemt de overboeking mee.",
    ]
    questions = ["Waarom is het tarief hoger?", "Waarom zijn er kosten bij?", "Waarom klopt het saldo niet?",
                 "Waarom kost dit meer?"]  # fmt: skip
    examples = [(f"Betaling\n{t}", "promise") for t in promises] + [
        (f"Vraag\n{t}", "question") for t in questions
    ]
    pipeline = classify.build_pipeline()
    pipeline.fit([t for t, _ in examples], [c for _, c in examples])
    category, confidence, why = classify.predict(pipeline, "Betaling\nDe overboeking staat in de betaalrun.")
    assert category == "promise" and confidence > 0.5
    assert "overboeking" in why or "betaalrun" in why
