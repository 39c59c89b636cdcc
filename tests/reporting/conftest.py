"""A small book whose figures are worked out by hand in docs/kpis.md."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accounts.models import Invoice
from dunning.models import Dispute, DisputeInvoice, DisputeReason
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


def dispute(customer, number, amount, reason, *, opened, finished=None):
    """A dispute as the dunning services leave it, opened (and finished) at the given moments."""
    status = Dispute.Status.REJECTED if finished else Dispute.Status.OPEN
    d = Dispute.objects.create(
        customer=customer,
        reason=DisputeReason.objects.get(code=reason),
        amount=Decimal(amount),
        currency="EUR",
        status=status,
        due_date=opened.date(),
        channel=Dispute.Channel.CONTROLLER,
        resolved_at=finished,
    )
    DisputeInvoice.objects.create(
        dispute=d, invoice=Invoice.objects.get(number=number), amount=Decimal(amount)
    )
    Dispute.objects.filter(pk=d.pk).update(created_at=opened)
    return d


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
    # Bravo disputes 800.00 of F3 on 10 March (still open); Alfa disputed F4 from 23 to 25 March.
    dispute(b, "F3", "800.00", "damaged", opened=datetime(2026, 3, 10, 9, tzinfo=UTC))
    dispute(
        a, "F4", "800.00", "price", opened=datetime(2026, 3, 23, 9, tzinfo=UTC),
        finished=datetime(2026, 3, 25, 9, tzinfo=UTC),
    )  # fmt: skip
    backfill(TODAY, months=2, days=0)
    take_snapshot(TODAY)
    rebuild_monthly_sales(TODAY)
    return a, b
