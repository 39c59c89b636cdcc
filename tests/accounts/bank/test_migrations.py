"""Data migrations of the bank entries: the function each migration calls, on today's models."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.bank import services as bank
from accounts.bank.writer import Line, camt053
from accounts.models import BankEntry

pytestmark = pytest.mark.django_db

requeue = importlib.import_module("accounts.migrations.0012_waiting_reversals_back_in_the_queue")
TODAY = date(2026, 11, 20)
DUTCH = "Een storno, maar er is geen gekoppelde betaling gevonden die hiermee wordt teruggedraaid."


@pytest.fixture
def entries():
    """Money going out as the import left it before reversals waited in the queue."""
    lines = [Line(Decimal(n), TODAY, credit=False, name=f"Line {n}") for n in range(1, 8)]
    bank.import_statement_file(
        data=camt053(account="NL91ABNA0417164300", lines=lines, statement_id="M"), file_name="m.xml", by="t"
    )
    rows = {int(e.amount): e for e in BankEntry.objects.all()}
    assert all(e.status == BankEntry.Status.OUTGOING for e in rows.values())
    stored = {"explanation": requeue.MSGID, "explanation_msgid": requeue.MSGID, "explanation_params": {}}
    old_english = {"explanation": requeue.MSGID, "explanation_msgid": "", "explanation_params": {}}
    old_dutch = {"explanation": DUTCH, "explanation_msgid": "", "explanation_params": {}}
    BankEntry.objects.filter(pk=rows[1].pk).update(**stored)  # written with its message id
    BankEntry.objects.filter(pk=rows[2].pk).update(**old_english)  # before message ids, in English
    BankEntry.objects.filter(pk=rows[3].pk).update(**old_dutch)  # before message ids, in Dutch
    # Not a reversal left outgoing: a plain payment out, one handled since, money coming in.
    BankEntry.objects.filter(pk=rows[5].pk).update(status=BankEntry.Status.REVERSAL, **stored)
    BankEntry.objects.filter(pk=rows[6].pk).update(direction=BankEntry.Direction.CREDIT, **stored)
    BankEntry.objects.filter(pk=rows[7].pk).update(explanation="A reversal, but something else.")
    return rows


def test_reversals_left_outgoing_wait_in_the_queue_again(entries):
    before = {e.pk: (e.status, e.explanation) for e in BankEntry.objects.all()}

    assert requeue.requeue_waiting_reversals(BankEntry) == 3

    moved = BankEntry.objects.filter(status=BankEntry.Status.UNMATCHED)
    assert {int(e.amount) for e in moved} == {1, 2, 3}
    for entry in moved:
        assert entry.explanation_msgid == requeue.MSGID and entry.explanation_params == {}
        assert entry.explanation == before[entry.pk][1]  # the finished sentence stays as written
    for entry in BankEntry.objects.exclude(pk__in=moved):
        assert (entry.status, entry.explanation) == before[entry.pk]
    # Again: nothing more.
    assert requeue.requeue_waiting_reversals(BankEntry) == 0


def test_an_old_dutch_explanation_reads_in_the_readers_language(entries, controller_client):
    requeue.requeue_waiting_reversals(BankEntry)
    page = controller_client.get(reverse("accounts:bank_unmatched"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.content.decode().count('id="entry-') == 3
    dutch = BankEntry.objects.get(amount=3)
    assert dutch.explanation == DUTCH
    assert dutch.explanation_text == requeue.MSGID  # the English reader (tests run in English)
