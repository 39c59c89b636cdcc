"""The credit decisions per day are counted per segment and controller too (the dashboard's filters).

The rows written before cannot be split afterwards, so they are counted again from the decisions
(kept forever), with each customer's segment and controller now, as the daily step's first run does
(reporting.acceptance.rebuild_decision_days); from then on the daily step writes the customer's segment
and controller of the decision's day.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, Q
from django.db.models.functions import Coalesce, TruncDate


def recount(apps, schema_editor):
    Decision = apps.get_model("acceptance", "Decision")
    DecisionDay = apps.get_model("reporting", "DecisionDay")
    rows = (
        Decision.objects.filter(overrides__isnull=True)
        .annotate(day=TruncDate("created_at"), segment_of=Coalesce("customer__segment", models.Value("")))
        .values("day", "channel", "outcome", "segment_of", "customer__controller_id")
        .annotate(n=Count("pk"), overridden=Count("pk", filter=Q(overridden_by__isnull=False)))
        .order_by()
    )
    DecisionDay.objects.all().delete()
    DecisionDay.objects.bulk_create(
        [
            DecisionDay(date=r["day"], channel=r["channel"], outcome=r["outcome"], segment=r["segment_of"],
                        controller_id=r["customer__controller_id"], decisions=r["n"],
                        overridden=r["overridden"])
            for r in rows.iterator(chunk_size=2000)
        ],  # fmt: skip
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0010_snapshot_credit"),
        ("acceptance", "0010_indexes_served_by_others"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="decisionday",
            name="segment",
            field=models.CharField(blank=True, db_default="", default="", max_length=20, verbose_name="segment"),
        ),
        migrations.AddField(
            model_name="decisionday",
            name="controller",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(recount, migrations.RunPython.noop),
    ]
