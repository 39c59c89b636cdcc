"""Reversals the import could not place, marked outgoing before, wait in the payments queue again.

Until the queue could take a reversal (storno, returned direct debit) back by hand, the import marked
a debit reversal whose original payment it did not find as OUTGOING, explained "A reversal, but no
matched payment it reverses was found.": the customer's invoices stayed paid and nobody was asked.
Those entries become UNMATCHED, as the import now leaves them, so a person says which payment they
take back (or books them as money going out). Old rows kept only the finished sentence, in the
importer's language (English or Dutch); they get the message id so each reader reads their own.
"""

from django.db import migrations

MSGID = "A reversal, but no matched payment it reverses was found."
# The sentence as stored before explanations kept their message id: English, or the Dutch of then.
WRITTEN = [MSGID, "Een storno, maar er is geen gekoppelde betaling gevonden die hiermee wordt teruggedraaid."]


def requeue_waiting_reversals(BankEntry) -> int:
    """Move the outgoing debits that were reversals without an original back to the queue; how many."""
    from django.db.models import Q

    return BankEntry.objects.filter(
        Q(explanation_msgid=MSGID) | Q(explanation_msgid="", explanation__in=WRITTEN),
        direction="debit",
        status="outgoing",
    ).update(status="unmatched", explanation_msgid=MSGID, explanation_params={})


def forwards(apps, schema_editor):
    requeue_waiting_reversals(apps.get_model("accounts", "BankEntry"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0011_delivery_block_reason_for_the_reader")]

    # Backwards: nothing; which waiting reversals were outgoing before cannot be told from those queued since.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
