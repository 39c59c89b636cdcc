"""A rule has a name in Dutch beside its English one, as its reasons are in both languages.

`name` stays the English name; `name_nl` is new. The shipped rules (0002) get
their Dutch names here. This writes to rules of active (and retired) versions,
which otherwise never change: it only adds the Dutch spelling of a name the
rule already has, so what every version decides, and what every decision says
it used, stays the same. Any rule whose English name is one of the shipped
names gets it (a draft copied from a shipped version, too); a rule with a name
a manager wrote keeps `name_nl` blank and shows its English name until a
manager gives it a Dutch one in a new draft.
"""

from django.db import migrations, models

# The English names of 0002's rules and their Dutch names.
DUTCH_NAMES = {
    "Negative event": "Negatieve melding",
    "Delivery block": "Leverstop",
    "Score too low": "Score te laag",
    "Default risk too high": "Kans op wanbetaling te hoog",
    "Invoice over 90 days": "Factuur meer dan 90 dagen vervallen",
    "Unknown company": "Onbekend bedrijf",
    "Overdue: prepayment": "Achterstand: vooruitbetalen",
    "Young company": "Jong bedrijf",
    "Good score": "Goede score",
    "Fair score": "Voldoende score",
    "Known customer, pays on time": "Bekende klant, betaalt op tijd",
    "Otherwise": "Anders",
}


def name_shipped_rules(apps, schema_editor):
    Rule = apps.get_model("acceptance", "Rule")
    # A queryset update: the historical model has no save() guard, and this changes no decision.
    for english, dutch in DUTCH_NAMES.items():
        Rule.objects.filter(name=english, name_nl="").update(name_nl=dutch)


class Migration(migrations.Migration):

    dependencies = [
        ('acceptance', '0010_indexes_served_by_others'),
    ]

    operations = [
        migrations.AddField(
            model_name='rule',
            name='name_nl',
            field=models.CharField(blank=True, max_length=100, verbose_name='name (Dutch)'),
        ),
        migrations.AlterField(
            model_name='rule',
            name='name',
            field=models.CharField(max_length=100, verbose_name='name (English)'),
        ),
        # Backwards: the column goes, and the Dutch names with it.
        migrations.RunPython(name_shipped_rules, migrations.RunPython.noop),
    ]
