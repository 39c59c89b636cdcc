from datetime import date
from decimal import Decimal

from django.db import migrations

from dunning.migrations._defaults_0002 import (
    DEAR_EN,
    DEAR_NL,
    INTEREST_RATES,
    PROCEDURES,
    RULES,
    TEXTS,
)


def create_defaults(apps, schema_editor):
    Procedure = apps.get_model("dunning", "Procedure")
    Step = apps.get_model("dunning", "Step")
    Template = apps.get_model("dunning", "Template")
    AssignmentRule = apps.get_model("dunning", "AssignmentRule")
    InterestRate = apps.get_model("dunning", "InterestRate")
    procedures = {}
    for code, name, description, minimum, steps in PROCEDURES:
        procedure, _ = Procedure.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "minimum_amount": Decimal(minimum)}
        )
        procedures[code] = procedure
        for position, step_name, offset, action, key, approval, costs, interest in steps:
            Step.objects.get_or_create(
                procedure=procedure,
                position=position,
                defaults={
                    "name": step_name,
                    "offset_days": offset,
                    "action": action,
                    "template_key": key,
                    "requires_approval": approval,
                    "charge_costs": costs,
                    "charge_interest": interest,
                },
            )
    for key, (nl_subject, nl_text, en_subject, en_text) in TEXTS.items():
        for channel in ("email", "letter"):
            for language, subject, text, dear in (
                ("nl", nl_subject, nl_text, DEAR_NL),
                ("en", en_subject, en_text, DEAR_EN),
            ):
                Template.objects.get_or_create(
                    key=key,
                    channel=channel,
                    language=language,
                    version=1,
                    defaults={"subject": subject, "body": dear + text, "is_current": True},
                )
    for position, name, code, risks, behaviours in RULES:
        AssignmentRule.objects.get_or_create(
            position=position,
            name=name,
            defaults={"procedure": procedures[code], "risk_classes": risks, "behaviours": behaviours},
        )
    for valid_from, rate in INTEREST_RATES:
        InterestRate.objects.get_or_create(valid_from=date.fromisoformat(valid_from), defaults={"rate": Decimal(rate)})


class Migration(migrations.Migration):
    dependencies = [("dunning", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
