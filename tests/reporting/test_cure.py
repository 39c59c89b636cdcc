"""Cure rate per dunning step, on actions whose 14-day window has passed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from dunning.models import DunningAction, Procedure
from reporting.cure import CURE_DAYS, cure_rates, record_outcomes
from reporting.models import ActionOutcome
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 1)


def action(customer, step, day, invoices, status="done"):
    return DunningAction.objects.create(
        customer=customer, procedure=step.procedure, step=step, cycle=1, date=day, status=status,
        invoice_ids=[i.pk for i in invoices], amount=sum(i.amount for i in invoices), days_overdue=10,
    )  # fmt: skip


@pytest.fixture
def steps():
    procedure = Procedure.objects.get(code="medium")
    return list(procedure.steps.order_by("position"))


def paid(customer, on):
    return InvoiceFactory(
        customer=customer, amount=Decimal("100.00"), status="paid", open_amount=0, paid_date=on
    )


def test_paid_in_the_window_cures_late_or_escalated_does_not(steps):
    first, second = steps[0], steps[1]
    cured = CustomerFactory()
    action(cured, first, DAY, [paid(cured, DAY + timedelta(days=5))])
    too_late = CustomerFactory()
    action(too_late, first, DAY, [paid(too_late, DAY + timedelta(days=CURE_DAYS + 1))])
    escalated = CustomerFactory()
    action(escalated, first, DAY, [paid(escalated, DAY + timedelta(days=10))])
    action(escalated, second, DAY + timedelta(days=7), [])
    unpaid = CustomerFactory()
    action(unpaid, first, DAY, [InvoiceFactory(customer=unpaid)])
    cancelled = CustomerFactory()
    action(cancelled, first, DAY, [InvoiceFactory(customer=cancelled)], status="cancelled")

    assert record_outcomes(DAY + timedelta(days=CURE_DAYS - 1)) == 0  # windows still open
    assert record_outcomes(DAY + timedelta(days=CURE_DAYS)) == 4  # the cancelled one is not a step taken
    outcome = ActionOutcome.objects.get(action__customer=cured)
    assert outcome.cured and outcome.days_to_pay == 5
    assert not ActionOutcome.objects.get(action__customer=too_late).cured
    assert not ActionOutcome.objects.get(action__customer=escalated, step=first).cured
    assert record_outcomes(DAY + timedelta(days=30)) == 1  # the second step's window closed later
    assert record_outcomes(DAY + timedelta(days=30)) == 0  # once only

    rates = cure_rates(DAY - timedelta(days=1), DAY + timedelta(days=30))
    by_step = {r["position"]: r for r in rates}
    assert (by_step[first.position]["actions"], by_step[first.position]["cured"]) == (4, 1)
    assert by_step[first.position]["rate"] == 25.0


def test_cure_rates_follow_the_dashboard_filters_as_their_drill_down_does(
    steps, controller, other_controller
):
    """The per-step card takes the dashboard's Filters: a segment is the customer's segment now (the
    one rule, Filters.apply_segment, that the step's drill-down and the controllers' table use too),
    a controller the one recorded with the step. The figures are those of the former arguments."""
    from reporting.queries import Filters, cure_customers

    first = steps[0]
    shop = CustomerFactory(segment="business", controller=controller)
    person = CustomerFactory(segment="consumer", controller=controller)
    other = CustomerFactory(segment="business", controller=other_controller)
    action(shop, first, DAY, [paid(shop, DAY + timedelta(days=3))])  # cured
    action(person, first, DAY, [InvoiceFactory(customer=person)])  # not paid
    action(other, first, DAY, [paid(other, DAY + timedelta(days=2))])  # cured
    record_outcomes(DAY + timedelta(days=CURE_DAYS))
    person.segment = "business"  # moved after the step: counted in its segment now
    person.save(update_fields=["segment"])
    since, until = DAY - timedelta(days=1), DAY + timedelta(days=30)

    def figures(**given):
        filters = Filters(currency="EUR", **given)
        [row] = cure_rates(since, until, filters)
        drill = cure_customers(filters, since, until, first.pk)
        assert (row["actions"], row["cured"]) == (
            sum(r["steps"] for r in drill),
            sum(r["cured"] for r in drill),
        )
        return row["actions"], row["cured"], row["rate"]

    assert [(r["actions"], r["cured"]) for r in cure_rates(since, until)] == [(3, 2)]  # no filters
    assert figures() == (3, 2, 66.7)
    assert figures(segment="business") == (3, 2, 66.7)
    assert cure_rates(since, until, Filters(currency="EUR", segment="consumer")) == []
    assert figures(controller_id=controller.pk) == (2, 1, 50.0)
    assert figures(controller_id=other_controller.pk) == (1, 1, 100.0)
    assert figures(segment="business", controller_id=controller.pk) == (2, 1, 50.0)
