"""A rule set has a name in English and in Dutch, as its rules have.

0002 named the shipped rule sets in both languages at once ("Gemiddeld /
Balanced"); they now keep the English name in `name` and the Dutch one in
`name_nl`. A rule set whose name was changed since is left as it is. Rule sets
are not versioned: their names may change (the active version's cache key
holds both names, so a renamed set is read afresh).
"""

from django.db import migrations, models

# code: (name as 0002 shipped it, English, Dutch)
SHIPPED = {
    "low": ("Voorzichtig / Cautious", "Cautious", "Voorzichtig"),
    "medium": ("Gemiddeld / Balanced", "Balanced", "Gemiddeld"),
    "high": ("Groei / Growth", "Growth", "Groei"),
}


def split_names(apps, schema_editor):
    RuleSet = apps.get_model("acceptance", "RuleSet")
    for code, (shipped, english, dutch) in SHIPPED.items():
        RuleSet.objects.filter(code=code, name=shipped).update(name=english, name_nl=dutch)


def join_names(apps, schema_editor):
    RuleSet = apps.get_model("acceptance", "RuleSet")
    for code, (shipped, english, dutch) in SHIPPED.items():
        RuleSet.objects.filter(code=code, name=english, name_nl=dutch).update(name=shipped)


class Migration(migrations.Migration):

    dependencies = [
        ('acceptance', '0011_rule_names_in_two_languages'),
    ]

    operations = [
        migrations.AddField(
            model_name='ruleset',
            name='name_nl',
            field=models.CharField(blank=True, max_length=100, verbose_name='name (Dutch)'),
        ),
        migrations.AlterField(
            model_name='ruleset',
            name='name',
            field=models.CharField(max_length=100, verbose_name='name (English)'),
        ),
        migrations.RunPython(split_names, join_names),
    ]
