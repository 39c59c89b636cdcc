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
    from dunning.migrations._defaults_0002 import TEXTS

    # The reminder texts shipped first (later migrations ship other texts, such as plan reminders).
    current = Template.objects.filter(is_current=True, key__in=TEXTS)
    assert current.exists()
    assert all(t.version == 2 and "payment_reference" in t.body for t in current)
    first = Template.objects.filter(version=1, key__in=TEXTS)
    assert first.count() == current.count() and not first.filter(is_current=True).exists()


def test_a_payment_in_the_bank_inbox_takes_its_invoice_out_of_the_same_days_run(book, settings, tmp_path):
    """The daily workflow imports the watched folder before dunning: a customer who paid overnight
    gets no reminder, while the others still do."""

    from accounts.bank.writer import Line, camt053

    settings.BANK_INBOX_DIR = str(tmp_path)
    invoice = Invoice.objects.get(number="L-1")
    (tmp_path / "overnight.xml").write_bytes(
        camt053(
            account="NL91ABNA0417164300",
            lines=[
                Line(invoice.open_amount, DAY, name="Bakkerij De Vries", reference=invoice.payment_reference)
            ],
            statement_id="NIGHT-1",
        )
    )
    result = run_daily(DAY.isoformat())
    assert result["bank"]["matched"] == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    reminded = set(Message.objects.values_list("customer__number", flat=True))
    assert "C1" not in reminded and "C2" in reminded
