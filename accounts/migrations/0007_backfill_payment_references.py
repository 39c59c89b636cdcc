"""Give every existing invoice a structured payment reference (new ones get it when posted)."""

from django.db import migrations


def backfill(apps, schema_editor):
    from accounts.bank.references import reference_for_invoice

    Invoice = apps.get_model("accounts", "Invoice")
    invoices = (
        Invoice.objects.filter(payment_reference="", amount__gt=0)
        .select_related("customer")
        .only("id", "payment_reference", "customer__country")
    )
    batch = []
    for invoice in invoices.iterator(chunk_size=2000):
        invoice.payment_reference = reference_for_invoice(invoice.pk, country=invoice.customer.country)
        batch.append(invoice)
        if len(batch) >= 2000:
            Invoice.objects.bulk_update(batch, ["payment_reference"])
            batch = []
    if batch:
        Invoice.objects.bulk_update(batch, ["payment_reference"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_bank_statements")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
