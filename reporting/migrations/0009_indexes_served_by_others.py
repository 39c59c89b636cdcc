"""Drop single-column indexes that a longer index or a unique constraint already serves
(tests/creditmgmt/test_indexes.py): each index is written with every row.

Only the indexes: Django's AlterField would also drop and re-add the foreign keys, which
re-checks every row of a table of millions under an exclusive lock. Index names are the same
on PostgreSQL and SQLite; the `_like` ones exist on PostgreSQL only.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0008_snapshot_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS reporting_reportdelivery_subscription_id_c1e423b6",
                    reverse_sql="CREATE INDEX reporting_reportdelivery_subscription_id_c1e423b6 ON reporting_reportdelivery (subscription_id)",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="reportdelivery",
                    name="subscription",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="reporting.reportsubscription",
                    ),
                ),
            ],
        ),
    ]
