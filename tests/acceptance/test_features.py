"""The decision path's hand-written SQL gives the same figures as the ORM definitions it stands in for."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from acceptance.features import LedgerFeatures, ledger_query
from acceptance.limits import exposure_and_limit, open_reservations
from acceptance.models import CreditTerms, Reservation
from accounts.models import Customer, Invoice
from accounts.queries import group_member_ids, ledger_summary
from creditmgmt.rows import read_together
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = date(2026, 11, 23)


def invoice(customer, *, due_days_ago: int, amount: str, open_amount: str | None = None, **fields):
    due = TODAY - timedelta(days=due_days_ago)
    return InvoiceFactory(
        customer=customer,
        issue_date=due - timedelta(days=30),
        due_date=due,
        amount=D(amount),
        open_amount=D(open_amount if open_amount is not None else amount),
        **fields,
    )


def ledger_features(customer_id: int) -> LedgerFeatures:
    """The decision's ledger figures, read alone (compute_features reads them with the others)."""
    (answer,) = read_together([ledger_query(customer_id, today=TODAY)])
    return answer["ledger"]


@pytest.fixture
def ledger():
    """One customer with every kind of invoice the figures must tell apart."""
    customer = CustomerFactory()
    invoice(customer, due_days_ago=-10, amount="100.00")  # not due yet
    invoice(customer, due_days_ago=0, amount="110.00")  # due today: not overdue
    invoice(customer, due_days_ago=5, amount="200.00", open_amount="50.00")  # partly paid, overdue
    invoice(customer, due_days_ago=90, amount="300.00")  # overdue, not yet over 90
    invoice(customer, due_days_ago=91, amount="400.00")  # 91 days: over 90
    invoice(customer, due_days_ago=200, amount="500.00")
    invoice(customer, due_days_ago=30, amount="-80.00")  # open credit note: lowers nothing overdue
    invoice(customer, due_days_ago=40, amount="600.00", status=Invoice.Status.CANCELLED)
    paid = {"status": Invoice.Status.PAID, "open_amount": "0.00"}
    invoice(
        customer, due_days_ago=50, amount="700.00", paid_date=TODAY - timedelta(days=40), days_late=10, **paid
    )
    invoice(
        customer, due_days_ago=80, amount="710.00", paid_date=TODAY - timedelta(days=83), days_late=-3, **paid
    )
    invoice(
        customer,
        due_days_ago=500,
        amount="720.00",
        paid_date=TODAY - timedelta(days=420),
        days_late=80,
        **paid,
    )
    invoice(
        customer,
        due_days_ago=60,
        amount="730.00",
        paid_date=TODAY - timedelta(days=10),
        days_late=None,
        **paid,
    )
    invoice(
        customer, due_days_ago=60, amount="-20.00", paid_date=TODAY - timedelta(days=10), days_late=5, **paid
    )
    return customer


def test_ledger_features_match_the_ledger_summary(ledger):
    figures = ledger_features(ledger.pk)
    summary = ledger_summary(ledger, today=TODAY)

    assert figures.overdue_amount == summary.overdue_amount == D("1250.00")  # 50 + 300 + 400 + 500
    assert figures.overdue_count == summary.overdue_count == 4
    assert (figures.over_90_count > 0) == (summary.aging["d90_plus"] > 0) and figures.over_90_count == 2
    assert figures.avg_days_late == pytest.approx(summary.avg_days_late) == pytest.approx(3.5)  # 10 and -3


def test_ledger_features_of_a_customer_without_invoices():
    figures = ledger_features(CustomerFactory().pk)
    assert (figures.overdue_amount, figures.overdue_count, figures.over_90_count, figures.avg_days_late) == (
        D("0.00"), 0, 0, None,
    )  # fmt: skip


def _orm_exposure(customer: Customer, today: date) -> tuple[Decimal, Decimal]:
    """The definition in ORM terms: open amounts and open reservations of the group, one currency."""
    members = Customer.objects.filter(pk__in=group_member_ids(customer), currency=customer.currency)
    open_amount = members.aggregate(total=Sum("open_amount"))["total"] or D(0)
    reserved = open_reservations(today).filter(customer__in=members, currency=customer.currency).aggregate(
        total=Sum("amount")
    )["total"] or D(0)
    return open_amount, reserved


def test_group_exposure_matches_the_orm_definition():
    top = CustomerFactory(open_amount=D("1000.00"))
    middle = CustomerFactory(parent=top, open_amount=D("200.00"))
    me = CustomerFactory(parent=middle, open_amount=D("30.00"), credit_limit=D("5000.00"))
    sister = CustomerFactory(parent=middle, open_amount=D("4.00"))
    CustomerFactory(parent=sister, open_amount=D("0.50"))  # a third level down
    CustomerFactory(parent=top, open_amount=D("999.00"), currency="USD")  # another currency: left out
    CustomerFactory(open_amount=D("777.00"))  # not in the group

    def reservation(customer, reference, amount, **fields):
        values = {"currency": customer.currency, "expires_on": TODAY + timedelta(days=5), **fields}
        return Reservation.objects.create(
            customer=customer, order_reference=reference, amount=D(amount), **values
        )

    reservation(me, "R-1", "100.00")
    reservation(sister, "R-2", "20.00")
    reservation(me, "R-3", "7.00", expires_on=TODAY - timedelta(days=1))  # expired
    reservation(me, "R-4", "9.00", status=Reservation.Status.EXPIRED)
    reservation(top, "R-5", "3.00")
    InvoiceFactory(customer=top, order_reference="R-5")  # invoiced: counts as the invoice now
    reservation(middle, "R-6", "1.00")
    InvoiceFactory(customer=middle, order_reference="R-6", status=Invoice.Status.CANCELLED)  # still counts
    CreditTerms.objects.create(customer=me, temporary_limit=D("8000.00"), temporary_until=TODAY)

    for customer in (me, top, sister):
        exposure = exposure_and_limit(customer, today=TODAY)
        assert (exposure.open_amount, exposure.reserved) == _orm_exposure(customer, TODAY)
    exposure = exposure_and_limit(me, today=TODAY)
    assert (exposure.open_amount, exposure.reserved) == (D("1234.50"), D("121.00"))
    assert exposure.limit == D("8000.00")  # the temporary limit runs through today
    assert exposure_and_limit(me, today=TODAY + timedelta(days=1)).limit == D("5000.00")


def test_a_company_outside_a_group_costs_one_query(django_assert_num_queries):
    customer = CustomerFactory(open_amount=D("12.34"))
    with django_assert_num_queries(1):
        exposure = exposure_and_limit(customer, today=TODAY)
    assert (exposure.open_amount, exposure.reserved, exposure.limit) == (D("12.34"), D("0.00"), D("10000.00"))
