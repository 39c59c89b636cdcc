from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import services
from accounts.models import Allocation, Customer, Event, Invoice, Payment, Task
from accounts.services import LedgerError
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = date(2026, 11, 22)


@pytest.fixture
def customer(controller):
    return services.create_customer(
        number="C1001",
        name="Bakkerij De Vries B.V.",
        kvk_number="12345678",
        vat_number="NL004495445B01",
        controller=controller,
        by=controller,
    )


def post(customer, number, amount, *, due=TODAY - timedelta(days=10), by="test"):
    return services.post_invoice(
        customer=customer,
        number=number,
        issue_date=due - timedelta(days=30),
        due_date=due,
        amount=D(amount),
        by=by,
    )


def test_create_customer_validates_kvk_and_vat(controller):
    with pytest.raises(ValidationError) as exc:
        services.create_customer(number="X1", name="Bad", kvk_number="1234", by=controller)
    assert "8 digits" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.create_customer(number="X2", name="Bad", vat_number="NL123", by=controller)
    assert "VAT" in str(exc.value)
    assert not Customer.objects.exists()


def test_create_customer_writes_event(customer, controller):
    event = Event.objects.get(customer=customer)
    assert event.verb == "created"
    assert event.actor == controller


def test_update_customer_records_changes(customer, controller):
    services.update_customer(customer=customer, risk_class="high", credit_limit=D("5000"), by=controller)
    customer.refresh_from_db()
    assert customer.risk_class == "high"
    event = Event.objects.filter(customer=customer, verb="updated").get()
    assert event.data["changes"]["risk_class"] == ["unknown", "high"]
    # Saving the same values again writes nothing.
    services.update_customer(customer=customer, risk_class="high", by=controller)
    assert Event.objects.filter(customer=customer, verb="updated").count() == 1


def test_post_invoice_updates_customer_balance(customer):
    post(customer, "F1", "1210.00")
    post(customer, "F2", "500.00", due=TODAY + timedelta(days=20))
    customer.refresh_from_db()
    assert customer.open_amount == D("1710.00")
    assert customer.oldest_open_due_date == TODAY - timedelta(days=10)
    assert Event.objects.filter(customer=customer, kind=Event.Kind.INVOICE).count() == 2


def test_post_invoice_refuses_zero_other_currency_and_three_decimals(customer):
    with pytest.raises(LedgerError):
        post(customer, "F0", "0")
    with pytest.raises(LedgerError, match="USD"):
        services.post_invoice(
            customer=customer, number="F9", issue_date=TODAY, amount=D("10"), currency="USD", by="t"
        )
    with pytest.raises(LedgerError, match="two decimals"):
        post(customer, "F8", "10.005")


def test_post_invoice_default_due_date_from_terms(customer):
    invoice = services.post_invoice(customer=customer, number="F7", issue_date=TODAY, amount=D("10"), by="t")
    assert invoice.due_date == TODAY + timedelta(days=30)


def test_allocate_partial_then_full_payment(customer, controller):
    invoice = post(customer, "F1", "1000.00")
    p1 = services.record_payment(customer=customer, amount=D("400"), value_date=TODAY, by=controller)
    services.allocate(invoice=invoice, payment=p1, by=controller)
    invoice.refresh_from_db()
    assert invoice.open_amount == D("600.00")
    assert invoice.status == Invoice.Status.OPEN
    p2 = services.record_payment(customer=customer, amount=D("700"), value_date=TODAY, by=controller)
    services.allocate(invoice=invoice, payment=p2, by=controller)
    invoice.refresh_from_db()
    p2.refresh_from_db()
    customer.refresh_from_db()
    assert invoice.open_amount == 0
    assert invoice.status == Invoice.Status.PAID
    assert invoice.paid_date == TODAY
    assert invoice.days_late == 10
    assert p2.unallocated_amount == D("100.00")  # overpayment stays on account
    assert customer.open_amount == 0
    assert customer.unallocated_amount == D("100.00")


def test_allocate_refuses_more_than_open_or_available(customer, controller):
    invoice = post(customer, "F1", "100.00")
    payment = services.record_payment(customer=customer, amount=D("500"), value_date=TODAY, by=controller)
    with pytest.raises(LedgerError, match="too much"):
        services.allocate(invoice=invoice, payment=payment, amount=D("150"), by=controller)
    small = services.record_payment(customer=customer, amount=D("20"), value_date=TODAY, by=controller)
    with pytest.raises(LedgerError, match="too much"):
        services.allocate(invoice=invoice, payment=small, amount=D("50"), by=controller)
    other = CustomerFactory()
    foreign = services.record_payment(customer=other, amount=D("50"), value_date=TODAY, by=controller)
    with pytest.raises(LedgerError, match="different customers"):
        services.allocate(invoice=invoice, payment=foreign, by=controller)
    assert not Allocation.objects.exists()


def test_credit_note_settles_invoice(customer, controller):
    invoice = post(customer, "F1", "300.00")
    credit = post(customer, "CN1", "-100.00")
    customer.refresh_from_db()
    assert customer.open_amount == D("200.00")
    services.allocate(invoice=invoice, credit_note=credit, by=controller)
    invoice.refresh_from_db()
    credit.refresh_from_db()
    assert invoice.open_amount == D("200.00")
    assert credit.open_amount == 0
    assert credit.status == Invoice.Status.PAID
    customer.refresh_from_db()
    assert customer.open_amount == D("200.00")


def test_unallocate_reopens_invoice(customer, controller):
    invoice = post(customer, "F1", "100.00")
    payment = services.record_payment(customer=customer, amount=D("100"), value_date=TODAY, by=controller)
    allocation = services.allocate(invoice=invoice, payment=payment, by=controller)
    services.unallocate(allocation=allocation, by=controller)
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    assert invoice.open_amount == D("100.00")
    assert invoice.paid_date is None
    assert payment.unallocated_amount == D("100.00")
    with pytest.raises(LedgerError, match="already undone"):
        services.unallocate(allocation=allocation, by=controller)


def test_allocate_oldest_first(customer, controller):
    old = post(customer, "F1", "100.00", due=TODAY - timedelta(days=40))
    new = post(customer, "F2", "100.00", due=TODAY - timedelta(days=5))
    payment = services.record_payment(customer=customer, amount=D("150"), value_date=TODAY, by=controller)
    services.allocate_oldest_first(payment=payment, by=controller)
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.open_amount == 0
    assert new.open_amount == D("50.00")


def test_database_refuses_open_amount_out_of_range(customer):
    invoice = post(customer, "F1", "100.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(open_amount=D("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(open_amount=D("101"))
    payment = services.record_payment(customer=customer, amount=D("10"), value_date=TODAY, by="t")
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(unallocated_amount=D("11"))


def test_events_are_append_only(customer):
    event = Event.objects.filter(customer=customer).first()
    event.summary = "changed"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_notes_and_tasks(customer, controller, other_controller):
    with pytest.raises(LedgerError):
        services.add_note(customer=customer, text="   ", by=controller)
    note = services.add_note(customer=customer, text="Called AP, pays Friday", by=controller)
    assert note.author == controller
    task = services.create_task(customer=customer, title="Call back", due_date=TODAY, by=controller)
    assert task.assignee == controller  # the customer's controller by default
    with pytest.raises(LedgerError, match="after today"):
        services.snooze_task(task=task, until=date(2000, 1, 1), by=controller)
    services.reassign_task(task=task, assignee=other_controller, by=controller)
    task = services.complete_task(
        task=task, outcome=Task.Outcome.PROMISED, note="Friday", by=other_controller
    )
    assert task.status == Task.Status.DONE
    assert task.completed_by == other_controller
    with pytest.raises(LedgerError, match="already done"):
        services.complete_task(task=task, outcome=Task.Outcome.PAID, by=controller)
    verbs = list(Event.objects.filter(customer=customer, kind=Event.Kind.TASK).values_list("verb", flat=True))
    assert sorted(verbs) == ["completed", "created", "reassigned"]


def test_delivery_block_needs_reason(customer, controller):
    with pytest.raises(LedgerError, match="reason"):
        services.set_delivery_block(customer=customer, blocked=True, reason=" ", by=controller)
    services.set_delivery_block(customer=customer, blocked=True, reason="90+ days overdue", by=controller)
    customer.refresh_from_db()
    assert customer.delivery_blocked and customer.delivery_block_reason == "90+ days overdue"
    services.set_delivery_block(customer=customer, blocked=False, reason="", by=controller)
    customer.refresh_from_db()
    assert not customer.delivery_blocked


def test_system_actor_label(customer):
    note = services.add_note(customer=customer, text="Imported", by="import: customers.csv")
    event = Event.objects.get(kind=Event.Kind.NOTE, object_id=note.pk)
    assert event.actor is None
    assert event.who == "import: customers.csv"
