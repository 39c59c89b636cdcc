"""Amounts that net to nothing count as nothing, on SQLite as on PostgreSQL.

SQLite keeps a decimal column as a binary float, so a sum of cents that nets to zero can come out
as 1e-15 there (PostgreSQL's numeric sums exactly): the snapshot's figures are compared with half a
cent, not with zero, so both databases count the same customers.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from accounts import services
from accounts.models import Invoice
from reporting import queries
from reporting.models import CustomerSnapshot, PortfolioSnapshot
from reporting.snapshots import take_snapshot
from tests.factories import CustomerFactory, InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 31)


def _item(customer, amount: str, days_overdue: int):
    due = TODAY - timedelta(days=days_overdue)
    return InvoiceFactory(
        customer=customer, amount=Decimal(amount), issue_date=due - timedelta(days=30), due_date=due
    )


@pytest.mark.parametrize(
    "days",
    [(10, 40, 70), (10, 12, 14)],  # each in its own overdue bucket; all in one bucket
    ids=["across-buckets", "one-bucket"],
)
def test_a_credit_note_that_cancels_the_late_invoices_on_balance_leaves_them_overdue(controller, days):
    """38.77 + 10.10 - 48.87 is 7e-15 in binary floating point. The late invoices stay overdue (the
    credit note is unapplied credit, kept apart), counted alike on both databases."""
    netted = CustomerFactory(name="Netted", controller=controller)
    for amount, late in zip(("38.77", "10.10", "-48.87"), days, strict=True):
        _item(netted, amount, late)
    debtor = CustomerFactory(name="Debtor", controller=controller)
    _item(debtor, "0.01", 5)

    take_snapshot(TODAY)

    group = PortfolioSnapshot.objects.get(date=TODAY, currency="EUR")
    assert (group.customers, group.customers_overdue) == (2, 2)
    board = queries.dashboard(queries.Filters("EUR"), today=TODAY)
    assert (board.current.customers, board.current.customers_overdue) == (2, 2)
    assert board.current.open_amount == Decimal("0.01")  # on balance
    assert board.current.overdue == Decimal("48.88")
    assert board.current.credit == Decimal("-48.87")
    assert board.overdue_share == Decimal("100.0")
    # A sales rep's figures are counted from the customer rows: the same rule.
    mine = queries.points(queries.Filters("EUR", customer_ids=(netted.pk, debtor.pk)), [TODAY])[TODAY]
    assert (mine.customers, mine.customers_overdue) == (2, 2)
    filters = queries.Filters("EUR")
    assert [s.customer for s in queries.top_debtors(filters, TODAY)] == [netted, debtor]
    assert [s.customer for s in queries.bucket_customers(filters, TODAY, "overdue")] == [netted, debtor]
    assert [s.customer for s in queries.bucket_customers(filters, TODAY, "open")] == [debtor, netted]
    assert [s.customer for s in queries.bucket_customers(filters, TODAY, "credit")] == [netted]
    row = CustomerSnapshot.objects.get(customer=netted)
    assert (row.overdue_amount, row.credit) == (Decimal("48.87"), Decimal("-48.87"))


def test_an_invoice_paid_in_three_parts_is_not_open(controller):
    """The invoice's open amount is kept in Decimal by the ledger services: 100.00 paid as
    33.33 + 33.33 + 33.34 leaves exactly 0.00 and a paid invoice (no remainder to count)."""
    customer = CustomerFactory(controller=controller)
    invoice = _item(customer, "100.00", 20)
    for part in ("33.33", "33.33", "33.34"):
        payment = PaymentFactory(customer=customer, amount=Decimal(part), value_date=TODAY)
        services.allocate(invoice=invoice, payment=payment, by="test")
    invoice.refresh_from_db()
    customer.refresh_from_db()
    assert (invoice.status, invoice.open_amount) == (Invoice.Status.PAID, Decimal("0.00"))
    assert (customer.open_amount, customer.oldest_open_due_date) == (Decimal("0.00"), None)
    assert not customer.is_overdue(TODAY)
    take_snapshot(TODAY)
    assert not CustomerSnapshot.objects.filter(date=TODAY).exists()
