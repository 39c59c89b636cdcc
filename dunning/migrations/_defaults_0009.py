# ruff: noqa: E501  (message texts read better unwrapped)
"""Reply texts for the shared inbox (used by migration 0009 only); managers edit them on the templates page.

The context is the reminders' (docs/dunning.md) plus `mail`: subject and received (a date) of the mail answered.
"""

SIGN = {
    "nl": "\nMet vriendelijke groet,\n\n{{ company.name }}\nAfdeling debiteurenbeheer\n{{ company.phone }} · {{ company.email }}",
    "en": "\nKind regards,\n\n{{ company.name }}\nCredit control\n{{ company.phone }} · {{ company.email }}",
    "de": "\nMit freundlichen Grüßen\n\n{{ company.name }}\nDebitorenbuchhaltung\n{{ company.phone }} · {{ company.email }}",
    "fr": "\nCordialement,\n\n{{ company.name }}\nService recouvrement\n{{ company.phone }} · {{ company.email }}",
}
DEAR = {
    "nl": "Beste {% if contact.name %}{{ contact.name }}{% else %}heer, mevrouw{% endif %},\n\n",
    "en": "Dear {% if contact.name %}{{ contact.name }}{% else %}Sir or Madam{% endif %},\n\n",
    "de": "{% if contact.name %}Guten Tag {{ contact.name }}{% else %}Sehr geehrte Damen und Herren{% endif %},\n\n",
    "fr": "{% if contact.name %}Bonjour {{ contact.name }}{% else %}Madame, Monsieur{% endif %},\n\n",
}
LINES = {
    "nl": "{% for i in invoices %}- factuur {{ i.number }}, vervaldatum {{ i.due_date|date:'d-m-Y' }}: {{ i.open_amount|money:currency }}\n{% endfor %}",
    "en": "{% for i in invoices %}- invoice {{ i.number }}, due {{ i.due_date|date:'j M Y' }}: {{ i.open_amount|money:currency }}\n{% endfor %}",
    "de": "{% for i in invoices %}- Rechnung {{ i.number }}, fällig {{ i.due_date|date:'d.m.Y' }}: {{ i.open_amount|money:currency }}\n{% endfor %}",
    "fr": "{% for i in invoices %}- facture {{ i.number }}, échéance {{ i.due_date|date:'d/m/Y' }} : {{ i.open_amount|money:currency }}\n{% endfor %}",
}
# key -> language -> (subject, text between greeting and signature)
TEXTS = {
    "inbox-reply": {
        "nl": ("Re: {{ mail.subject }}", "Dank voor uw bericht.\n\n\n"),
        "en": ("Re: {{ mail.subject }}", "Thank you for your message.\n\n\n"),
        "de": ("Re: {{ mail.subject }}", "vielen Dank für Ihre Nachricht.\n\n\n"),
        "fr": ("Re: {{ mail.subject }}", "Merci pour votre message.\n\n\n"),
    },
    "inbox-copy": {
        "nl": (
            "Re: {{ mail.subject }}",
            "Zoals gevraagd sturen wij u de kopieën van de volgende facturen mee als bijlage:\n\n{lines}\n"
            "Totaal open: {{ total|money:currency }}.\n\nU kunt betalen op IBAN {{ company.iban }} ten name van "
            "{{ company.name }}, met het betalingskenmerk van elke factuur.\n",
        ),
        "en": (
            "Re: {{ mail.subject }}",
            "As requested, please find attached copies of the following invoices:\n\n{lines}\n"
            "Total open: {{ total|money:currency }}.\n\nPlease pay to IBAN {{ company.iban }} in the name of "
            "{{ company.name }}, with each invoice's payment reference.\n",
        ),
        "de": (
            "Re: {{ mail.subject }}",
            "wie gewünscht senden wir Ihnen anbei Kopien der folgenden Rechnungen:\n\n{lines}\n"
            "Offen insgesamt: {{ total|money:currency }}.\n\nBitte überweisen Sie auf IBAN {{ company.iban }} "
            "zugunsten {{ company.name }} mit dem Zahlungsverweis jeder Rechnung.\n",
        ),
        "fr": (
            "Re: {{ mail.subject }}",
            "Comme demandé, vous trouverez ci-joint les copies des factures suivantes :\n\n{lines}\n"
            "Total ouvert : {{ total|money:currency }}.\n\nMerci de payer sur l'IBAN {{ company.iban }} au nom de "
            "{{ company.name }}, avec la référence de paiement de chaque facture.\n",
        ),
    },
}


def templates():
    """(key, language, subject, body) for every shipped reply text."""
    for key, by_language in TEXTS.items():
        for language, (subject, text) in by_language.items():
            body = DEAR[language] + text.replace("{lines}", LINES[language]) + SIGN[language]
            yield key, language, subject, body
