"""The worked example of docs/kpis.md, computed by the code from a real (small) book."""

from datetime import date
from decimal import Decimal

import pytest

from reporting import queries
from reporting.models import CustomerSnapshot, PortfolioSnapshot
from reporting.snapshots import backfill, take_snapshot
from tests.reporting.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_snapshot_buckets_on_the_day(book):
    a, b = book
    rows = {s.customer_id: s for s in CustomerSnapshot.objects.filter(date=TODAY, currency="EUR")}
    assert rows[a.pk].not_due == Decimal("1200.00")
    assert rows[a.pk].d31_60 == Decimal("500.00")
    assert rows[b.pk].d1_30 == Decimal("2000.00")
    assert rows[b.pk].not_due == Decimal("600.00")
    assert rows[a.pk].open_invoices == 2


def test_history_is_rebuilt_from_paid_dates(book):
    feb = queries.points(queries.Filters("EUR"), [date(2026, 2, 28)])[date(2026, 2, 28)]
    assert feb.open_amount == Decimal("3300.00")  # F2 + F3 + F4 (paid later)
    assert feb.buckets["not_due"] == Decimal("2800.00")
    assert feb.backfilled
    jan = queries.points(queries.Filters("EUR"), [date(2026, 1, 31)])[date(2026, 1, 31)]
    assert jan.open_amount == Decimal("1500.00")


def test_dashboard_figures_match_the_worked_example(book):
    board = queries.dashboard(queries.Filters("EUR", months=2), today=TODAY)
    assert board.day == TODAY
    assert board.current.open_amount == Decimal("4300.00")
    assert board.current.overdue == Decimal("2500.00")
    assert board.overdue_share == Decimal("58.1")
    assert board.sales_3m == Decimal("6100.00")
    assert board.dso == Decimal("63.4")
    assert board.best_possible_dso == Decimal("26.6")
    assert board.average_days_delinquent == Decimal("36.8")
    assert board.countback_dso == Decimal("56.0")
    assert dict(board.cei) == {
        date(2026, 1, 31): None,  # nothing fell due in January: nothing to collect, no CEI
        date(2026, 2, 28): Decimal("66.7"),
        date(2026, 3, 31): Decimal("24.2"),
    }
    assert [p.date for p in board.trend] == [date(2026, 1, 31), date(2026, 2, 28), TODAY]


def test_running_twice_replaces_the_day(book):
    before = PortfolioSnapshot.objects.count(), CustomerSnapshot.objects.count()
    take_snapshot(TODAY)
    assert (PortfolioSnapshot.objects.count(), CustomerSnapshot.objects.count()) == before
    assert backfill(TODAY, months=2, days=0) == []
