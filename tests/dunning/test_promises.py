"""Promises to pay: they pause dunning until the date plus grace, then the daily run keeps or breaks them."""

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from acceptance.features import compute_features
from accounts import services
from accounts.models import Event, Invoice, Task
from creditmgmt.daily import run_daily
from dunning.models import DunningAction, Message, Promise
from dunning.selection import dunnable_invoices
from dunning.services.actions import log_outcome
from dunning.services.promises import cancel_promise, kept_rate, make_promise
from tests.dunning.conftest import DAY, post
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def frozen(day, hour=7):
    return time_machine.travel(timezone.make_aware(datetime(day.year, day.month, day.day, hour)), tick=False)


def run(day):
    with frozen(day):
        return run_daily(day.isoformat())


def promise(customer, invoices, on, **kwargs):
    with frozen(DAY):
        return make_promise(
            customer=customer, invoices=invoices, promised_date=on, channel="phone", by="test", **kwargs
        )


def c1_actions():
    return list(DunningAction.objects.filter(customer__number="C1").values_list("date", "step__name"))


def test_promised_invoice_gets_no_reminder_until_date_plus_grace_then_a_broken_promise_resumes(
    book, controller
):
    low = book["low_nl"]
    invoice = low.invoices.get()
    p = promise(low, [invoice], DAY + timedelta(days=5))
    assert p.paused_until == DAY + timedelta(days=8)  # grace: 3 days (PROMISE_GRACE_DAYS)
    assert Event.objects.filter(customer=low, kind="promise", verb="promised").count() == 1

    for offset in range(0, 9):  # up to and including the last day of grace
        run(DAY + timedelta(days=offset))
        assert c1_actions() == [], offset
    p.refresh_from_db()
    assert p.status == "open"
    # The others were dunned as usual on the first day.
    assert DunningAction.objects.filter(customer__number="C2", date=DAY).exists()

    broken_day = DAY + timedelta(days=9)
    result = run(broken_day)
    assert result["dunning: promises and plans"]["promises_broken"] == 1
    p.refresh_from_db()
    assert p.status == "broken" and p.checked_at is not None
    task = Task.objects.get(customer=low, kind="call")
    assert task.assignee == controller and task.due_date == broken_day and "Promise broken" in task.title
    assert Event.objects.filter(customer=low, kind="promise", verb="broken").count() == 1
    # Dunning resumed the same run: the reminder goes out on the day after the grace period.
    assert c1_actions() == [(broken_day, "Reminder")]
    assert Message.objects.filter(customer=low, action__isnull=False).count() == 1

    # Twice on the same day: nothing new.
    before = (Task.objects.count(), Event.objects.count(), Message.objects.count())
    run(broken_day)
    assert (Task.objects.count(), Event.objects.count(), Message.objects.count()) == before


def test_kept_promise_when_the_payments_cover_it(book):
    low = book["low_nl"]
    invoice = low.invoices.get()
    p = promise(low, [invoice], DAY + timedelta(days=5), amount=D("500.00"))
    run(DAY)
    with frozen(DAY + timedelta(days=4)):
        services.receive_payment(
            customer=low,
            amount=D("500.00"),
            value_date=DAY + timedelta(days=4),
            by="bank",
            allocate_oldest=True,
        )
    run(DAY + timedelta(days=4))
    p.refresh_from_db()
    assert p.status == "kept" and p.paid_amount == D("500.00")
    assert Event.objects.filter(customer=low, kind="promise", verb="kept").count() == 1
    assert not Task.objects.filter(customer=low, kind="call").exists()
    # Kept: the pause ends with the promise; what was not promised is dunned again by the procedure.
    assert c1_actions() == [(DAY + timedelta(days=4), "Reminder")]
    assert DunningAction.objects.get(customer=low).amount == D("710.00")


def test_part_paid_is_still_broken(book):
    low = book["low_nl"]
    invoice = low.invoices.get()
    p = promise(low, [invoice], DAY + timedelta(days=1))
    with frozen(DAY + timedelta(days=1)):
        services.receive_payment(
            customer=low, amount=D("1000.00"), value_date=DAY, by="bank", allocate_oldest=True
        )
    run(DAY + timedelta(days=4))
    p.refresh_from_db()
    assert p.status == "open" and p.paid_amount == D("1000.00")
    run(DAY + timedelta(days=5))
    p.refresh_from_db()
    assert p.status == "broken"
    assert DunningAction.objects.get(customer=low).amount == D("210.00")


def test_bad_input(book):
    low, other = book["low_nl"], book["medium_en"]
    invoice = low.invoices.get()
    with frozen(DAY):
        for kwargs, message in [
            ({"invoices": [invoice], "promised_date": DAY - timedelta(days=1)}, "in the past"),
            ({"invoices": [other.invoices.get()], "promised_date": DAY}, "another customer"),
            ({"invoices": [], "promised_date": DAY}, "at least one invoice"),
            ({"invoices": [invoice], "promised_date": DAY, "amount": D("2000")}, "more than the invoices"),
            ({"invoices": [invoice], "promised_date": DAY, "amount": D("0")}, "more than zero"),
            ({"invoices": [invoice], "promised_date": DAY + timedelta(days=200)}, "at most 90 days"),
            ({"invoices": [invoice], "promised_date": DAY, "channel": "fax"}, "how the promise"),
        ]:
            with pytest.raises(ValidationError) as caught:
                make_promise(customer=low, by="test", **{"channel": "phone", **kwargs})
            assert message in " ".join(caught.value.messages), kwargs
        make_promise(customer=low, invoices=[invoice], promised_date=DAY, channel="mail", by="test")
        with pytest.raises(ValidationError, match="already has an open promise"):
            make_promise(customer=low, invoices=[invoice], promised_date=DAY, channel="mail", by="test")
    assert Promise.objects.count() == 1


def test_cancelled_promise_resumes_dunning_at_once(book):
    low = book["low_nl"]
    p = promise(low, list(low.invoices.all()), DAY + timedelta(days=10))
    assert not dunnable_invoices(DAY).filter(customer=low).exists()
    cancel_promise(promise=p, by="test")
    assert dunnable_invoices(DAY).filter(customer=low).exists()
    with pytest.raises(ValidationError):
        cancel_promise(promise=p, by="test")


def test_features_for_acceptance_and_the_rate(book):
    low = book["low_nl"]
    invoice = low.invoices.get()
    features = compute_features(
        customer=low, report=None, amount=None, channel="api", today=DAY, now=timezone.now()
    )
    assert features["broken_promises_12m"] == 0 and features["promise_kept_rate"] is None
    for kept in (True, False, False):
        p = promise(low, [invoice], DAY)
        Promise.objects.filter(pk=p.pk).update(status="kept" if kept else "broken")
    features = compute_features(
        customer=low, report=None, amount=None, channel="api", today=DAY, now=timezone.now()
    )
    assert features["broken_promises_12m"] == 2
    assert features["promise_kept_rate"] == D("33.3")
    # The hand-written query of the feature gives what the ORM's kept_rate gives.
    assert kept_rate(low, today=DAY) == (1, 2, D("33.3"))
    # Older than 12 months no longer counts.
    features = compute_features(
        customer=low,
        report=None,
        amount=None,
        channel="api",
        today=DAY + timedelta(days=366),
        now=timezone.now(),
    )
    assert features["broken_promises_12m"] == 0 and features["promise_kept_rate"] is None


def test_worklist_promised_outcome_with_a_date_records_a_promise(book, controller):
    run(DAY)
    customer = CustomerFactory(controller=controller, risk_class="high")
    post(customer, "X-1", 40, today=DAY)
    post(customer, "X-2", 5, today=DAY)
    with frozen(DAY):
        task = services.create_task(customer=customer, title="Call", due_date=DAY, kind="call", by="t")
        log_outcome(
            task=task, code="promised", note="pays Friday", until=DAY + timedelta(days=4), by=controller
        )
    p = Promise.objects.get(customer=customer)
    assert sorted(p.invoices.values_list("number", flat=True)) == ["X-1", "X-2"]
    assert p.channel == "phone" and p.note == "pays Friday" and p.created_by == controller
    task.refresh_from_db()
    assert task.status == "done" and task.outcome == "promised"
    # Without a date it is a week's dunning stop, as before.
    with frozen(DAY):
        task = services.create_task(customer=book["medium_en"], title="Call", due_date=DAY, by="t")
        log_outcome(task=task, code="promised", by=controller)
    assert book["medium_en"].dunning_stops.get().reason == "promise"
    assert not Promise.objects.filter(customer=book["medium_en"]).exists()


# --- Cancelled invoices: not a payment; the promise covers what is left to pay --------------------


def cancel_invoice(invoice, *, zero_open=False):
    """The ERP cancels an invoice (no service does it: it arrives as data); some zero its open amount."""
    Invoice.objects.filter(pk=invoice.pk).update(
        status="cancelled", **({"open_amount": D("0")} if zero_open else {})
    )


@pytest.mark.parametrize("zero_open", [False, True])
def test_a_cancelled_invoice_does_not_keep_a_promise(book, zero_open):
    low = book["low_nl"]
    second = post(low, "L-2", 12, amount="500.00")
    p = promise(low, [low.invoices.get(number="L-1"), second], DAY + timedelta(days=5), amount=D("500.00"))
    cancel_invoice(second, zero_open=zero_open)
    run(DAY + timedelta(days=4))
    p.refresh_from_db()
    assert (p.status, p.paid_amount) == ("open", D("0"))  # nothing was paid
    run(DAY + timedelta(days=9))  # past the grace days
    p.refresh_from_db()
    assert (p.status, p.paid_amount) == ("broken", D("0"))


def test_a_promise_is_kept_by_paying_what_is_left_after_a_cancellation(book):
    low = book["low_nl"]
    second = post(low, "L-2", 12, amount="500.00")
    p = promise(low, [low.invoices.get(number="L-1"), second], DAY + timedelta(days=5))
    first = low.invoices.get(number="L-1")
    assert p.amount == D("1710.00")
    assert p.open_by_invoice == {str(first.pk): "1210.00", str(second.pk): "500.00"}
    cancel_invoice(second)
    with frozen(DAY + timedelta(days=3)):
        services.receive_payment(
            customer=low, amount=D("1210.00"), value_date=DAY, by="bank", allocate_oldest=True
        )
    result = run(DAY + timedelta(days=3))
    assert result["dunning: promises and plans"]["promises_kept"] == 1
    p.refresh_from_db()
    assert (p.status, p.paid_amount) == ("kept", D("1210.00"))


def test_a_promise_whose_invoices_were_all_cancelled_ends_without_kept_or_broken(book):
    low = book["low_nl"]
    p = promise(low, [low.invoices.get()], DAY + timedelta(days=5))
    cancel_invoice(low.invoices.get())
    result = run(DAY + timedelta(days=1))
    assert result["dunning: promises and plans"]["promises_void"] == 1
    p.refresh_from_db()
    assert (p.status, p.paid_amount) == ("cancelled", D("0"))
    event = Event.objects.get(customer=low, kind="promise", verb="cancelled")
    assert "invoices were cancelled" in event.summary
    assert kept_rate(low, today=DAY + timedelta(days=1))[:2] == (0, 0)  # not in the kept rate
