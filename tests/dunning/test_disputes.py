"""Disputes: the services, the dunning exclusion (whole and partial), escalation and watcher mail."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Allocation, Event, Invoice, Task
from creditmgmt.daily import run_daily
from dunning.models import CustomerDunning, Dispute, DisputeReason, DunningAction, Message
from dunning.services.disputes import (
    add_comment,
    assign_owner,
    close_dispute,
    escalate_overdue,
    open_dispute,
    reject_dispute,
    resolve_with_credit_note,
    set_watchers,
    start_investigating,
)
from tests.dunning.conftest import DAY, post
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_day():
    with time_machine.travel(DAY, tick=False) as traveller:
        yield traveller


def reason(code="price"):
    return DisputeReason.objects.get(code=code)


def test_shipped_reasons_have_dutch_and_english_names():
    codes = list(DisputeReason.objects.active().values_list("code", flat=True))
    assert codes == ["price", "quantity", "damaged", "not_received", "not_ordered", "duplicate", "other"]
    damaged = reason("damaged")
    assert damaged.label("nl") == "Beschadigde of verkeerde goederen"
    assert damaged.label("en") == "Damaged or wrong goods"


def test_open_dispute_on_whole_invoice(book, controller, sales_rep):
    customer = book["medium_en"]
    invoice = customer.invoices.get()
    dispute = open_dispute(
        customer=customer,
        invoices=[invoice],
        reason=reason(),
        message="Price was agreed at 10% less",
        by=controller,
        owner=sales_rep,
        watchers=[controller],
    )
    assert dispute.amount == invoice.open_amount == D("12400.00")
    assert dispute.status == "open" and dispute.due_date == DAY + timedelta(days=14)
    assert [(line.invoice_id, line.amount) for line in dispute.lines.all()] == [(invoice.pk, D("12400.00"))]
    assert list(Dispute.objects.open()) == [dispute]
    event = Event.objects.get(kind="dispute", verb="opened")
    assert "M-1" in event.summary and "Price was agreed" in event.summary and event.actor == controller


def test_partial_dispute_spreads_the_amount_oldest_first(controller):
    customer = CustomerFactory(controller=controller)
    old, young = post(customer, "P-1", 20, "100.00"), post(customer, "P-2", 5, "200.00")
    dispute = open_dispute(customer=customer, invoices=[young, old], reason=reason(), amount=D("150"), by="t")
    assert sorted(dispute.lines.values_list("invoice__number", "amount")) == [
        ("P-1", D("100.00")),
        ("P-2", D("50.00")),
    ]


@pytest.mark.parametrize(
    "case, message",
    [
        ("too_much", "more than the 1210.00 open"),
        ("zero", "more than zero"),
        ("none", "at least one invoice"),
        ("other_customer", "belong to this customer"),
        ("paid", "nothing open"),
        ("twice", "already in open dispute"),
        ("bad_file", "PDF, PNG or JPEG"),
        ("inactive_reason", "Choose a reason"),
    ],
)
def test_bad_input_is_refused_and_leaves_nothing(book, controller, case, message):
    customer = book["low_nl"]
    invoice = customer.invoices.get()
    kwargs = {"customer": customer, "invoices": [invoice], "reason": reason(), "by": controller}
    if case == "too_much":
        kwargs["amount"] = D("1210.01")
    elif case == "zero":
        kwargs["amount"] = D("0")
    elif case == "none":
        kwargs["invoices"] = []
    elif case == "other_customer":
        kwargs["invoices"] = [invoice, book["medium_en"].invoices.get()]
    elif case == "paid":
        from accounts import services

        payment = services.record_payment(customer=customer, amount=D("1210"), value_date=DAY, by="t")
        services.allocate(invoice=invoice, payment=payment, by="t")
    elif case == "twice":
        open_dispute(**kwargs)
    elif case == "bad_file":
        kwargs["attachment"] = SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    elif case == "inactive_reason":
        DisputeReason.objects.filter(code="price").update(is_active=False)
    before = Dispute.objects.count()
    with pytest.raises(ValidationError, match=message):
        open_dispute(**kwargs)
    assert Dispute.objects.count() == before


def test_attachment_is_stored_under_media(book, controller, settings):
    customer = book["low_nl"]
    pdf = SimpleUploadedFile("delivery note.pdf", b"%PDF-1.4\n%test\n", "application/pdf")
    dispute = open_dispute(
        customer=customer, invoices=customer.invoices.all(), reason=reason(), by=controller, attachment=pdf
    )
    assert dispute.attachment.name.startswith("disputes/")
    assert dispute.attachment.path.startswith(str(settings.MEDIA_ROOT))
    with dispute.attachment.open("rb") as f:
        assert f.read().startswith(b"%PDF-")
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024), "image/png")
    with pytest.raises(ValidationError, match="at most 10 MB"):
        open_dispute(
            customer=book["medium_en"],
            invoices=book["medium_en"].invoices.all(),
            reason=reason(),
            by=controller,
            attachment=big,
        )


def test_resolve_with_credit_note_settles_the_invoice(book, controller):
    customer = book["low_nl"]
    invoice = customer.invoices.get()
    dispute = open_dispute(customer=customer, invoices=[invoice], reason=reason("damaged"), by=controller)
    start_investigating(dispute=dispute, by=controller, note="Photos asked")
    resolve_with_credit_note(dispute=dispute, by=controller, note="Goods were broken")
    dispute.refresh_from_db()
    invoice.refresh_from_db()
    assert dispute.status == "resolved_credit_note" and dispute.resolved_at is not None
    credit_note = dispute.credit_note
    assert credit_note.amount == D("-1210.00") and credit_note.status == "paid"
    assert invoice.status == "paid" and invoice.open_amount == 0
    assert Allocation.objects.get(credit_note=credit_note).invoice == invoice
    customer.refresh_from_db()
    assert customer.open_amount == 0
    assert list(Dispute.objects.open()) == []
    verbs = list(Event.objects.filter(kind="dispute").values_list("verb", flat=True).order_by("pk"))
    assert verbs == ["opened", "investigating", "resolved"]
    with pytest.raises(ValidationError, match="already resolved"):
        reject_dispute(dispute=dispute, by=controller, note="late")


def test_partial_credit_note_leaves_the_rest_open(book, controller):
    customer = book["low_nl"]
    invoice = customer.invoices.get()
    dispute = open_dispute(
        customer=customer, invoices=[invoice], reason=reason(), amount=D("210"), by=controller
    )
    with pytest.raises(ValidationError, match="more than the disputed"):
        resolve_with_credit_note(dispute=dispute, by=controller, amount=D("300"))
    resolve_with_credit_note(dispute=dispute, by=controller, amount=D("110"))
    invoice.refresh_from_db()
    assert invoice.open_amount == D("1100.00") and invoice.status == "open"


def test_a_disputed_invoice_gets_no_reminder(book, controller):
    customer = book["medium_en"]
    open_dispute(customer=customer, invoices=customer.invoices.all(), reason=reason(), by=controller)
    run_daily(DAY.isoformat())
    assert not DunningAction.objects.filter(customer=customer).exists()
    assert not Message.objects.filter(customer=customer).exists()
    # The others are dunned as usual.
    assert DunningAction.objects.filter(customer=book["low_nl"]).exists()


def test_a_partly_disputed_invoice_is_reminded_of_its_undisputed_rest(book, controller):
    customer = book["medium_en"]
    open_dispute(
        customer=customer, invoices=customer.invoices.all(), reason=reason(), amount=D("12000"), by=controller
    )
    run_daily(DAY.isoformat())
    action = DunningAction.objects.get(customer=customer)
    assert action.amount == D("400.00")
    message = Message.objects.get(customer=customer)
    assert "M-1" in message.body and "€400.00" in message.body and "12,400" not in message.body
    assert CustomerDunning.objects.get(pk=customer.pk).dunnable_amount == D("400.00")
    assert Invoice.objects.get(number="M-1").open_amount == D("12400.00")  # the ledger is untouched


def test_an_undisputed_rest_below_the_minimum_is_not_reminded(book, controller):
    customer = book["medium_en"]  # medium procedure: minimum EUR 10
    open_dispute(
        customer=customer, invoices=customer.invoices.all(), reason=reason(), amount=D("12395"), by=controller
    )
    run_daily(DAY.isoformat())
    assert not DunningAction.objects.filter(customer=customer).exists()


def test_reject_resumes_dunning_at_the_stage_it_had(controller, on_day):
    customer = CustomerFactory(risk_class="medium", language="en", controller=controller)
    ContactFactory(customer=customer, email="ap@resume.example", language="en")
    old = post(customer, "R-1", 8, "500.00")
    post(customer, "R-2", 1, "300.00")

    def run(days):
        on_day.move_to(DAY + timedelta(days=days))
        run_daily((DAY + timedelta(days=days)).isoformat())
        return CustomerDunning.objects.get(pk=customer.pk).stage

    assert run(0) == 1  # first reminder (+3 on R-1)
    assert run(6) == 2  # second reminder (+14 on R-1)
    dispute = open_dispute(customer=customer, invoices=[old], reason=reason(), by=controller)
    # Only R-2 (8 days) is dunned now: the run follows it back to stage 1 and sends nothing.
    assert run(7) == 1
    reject_dispute(dispute=dispute, by=controller, note="Price was as agreed")
    assert CustomerDunning.objects.get(pk=customer.pk).stage == 2
    run(15)  # R-1 is 23 days overdue: the call (+21), not the second reminder again
    steps = list(DunningAction.objects.filter(customer=customer).values_list("step__name", flat=True))
    assert sorted(steps) == ["Call the customer", "First reminder", "Second reminder"]


def test_close_puts_the_invoice_back_in_dunning(book, controller):
    customer = book["medium_en"]
    dispute = open_dispute(
        customer=customer, invoices=customer.invoices.all(), reason=reason(), by=controller
    )
    close_dispute(dispute=dispute, by=controller, note="Customer withdrew")
    run_daily(DAY.isoformat())
    assert DunningAction.objects.get(customer=customer).amount == D("12400.00")


def test_escalation_task_once_for_the_owner_else_the_controller(book, controller, sales_rep, on_day):
    owned = open_dispute(
        customer=book["medium_en"],
        invoices=book["medium_en"].invoices.all(),
        reason=reason(),
        by=controller,
        owner=sales_rep,
    )
    unowned = open_dispute(
        customer=book["high_letter"],
        invoices=book["high_letter"].invoices.all(),
        reason=reason(),
        by=controller,
    )
    assert escalate_overdue(today=DAY + timedelta(days=14)) == 0  # due today: not late yet
    later = DAY + timedelta(days=15)
    on_day.move_to(later)
    result = run_daily(later.isoformat())
    assert result["dunning: disputes"] == {"escalated": 2}
    assert escalate_overdue(today=later) == 0
    run_daily((later + timedelta(days=1)).isoformat())
    tasks = Task.objects.filter(kind="dispute")
    assert tasks.count() == 2
    owned.refresh_from_db()
    unowned.refresh_from_db()
    assert owned.escalation_task.assignee == sales_rep
    assert unowned.escalation_task.assignee == book["high_letter"].controller
    # Ending the dispute finishes its escalation task.
    close_dispute(dispute=owned, by=controller)
    owned.escalation_task.refresh_from_db()
    assert owned.escalation_task.status == "done"


def test_watchers_and_owner_get_every_update_by_real_smtp_in_their_language(
    book, controller, manager, sales_rep, smtp_server, django_capture_on_commit_callbacks
):
    manager.language = "nl"
    manager.save()
    sales_rep.language = "en"
    sales_rep.save()
    customer = book["low_nl"]
    with django_capture_on_commit_callbacks(execute=True):
        dispute = open_dispute(
            customer=customer,
            invoices=customer.invoices.all(),
            reason=reason("quantity"),
            by=controller,
            owner=sales_rep,
            watchers=[manager, controller],
        )
    # The author (controller) is not mailed about his own update.
    assert sorted(tuple(m.rcpt_tos) for m in smtp_server.messages) == [
        (manager.email,),
        (sales_rep.email,),
    ]
    mails = {m.rcpt_tos[0]: m.content.decode() for m in smtp_server.messages}
    # The reason in each reader's language (the rest of the text follows once translated).
    assert "Aantal" in mails[manager.email] and "Quantity" not in mails[manager.email]
    assert "Quantity" in mails[sales_rep.email]
    assert f"/dunning/disputes/{dispute.pk}/" in mails[sales_rep.email]
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        add_comment(dispute=dispute, text="Counted again: 4 boxes short", by=sales_rep)
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == sorted([manager.email, controller.email])
    assert all("Counted again: 4 boxes short" in m.content.decode() for m in smtp_server.messages)


def test_owner_and_watcher_changes_are_recorded(book, controller, manager, sales_rep):
    customer = book["low_nl"]
    dispute = open_dispute(
        customer=customer, invoices=customer.invoices.all(), reason=reason(), by=controller
    )
    assign_owner(dispute=dispute, owner=sales_rep, by=controller)
    set_watchers(dispute=dispute, add=[manager], by=controller)
    with pytest.raises(ValidationError, match="Nothing changes"):
        set_watchers(dispute=dispute, add=[manager], by=controller)
    set_watchers(dispute=dispute, remove=[manager], by=controller)
    assert list(dispute.updates.values_list("verb", flat=True)) == [
        "opened",
        "assigned",
        "watchers",
        "watchers",
    ]
    dispute.refresh_from_db()
    assert dispute.owner == sales_rep and not dispute.watchers.exists()


def test_acceptance_reads_open_disputes_and_the_disputed_amount(book, controller):
    from django.utils import timezone

    from acceptance.features import compute_features

    customer = book["medium_en"]

    def features():
        return compute_features(
            customer=customer, report=None, amount=None, channel="api", today=DAY, now=timezone.now()
        )

    assert (features()["open_disputes"], features()["disputed_amount"]) == (0, D("0.00"))
    dispute = open_dispute(
        customer=customer, invoices=customer.invoices.all(), reason=reason(), amount=D("400"), by=controller
    )
    assert (features()["open_disputes"], features()["disputed_amount"]) == (1, D("400.00"))
    close_dispute(dispute=dispute, by=controller)
    assert features()["open_disputes"] == 0


def test_a_dispute_from_the_portal_gives_its_owner_a_task(book, controller):
    customer = book["low_nl"]
    pdf = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\nrest", "image/png")
    dispute = open_dispute(
        customer=customer,
        invoices=customer.invoices.all(),
        reason=reason("not_received"),
        message="Never got it",
        by="portal: customer",
        channel="portal",
        attachment=pdf,
    )
    task = Task.objects.get(kind="dispute", customer=customer)
    assert task.assignee == customer.controller and str(dispute.pk) in task.title
    assert Event.objects.get(kind="dispute", verb="opened").actor_label == "portal: customer"
    assert dispute.opened_by == "portal: customer"
