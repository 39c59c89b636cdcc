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
    assert board.current.disputed == Decimal("800.00")  # the open part of F3 in dispute
    assert board.disputed_dso == Decimal("11.8")
    assert board.collectable_dso == Decimal("51.6")
    assert dict(board.cei) == {
        date(2026, 1, 31): None,  # nothing fell due in January: nothing to collect, no CEI
        date(2026, 2, 28): Decimal("66.7"),
        date(2026, 3, 31): Decimal("24.2"),
    }
    assert [p.date for p in board.trend] == [date(2026, 1, 31), date(2026, 2, 28), TODAY]


def test_disputed_amount_per_customer_and_on_past_days(book):
    a, b = book
    rows = {s.customer_id: s for s in CustomerSnapshot.objects.filter(date=TODAY, currency="EUR")}
    assert rows[b.pk].disputed == Decimal("800.00")
    assert rows[a.pk].disputed == Decimal("0.00")  # F4's dispute ended on 25 March (and F4 is paid)
    feb = queries.points(queries.Filters("EUR"), [date(2026, 2, 28)])[date(2026, 2, 28)]
    assert feb.disputed == Decimal("0.00")  # no dispute was open yet


def test_dispute_figures_per_reason(book):
    rows = {r["code"]: r for r in queries.dispute_figures(queries.Filters("EUR"), date(2026, 3, 1), TODAY)}
    assert set(rows) == {"price", "damaged"}
    assert rows["damaged"] | {"label": ""} == {
        "code": "damaged", "label": "", "opened": 1, "opened_amount": Decimal("800.00"), "finished": 0,
        "days_to_resolve": None, "open": 1, "open_amount": Decimal("800.00"),
    }  # fmt: skip
    assert (rows["price"]["opened"], rows["price"]["finished"], rows["price"]["open"]) == (1, 1, 0)
    assert rows["price"]["days_to_resolve"] == Decimal("2.0")
    assert queries.dispute_figures(queries.Filters("USD"), date(2026, 3, 1), TODAY) == []


def test_running_twice_replaces_the_day(book):
    before = PortfolioSnapshot.objects.count(), CustomerSnapshot.objects.count()
    take_snapshot(TODAY)
    assert (PortfolioSnapshot.objects.count(), CustomerSnapshot.objects.count()) == before
    assert backfill(TODAY, months=2, days=0) == []


def test_a_dispute_opened_late_in_the_evening_counts_on_that_day(book):
    """The day ends at midnight in Amsterdam (22:00 or 23:00 UTC), on SQLite and PostgreSQL alike."""
    from datetime import UTC, datetime

    from tests.reporting.conftest import dispute

    a, _ = book
    dispute(a, "F5", "100.00", "price", opened=datetime(2026, 3, 31, 21, 30, tzinfo=UTC))  # 23:30 CEST
    dispute(a, "F2", "50.00", "price", opened=datetime(2026, 3, 31, 22, 30, tzinfo=UTC))  # 00:30 on 1 April
    take_snapshot(TODAY)
    assert CustomerSnapshot.objects.get(date=TODAY, customer=a, currency="EUR").disputed == Decimal("100.00")
