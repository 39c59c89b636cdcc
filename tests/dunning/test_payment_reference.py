"""Reminders name each invoice's structured payment reference, so the payment comes back matchable."""

import pytest

from accounts.bank.references import is_valid_kenmerk, is_valid_rf
from accounts.models import Invoice
from creditmgmt.daily import run_daily
from dunning.models import Message, Template
from tests.dunning.conftest import DAY

pytestmark = pytest.mark.django_db


def test_reminders_show_the_payment_reference(book):
    run_daily(DAY.isoformat())
    bodies = {m.customer.number: m.body for m in Message.objects.select_related("customer")}
    dutch = Invoice.objects.get(number="L-1").payment_reference
    english = Invoice.objects.get(number="M-1").payment_reference
    assert is_valid_kenmerk(dutch) and is_valid_rf(english)
    assert "L-1 van" in bodies["C1"] and f"betalingskenmerk {dutch}" in bodies["C1"]
    assert f"payment reference {english}" in bodies["C2"]


def test_shipped_texts_got_a_new_version_and_edited_ones_would_be_kept():
    current = Template.objects.filter(is_current=True)
    assert current.exists()
    assert all(t.version == 2 and "payment_reference" in t.body for t in current)
    first = Template.objects.filter(version=1)
    assert first.count() == current.count() and not first.filter(is_current=True).exists()
