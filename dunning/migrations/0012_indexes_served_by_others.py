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
        ("accounts", "0010_indexes_served_by_others"),
        ("dunning", "0011_promise_open_by_invoice_credit_to_allocate"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_changerequest_customer_id_7106c4bf",
                    reverse_sql="CREATE INDEX dunning_changerequest_customer_id_7106c4bf ON dunning_changerequest (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_customerdunning_procedure_id_1390e565",
                    reverse_sql="CREATE INDEX dunning_customerdunning_procedure_id_1390e565 ON dunning_customerdunning (procedure_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_dispute_customer_id_f5a1f1d2",
                    reverse_sql="CREATE INDEX dunning_dispute_customer_id_f5a1f1d2 ON dunning_dispute (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_disputeinvoice_dispute_id_f40f217b",
                    reverse_sql="CREATE INDEX dunning_disputeinvoice_dispute_id_f40f217b ON dunning_disputeinvoice (dispute_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_dunningaction_customer_id_fd750ddd",
                    reverse_sql="CREATE INDEX dunning_dunningaction_customer_id_fd750ddd ON dunning_dunningaction (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_dunningstop_customer_id_47f341f6",
                    reverse_sql="CREATE INDEX dunning_dunningstop_customer_id_47f341f6 ON dunning_dunningstop (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_exceptioncase_customer_id_51136cff",
                    reverse_sql="CREATE INDEX dunning_exceptioncase_customer_id_51136cff ON dunning_exceptioncase (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_inboundmail_customer_id_76a3b95b",
                    reverse_sql="CREATE INDEX dunning_inboundmail_customer_id_76a3b95b ON dunning_inboundmail (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_installment_plan_id_f7d56edc",
                    reverse_sql="CREATE INDEX dunning_installment_plan_id_f7d56edc ON dunning_installment (plan_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_message_customer_id_9cc99a57",
                    reverse_sql="CREATE INDEX dunning_message_customer_id_9cc99a57 ON dunning_message (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_paymentplan_customer_id_db5614a0",
                    reverse_sql="CREATE INDEX dunning_paymentplan_customer_id_db5614a0 ON dunning_paymentplan (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_portaltoken_customer_id_c3d6bc18",
                    reverse_sql="CREATE INDEX dunning_portaltoken_customer_id_c3d6bc18 ON dunning_portaltoken (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_promise_customer_id_e6b64202",
                    reverse_sql="CREATE INDEX dunning_promise_customer_id_e6b64202 ON dunning_promise (customer_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_step_procedure_id_ce029a34",
                    reverse_sql="CREATE INDEX dunning_step_procedure_id_ce029a34 ON dunning_step (procedure_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_template_key_0883d0e8",
                    reverse_sql="CREATE INDEX dunning_template_key_0883d0e8 ON dunning_template (key)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS dunning_template_key_0883d0e8_like",
                    reverse_sql=migrations.RunSQL.noop,
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="changerequest",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="change_requests",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="customerdunning",
                    name="procedure",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="customers",
                        to="dunning.procedure",
                    ),
                ),
                migrations.AlterField(
                    model_name="dispute",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="disputes",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="disputeinvoice",
                    name="dispute",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="dunning.dispute",
                    ),
                ),
                migrations.AlterField(
                    model_name="dunningaction",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dunning_actions",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="dunningstop",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dunning_stops",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="exceptioncase",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="exception_cases",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="inboundmail",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="inbound_mails",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="installment",
                    name="plan",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="installments",
                        to="dunning.paymentplan",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="paymentplan",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="payment_plans",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="portaltoken",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="portal_tokens",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="promise",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="promises",
                        to="accounts.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="step",
                    name="procedure",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="steps",
                        to="dunning.procedure",
                    ),
                ),
                migrations.AlterField(
                    model_name="template",
                    name="key",
                    field=models.SlugField(db_index=False, max_length=60, verbose_name="key"),
                ),
            ],
        ),
    ]
