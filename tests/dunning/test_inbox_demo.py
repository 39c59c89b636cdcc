"""The demo inbox: a realistic mix of customer replies, linked, classified and assigned; seeded once."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from dunning.inbox.demo import seed_inbox
from dunning.models import InboundMail

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_inbox_with_linked_classified_assigned_mail():
    out = StringIO()
    call_command("seed_demo", "--customers=120", "--seed=5", "--today=2026-11-20", stdout=out)
    assert "Inbox:" in out.getvalue()
    mails = list(InboundMail.objects.select_related("customer"))
    assert len(mails) >= 20
    linked = [m for m in mails if m.customer_id]
    assert len(linked) == len(mails) - 1  # one unknown sender waits in triage
    assert all(m.assignee_id == m.customer.controller_id for m in linked)
    categories = {m.category for m in mails}
    assert {"promise", "dispute", "copy", "paid", "auto_reply"} <= categories
    # Two promise phrasings have no keyword ("staat in onze betaalrun"): a person corrects those.
    unknown = [m for m in linked if m.category == "other"]
    assert len(unknown) <= len(linked) // 6
    assert {m.linked_by for m in linked} >= {"contact"}
    promises = [m for m in mails if m.category == "promise"]
    assert promises and all(m.promised_date for m in promises)
    assert all(m.status == "done" for m in mails if m.category == "auto_reply")
    before = InboundMail.objects.count()
    again = seed_inbox(today=date(2026, 11, 20), seed=5)
    assert again["mails"] == 0  # the same mails again: nothing new
    assert InboundMail.objects.count() == before
