"""The shipped reasons write money as the pages do: € 5.000,00 in Dutch, €5,000.00 in English.

0002 wrote "EUR 5.000" in both languages, next to "€ 2.500,00" for the limit on
the same page. Every rule whose reason is still exactly as 0002 shipped it (in
the shipped version 1, or copied unchanged into a later version) gets the same
sentence with the amount in its language's money format. This writes to rules
of active and retired versions, which otherwise never change: only how an
amount is written changes, not the amount, a condition or an outcome, so every
version decides as before. Decisions keep the reasons they were given.
"""

import importlib
import re
from decimal import Decimal

from babel.numbers import format_currency
from django.db import migrations

SHIPPED = importlib.import_module("acceptance.migrations.0002_shipped_rule_sets")
EUR = re.compile(r"EUR (\d{1,3}(?:\.\d{3})*)")
LOCALES = {"nl": "nl_NL", "en": "en_GB"}  # as creditmgmt.templatetags.money formats for the reader


def in_money_format(text: str, language: str) -> str:
    def amount(match: re.Match) -> str:
        return format_currency(Decimal(match[1].replace(".", "")), "EUR", locale=LOCALES[language])

    return EUR.sub(amount, text)


def shipped_reasons() -> dict[tuple[str, str], str]:
    """(language, reason as 0002 wrote it) -> the reason with the money in that language's format."""
    changes = {}
    for policy in SHIPPED.POLICIES.values():
        for spec in SHIPPED.rules_for(policy):
            for language in ("nl", "en"):
                old = spec[language]
                if EUR.search(old):
                    changes[language, old] = in_money_format(old, language)
    return changes


def rewrite(apps, *, backwards: bool) -> None:
    Rule = apps.get_model("acceptance", "Rule")
    for (language, old), new in shipped_reasons().items():
        field = f"reason_{language}"
        before, after = (new, old) if backwards else (old, new)
        # A queryset update: the historical model has no save() guard (see the docstring).
        Rule.objects.filter(**{field: before}).update(**{field: after})


def forwards(apps, schema_editor):
    rewrite(apps, backwards=False)


def backwards(apps, schema_editor):
    rewrite(apps, backwards=True)


class Migration(migrations.Migration):

    dependencies = [
        ('acceptance', '0012_rule_set_names_in_two_languages'),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
