"""A late credit note is unapplied credit, not a negative overdue amount (docs/kpis.md).

A government customer has a late invoice, one not yet due, and a credit note whose due date is long
past. The aging buckets hold the invoices; the credit note is kept apart as unapplied credit, so no
bucket goes below zero and the aging bar adds up to 100 %. Run on SQLite and on PostgreSQL.
"""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from reporting import queries
from reporting.models import BUCKETS, CustomerSnapshot
from reporting.snapshots import backfill, rebuild_monthly_sales, take_snapshot
from tests.factories import CustomerFactory
from tests.reporting.conftest import TODAY, invoice
from tests.reporting.test_scheduled import pdf_text

pytestmark = pytest.mark.django_db

FEBRUARY = date(2026, 2, 28)
ZERO = Decimal("0.00")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY.isoformat() + " 10:00 +01:00", tick=False):
        yield


@pytest.fixture
def town(controller):
    town = CustomerFactory(name="Gemeente Ommen", controller=controller, segment="government")
    invoice(town, "G1", "1000.00", date(2026, 2, 1), date(2026, 3, 3))  # 28 days late: 1-30
    invoice(town, "G2", "400.00", date(2026, 3, 20), date(2026, 4, 19))  # not due
    invoice(town, "G3", "-100.00", date(2026, 1, 15), date(2026, 2, 14))  # credit note, "45 days late"
    shop = CustomerFactory(name="Winkel", controller=controller, segment="business")
    invoice(shop, "B1", "300.00", date(2025, 12, 1), date(2025, 12, 31))  # another segment: left out
    backfill(TODAY, months=2, days=0)
    take_snapshot(TODAY)
    rebuild_monthly_sales(TODAY)
    return town


GOVERNMENT = queries.Filters("EUR", segment="government")


def test_a_late_credit_note_is_unapplied_credit_not_a_negative_bucket(town):
    row = CustomerSnapshot.objects.get(customer=town, date=TODAY)
    assert {b: getattr(row, b) for b in BUCKETS} == {
        "not_due": Decimal("400.00"), "d1_30": Decimal("1000.00"), "d31_60": Decimal("0.00"),
        "d61_90": Decimal("0.00"), "d90_plus": Decimal("0.00"),
    }  # fmt: skip
    assert (row.credit, row.open_amount) == (Decimal("-100.00"), Decimal("1300.00"))

    board = queries.dashboard(GOVERNMENT, today=TODAY)
    point = board.current
    assert (point.open_amount, point.owed, point.credit) == (
        Decimal("1300.00"), Decimal("1400.00"), Decimal("-100.00")
    )  # fmt: skip
    assert point.overdue == Decimal("1000.00")
    aging = queries.aging_totals(point)
    assert all(amount >= 0 and share >= 0 for _b, amount, share in aging)
    assert sum(share for _b, _amount, share in aging) == Decimal("100")
    assert board.overdue_share == Decimal("71.4")  # 1,000 of the 1,400 of invoices open
    # DSO on the balance, 1,300 against 1,400 of sales in 90 days; best possible on what is not past
    # due (1,300 - 1,000); the days delinquent are the overdue invoices' days.
    assert (board.dso, board.best_possible_dso, board.average_days_delinquent) == (
        Decimal("83.6"), Decimal("19.3"), Decimal("64.3")
    )  # fmt: skip


@pytest.mark.parametrize("how", ["backfill", "one day"])
def test_history_keeps_the_credit_note_apart_too(town, how):
    """On 28 February the credit note was 14 days "late" and G1 not yet due: nothing overdue."""
    if how == "one day":  # a single past day, as `snapshot --date` writes it
        take_snapshot(FEBRUARY, today=TODAY)
    row = CustomerSnapshot.objects.get(customer=town, date=FEBRUARY)
    assert (row.not_due, row.overdue_amount, row.credit) == (
        Decimal("1000.00"), Decimal("0.00"), Decimal("-100.00")
    )  # fmt: skip
    february = queries.points(GOVERNMENT, [FEBRUARY])[FEBRUARY]
    assert (february.overdue, february.credit, february.customers_overdue) == (ZERO, Decimal("-100.00"), 0)


def test_the_dashboard_shows_the_credit_apart(client, manager, town):
    client.force_login(manager)
    response = client.get(reverse("reporting:dashboard"), {"segment": "government", "months": 3})
    html = response.content.decode()
    assert "71.4% of the open invoices" in html
    assert all(row["share"] >= 0 and row["amount"] >= 0 for row in response.context["aging"])
    aging = html.split('<table class="aging-table">')[1].split("</table>")[0]
    assert "Unapplied credit" in aging and "-€100.00" in aging and "€1,300.00" in aging
    assert "bucket=credit" in aging
    url = reverse("reporting:bucket_customers")
    drill_down = client.get(url, {"segment": "government", "bucket": "credit"})
    assert drill_down.context["label"] == "Unapplied credit"
    assert [s.customer for s in drill_down.context["page"].object_list] == [town]


def test_the_pdf_report_shows_the_credit_apart(client, manager, town):
    client.force_login(manager)
    pdf = client.get(reverse("reporting:dashboard_pdf"), {"segment": "government", "months": 3}).content
    text = " ".join(pdf_text(pdf).split())
    assert "Not due €400.00 28.6" in text  # 28.57 rounded, as on the page
    assert "1-30 days €1,000.00 71.4" in text
    assert "31-60 days €0.00 0.0" in text
    assert "Unapplied credit -€100.00" in text
    assert "Open on balance €1,300.00" in text


def test_the_cei_is_never_above_100_with_a_late_credit_note(controller):
    """February ends with A (1,000.00) not yet due. In March A is paid and a credit note of 300.00 is
    issued, due 1 March and not applied. Collected of what could be: 1,300 of 1,300 (the credit note
    is current, not overdue), where a negative overdue bucket made it 1,300 of 1,000, 130 %."""
    customer = CustomerFactory(controller=controller)
    invoice(customer, "A", "1000.00", date(2026, 2, 1), date(2026, 3, 15), paid=date(2026, 3, 20))
    invoice(customer, "C", "-300.00", date(2026, 3, 1), date(2026, 3, 1))
    backfill(TODAY, months=2, days=0)
    take_snapshot(TODAY)
    rebuild_monthly_sales(TODAY)
    board = queries.dashboard(queries.Filters("EUR", months=3), today=TODAY)
    assert board.cei[-1] == (TODAY, Decimal("100.0"))
    assert board.current.overdue == ZERO and board.overdue_share is None  # no invoice open
