"""Payment plans: the policy, a manager's approval, installments watched by the daily run."""

from datetime import date, datetime, timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import Event, Task
from creditmgmt.daily import run_daily
from dunning.models import DunningAction, Installment, Message, PaymentPlan, Promise
from dunning.selection import dunnable_invoices
from dunning.services.plans import (
    approve_plan,
    check_plan,
    reject_plan,
    request_plan,
    suggest_installments,
)
from dunning.services.promises import make_promise
from tests.dunning.conftest import DAY, post
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def frozen(day, hour=7):
    return time_machine.travel(timezone.make_aware(datetime(day.year, day.month, day.day, hour)), tick=False)


def run(day):
    with frozen(day):
        return run_daily(day.isoformat())


def ask(customer, installments, invoices=None, by="test"):
    with frozen(DAY):
        return request_plan(
            customer=customer,
            invoices=invoices if invoices is not None else list(customer.invoices.all()),
            installments=installments,
            channel="phone",
            by=by,
        )


def pay(customer, amount, day):
    with frozen(day):
        services.receive_payment(
            customer=customer, amount=D(amount), value_date=day, by="bank", allocate_oldest=True
        )


WEEKLY = [
    (DAY + timedelta(days=7), D("403.33")),
    (DAY + timedelta(days=14), D("403.33")),
    (DAY + timedelta(days=21), D("403.34")),
]


def test_suggested_schedule_is_monthly_with_the_cents_on_the_last(book):
    invoices = list(book["low_nl"].invoices.all())  # 1210.00
    assert suggest_installments(invoices=invoices, count=3, first_date=date(2027, 1, 31)) == [
        (date(2027, 1, 31), D("403.33")),
        (date(2027, 2, 28), D("403.33")),
        (date(2027, 3, 31), D("403.34")),
    ]
    with pytest.raises(ValidationError):
        suggest_installments(invoices=invoices, count=0, first_date=DAY)


def test_policy_reasons(book, settings):
    low, high = book["low_nl"], book["high_letter"]
    ok = check_plan(customer=low, installments=WEEKLY, today=DAY)
    assert ok.auto_approved and ok.reasons == []
    seven_months = suggest_installments(
        invoices=list(low.invoices.all()), count=8, first_date=DAY + timedelta(days=5)
    )
    long = check_plan(customer=low, installments=seven_months, today=DAY)
    assert not long.auto_approved
    assert long.reasons == ["The plan runs longer than 6 months (last installment 2027-06-25)."]
    settings.PLAN_MAX_AMOUNT = "1000.00"
    assert check_plan(customer=low, installments=WEEKLY, today=DAY).reasons == [
        "The amount €1,210.00 is more than €1,000.00."
    ]
    settings.PLAN_MAX_AMOUNT = "25000.00"
    late = [(DAY + timedelta(days=31), D("1210.00"))]
    assert check_plan(customer=high, installments=late, today=DAY).reasons == [
        "The customer's risk class is High.",
        "The first installment is more than 30 days away.",
    ]
    PaymentPlan.objects.create(
        customer=low, amount=D("10"), status="broken", channel="phone", ended_on=DAY - timedelta(days=100)
    )
    assert check_plan(customer=low, installments=WEEKLY, today=DAY).reasons == [
        "A payment plan of this customer was broken in the last 12 months (2026-08-12)."
    ]


def test_auto_approved_plan_pauses_dunning(book):
    low = book["low_nl"]
    plan = ask(low, WEEKLY)
    assert plan.status == "active" and plan.auto_approved and plan.approval_task is None
    assert list(plan.installments.values_list("sequence", "amount", "status")) == [
        (1, D("403.33"), "open"),
        (2, D("403.33"), "open"),
        (3, D("403.34"), "open"),
    ]
    assert Event.objects.filter(customer=low, verb="plan_active").count() == 1
    assert not dunnable_invoices(DAY).filter(customer=low).exists()
    run(DAY)
    assert not DunningAction.objects.filter(customer=low).exists()
    assert DunningAction.objects.filter(customer=book["medium_en"]).exists()


def test_manager_approves_a_plan_the_policy_refers(book, manager, controller):
    high = book["high_letter"]
    plan = ask(high, [(DAY + timedelta(days=10), D("305.00")), (DAY + timedelta(days=40), D("300.00"))])
    assert plan.status == "requested" and not plan.auto_approved
    assert plan.reasons == ["The customer's risk class is High."]
    task = plan.approval_task
    assert task.kind == "approval" and task.assignee == manager and task.status == "open"
    # Waiting for approval is out of dunning too.
    run(DAY)
    assert not DunningAction.objects.filter(customer=high).exists()
    with pytest.raises(ValidationError, match="Only a manager"):
        approve_plan(plan=plan, by=controller)
    approve_plan(plan=plan, by=manager, note="known customer")
    plan.refresh_from_db()
    task.refresh_from_db()
    assert plan.status == "active" and plan.approved_by == manager and plan.decided_at is not None
    assert task.status == "done" and task.outcome == "resolved"
    assert Event.objects.filter(customer=high, verb="plan_approved").count() == 1
    with pytest.raises(ValidationError, match="not waiting"):
        reject_plan(plan=plan, by=manager, note="too late")


def test_rejected_plan_resumes_dunning(book, manager):
    high = book["high_letter"]
    plan = ask(high, [(DAY + timedelta(days=10), D("605.00"))])
    with pytest.raises(ValidationError, match="Say why"):
        reject_plan(plan=plan, by=manager, note=" ")
    reject_plan(plan=plan, by=manager, note="pays late structurally")
    plan.refresh_from_db()
    assert plan.status == "rejected" and plan.approval_task.status == "done"
    run(DAY)
    assert DunningAction.objects.filter(customer=high).exists()


def test_missed_installment_gets_a_reminder_and_a_task_once(book, controller):
    low = book["low_nl"]
    plan = ask(low, WEEKLY)
    run(DAY + timedelta(days=10))  # due + 3 days of grace: not missed yet
    assert not Installment.objects.filter(status="missed").exists()
    missed_day = DAY + timedelta(days=11)
    result = run(missed_day)
    assert result["dunning: promises and plans"]["plans_missed"] == 1
    first = plan.installments.get(sequence=1)
    assert first.status == "missed" and first.missed_on == missed_day
    message = Message.objects.get(idempotency_key=f"plan:{plan.pk}:installment:1:missed")
    assert message.recipient == "petra@devries.example" and message.language == "nl"
    assert message.subject == "Betalingsregeling: termijn 1 niet ontvangen"
    assert "€\xa0403,33" in message.body and "Geachte Petra Smit" in message.body
    assert message.status == "sent"  # the outbox step of the same run delivered it
    task = Task.objects.get(customer=low, kind="payment")
    assert task.assignee == controller and "Installment 1" in task.title
    plan.refresh_from_db()
    assert plan.status == "active"
    assert not DunningAction.objects.filter(customer=low).exists()  # one miss does not end the plan
    counts = (Message.objects.count(), Task.objects.count(), Event.objects.count())
    run(missed_day)
    run(missed_day + timedelta(days=1))
    assert (Message.objects.count(), Task.objects.count(), Event.objects.count()) == counts


def test_second_miss_breaks_the_plan_and_dunning_resumes_on_what_is_left(book):
    low = book["low_nl"]
    plan = ask(low, WEEKLY)
    pay(low, "403.33", DAY + timedelta(days=6))
    run(DAY + timedelta(days=11))
    assert plan.installments.get(sequence=1).status == "paid"
    assert not Installment.objects.filter(status="missed").exists()
    run(DAY + timedelta(days=18))  # the second installment is missed: a reminder
    assert plan.installments.get(sequence=2).status == "missed"
    assert Message.objects.filter(idempotency_key__startswith=f"plan:{plan.pk}:").count() == 1
    assert not DunningAction.objects.filter(customer=low).exists()
    broken_day = DAY + timedelta(days=25)  # the third is missed too: a second miss breaks the plan
    result = run(broken_day)
    assert result["dunning: promises and plans"]["plans_broken"] == 1
    plan.refresh_from_db()
    assert plan.status == "broken" and plan.ended_on == broken_day and plan.paid_amount == D("403.33")
    assert Event.objects.filter(customer=low, verb="plan_broken").count() == 1
    assert Task.objects.filter(customer=low, kind="call", title__contains="broken").count() == 1
    action = DunningAction.objects.get(customer=low)
    assert (action.date, action.amount) == (broken_day, D("806.67"))
    # The policy remembers: the next plan goes to a manager.
    assert (
        "broken in the last 12 months"
        in check_plan(
            customer=low, installments=[(broken_day + timedelta(days=3), D("806.67"))], today=broken_day
        ).reasons[0]
    )


def test_a_miss_left_unpaid_breaks_the_plan_after_the_set_days(book, settings):
    low = book["low_nl"]
    plan = ask(low, [(DAY + timedelta(days=7), D("600.00")), (DAY + timedelta(days=60), D("610.00"))])
    run(DAY + timedelta(days=11))
    assert plan.installments.get(sequence=1).status == "missed"
    run(DAY + timedelta(days=24))
    plan.refresh_from_db()
    assert plan.status == "active"
    run(DAY + timedelta(days=25))  # 14 days (PLAN_BREAK_AFTER_DAYS) after the miss
    plan.refresh_from_db()
    assert plan.status == "broken"


def test_fully_paid_plan_completes(book):
    low = book["low_nl"]
    plan = ask(low, WEEKLY)
    pay(low, "1210.00", DAY + timedelta(days=3))
    run(DAY + timedelta(days=3))
    plan.refresh_from_db()
    assert plan.status == "completed" and plan.paid_amount == D("1210.00")
    assert set(plan.installments.values_list("status", flat=True)) == {"paid"}
    assert Event.objects.filter(customer=low, verb="plan_completed").count() == 1


def test_plan_replaces_an_open_promise(book):
    low = book["low_nl"]
    with frozen(DAY):
        promise = make_promise(
            customer=low, invoices=list(low.invoices.all()), promised_date=DAY, channel="phone", by="t"
        )
    ask(low, WEEKLY)
    promise.refresh_from_db()
    assert promise.status == "cancelled"
    assert not Promise.objects.open().exists()


def test_bad_input(book):
    low, other = book["low_nl"], book["medium_en"]
    cases = [
        (
            [(DAY + timedelta(days=7), D("400.00")), (DAY + timedelta(days=14), D("400.00"))],
            None,
            "add up to",
        ),
        ([(DAY - timedelta(days=1), D("1210.00"))], None, "in the past"),
        ([(DAY + timedelta(days=7), D("1210.00"))], [other.invoices.get()], "another customer"),
        (
            [(DAY + timedelta(days=14), D("605.00")), (DAY + timedelta(days=7), D("605.00"))],
            None,
            "after the one",
        ),
        ([(DAY + timedelta(days=7), D("-1.00"))], None, "more than zero"),
        ([], None, "at least one installment"),
    ]
    for installments, invoices, message in cases:
        with pytest.raises(ValidationError) as caught:
            ask(low, installments, invoices=invoices)
        assert message in " ".join(caught.value.messages), message
    assert not PaymentPlan.objects.exists()
    ask(low, WEEKLY)
    with pytest.raises(ValidationError, match="already in a payment plan"):
        ask(low, WEEKLY)


def test_plan_for_several_invoices_spreads_payments_in_order(controller):
    customer = CustomerFactory(controller=controller, risk_class="low")
    post(customer, "P-1", 20, amount="100.00", today=DAY)
    post(customer, "P-2", 10, amount="200.00", today=DAY)
    plan = ask(customer, [(DAY + timedelta(days=5), D("150.00")), (DAY + timedelta(days=35), D("150.00"))])
    pay(customer, "180.00", DAY + timedelta(days=4))
    run(DAY + timedelta(days=4))
    assert list(plan.installments.values_list("paid_amount", "status")) == [
        (D("150.00"), "paid"),
        (D("30.00"), "open"),
    ]


def test_the_plan_amount_limit_is_in_the_company_currency(controller):
    """PLAN_MAX_AMOUNT is EUR 25,000: a dollar plan is compared at the stored rate, never 1:1."""
    from accounts.models import ExchangeRate

    dollars = CustomerFactory(number="US1", currency="USD", risk_class="low", controller=controller)
    post(dollars, "US-1", 5, amount="24000.00")
    installments = [(DAY + timedelta(days=10), D("12000.00")), (DAY + timedelta(days=40), D("12000.00"))]
    unknown = check_plan(customer=dollars, installments=installments, today=DAY)
    assert not unknown.auto_approved
    assert unknown.reasons == [
        "No exchange rate from USD to EUR is stored: the amount cannot be compared with the limit."
    ]
    ExchangeRate.objects.create(currency="USD", valid_from=DAY - timedelta(days=30), rate=D("0.90"))
    assert check_plan(customer=dollars, installments=installments, today=DAY).auto_approved  # EUR 21,600
    ExchangeRate.objects.create(currency="USD", valid_from=DAY - timedelta(days=1), rate=D("1.10"))
    dear = check_plan(customer=dollars, installments=installments, today=DAY)
    assert dear.reasons == ["The amount US$24,000.00 (€26,400.00) is more than €25,000.00."]
    assert dear.details[0]["converted"] == "26400.00"
