"""The three shipped credit policies (low, medium, high risk appetite), each with an active version 1.

Medium is in use. A credit manager changes a policy by making a new draft
version, never by editing these rows (they are active, so they cannot change).
"""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone

D = Decimal

# appetite: score floor, PD ceiling (%), overdue amount and days for prepayment, young company
# (years), share of recommended limit (%) and cap, standard limit, good score, 90+ days outcome.
POLICIES = {
    "low": dict(name="Voorzichtig / Cautious", score=35, pd=4, overdue=1000, days=15, young=3,
                share=50, cap=25000, standard=1000, good=60, over90="reject"),
    "medium": dict(name="Gemiddeld / Balanced", score=25, pd=8, overdue=5000, days=30, young=2,
                   share=75, cap=50000, standard=2500, good=50, over90="refer"),
    "high": dict(name="Groei / Growth", score=15, pd=15, overdue=20000, days=60, young=1,
                 share=100, cap=100000, standard=5000, good=40, over90="refer"),
}


def rules_for(p):
    eur = lambda amount: f"EUR {amount:,}".replace(",", ".")  # noqa: E731
    return [
        dict(name="Negative event", outcome="reject", conditions=[("negative_event", "is_true", "")],
             nl="Faillissement, surseance of schuldsanering gemeld bij het bureau.",
             en="Bankruptcy, suspension of payments or debt restructuring reported by the bureau."),
        dict(name="Delivery block", outcome="reject", conditions=[("delivery_blocked", "is_true", "")],
             nl="Er staat een leverstop op deze klant.", en="This customer has a delivery block."),
        dict(name="Score too low", outcome="reject", conditions=[("score", "lt", str(p["score"]))],
             nl=f"Bureauscore lager dan {p['score']}.", en=f"Bureau score below {p['score']}."),
        dict(name="Default risk too high", outcome="reject",
             conditions=[("probability_of_default", "gt", str(p["pd"]))],
             nl=f"Kans op wanbetaling hoger dan {p['pd']}% in 12 maanden.",
             en=f"Probability of default above {p['pd']}% in 12 months."),
        dict(name="Invoice over 90 days", outcome=p["over90"], conditions=[("invoice_over_90_days", "is_true", "")],
             nl="Een factuur staat meer dan 90 dagen over de vervaldatum open.",
             en="An invoice is more than 90 days past its due date."),
        dict(name="Unknown company", outcome="refer",
             conditions=[("bureau_known", "is_false", ""), ("is_customer", "is_false", "")],
             nl="Onbekend bij het bureau en nog geen klant.", en="Unknown to the bureau and not yet a customer."),
        dict(name="Overdue: prepayment", outcome="conditions", prepayment_percent=D(50),
             conditions=[("overdue_amount", "gt", str(p["overdue"])), ("days_oldest_overdue", "gt", str(p["days"]))],
             nl=f"Meer dan {eur(p['overdue'])} langer dan {p['days']} dagen achterstallig: 50% vooruitbetalen.",
             en=f"More than {eur(p['overdue'])} overdue for over {p['days']} days: 50% prepayment."),
        dict(name="Young company", outcome="conditions", payment_terms_days=14, limit_kind="fixed",
             limit_amount=D(p["standard"]), conditions=[("company_age_years", "lt", str(p["young"]))],
             nl=f"Bedrijf jonger dan {p['young']} jaar: standaardlimiet met 14 dagen betaaltermijn.",
             en=f"Company younger than {p['young']} years: standard limit with 14 days payment terms."),
        dict(name="Good score", outcome="accept", limit_kind="share", limit_share=D(p["share"]),
             limit_cap=D(p["cap"]),
             conditions=[("score", "gte", str(p["good"])), ("recommended_limit", "gt", "0")],
             nl=f"Goede bureauscore: {p['share']}% van de geadviseerde limiet, hoogstens {eur(p['cap'])}.",
             en=f"Good bureau score: {p['share']}% of the recommended limit, at most {eur(p['cap'])}."),
        dict(name="Fair score", outcome="accept", limit_kind="fixed", limit_amount=D(p["standard"]),
             conditions=[("score", "gte", str(p["score"]))],
             nl=f"Voldoende bureauscore: standaardlimiet {eur(p['standard'])}.",
             en=f"Fair bureau score: standard limit {eur(p['standard'])}."),
        dict(name="Known customer, pays on time", outcome="accept", limit_kind="fixed",
             limit_amount=D(p["standard"]),
             conditions=[("is_customer", "is_true", ""), ("bureau_known", "is_false", ""),
                         ("avg_days_late", "lte", "10")],
             nl=f"Bekende klant die op tijd betaalt, geen bureaugegevens: standaardlimiet {eur(p['standard'])}.",
             en=f"Known customer who pays on time, no bureau data: standard limit {eur(p['standard'])}."),
        dict(name="Otherwise", outcome="refer", conditions=[],
             nl="Geen passende regel: een medewerker beoordeelt de aanvraag.",
             en="No matching rule: a person reviews the request."),
    ]


def ship(apps, schema_editor):
    RuleSet = apps.get_model("acceptance", "RuleSet")
    RuleSetVersion = apps.get_model("acceptance", "RuleSetVersion")
    Rule = apps.get_model("acceptance", "Rule")
    Condition = apps.get_model("acceptance", "Condition")
    for code, p in POLICIES.items():
        if RuleSet.objects.filter(code=code).exists():  # safe to run again (tests put them back)
            continue
        rule_set = RuleSet.objects.create(code=code, name=p["name"], risk_appetite=code, in_use=code == "medium")
        # Written as a draft, activated once its rules are in (the models refuse rules on an active version).
        version = RuleSetVersion.objects.create(rule_set=rule_set, number=1, notes="Shipped with the application.")
        for index, spec in enumerate(rules_for(p), start=1):
            conditions = spec.pop("conditions")
            rule = Rule.objects.create(version=version, position=index * 10, name=spec.pop("name"),
                                       outcome=spec.pop("outcome"), reason_nl=spec.pop("nl"),
                                       reason_en=spec.pop("en"), **spec)
            Condition.objects.bulk_create(
                [Condition(rule=rule, feature=f, operator=o, value=v) for f, o, v in conditions]
            )
        RuleSetVersion.objects.filter(pk=version.pk).update(status="active", activated_at=timezone.now())


def unship(apps, schema_editor):
    RuleSet = apps.get_model("acceptance", "RuleSet")
    for rule_set in RuleSet.objects.filter(code__in=POLICIES):
        for version in rule_set.versions.all():
            version.rules.all().delete()
        rule_set.versions.all().delete()
        rule_set.delete()


class Migration(migrations.Migration):
    dependencies = [("acceptance", "0001_initial")]

    operations = [migrations.RunPython(ship, unship)]
