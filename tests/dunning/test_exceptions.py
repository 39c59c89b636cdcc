"""Exception tasks of the daily run: failed messages, over the limit, large new overdue; absences."""

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from accounts import services
from accounts.models import Customer, Event, Invoice, Task
from creditmgmt.daily import run_daily
from dunning.models import ExceptionCase, Message, Procedure
from dunning.workflow.exceptions import failed_message_task, raise_exceptions
from tests.dunning.conftest import DAY
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def at(day, hour=10):
    return time_machine.travel(
        timezone.make_aware(datetime.combine(day, datetime.min.time())).replace(hour=hour), tick=False
    )


def invoice(customer, number, *, due, amount, entered):
    """An invoice entered into the ledger on `entered` (its created_at), falling due on `due`."""
    with at(entered):
        return services.post_invoice(
            customer=customer,
            number=number,
            issue_date=min(due, entered) - timedelta(days=30),
            due_date=due,
            amount=D(amount),
            by="erp",
        )


def exception_tasks(reason=None):
    cases = ExceptionCase.objects.select_related("task", "customer").order_by("customer__number", "pk")
    if reason:
        cases = cases.filter(reason=reason)
    return [(c.customer.number, c.reason, c.task.title, c.task.status) for c in cases]


# --- Over the limit ---------------------------------------------------------------------------

OVER_LIMIT_CASES = [
    # limit, open amount, status, expected explanation (None: no task)
    (
        "10000.00",
        "12400.00",
        "active",
        "EUR 2,400 over the limit of EUR 10,000 (EUR 12,400 open), medium risk",
    ),
    ("10000.00", "9000.00", "active", None),
    ("10000.00", "10000.00", "active", None),  # at the limit is not over it
    ("0.00", "12400.00", "active", None),  # no limit set
    ("5000.00", "12400.00", "closed", None),
    (
        "5000.00",
        "12400.00",
        "on_hold",
        "EUR 7,400 over the limit of EUR 5,000 (EUR 12,400 open), medium risk",
    ),
]


@pytest.mark.parametrize(("limit", "open_amount", "status", "expected"), OVER_LIMIT_CASES)
def test_over_the_limit(controller, limit, open_amount, status, expected):
    customer = CustomerFactory(
        number="L1", credit_limit=D(limit), status=status, risk_class="medium", controller=controller
    )
    invoice(
        customer, "F-1", due=DAY + timedelta(days=10), amount=open_amount, entered=DAY - timedelta(days=5)
    )
    counts = raise_exceptions(today=DAY)
    if expected is None:
        assert counts["over_limit"] == 0 and not Task.objects.exists()
        return
    task = Task.objects.get()
    assert task.title == f"Over the credit limit — {expected}"
    assert (task.assignee, task.kind, task.due_date) == (controller, "review", DAY)
    assert task.exception_case.explanation == expected
    assert Event.objects.filter(customer=customer, verb="created", kind="task").count() == 1


def test_over_the_limit_one_task_per_episode(controller):
    customer = CustomerFactory(number="L1", credit_limit=D("10000"), controller=controller)
    first = invoice(
        customer, "F-1", due=DAY + timedelta(days=10), amount="12000", entered=DAY - timedelta(days=5)
    )
    raise_exceptions(today=DAY)
    raise_exceptions(today=DAY)
    raise_exceptions(today=DAY + timedelta(days=1))
    assert len(exception_tasks()) == 1  # running again creates nothing

    task = Task.objects.get()
    services.complete_task(task=task, outcome="resolved", by=controller)
    raise_exceptions(today=DAY + timedelta(days=2))
    assert len(exception_tasks()) == 1  # reviewed: still over the same limit, no nagging

    payment = services.record_payment(customer=customer, amount=D("3000"), value_date=DAY, by="bank")
    services.allocate(invoice=first, payment=payment, by="bank")
    raise_exceptions(today=DAY + timedelta(days=3))
    assert ExceptionCase.objects.get().cleared_on == DAY + timedelta(days=3)  # back under the limit

    invoice(customer, "F-2", due=DAY + timedelta(days=20), amount="2000", entered=DAY + timedelta(days=3))
    raise_exceptions(today=DAY + timedelta(days=4))
    assert [t[3] for t in exception_tasks()] == ["done", "open"]  # over again: a new episode

    Customer.objects.filter(pk=customer.pk).update(credit_limit=D("10500"))
    raise_exceptions(today=DAY + timedelta(days=5))
    assert len(exception_tasks()) == 2  # a new limit, but the open task still covers it
    services.complete_task(task=Task.objects.open().get(), outcome="resolved", by=controller)
    raise_exceptions(today=DAY + timedelta(days=6))
    tasks = exception_tasks()
    assert len(tasks) == 3 and "over the limit of EUR 10,500" in tasks[-1][2]


# --- Large new overdue amounts ----------------------------------------------------------------

YESTERDAY = DAY - timedelta(days=1)
EARLIER = DAY - timedelta(days=6)

NEW_OVERDUE_CASES = [
    # invoices as (due, amount, entered), expected explanation (None: no task)
    ([(YESTERDAY, "12400", EARLIER)], "EUR 12,400 newly overdue (EUR 12,400 overdue in all), unknown risk"),
    ([(YESTERDAY, "8000", EARLIER)], None),  # below the threshold
    ([(YESTERDAY, "6000", EARLIER), (YESTERDAY, "6000", EARLIER)], "EUR 12,000 newly overdue"),
    ([(YESTERDAY, "10000", EARLIER)], None),  # at the threshold is not above it
    ([(EARLIER, "30000", EARLIER - timedelta(days=40))], None),  # overdue for days: not new
    ([(DAY, "30000", EARLIER)], None),  # due today: not overdue yet
    ([(EARLIER, "15000", YESTERDAY)], "EUR 15,000 newly overdue"),  # entered yesterday, already overdue
    ([(YESTERDAY, "15000", DAY)], None),  # entered today: counts tomorrow
    (
        [(YESTERDAY, "11000", EARLIER), (EARLIER, "20000", EARLIER)],
        "EUR 11,000 newly overdue (EUR 31,000 overdue in all)",
    ),
]


@pytest.mark.parametrize(("invoices", "expected"), NEW_OVERDUE_CASES)
def test_large_new_overdue(controller, invoices, expected):
    customer = CustomerFactory(number="N1", credit_limit=D("0"), controller=controller)
    for i, (due, amount, entered) in enumerate(invoices):
        invoice(customer, f"F-{i}", due=due, amount=amount, entered=entered)
    counts = raise_exceptions(today=DAY)
    if expected is None:
        assert counts["new_overdue"] == 0 and not Task.objects.exists()
    else:
        assert counts["new_overdue"] == 1
        assert expected in Task.objects.get().title


def test_new_overdue_counts_each_invoice_on_one_day_only(controller, settings):
    settings.DUNNING_LARGE_NEW_OVERDUE = "5000"
    customer = CustomerFactory(number="N1", credit_limit=D("0"), controller=controller)
    # Entered today (before the run) although due yesterday: seen tomorrow, and only tomorrow.
    invoice(customer, "F-1", due=YESTERDAY, amount="6000", entered=DAY)
    days = [raise_exceptions(today=DAY + timedelta(days=n))["new_overdue"] for n in range(3)]
    assert days == [0, 1, 0]
    case = ExceptionCase.objects.get()
    assert case.key == (DAY + timedelta(days=1)).isoformat() and case.cleared_on == DAY + timedelta(days=2)


def test_new_overdue_while_the_last_one_is_open_makes_no_second_task(controller):
    customer = CustomerFactory(number="N1", credit_limit=D("0"), controller=controller)
    invoice(customer, "F-1", due=YESTERDAY, amount="12000", entered=EARLIER)
    invoice(customer, "F-2", due=DAY, amount="12000", entered=EARLIER)
    assert raise_exceptions(today=DAY)["new_overdue"] == 1
    assert raise_exceptions(today=DAY + timedelta(days=1))["new_overdue"] == 0  # F-2: the open task covers it
    services.complete_task(task=Task.objects.get(), outcome="resolved", by=controller)
    invoice(customer, "F-3", due=DAY + timedelta(days=1), amount="12000", entered=EARLIER)
    assert raise_exceptions(today=DAY + timedelta(days=2))["new_overdue"] == 1


# --- Failed messages --------------------------------------------------------------------------


def failed(customer, key, status="failed"):
    return Message.objects.create(
        customer=customer,
        channel="email",
        language="nl",
        recipient="ap@gone.example",
        subject="Herinnering",
        body="Betaal",
        status=status,
        attempts=4,
        last_error="SMTPRecipientsRefused: 550 no such user",
        idempotency_key=key,
        sent_at=timezone.now() if status == "sent" else None,
    )


def test_one_task_per_failed_message(controller):
    customer = CustomerFactory(number="M1", controller=controller)
    failed(customer, "a")
    failed(customer, "b")
    failed(customer, "c", status="sent")
    assert raise_exceptions(today=DAY)["failed_message"] == 2
    assert raise_exceptions(today=DAY)["failed_message"] == 0
    titles = [t[2] for t in exception_tasks()]
    assert titles[0] == (
        "Message failed — Message could not be sent (E-mail ap@gone.example: "
        "SMTPRecipientsRefused: 550 no such user): check the contact details"
    )
    assert {t.priority for t in Task.objects.all()} == {Task.Priority.NORMAL}


def test_the_outbox_makes_the_task_at_once_and_the_run_adds_none(controller):
    """The outbox calls failed_message_task when a message fails for good (see test_outbox)."""
    customer = CustomerFactory(number="M1", controller=controller)
    message = failed(customer, "a")
    assert failed_message_task(message, today=DAY) == 1
    assert failed_message_task(message, today=DAY) == 0
    assert raise_exceptions(today=DAY)["failed_message"] == 0
    assert ExceptionCase.objects.get().message == message


def test_a_retried_message_that_fails_again_gets_a_new_task(controller):
    customer = CustomerFactory(number="M1", controller=controller)
    message = failed(customer, "a")
    raise_exceptions(today=DAY)
    Message.objects.filter(pk=message.pk).update(status="queued")  # a manager pressed retry
    raise_exceptions(today=DAY + timedelta(days=1))
    assert ExceptionCase.objects.get().cleared_on == DAY + timedelta(days=1)
    Message.objects.filter(pk=message.pk).update(status="failed")
    assert raise_exceptions(today=DAY + timedelta(days=2))["failed_message"] == 1


# --- In the daily run -------------------------------------------------------------------------


def test_fully_automatic_procedure_gets_exceptions_but_no_routine_tasks(controller):
    """Low risk without its call runs by itself: no task for a step, only for the exception."""
    procedure = Procedure.objects.get(code="low")
    procedure.steps.filter(action="call").delete()
    assert all(step.is_automatic for step in procedure.steps.all())
    customer = CustomerFactory(number="A1", risk_class="low", credit_limit=D("5000"), controller=controller)
    ContactFactory(customer=customer, email="ap@auto.example")
    invoice(customer, "F-1", due=DAY - timedelta(days=2), amount="6000", entered=EARLIER)
    for offset in range(40):
        run_daily((DAY + timedelta(days=offset)).isoformat())
    # The friendly reminder was missed (past due), the reminder at +10 went out by itself.
    assert list(customer.dunning_actions.values_list("step__name", "status")) == [("Reminder", "done")]
    assert [(t.kind, t.exception_case.reason) for t in Task.objects.filter(customer=customer)] == [
        ("review", "over_limit")
    ]


def test_the_run_records_the_exceptions_step_and_runs_twice_without_doubles(book):
    result = run_daily(DAY.isoformat())
    assert result["dunning: exceptions"] == {
        "tasks_moved": 0,
        "tasks_closed": 0,
        "failed_message": 0,
        "over_limit": 1,  # Harbour Trading: EUR 12,400 against EUR 10,000
        "new_overdue": 0,
        "credit_to_allocate": 0,
    }
    before = (Task.objects.count(), Event.objects.count())
    again = run_daily(DAY.isoformat())
    assert set(again["dunning: exceptions"].values()) == {0}
    assert (Task.objects.count(), Event.objects.count()) == before


def test_exceptions_take_a_fixed_number_of_queries(controller, other_controller):
    def world(n, offset):
        for i in range(n):
            customer = CustomerFactory(
                credit_limit=D("1000"), controller=controller if i % 2 else other_controller
            )
            invoice(customer, f"F-{offset + i}", due=YESTERDAY, amount="12000", entered=EARLIER)
            failed(customer, f"m-{offset + i}")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            counts = raise_exceptions(today=DAY)
        return len(ctx), counts

    world(3, 0)
    small, counts = queries()
    assert counts == {
        "tasks_moved": 0,
        "tasks_closed": 0,
        "failed_message": 3,
        "over_limit": 3,
        "new_overdue": 3,
        "credit_to_allocate": 0,
    }
    Task.objects.all().delete()
    ExceptionCase.objects.all().delete()
    world(30, 100)
    large, counts = queries()
    assert counts["over_limit"] == 33 and counts["failed_message"] == 33
    assert large == small


# --- Absence ----------------------------------------------------------------------------------


def away(user, until, deputy=None):
    user.absent_until = until
    user.deputy = deputy
    user.save(update_fields=["absent_until", "deputy"])


ASSIGNEE_CASES = [
    # who is away, whose deputy, expected assignee
    ((), None, "chris.controller"),
    (("chris.controller",), None, "olga.controller"),  # no deputy: the colleague with fewest tasks
    (("chris.controller",), "mark.manager", "mark.manager"),  # the deputy
    (("chris.controller", "mark.manager"), "mark.manager", "olga.controller"),  # deputy away too
    (("chris.controller", "olga.controller"), None, "chris.controller"),  # nobody left: chris after all
]


@pytest.mark.parametrize(("absent", "deputy", "expected"), ASSIGNEE_CASES)
def test_exception_task_goes_to_a_stand_in(
    users_by_role, controller, other_controller, absent, deputy, expected
):
    users = {u.username: u for u in (*users_by_role.values(), other_controller)}
    for name in absent:
        away(users[name], DAY + timedelta(days=3))
    if deputy:
        controller.refresh_from_db()
        controller.deputy = users[deputy]
        controller.save(update_fields=["deputy"])
    customer = CustomerFactory(number="L1", credit_limit=D("1000"), controller=controller)
    invoice(customer, "F-1", due=DAY + timedelta(days=10), amount="2000", entered=EARLIER)
    raise_exceptions(today=DAY)
    assert Task.objects.get().assignee.username == expected


def test_an_absent_controllers_open_tasks_due_by_today_go_to_the_deputy(
    controller, other_controller, manager
):
    customer = CustomerFactory(number="T1", controller=controller)
    due_today = services.create_task(customer=customer, title="Call", due_date=DAY, by="t")
    overdue = services.create_task(
        customer=customer, title="Old call", due_date=DAY - timedelta(days=3), by="t"
    )
    later = services.create_task(customer=customer, title="Later", due_date=DAY + timedelta(days=5), by="t")
    done = services.create_task(customer=customer, title="Done", due_date=DAY, by="t")
    services.complete_task(task=done, outcome="resolved", by=controller)
    away(controller, DAY + timedelta(days=2), deputy=other_controller)

    assert raise_exceptions(today=DAY)["tasks_moved"] == 2
    owners = {t.title: t.assignee.username for t in Task.objects.all()}
    assert owners == {
        "Call": "olga.controller",
        "Old call": "olga.controller",
        "Later": "chris.controller",  # not due yet: chris may be back
        "Done": "chris.controller",
    }
    note = Event.objects.filter(verb="reassigned", object_id=due_today.pk).get()
    back = date_format(DAY + timedelta(days=2), "DATE_FORMAT")  # in the reader's date format
    assert f"while {controller} is away (until {back})" in note.summary_text
    assert note.actor_label == "system: daily run"
    assert raise_exceptions(today=DAY)["tasks_moved"] == 0
    # The day after the absence the rest stays with chris.
    assert raise_exceptions(today=DAY + timedelta(days=5))["tasks_moved"] == 0
    assert overdue.pk and later.pk


EXPLAIN_CASES = [
    # reason, amount, limit, total, risk, segment, detail, explanation, priority
    (
        "over_limit",
        "2400",
        "10000",
        "12400",
        "high",
        "business",
        "",
        "EUR 2,400 over the limit of EUR 10,000 (EUR 12,400 open), high risk",
        Task.Priority.HIGH,
    ),
    (
        "over_limit",
        "50",
        "1000",
        "1050",
        "low",
        "consumer",
        "",
        "EUR 50 over the limit of EUR 1,000 (EUR 1,050 open), low risk",
        Task.Priority.LOW,
    ),
    (
        "new_overdue",
        "12400",
        None,
        "20000",
        "medium",
        "key_account",
        "",
        "EUR 12,400 newly overdue (EUR 20,000 overdue in all), medium risk",
        Task.Priority.HIGH,
    ),
    (
        "failed_message",
        "1210",
        None,
        None,
        "unknown",
        "business",
        "E-mail a@b.example: 550",
        "Reminder of EUR 1,210 could not be sent (E-mail a@b.example: 550): check the contact details",
        Task.Priority.HIGH,
    ),
]


@pytest.mark.parametrize(
    ("reason", "amount", "limit", "total", "risk", "segment", "detail", "explanation", "priority"),
    EXPLAIN_CASES,
)
def test_exception_score_and_explanation(
    reason, amount, limit, total, risk, segment, detail, explanation, priority
):
    from dunning.scoring import score_exception

    score = score_exception(
        reason=reason,
        amount=D(amount),
        currency="EUR",
        risk_class=risk,
        segment=segment,
        limit=D(limit) if limit else None,
        total=D(total) if total else None,
        detail=detail,
    )
    assert (score.explanation, score.priority) == (explanation, priority)
    assert str(score.text) == explanation  # the message a task title keeps says the same


@pytest.mark.parametrize(
    ("reason", "detail"),
    [("over_limit", ""), ("over_limit", "exposure"), ("new_overdue", ""), ("credit_to_allocate", "")]
    + [("failed_message", "x"), ("mystery", "")],
)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_exception_explanation_has_its_message(reason, detail, language):
    from django.utils import translation

    from dunning.scoring import explain_exception, explain_exception_text

    facts = {
        "reason": reason,
        "amount": D("2400"),
        "currency": "EUR",
        "limit": D("10000"),
        "total": D("9000"),
    }
    with translation.override(language):
        assert str(explain_exception_text(**facts, risk_class="high", detail=detail)) == explain_exception(
            **facts, risk_class="high", detail=detail
        )


# --- Closing the tasks whose reason went away -------------------------------------------------


def closed_notes(customer):
    """(status, outcome note) of the customer's exception tasks, and the timeline's closing events."""
    tasks = [(t.status, t.outcome_note) for t in Task.objects.filter(customer=customer).order_by("pk")]
    events = list(
        Event.objects.filter(customer=customer, kind="task", verb="closed").values_list("summary", flat=True)
    )
    return tasks, events


def test_a_failed_message_task_closes_when_the_message_went_out_after_all(controller):
    customer = CustomerFactory(number="M1", controller=controller)
    message = failed(customer, "a")
    raise_exceptions(today=DAY)
    Message.objects.filter(pk=message.pk).update(status="queued")  # a manager pressed retry
    counts = raise_exceptions(today=DAY + timedelta(days=1))
    assert counts["tasks_closed"] == 1 and counts["failed_message"] == 0
    tasks, events = closed_notes(customer)
    assert tasks == [("cancelled", "The message is no longer failed: queued.")]
    assert len(events) == 1 and events[0].startswith("Task closed: Message failed — ")
    assert events[0].endswith("— The message is no longer failed: queued.")
    assert raise_exceptions(today=DAY + timedelta(days=2))["tasks_closed"] == 0  # closed once


def test_an_over_limit_task_closes_when_paid_below_the_limit(controller):
    customer = CustomerFactory(number="L1", credit_limit=D("10000"), controller=controller)
    first = invoice(customer, "F-1", due=DAY + timedelta(days=10), amount="12000", entered=EARLIER)
    raise_exceptions(today=DAY)
    payment = services.record_payment(customer=customer, amount=D("2500"), value_date=DAY, by="bank")
    services.allocate(invoice=first, payment=payment, by="bank")
    assert raise_exceptions(today=DAY + timedelta(days=1))["tasks_closed"] == 1
    assert closed_notes(customer)[0] == [("cancelled", "No longer over the credit limit of EUR 10,000.")]
    assert Task.objects.get().completed_at is not None and not Task.objects.open().exists()


def test_an_over_limit_task_closes_when_the_limit_is_raised_above_the_exposure(controller):
    customer = CustomerFactory(number="L1", credit_limit=D("10000"), controller=controller)
    invoice(customer, "F-1", due=DAY + timedelta(days=10), amount="12000", entered=EARLIER)
    raise_exceptions(today=DAY)
    Customer.objects.filter(pk=customer.pk).update(credit_limit=D("11000"))  # raised, still over
    assert raise_exceptions(today=DAY + timedelta(days=1))["tasks_closed"] == 0
    Customer.objects.filter(pk=customer.pk).update(credit_limit=D("15000"))
    assert raise_exceptions(today=DAY + timedelta(days=2))["tasks_closed"] == 1
    assert closed_notes(customer)[0] == [
        ("cancelled", "No longer over the credit limit: it was raised from EUR 10,000 to EUR 15,000.")
    ]


def test_an_over_limit_task_closes_on_a_running_temporary_limit_and_not_on_an_ended_one(controller, manager):
    from acceptance.limits import grant_temporary_limit

    customer = CustomerFactory(number="L1", credit_limit=D("10000"), controller=controller)
    first = invoice(customer, "F-1", due=DAY + timedelta(days=10), amount="12000", entered=EARLIER)
    raise_exceptions(today=DAY)
    grant_temporary_limit(
        customer=customer, amount=D("15000"), until=DAY + timedelta(days=1), reason="season", by=manager,
        today=DAY,
    )  # fmt: skip
    assert raise_exceptions(today=DAY + timedelta(days=1))["tasks_closed"] == 1
    assert closed_notes(customer)[0] == [
        ("cancelled", "No longer over the credit limit: it was raised from EUR 10,000 to EUR 15,000.")
    ]
    # The raise ended yesterday (its row is still there): the base limit applies again.
    assert raise_exceptions(today=DAY + timedelta(days=2))["over_limit"] == 1
    payment = services.record_payment(customer=customer, amount=D("2500"), value_date=DAY, by="bank")
    services.allocate(invoice=first, payment=payment, by="bank")
    assert raise_exceptions(today=DAY + timedelta(days=3))["tasks_closed"] == 1
    assert closed_notes(customer)[0][1] == ("cancelled", "No longer over the credit limit of EUR 10,000.")


def test_a_large_new_overdue_task_closes_when_paid_down_to_the_threshold(controller):
    customer = CustomerFactory(number="N1", credit_limit=D("0"), controller=controller)
    f1 = invoice(customer, "F-1", due=YESTERDAY, amount="12000", entered=EARLIER)
    assert raise_exceptions(today=DAY)["new_overdue"] == 1
    payment = services.record_payment(customer=customer, amount=D("1000"), value_date=DAY, by="bank")
    services.allocate(invoice=f1, payment=payment, by="bank")
    assert raise_exceptions(today=DAY + timedelta(days=1))["tasks_closed"] == 0  # 11,000 still open
    payment = services.record_payment(customer=customer, amount=D("1000"), value_date=DAY, by="bank")
    services.allocate(invoice=f1, payment=payment, by="bank")
    assert raise_exceptions(today=DAY + timedelta(days=2))["tasks_closed"] == 1
    assert closed_notes(customer)[0] == [
        (
            "cancelled",
            f"Of the invoices newly overdue on {DAY.isoformat()}, EUR 10,000 is still open "
            "(not above EUR 10,000).",
        )
    ]


def test_a_task_done_by_a_person_is_not_closed_again(controller):
    customer = CustomerFactory(number="M1", controller=controller)
    message = failed(customer, "a")
    raise_exceptions(today=DAY)
    services.complete_task(task=Task.objects.get(), outcome="resolved", by=controller)
    Message.objects.filter(pk=message.pk).update(status="sent", sent_at=timezone.now())
    assert raise_exceptions(today=DAY + timedelta(days=1))["tasks_closed"] == 0
    assert Task.objects.get().status == "done"


def test_closing_tasks_takes_a_fixed_number_of_queries(controller, other_controller):
    def world(n, offset):
        customers = []
        for i in range(n):
            customer = CustomerFactory(
                credit_limit=D(1000 + i), controller=controller if i % 2 else other_controller
            )
            invoice(customer, f"F-{offset + i}", due=YESTERDAY, amount="12000", entered=EARLIER)
            failed(customer, f"m-{offset + i}")
            customers.append(customer)
        raise_exceptions(today=DAY)
        # Everything resolved behind the run's back: sent, paid, limits raised.
        Message.objects.update(status="sent", sent_at=timezone.now())
        Customer.objects.filter(pk__in=[c.pk for c in customers]).update(credit_limit=D("99999"))
        Invoice.objects.filter(customer__in=customers).update(status="paid", open_amount=0)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            counts = raise_exceptions(today=DAY + timedelta(days=1))
        return len(ctx), counts

    world(3, 0)
    small, counts = queries()
    assert counts["tasks_closed"] == 9
    world(30, 100)
    large, counts = queries()
    assert counts["tasks_closed"] == 90
    assert large == small


# --- Over the limit: the group's exposure, as acceptance sees it ------------------------------


def test_over_the_limit_counts_the_groups_exposure(controller):
    parent = CustomerFactory(number="G1", credit_limit=D("10000"), risk_class="medium", controller=controller)
    child = CustomerFactory(number="G2", parent=parent, credit_limit=D("20000"), controller=controller)
    invoice(parent, "F-1", due=DAY + timedelta(days=10), amount="6000", entered=EARLIER)
    invoice(child, "F-2", due=DAY + timedelta(days=10), amount="6000", entered=EARLIER)
    counts = raise_exceptions(today=DAY)
    assert counts["over_limit"] == 1  # the parent: EUR 12,000 in the group against EUR 10,000
    case = ExceptionCase.objects.get()
    assert (case.customer, case.total, case.limit) == (parent, D("12000"), D("10000"))
    assert case.task.title == (
        "Over the credit limit — EUR 2,000 over the limit of EUR 10,000 "
        "(EUR 12,000 exposure with group and reserved orders), medium risk"
    )


def test_over_the_limit_counts_reservations_and_a_running_temporary_limit(controller, manager):
    from acceptance.limits import grant_temporary_limit, reserve

    reserved = CustomerFactory(number="R1", credit_limit=D("10000"), controller=controller)
    invoice(reserved, "F-1", due=DAY + timedelta(days=10), amount="9000", entered=EARLIER)
    with at(DAY):
        reserve(customer=reserved, order_reference="O-1", amount=D("2000"), by="webshop", today=DAY)
    raised = CustomerFactory(number="T1", credit_limit=D("10000"), controller=controller)
    invoice(raised, "F-2", due=DAY + timedelta(days=10), amount="12000", entered=EARLIER)
    grant_temporary_limit(
        customer=raised,
        amount=D("15000"),
        until=DAY + timedelta(days=5),
        reason="season",
        by=manager,
        today=DAY,
    )
    raise_exceptions(today=DAY)
    assert [(c.customer.number, c.total, c.limit) for c in ExceptionCase.objects.all()] == [
        ("R1", D("11000"), D("10000"))
    ]
    # The temporary limit ends: over the base limit again.
    raise_exceptions(today=DAY + timedelta(days=6))
    assert sorted(
        ExceptionCase.objects.filter(cleared_on=None).values_list("customer__number", flat=True)
    ) == [
        "R1",
        "T1",
    ]


@pytest.mark.parametrize("days_overdue", [45, 0])
@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_cases_explanation_has_its_message(days_overdue, language):
    from django.utils import translation

    from dunning.scoring import explain, explain_text

    facts = {
        "amount": D("12400.49"),
        "currency": "EUR",
        "days_overdue": days_overdue,
        "risk_class": "very_high",
    }
    with translation.override(language):
        assert str(explain_text(**facts)) == explain(**facts)
