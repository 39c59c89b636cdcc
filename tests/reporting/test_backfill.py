"""History snapshots: a past day's aging buckets, and the one-statement backfill equal to day by day."""

from datetime import date
from decimal import Decimal

import pytest

from reporting.models import CustomerSnapshot, PortfolioSnapshot
from reporting.snapshots import backfill, take_history_snapshots, take_snapshot
from tests.reporting.conftest import dispute, invoice

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 31)
DAY = date(2026, 2, 28)  # a month end the backfill rebuilds


@pytest.fixture
def aged(controller):
    from tests.factories import CustomerFactory

    customer = CustomerFactory(name="Aged", controller=controller)
    invoice(customer, "A0", "100.00", date(2026, 2, 1), date(2026, 3, 3))  # not due on DAY
    invoice(customer, "A1", "200.00", date(2026, 1, 1), date(2026, 2, 10))  # 18 days overdue on DAY
    invoice(customer, "A2", "300.00", date(2025, 12, 1), date(2026, 1, 14))  # 45 days
    invoice(customer, "A3", "400.00", date(2025, 11, 1), date(2025, 12, 15))  # 75 days
    invoice(customer, "A4", "500.00", date(2025, 10, 1), date(2025, 11, 1), paid=date(2026, 3, 20))  # 119
    invoice(customer, "A5", "900.00", date(2025, 10, 1), date(2025, 11, 1), paid=date(2026, 2, 1))  # paid
    return customer


def rows(day):
    return list(
        CustomerSnapshot.objects.filter(date=day)
        .order_by("customer_id", "currency")
        .values_list(
            "customer_id", "currency", "open_amount", "not_due", "d1_30", "d31_60", "d61_90", "d90_plus"
        )
    )


def test_a_past_day_puts_each_overdue_invoice_in_its_own_bucket(aged):
    take_snapshot(DAY, today=TODAY)
    D = Decimal
    assert rows(DAY) == [
        (aged.pk, "EUR", D("1500.00"), D("100.00"), D("200.00"), D("300.00"), D("400.00"), D("500.00"))
    ]


def test_backfill_in_one_statement_equals_day_by_day(aged, book):
    backfill(TODAY, months=3, days=3)
    days = sorted(set(CustomerSnapshot.objects.filter(date__lt=TODAY).values_list("date", flat=True)))
    assert DAY in days and len(days) == 7
    together = {day: (rows(day), PortfolioSnapshot.objects.filter(date=day).count()) for day in days}
    for day in days:
        take_snapshot(day, today=TODAY)
    assert {day: (rows(day), PortfolioSnapshot.objects.filter(date=day).count()) for day in days} == together
    take_history_snapshots(days, today=TODAY)  # again: replaces, never doubles
    assert {day: (rows(day), PortfolioSnapshot.objects.filter(date=day).count()) for day in days} == together


def test_backfill_counts_the_disputes_open_at_each_past_day_as_day_by_day(aged):
    from datetime import UTC, datetime

    dispute(aged, "A2", "120.00", "price", opened=datetime(2026, 2, 20, 9, tzinfo=UTC))
    dispute(aged, "A3", "50.00", "price", opened=datetime(2026, 1, 5, 9, tzinfo=UTC),
            finished=datetime(2026, 2, 10, 9, tzinfo=UTC))  # fmt: skip

    def disputed(day):
        return CustomerSnapshot.objects.filter(date=day).values_list("disputed", flat=True).first()

    backfill(TODAY, months=3, days=3)
    together = {day: disputed(day) for day in (DAY, date(2026, 1, 31))}
    assert together == {DAY: Decimal("120.00"), date(2026, 1, 31): Decimal("50.00")}
    for day in together:
        take_snapshot(day, today=TODAY)
    assert {day: disputed(day) for day in together} == together
