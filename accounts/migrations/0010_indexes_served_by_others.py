"""Drop single-column indexes that a longer index or a unique constraint already serves
(tests/creditmgmt/test_indexes.py): each index is written with every row.

Only the indexes: Django's AlterField would also drop and re-add the foreign keys, which
re-checks every row of a table of millions under an exclusive lock. Index names are the same
on PostgreSQL and SQLite; the `_like` ones exist on PostgreSQL only.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_texts_for_the_reader"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS accounts_customer_controller_id_2ce067a6",
                    reverse_sql="CREATE INDEX accounts_customer_controller_id_2ce067a6 ON accounts_customer (controller_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS accounts_event_content_type_id_8dc16307",
                    reverse_sql="CREATE INDEX accounts_event_content_type_id_8dc16307 ON accounts_event (content_type_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS accounts_event_customer_id_ee0ec29c",
                    reverse_sql="CREATE INDEX accounts_event_customer_id_ee0ec29c ON accounts_event (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS accounts_invoice_customer_id_b287eec7",
                    reverse_sql="CREATE INDEX accounts_invoice_customer_id_b287eec7 ON accounts_invoice (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS accounts_note_customer_id_b8b134ed",
                    reverse_sql="CREATE INDEX accounts_note_customer_id_b8b134ed ON accounts_note (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS accounts_payment_customer_id_6cbf45eb",
                    reverse_sql="CREATE INDEX accounts_payment_customer_id_6cbf45eb ON accounts_payment (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS accounts_task_assignee_id_8bacfd18",
                    reverse_sql="CREATE INDEX accounts_task_assignee_id_8bacfd18 ON accounts_task (assignee_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS accounts_task_customer_id_bcc31153",
                    reverse_sql="CREATE INDEX accounts_task_customer_id_bcc31153 ON accounts_task (customer_id)",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="controller",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="customers",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="credit controller",
                    ),
                ),
                migrations.AlterField(
                    model_name="event",
                    name="content_type",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
                migrations.AlterField(
                    model_name="event",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="invoice",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="invoices",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="note",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notes",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="payment",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="payments",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="tasks",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="assignee",
                    ),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tasks",
                        to="accounts.customer",
                    ),
                ),
            ],
        ),
    ]
