"""The daily workflow: actions, messages, tasks, idempotency, recovery after a failure."""

from datetime import timedelta
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from accounts import services
from accounts.models import Event, Task
from creditmgmt.daily import dry_run_daily, run_daily
from dunning.models import CustomerDunning, DunningAction, Message, Procedure, Template, WorkflowRun
from tests.dunning.conftest import DAY, post

pytestmark = pytest.mark.django_db


def actions():
    return sorted(DunningAction.objects.values_list("customer__number", "step__name", "cycle", "status"))


def messages():
    return sorted(
        Message.objects.values_list("customer__number", "channel", "language", "recipient", "status")
    )


def test_first_run_queues_reminders_in_the_customers_language(book):
    result = run_daily(DAY.isoformat())
    assert result["dunning: actions"]["due"] == 3
    assert actions() == [
        ("C1", "Reminder", 1, "done"),
        ("C2", "First reminder", 1, "done"),
        ("C3", "Overdue: pay now", 1, "done"),
    ]
    by_customer = {m.customer.number: m for m in Message.objects.select_related("customer")}
    assert (
        by_customer["C1"].language == "nl"
        and by_customer["C1"].subject == "Herinnering: openstaande facturen"
    )
    assert "Geachte Petra Smit" in by_customer["C1"].body and "L-1" in by_customer["C1"].body
    assert "€\xa01.210,00" in by_customer["C1"].body  # Dutch money format
    assert by_customer["C2"].language == "en" and "Dear John Smith" in by_customer["C2"].body
    assert "€12,400.00" in by_customer["C2"].body
    # No e-mail address: the reminder goes out as a letter to the postal address.
    assert by_customer["C3"].channel == "letter"
    assert by_customer["C3"].recipient.splitlines() == ["Van Dijk Transport", "Kade 1", "8011 AA Zwolle"]
    # The outbox step delivered them: e-mails sent (locmem in tests), the letter printed in a batch.
    assert {m.status for m in by_customer.values()} == {"sent"}
    assert Event.objects.filter(kind="message", verb="sent").count() == 3
    assert Event.objects.filter(kind="message", summary__startswith="Reminder: e-mail sent").count() == 1
    run = WorkflowRun.objects.get(date=DAY)
    assert run.status == "done" and run.attempts == 1 and run.progress == 100
    assert [s["name"] for s in run.steps][0] == "accounts"
    assert all(s["status"] == "done" and s["seconds"] is not None for s in run.steps)


def test_running_twice_creates_nothing_twice(book, mailoutbox):
    run_daily(DAY.isoformat())
    first = (actions(), messages(), Task.objects.count(), Event.objects.count(), len(mailoutbox))
    run_daily(DAY.isoformat())
    assert (actions(), messages(), Task.objects.count(), Event.objects.count(), len(mailoutbox)) == first
    assert len(mailoutbox) == 2
    assert WorkflowRun.objects.get(date=DAY).attempts == 2


def test_failure_halfway_in_the_actions_step_then_rerun_gives_one_clean_run(book, settings):
    # The English first-reminder text is broken behind the editor's back: the actions step fails.
    Template.objects.filter(key="medium-reminder-1", language="en", channel="email").update(body="{% if %}")
    with pytest.raises(Exception):  # noqa: B017 (the template engine's own error)
        run_daily(DAY.isoformat())
    run = WorkflowRun.objects.get(date=DAY)
    assert run.status == "failed" and "dunning: actions" in run.error
    statuses = {s["name"]: s["status"] for s in run.steps}
    assert statuses["dunning: figures and procedures"] == "done"
    assert (statuses["dunning: actions"], statuses["dunning: outbox"]) == ("failed", "pending")
    assert Message.objects.filter(status="sent").count() == 0  # the outbox step never ran
    Template.objects.filter(key="medium-reminder-1", language="en", channel="email").update(
        body="Dear {{ contact.name }}, pay {{ total }}."
    )
    run_daily(DAY.isoformat())
    assert WorkflowRun.objects.get(date=DAY).status == "done"
    assert actions() == [
        ("C1", "Reminder", 1, "done"),
        ("C2", "First reminder", 1, "done"),
        ("C3", "Overdue: pay now", 1, "done"),
    ]
    assert Message.objects.count() == 3 and Message.objects.filter(status="sent").count() == 3


def test_missing_template_fails_loudly(book):
    Template.objects.filter(key="low-reminder").delete()
    with pytest.raises(ImproperlyConfigured):
        run_daily(DAY.isoformat())


def test_next_steps_on_later_days_with_minimum_interval(book):
    for offset in range(0, 30):
        run_daily((DAY + timedelta(days=offset)).isoformat())
    by_customer = {}
    for number, step, date in DunningAction.objects.values_list(
        "customer__number", "step__name", "date"
    ).order_by("date"):
        by_customer.setdefault(number, []).append((step, (date - DAY).days))
    # Medium: first reminder at +3 (day 0: 5 overdue), second at +14, call at +21, final notice at +30.
    assert by_customer["C2"] == [
        ("First reminder", 0),
        ("Second reminder", 9),
        ("Call the customer", 16),
        ("Final notice (14-day letter)", 25),
    ]
    # High: the call at +7, notice at +14 (waiting for approval), block at +30 the contact rule does not hold.
    assert [s for s, _ in by_customer["C3"]] == [
        "Overdue: pay now",
        "Call the customer",
        "Notice of default (14-day letter)",
        "Delivery block",
    ]
    book["high_letter"].refresh_from_db()
    assert book["high_letter"].delivery_blocked
    assert "Delivery block" in book["high_letter"].delivery_block_reason
    call = DunningAction.objects.get(customer__number="C2", step__name="Call the customer")
    assert (
        call.status == "task"
        and call.task.kind == "call"
        and call.task.assignee.username == "chris.controller"
    )
    assert "EUR 12,400 overdue 21 days, medium risk" in call.task.title
    final = DunningAction.objects.get(customer__number="C2", step__position=4)
    assert final.status == "waiting" and final.task.kind == "approval"
    assert final.costs == D("899.00") and final.interest > 0
    assert not final.messages.exists()  # waits for a person


def test_partial_payment_follows_the_oldest_open_invoice(book):
    customer = book["medium_en"]
    younger = post(customer, "M-2", 1, amount="300.00")
    for offset in range(0, 10):
        run_daily((DAY + timedelta(days=offset)).isoformat())
    state = CustomerDunning.objects.get(pk=customer.pk)
    assert state.stage == 2 and state.cycle == 1  # second reminder sent at +14 of M-1
    # M-1 is paid: what is left (M-2) is 11 days overdue, which only reached stage 1: a new cycle.
    payment = services.record_payment(customer=customer, amount=D("12400.00"), value_date=DAY, by="bank")
    services.allocate(invoice=customer.invoices.get(number="M-1"), payment=payment, by="bank")
    run_daily((DAY + timedelta(days=10)).isoformat())
    state.refresh_from_db()
    assert (state.stage, state.cycle) == (1, 2)
    assert not DunningAction.objects.filter(customer=customer, cycle=2).exists()
    # M-2 reaches +14 on day 13, but the last contact (day 9) holds it to day 14.
    for offset in (11, 12, 13, 14):
        run_daily((DAY + timedelta(days=offset)).isoformat())
    again = DunningAction.objects.get(customer=customer, cycle=2)
    assert (again.step.name, (again.date - DAY).days) == ("Second reminder", 14)
    assert again.invoice_ids == [younger.pk] and again.amount == D("300.00")


def test_risk_change_moves_procedure_at_equivalent_stage(book):
    customer = book["medium_en"]
    for offset in range(0, 10):
        run_daily((DAY + timedelta(days=offset)).isoformat())
    assert CustomerDunning.objects.get(pk=customer.pk).stage == 2  # medium: second reminder (+14)
    services.update_customer(customer=customer, risk_class="high", by="monitoring")
    run_daily((DAY + timedelta(days=10)).isoformat())
    state = CustomerDunning.objects.get(pk=customer.pk)
    assert state.procedure.code == "high"
    # +14 in medium matches high's notice of default (+14): stage 4, nothing repeated.
    assert state.stage == 4
    event = Event.objects.get(customer=customer, verb="procedure_changed")
    assert "Medium risk" in event.summary and "High risk" in event.summary
    assert not DunningAction.objects.filter(
        customer=customer, procedure__code="high", step__position__lt=4
    ).exists()


def test_paid_customer_starts_a_new_cycle_and_gets_no_reminder(book):
    run_daily(DAY.isoformat())
    customer = book["low_nl"]
    payment = services.record_payment(customer=customer, amount=D("1210.00"), value_date=DAY, by="bank")
    services.allocate_oldest_first(payment=payment, by="bank")
    run_daily((DAY + timedelta(days=20)).isoformat())
    state = CustomerDunning.objects.get(pk=customer.pk)
    assert (state.stage, state.cycle) == (0, 2)
    assert DunningAction.objects.filter(customer=customer).count() == 1


def test_credit_note_offsetting_the_net_does_not_restart_an_overdue_customer(book):
    # An unallocated credit note makes the net open amount negative, but L-1 is still open and overdue:
    # the cycle follows the oldest open overdue invoice, not the net, so nothing starts again.
    run_daily(DAY.isoformat())
    customer = book["low_nl"]
    post(customer, "CN-1", 0, amount="-1500.00")
    customer.refresh_from_db()
    assert customer.open_amount < 0
    for offset in range(1, 25):
        run_daily((DAY + timedelta(days=offset)).isoformat())
    state = CustomerDunning.objects.get(pk=customer.pk)
    assert state.cycle == 1 and state.stage >= 1
    assert not DunningAction.objects.filter(customer=customer, cycle__gt=1).exists()
    assert DunningAction.objects.filter(customer=customer, step__name="Reminder").count() == 1


def test_dry_run_keeps_nothing(book):
    rows = dry_run_daily(DAY.isoformat())
    assert {r["customer"] for r in rows} == {"Bakkerij De Vries", "Harbour Trading Ltd", "Van Dijk Transport"}
    assert {r["recipient"] for r in rows} >= {"petra@devries.example", "ap@harbour.example"}
    assert not DunningAction.objects.exists() and not Message.objects.exists()
    assert not WorkflowRun.objects.exists() and not CustomerDunning.objects.exists()


def test_fully_automatic_procedure_makes_no_tasks(book):
    Procedure.objects.filter(code="low").get().steps.filter(action="call").delete()
    for offset in range(0, 40):
        run_daily((DAY + timedelta(days=offset)).isoformat())
    assert not Task.objects.filter(customer=book["low_nl"]).exists()


def test_an_action_waiting_for_approval_holds_the_procedure(book):
    for offset in range(0, 50):
        run_daily((DAY + timedelta(days=offset)).isoformat())
    steps = list(
        DunningAction.objects.filter(customer=book["medium_en"])
        .order_by("date")
        .values_list("step__position", "status")
    )
    assert steps[-1] == (4, "waiting")  # no review task at +50 while the notice waits


def test_contact_who_prefers_letters_gets_a_letter(book):
    contact = book["low_nl"].contacts.get()
    contact.preferred_channel = "letter"
    contact.save()
    run_daily(DAY.isoformat())
    message = Message.objects.get(customer=book["low_nl"])
    assert message.channel == "letter" and "t.a.v. Petra Smit" in message.recipient


def test_tasks_of_an_absent_controller_go_to_a_colleague(book, controller, other_controller):
    controller.absent_until = DAY + timedelta(days=60)
    controller.save(update_fields=["absent_until"])
    for offset in range(0, 17):
        run_daily((DAY + timedelta(days=offset)).isoformat())
    call = DunningAction.objects.get(customer=book["medium_en"], step__action="call")
    assert call.task.assignee == other_controller  # chris is away; olga takes it


def test_dry_run_after_the_real_run_shows_nothing_new(book):
    run_daily(DAY.isoformat())
    assert dry_run_daily(DAY.isoformat()) == []
    later = dry_run_daily((DAY + timedelta(days=9)).isoformat())
    assert {(r["customer"], r["step"]) for r in later} == {
        ("Harbour Trading Ltd", "Second reminder"),
        ("Van Dijk Transport", "Call the customer"),
    }


def test_rules_first_match_wins_and_no_match_means_no_procedure(book):
    from dunning.models import AssignmentRule

    # A low-risk customer who pays structurally late is in the high-risk procedure (rule 20 before 40).
    CustomerDunning.objects.create(customer=book["low_nl"], avg_days_late=30)
    services.post_invoice(
        customer=book["low_nl"],
        number="PAID-1",
        issue_date=DAY - timedelta(days=90),
        due_date=DAY - timedelta(days=60),
        amount=D("100.00"),
        by="erp",
    )
    payment = services.record_payment(
        customer=book["low_nl"], amount=D("100.00"), value_date=DAY - timedelta(days=20), by="bank"
    )
    services.allocate(invoice=book["low_nl"].invoices.get(number="PAID-1"), payment=payment, by="bank")
    AssignmentRule.objects.filter(name="Everyone else").update(is_active=False)
    run_daily(DAY.isoformat())
    states = {s.customer.number: s for s in CustomerDunning.objects.select_related("customer", "procedure")}
    assert states["C1"].behaviour == "structurally_late" and states["C1"].procedure.code == "high"
    assert states["C4"].procedure is None  # low risk, pays fine: no rule left for it
    assert not DunningAction.objects.filter(customer=book["not_due"]).exists()


def test_catch_up_again_runs_only_the_dates_not_run_yet(book):
    # `make run` twice: the second catch-up must not run the past dates again (with the stages
    # the later dates reached it would start the procedures over and send everything again).
    call_command("run_daily", date=(DAY + timedelta(days=20)).isoformat(), catch_up=20, stdout=StringIO())
    first = (actions(), messages(), Task.objects.count(), Event.objects.count())
    assert len(first[0]) > 3 and WorkflowRun.objects.count() == 21
    out = StringIO()
    call_command("run_daily", date=(DAY + timedelta(days=20)).isoformat(), catch_up=20, stdout=out)
    assert (actions(), messages(), Task.objects.count(), Event.objects.count()) == first
    assert len(out.getvalue().splitlines()) == 1  # only the given date, again
    assert set(WorkflowRun.objects.values_list("attempts", flat=True)) == {1, 2}
    # A day later it catches up exactly one date (and the day itself).
    call_command("run_daily", date=(DAY + timedelta(days=22)).isoformat(), catch_up=20, stdout=out)
    assert WorkflowRun.objects.count() == 23


def test_the_next_step_closes_the_open_task_of_the_earlier_step(book):
    medium = book["medium_en"]
    for offset in range(0, 25):
        run_daily((DAY + timedelta(days=offset)).isoformat())
    call = Task.objects.get(customer=medium, kind="call")
    assert call.status == "open"  # the call of day 16, nobody made it
    result = run_daily((DAY + timedelta(days=25)).isoformat())
    assert result["dunning: actions"]["superseded"] == 1
    call.refresh_from_db()
    why = "Superseded: the procedure moved on from Call the customer to Final notice (14-day letter)."
    assert (call.status, call.outcome_note) == ("cancelled", why)
    event = Event.objects.get(customer=medium, kind="task", verb="closed")
    assert event.summary.endswith(why) and event.actor_label == "system: daily run"
    # The final notice's approval takes over on the worklist.
    open_kinds = set(Task.objects.open().filter(customer=medium).values_list("kind", flat=True))
    assert "approval" in open_kinds and "call" not in open_kinds


def test_a_letter_made_in_a_catch_up_run_is_dated_the_day_it_is_printed(book, settings, tmp_path):
    """The letter leaves the house the day it is printed: that is its date, also for a missed day."""
    import subprocess
    from datetime import datetime
    from pathlib import Path

    import time_machine
    from django.utils import timezone

    from dunning.models import LetterBatch

    settings.MEDIA_ROOT = tmp_path
    printed = DAY + timedelta(days=2)
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 22, 7)), tick=False):
        call_command("run_daily", date=printed.isoformat(), catch_up=2, stdout=StringIO())
    letter = Message.objects.get(channel="letter", customer=book["high_letter"])
    assert letter.action.date == DAY  # made for the missed day
    batch = LetterBatch.objects.get()
    assert batch.date == printed and letter.batch == batch
    text = subprocess.run(
        ["pdftotext", "-layout", str(Path(tmp_path) / batch.file), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "22 november 2026" in text and "20 november 2026" not in text


def test_credit_covering_the_overdue_balance_is_on_the_worklist_until_allocated(book, controller):
    # The cycle goes on (above); what the controller must do is allocate the credit note.
    run_daily(DAY.isoformat())
    customer = book["low_nl"]
    credit_note = post(customer, "CN-1", 0, amount="-1500.00")
    result = run_daily((DAY + timedelta(days=1)).isoformat())
    assert result["dunning: exceptions"]["credit_to_allocate"] == 1
    task = Task.objects.get(customer=customer, exception_case__reason="credit_to_allocate")
    assert (task.kind, task.assignee) == ("payment", controller)
    assert task.title == (
        "Credit to allocate — Overdue invoices while credit notes and unallocated payments cover them "
        "(EUR 290 credit on balance): allocate them, the reminders go on meanwhile"
    )
    assert run_daily((DAY + timedelta(days=2)).isoformat())["dunning: exceptions"]["credit_to_allocate"] == 0
    services.allocate(invoice=customer.invoices.get(number="L-1"), credit_note=credit_note, by=controller)
    result = run_daily((DAY + timedelta(days=3)).isoformat())
    assert result["dunning: exceptions"]["tasks_closed"] == 1
    task.refresh_from_db()
    assert task.status == "cancelled" and task.outcome_note.startswith("Nothing overdue is covered by credit")
    state = CustomerDunning.objects.get(pk=customer.pk)
    assert (state.stage, state.cycle) == (0, 2)  # nothing open to pay any more: the next cycle
