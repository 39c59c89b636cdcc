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
        ("acceptance", "0009_lookup_search_indexes"),
        ("accounts", "0009_texts_for_the_reader"),
        ("creditmgmt", "0004_user_deputy"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS acceptance_apidecisionrequest_client_id_7edba156",
                    reverse_sql="CREATE INDEX acceptance_apidecisionrequest_client_id_7edba156 ON acceptance_apidecisionrequest (client_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS acceptance_decision_customer_id_2dc02f5d",
                    reverse_sql="CREATE INDEX acceptance_decision_customer_id_2dc02f5d ON acceptance_decision (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS acceptance_reservation_customer_id_c8342aea",
                    reverse_sql="CREATE INDEX acceptance_reservation_customer_id_c8342aea ON acceptance_reservation (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS acceptance_rule_version_id_96dadcf5",
                    reverse_sql="CREATE INDEX acceptance_rule_version_id_96dadcf5 ON acceptance_rule (version_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS acceptance_rulesetversion_rule_set_id_c1cc36f9",
                    reverse_sql="CREATE INDEX acceptance_rulesetversion_rule_set_id_c1cc36f9 ON acceptance_rulesetversion (rule_set_id)",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="apidecisionrequest",
                    name="client",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="creditmgmt.apiclient",
                    ),
                ),
                migrations.AlterField(
                    model_name="decision",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="decisions",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="reservation",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reservations",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="rule",
                    name="version",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rules",
                        to="acceptance.rulesetversion",
                    ),
                ),
                migrations.AlterField(
                    model_name="rulesetversion",
                    name="rule_set",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="versions",
                        to="acceptance.ruleset",
                    ),
                ),
            ],
        ),
    ]
