"""The demo's customers pay after reminders: on the day their action decides, once, in full."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from accounts import services
from accounts.models import Customer, Invoice, Payment
from dunning.demo_customers import DAYS_TO_PAY, pay_after_reminders, pays_on
from dunning.models import DunningAction, Procedure
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
REMINDED = date(2026, 10, 1)


@pytest.fixture
def reminded():
    """Twelve low-risk customers, each reminded on REMINDED of one overdue invoice."""
    step = Procedure.objects.get(code="medium").steps.order_by("position").first()
    actions = []
    for n in range(12):
        customer = CustomerFactory(risk_class=Customer.RiskClass.LOW)
        invoice = services.post_invoice(
            customer=customer,
            number=f"D-{n}",
            issue_date=REMINDED - timedelta(days=40),
            due_date=REMINDED - timedelta(days=10),
            amount=Decimal("121.00"),
            by="test",
        )
        actions.append(
            DunningAction.objects.create(
                customer=customer,
                procedure=step.procedure,
                step=step,
                cycle=1,
                date=REMINDED,
                status=DunningAction.Status.DONE,
                invoice_ids=[invoice.pk],
                amount=invoice.amount,
                days_overdue=10,
                risk_class=Customer.RiskClass.LOW,
            )  # fmt: skip
        )
    return actions


def test_each_customer_pays_on_the_day_its_action_decides_and_only_once(reminded):
    expected = {action.invoice_ids[0]: pays_on(action.pk, action.risk_class, REMINDED) for action in reminded}
    # Each pays with a chance of 3 in 4 (ids differ run to run on PostgreSQL): that none of twelve
    # pays has a chance of 6 in 100 million.
    assert any(expected.values())

    assert all(day is None or day.weekday() < 5 for day in expected.values())  # no bank pays at weekends
    last = REMINDED + timedelta(days=DAYS_TO_PAY[1] + 2)
    day = REMINDED
    while day <= last:
        pay_after_reminders(day)
        day += timedelta(days=1)
    paid = dict(Invoice.objects.filter(pk__in=expected).values_list("pk", "paid_date"))
    assert paid == expected
    assert Payment.objects.count() == sum(1 for day in expected.values() if day)
    assert all(p.unallocated_amount == 0 and p.amount == Decimal("121.00") for p in Payment.objects.all())

    # Again: nothing is paid twice.
    for offset in range(DAYS_TO_PAY[1] + 3):
        assert pay_after_reminders(REMINDED + timedelta(days=offset)) == 0
