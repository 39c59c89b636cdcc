"""A small book whose figures are worked out by hand in docs/kpis.md."""

from datetime import date
from decimal import Decimal

import pytest

from reporting.snapshots import backfill, rebuild_monthly_sales, take_snapshot
from tests.factories import CustomerFactory, InvoiceFactory

TODAY = date(2026, 3, 31)


def invoice(customer, number, amount, issued, due, paid=None):
    paid_fields = {"status": "paid", "open_amount": Decimal("0.00"), "paid_date": paid} if paid else {}
    return InvoiceFactory(
        customer=customer,
        number=number,
        amount=Decimal(amount),
        issue_date=issued,
        due_date=due,
        **paid_fields,
    )


@pytest.fixture
def book(controller):
    a = CustomerFactory(name="Alfa", controller=controller, segment="business")
    b = CustomerFactory(name="Bravo", controller=controller, segment="business")
    invoice(a, "F1", "1000.00", date(2026, 1, 10), date(2026, 2, 9), paid=date(2026, 2, 20))
    invoice(a, "F2", "500.00", date(2026, 1, 25), date(2026, 2, 24))
    invoice(b, "F3", "2000.00", date(2026, 2, 5), date(2026, 3, 7))
    invoice(a, "F4", "800.00", date(2026, 2, 20), date(2026, 3, 22), paid=date(2026, 3, 25))
    invoice(a, "F5", "1200.00", date(2026, 3, 10), date(2026, 4, 9))
    invoice(b, "F6", "600.00", date(2026, 3, 30), date(2026, 4, 29))
    # Noise that must not count: another currency, a cancelled invoice.
    invoice(b, "X1", "999.00", date(2026, 3, 1), date(2026, 3, 2)).__class__.objects.filter(
        number="X1"
    ).update(currency="USD")
    invoice(a, "X2", "777.00", date(2026, 3, 1), date(2026, 3, 2)).__class__.objects.filter(
        number="X2"
    ).update(status="cancelled", open_amount=0)
    backfill(TODAY, months=2, days=0)
    take_snapshot(TODAY)
    rebuild_monthly_sales(TODAY)
    return a, b
