"""Two people allocating at the same moment cannot take an invoice below zero."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from accounts import services
from accounts.models import Allocation, Invoice, Payment
from tests.factories import CustomerFactory


@pytest.mark.django_db(transaction=True)
def test_two_allocators_on_one_invoice():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers anyway")
    customer = CustomerFactory()
    invoice = services.post_invoice(
        customer=customer, number="F-RACE", issue_date=date(2026, 10, 1), amount=Decimal("100.00"), by="test"
    )
    payments = [
        services.record_payment(
            customer=customer, amount=Decimal("80.00"), value_date=date(2026, 11, 1), by="t"
        )
        for _ in range(2)
    ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def allocate(payment):
        try:
            barrier.wait()
            services.allocate(invoice=invoice, payment=payment, amount=Decimal("80.00"), by="racer")
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=allocate, args=(p,)) for p in payments]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    invoice.refresh_from_db()
    assert sorted(outcomes)[0].startswith("Only 20.00 is open")
    assert outcomes.count("ok") == 1
    assert invoice.open_amount == Decimal("20.00")
    assert Allocation.objects.count() == 1
    assert sum(p.unallocated_amount for p in Payment.objects.all()) == Decimal("80.00")


@pytest.mark.django_db(transaction=True)
def test_many_allocators_never_break_the_invariants():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    customer = CustomerFactory()
    invoice = services.post_invoice(
        customer=customer, number="F-MANY", issue_date=date(2026, 10, 1), amount=Decimal("100.00"), by="test"
    )
    payment = services.record_payment(
        customer=customer, amount=Decimal("1000.00"), value_date=date(2026, 11, 1), by="t"
    )
    barrier = threading.Barrier(6)

    def allocate():
        try:
            barrier.wait()
            services.allocate(invoice=invoice, payment=payment, amount=Decimal("30.00"), by="racer")
        except ValidationError:
            pass
        finally:
            connections.close_all()

    threads = [threading.Thread(target=allocate) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    invoice = Invoice.objects.get(pk=invoice.pk)
    payment.refresh_from_db()
    allocated = sum(a.amount for a in Allocation.objects.filter(invoice=invoice))
    assert allocated == Decimal("90.00")  # three of 30 fit into 100, the fourth would overdraw
    assert invoice.open_amount == Decimal("10.00")
    assert payment.unallocated_amount == Decimal("910.00")
