"""Matching incoming bank entries to invoices: the signals, allocation, partial, over, reversal."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from accounts import services
from accounts.bank import services as bank
from accounts.bank.writer import Line, camt053
from accounts.models import Allocation, BankEntry, Customer, Event, Invoice, KnownIban, Payment, Task
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)
OUR_IBAN = "NL91ABNA0417164300"


def post(customer, number, amount, days_ago=40):
    return services.post_invoice(
        customer=customer,
        number=number,
        issue_date=TODAY - timedelta(days=days_ago),
        amount=Decimal(amount),
        by="test",
    )


def run(*lines, statement="S1"):
    return bank.import_statement_file(
        data=camt053(account=OUR_IBAN, lines=list(lines), statement_id=statement),
        file_name="t.xml",
        by="test",
    )


@pytest.fixture
def acme(db):
    return CustomerFactory(name="Acme Bouwmaterialen B.V.", country="NL")


def test_every_posted_invoice_gets_a_valid_reference(acme):
    from accounts.bank.references import is_valid_kenmerk, is_valid_rf

    invoice = post(acme, "F-100", "121.00")
    assert is_valid_kenmerk(invoice.payment_reference)
    foreign = post(CustomerFactory(country="BE"), "F-101", "50.00")
    assert is_valid_rf(foreign.payment_reference)
    credit_note = post(acme, "C-1", "-10.00")
    assert credit_note.payment_reference == ""


def test_structured_reference_matches_and_pays(acme):
    invoice = post(acme, "F-1", "1210.00")
    summary = run(
        Line(
            Decimal("1210.00"),
            TODAY,
            name="Someone",
            iban="NL02RABO0123456789",
            reference=invoice.payment_reference,
        )
    )
    assert (summary.matched, summary.unmatched) == (1, 0)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and invoice.paid_date == TODAY
    entry = BankEntry.objects.get()
    assert entry.status == BankEntry.Status.MATCHED and entry.customer == acme
    assert "payment reference" in entry.explanation
    acme.refresh_from_db()
    assert acme.open_amount == 0
    # The IBAN is learned from the match.
    assert KnownIban.objects.filter(iban="NL02RABO0123456789", customer=acme).exists()


def test_reference_with_a_wrong_check_digit_is_not_used(acme):
    invoice = post(acme, "F-1", "100.00")
    ref = invoice.payment_reference
    wrong = str((int(ref[0]) + 1) % 10) + ref[1:]
    summary = run(Line(Decimal("99.00"), TODAY, text=f"kenmerk {wrong}"))
    assert summary.matched == 0


def test_several_invoice_numbers_in_the_text(acme):
    a, b = post(acme, "F2026-0001", "100.00"), post(acme, "F2026-0002", "250.50")
    post(acme, "F2026-0003", "999.00")
    summary = run(Line(Decimal("350.50"), TODAY, name="ACME", text="Factuur F2026-0001 en F2026-0002"))
    assert summary.matched == 1
    for invoice in (a, b):
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
    assert Allocation.objects.count() == 2


def test_known_iban_and_amount_equal_to_one_invoice(acme):
    KnownIban.objects.create(iban="NL02RABO0123456789", customer=acme)
    post(acme, "F-1", "100.00")
    target = post(acme, "F-2", "333.33")
    summary = run(Line(Decimal("333.33"), TODAY, name="A. Bouw", iban="NL02RABO0123456789", text="betaling"))
    assert summary.matched == 1
    target.refresh_from_db()
    assert target.status == Invoice.Status.PAID
    assert "IBAN" in BankEntry.objects.get().explanation


def test_known_iban_and_exact_sum_of_a_few(acme):
    KnownIban.objects.create(iban="NL02RABO0123456789", customer=acme)
    invoices = [post(acme, f"F-{n}", amount) for n, amount in enumerate(["10.00", "20.00", "40.00", "80.00"])]
    summary = run(Line(Decimal("90.00"), TODAY, iban="NL02RABO0123456789"))
    assert summary.matched == 1
    paid = set(Invoice.objects.filter(status=Invoice.Status.PAID).values_list("number", flat=True))
    assert paid == {"F-0", "F-3"}
    assert len(invoices) == 4


def test_fuzzy_name_and_amount(acme):
    invoice = post(acme, "F-1", "777.70")
    post(CustomerFactory(name="Bakkerij De Korenschoof"), "F-2", "777.70")
    summary = run(Line(Decimal("777.70"), TODAY, name="ACME BOUWMATERIALEN BV", iban="NL55INGB0001234567"))
    assert summary.matched == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_typo_in_the_invoice_number_with_the_right_amount(acme):
    invoice = post(acme, "F2026-004711", "150.00")
    summary = run(Line(Decimal("150.00"), TODAY, name="Someone Else", text="factuur F2026-004717"))
    assert summary.matched == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_partial_payment_leaves_the_rest_open(acme):
    invoice = post(acme, "F-1", "1000.00")
    run(Line(Decimal("400.00"), TODAY, text=f"deelbetaling {invoice.payment_reference}"))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN and invoice.open_amount == Decimal("600.00")
    acme.refresh_from_db()
    assert acme.open_amount == Decimal("600.00") and acme.unallocated_amount == 0


def test_overpayment_stays_on_account_as_credit(acme):
    invoice = post(acme, "F-1", "100.00")
    run(Line(Decimal("150.00"), TODAY, reference=invoice.payment_reference))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    acme.refresh_from_db()
    assert acme.unallocated_amount == Decimal("50.00")
    assert Payment.objects.get().unallocated_amount == Decimal("50.00")


def test_unknown_payment_waits_with_suggestions(acme):
    post(acme, "F-1", "100.00")
    post(acme, "F-2", "200.00")
    summary = run(Line(Decimal("100.00"), TODAY, name="Iemand", text="bedankt"))
    assert (summary.matched, summary.unmatched) == (0, 1)
    entry = BankEntry.objects.get()
    assert entry.status == BankEntry.Status.UNMATCHED
    assert entry.suggestions and entry.suggestions[0]["numbers"] == ["F-1"]
    assert entry.suggestions[0]["reasons"]


def test_outgoing_entries_are_not_matched(acme):
    post(acme, "F-1", "100.00")
    summary = run(Line(Decimal("100.00"), TODAY, credit=False, name="Acme", text="refund F-1"))
    assert summary.outgoing == 1 and summary.matched == 0
    assert BankEntry.objects.get().status == BankEntry.Status.OUTGOING
    assert not Payment.objects.exists()


def test_reversal_undoes_the_allocation_and_plans_a_task(acme):
    invoice = post(acme, "F-1", "100.00")
    run(
        Line(
            Decimal("100.00"),
            TODAY,
            iban="NL02RABO0123456789",
            reference=invoice.payment_reference,
            end_to_end="E2E-9",
        )
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    summary = run(
        Line(
            Decimal("100.00"),
            TODAY + timedelta(days=2),
            credit=False,
            iban="NL02RABO0123456789",
            end_to_end="E2E-9",
            return_reason="AC04",
        ),
        statement="S2",
    )
    assert summary.reversals == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN and invoice.open_amount == Decimal("100.00")
    payment = Payment.objects.get()
    assert payment.reversed_at is not None and payment.unallocated_amount == 0
    acme.refresh_from_db()
    assert acme.open_amount == Decimal("100.00") and acme.unallocated_amount == 0
    assert Task.objects.filter(customer=acme, kind=Task.Kind.PAYMENT).exists()
    assert Event.objects.filter(customer=acme, verb="reversed").exists()
    reversal = BankEntry.objects.get(direction="debit")
    assert reversal.status == BankEntry.Status.REVERSAL and reversal.reverses.direction == "credit"


def test_parent_company_pays_for_a_subsidiary(acme):
    parent = CustomerFactory(name="Acme Holding")
    Customer.objects.filter(pk=acme.pk).update(parent=parent)
    KnownIban.objects.create(iban="NL02RABO0123456789", customer=parent)
    invoice = post(acme, "F-9", "420.00")
    summary = run(Line(Decimal("420.00"), TODAY, name="Acme Holding", iban="NL02RABO0123456789"))
    assert summary.matched == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert Payment.objects.get().customer == acme


def test_manual_match_splits_and_teaches_the_iban(acme, controller):
    a, b = post(acme, "F-1", "100.00"), post(acme, "F-2", "100.00")
    run(Line(Decimal("150.00"), TODAY, name="X", iban="NL55INGB0001234567", text="?"))
    entry = BankEntry.objects.get()
    assert entry.status == BankEntry.Status.UNMATCHED
    bank.match_entry(
        entry=entry, allocations=[(a.pk, Decimal("100.00")), (b.pk, Decimal("50.00"))], by=controller
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == Invoice.Status.PAID and b.open_amount == Decimal("50.00")
    assert KnownIban.objects.filter(iban="NL55INGB0001234567", customer=acme).exists()
    entry.refresh_from_db()
    assert entry.matched_by == controller
    with pytest.raises(ValidationError, match="already matched"):
        bank.match_entry(entry=entry, allocations=[(b.pk, Decimal("50.00"))], by=controller)


def test_manual_match_refuses_too_much(acme, controller):
    a = post(acme, "F-1", "100.00")
    run(Line(Decimal("50.00"), TODAY, text="?"))
    entry = BankEntry.objects.get()
    with pytest.raises(ValidationError, match="more than the entry"):
        bank.match_entry(entry=entry, allocations=[(a.pk, Decimal("60.00"))], by=controller)
    assert not Payment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_people_matching_one_entry_at_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers anyway")
    customer = CustomerFactory()
    invoices = [post(customer, f"F-{n}", "100.00") for n in range(2)]
    run(Line(Decimal("100.00"), TODAY, text="?"))
    entry = BankEntry.objects.get()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def match(invoice):
        try:
            barrier.wait()
            bank.match_entry(entry=entry, allocations=[(invoice.pk, Decimal("100.00"))], by="racer")
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=match, args=(i,)) for i in invoices]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    assert "already matched" in [o for o in outcomes if o != "ok"][0]
    assert Payment.objects.count() == 1
    assert Allocation.objects.count() == 1


def test_several_stornos_in_one_file_each_undo_their_own_payment(acme):
    """Reversals are undone together (set-based): two stornos of equal amounts from one IBAN
    reverse the two latest payments, one each; a storno without an original waits."""
    invoices = [post(acme, f"F-{n}", "100.00") for n in range(3)]
    run(
        *[
            Line(
                Decimal("100.00"),
                TODAY - timedelta(days=3 - n),
                iban="NL02RABO0123456789",
                reference=i.payment_reference,
            )
            for n, i in enumerate(invoices)
        ]
    )
    assert Invoice.objects.filter(status=Invoice.Status.PAID).count() == 3
    storno = Line(Decimal("100.00"), TODAY, credit=False, iban="NL02RABO0123456789", return_reason="MD06")
    stray = Line(Decimal("55.00"), TODAY, credit=False, iban="NL02RABO0123456789", return_reason="AC04")
    summary = run(storno, storno, stray, statement="S2")
    assert (summary.reversals, summary.unmatched) == (2, 1)  # the stray one waits for a person
    reopened = set(Invoice.objects.filter(status=Invoice.Status.OPEN).values_list("number", flat=True))
    assert reopened == {"F-1", "F-2"}  # the latest two, one payment each
    reversed_entries = BankEntry.objects.filter(status=BankEntry.Status.REVERSAL)
    assert reversed_entries.count() == 2
    assert len({e.reverses_id for e in reversed_entries}) == 2
    assert BankEntry.objects.get(amount=Decimal("55.00")).status == BankEntry.Status.UNMATCHED  # waits
    acme.refresh_from_db()
    assert acme.open_amount == Decimal("200.00") and acme.unallocated_amount == 0
    assert Task.objects.filter(customer=acme, kind=Task.Kind.PAYMENT).count() == 2
    assert Event.objects.filter(customer=acme, verb="unallocated").count() == 2
    assert Event.objects.filter(customer=acme, verb="reversed").count() == 2
    assert Payment.objects.filter(reversed_at__isnull=False).count() == 2


def test_payer_name_among_many_customers_is_found_by_its_rare_word():
    """With thousands of customers the name is compared only with those sharing a rare word."""
    from accounts.bank.matching import NAME_SCAN_ALL, MatchContext, OpenInvoice, score_entry

    customers = {n: (f"Bakkerij Jansen {n} B.V.", None) for n in range(NAME_SCAN_ALL + 500)}
    customers[99_999] = ("Zuiderzee Logistiek B.V.", None)
    invoices = [
        OpenInvoice(id=1, number="F-1", customer_id=99_999, open_amount=Decimal("812.40"), due_date=TODAY),
        OpenInvoice(id=2, number="F-2", customer_id=7, open_amount=Decimal("812.40"), due_date=TODAY),
    ]
    ctx = MatchContext(invoices, known_ibans={}, customers=customers)
    assert len(ctx.by_word["JANSEN"]) > NAME_SCAN_ALL  # common words are not enough on their own
    best = score_entry(
        ctx, amount=Decimal("812.40"), iban="", name="ZUIDERZEE LOGISTIEK BV", reference="", text=""
    )[0]
    assert best.customer_id == 99_999 and best.score >= 90
    best = score_entry(
        ctx, amount=Decimal("812.40"), iban="", name="bakkerij jansen 7", reference="", text=""
    )[0]
    assert best.customer_id == 7 and best.score >= 90


def test_an_invoice_paid_meanwhile_is_not_paid_twice(acme):
    """The matching decides on open amounts read without locks; the write only changes invoices
    still as it saw them. One paid by hand in between: its line waits, the other goes through."""
    a, b = post(acme, "F-1", "100.00"), post(acme, "F-2", "200.00")
    summary = bank.import_statement_file(
        data=camt053(
            account=OUR_IBAN,
            lines=[
                Line(Decimal("100.00"), TODAY, reference=a.payment_reference),
                Line(Decimal("200.00"), TODAY, reference=b.payment_reference),
            ],
            statement_id="S1",
        ),
        file_name="t.xml",
        by="test",
        match=False,
    )
    assert summary.entries == 2 and BankEntry.objects.filter(status=BankEntry.Status.NEW).count() == 2
    context = bank.load_context()  # what the matching sees ...
    payment = services.record_payment(customer=acme, amount=Decimal("100.00"), value_date=TODAY, by="clerk")
    services.allocate(invoice=a, payment=payment, by="clerk")  # ... before someone pays F-1 by hand
    counts = bank.match_entries(
        entry_ids=list(BankEntry.objects.values_list("pk", flat=True)), by="t", context=context
    )
    assert counts["matched"] == 1 and counts["unmatched"] == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.open_amount == 0 and a.allocations.count() == 1  # paid once, by hand
    assert b.status == Invoice.Status.PAID
    waiting = BankEntry.objects.get(status=BankEntry.Status.UNMATCHED)
    assert waiting.amount == Decimal("100.00") and "changed while" in waiting.explanation
    acme.refresh_from_db()
    assert acme.open_amount == 0 and acme.unallocated_amount == 0


def test_an_entry_of_nothing_is_not_turned_into_a_payment(acme):
    invoice = post(acme, "F-1", "100.00")
    summary = run(Line(Decimal("0.00"), TODAY, reference=invoice.payment_reference))
    assert summary.matched == 0 and summary.unmatched == 1
    assert not Payment.objects.exists()


# --- a reversal whose original the import did not find: a person names the payment ---------------


def storno_without_original(acme, amount="100.00"):
    """F-1 paid from one account; the bank takes the money back without IBAN or end-to-end id
    (as in camt_parser-053__valid_example_v4.xml), so the import cannot tell which payment."""
    invoice = post(acme, "F-1", amount)
    run(
        Line(
            Decimal(amount),
            TODAY - timedelta(days=5),
            iban="NL02RABO0123456789",
            reference=invoice.payment_reference,
        )
    )
    run(Line(Decimal(amount), TODAY, credit=False, return_reason="MD06", name="Bank"), statement="S2")
    return invoice, BankEntry.objects.get(direction="debit")


def test_a_reversal_without_original_waits_for_a_person(acme):
    invoice, storno = storno_without_original(acme)
    assert storno.status == BankEntry.Status.UNMATCHED and storno.reverses is None
    assert "no matched payment it reverses was found" in storno.explanation
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_a_person_says_which_payment_a_waiting_reversal_takes_back(acme, controller):
    Customer.objects.filter(pk=acme.pk).update(controller=controller)
    invoice, storno = storno_without_original(acme)
    original = BankEntry.objects.get(direction="credit")
    acme.refresh_from_db()
    assert acme.open_amount == 0

    entry = bank.reverse_entry(entry=storno, payment=original.payment, by=controller)

    assert entry.status == BankEntry.Status.REVERSAL and entry.reverses == original
    assert entry.customer == acme and entry.matched_by == controller
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN and invoice.open_amount == Decimal("100.00")
    assert invoice.paid_date is None
    payment = Payment.objects.get()
    assert payment.reversed_at is not None and payment.unallocated_amount == 0
    assert not Allocation.objects.active().exists()
    reversed_event = Event.objects.get(customer=acme, verb="reversed")
    assert reversed_event.actor == controller and "F-1" in reversed_event.summary
    assert Event.objects.filter(customer=acme, verb="unallocated", actor=controller).count() == 1
    task = Task.objects.get(customer=acme, kind=Task.Kind.PAYMENT)
    assert task.priority == Task.Priority.HIGH and task.assignee == controller
    assert task.due_date == timezone.localdate() + timedelta(days=1)
    assert Event.objects.filter(customer=acme, kind=Event.Kind.TASK, object_id=task.pk).exists()
    acme.refresh_from_db()
    assert acme.open_amount == Decimal("100.00") and acme.unallocated_amount == 0


def test_a_payment_entered_by_hand_can_be_taken_back_too(acme, controller):
    """Paid before the bank import was used (or entered by hand): no bank entry brought it in."""
    invoice = post(acme, "F-1", "100.00")
    payment = services.record_payment(customer=acme, amount=Decimal("100.00"), value_date=TODAY, by="t")
    services.allocate(invoice=invoice, payment=payment, by="t")
    run(Line(Decimal("100.00"), TODAY, credit=False, reversal=True, iban="NL02RABO0123456789"))
    storno = BankEntry.objects.get()
    assert storno.status == BankEntry.Status.UNMATCHED

    entry = bank.reverse_entry(entry=storno, payment=payment, by=controller)

    assert entry.status == BankEntry.Status.REVERSAL and entry.reverses is None and entry.customer == acme
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    acme.refresh_from_db()
    assert acme.open_amount == Decimal("100.00") and acme.unallocated_amount == 0


def test_taking_back_a_payment_refuses_what_does_not_fit(acme, controller):
    invoice, storno = storno_without_original(acme)
    payment = Payment.objects.get()
    other = services.record_payment(customer=acme, amount=Decimal("99.00"), value_date=TODAY, by="t")
    with pytest.raises(ValidationError, match="takes back a whole payment"):
        bank.reverse_entry(entry=storno, payment=other, by=controller)
    credit = BankEntry.objects.get(direction="credit")
    with pytest.raises(ValidationError, match="Only money going out"):
        bank.reverse_entry(entry=credit, payment=payment, by=controller)
    assert Payment.objects.filter(reversed_at__isnull=False).count() == 0

    bank.reverse_entry(entry=storno, payment=payment, by=controller)
    # The second click, and a second storno naming the same payment, are told; nothing doubles.
    with pytest.raises(ValidationError, match="already handled"):
        bank.reverse_entry(entry=storno, payment=payment, by=controller)
    run(Line(Decimal("100.00"), TODAY, credit=False, return_reason="AC04", text="again"), statement="S3")
    second = BankEntry.objects.get(direction="debit", return_reason="AC04")
    with pytest.raises(ValidationError, match="already reversed"):
        bank.reverse_entry(entry=second, payment=payment, by=controller)
    assert Task.objects.filter(customer=acme, kind=Task.Kind.PAYMENT).count() == 1
    assert Event.objects.filter(customer=acme, verb="reversed").count() == 1
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("100.00")


# --- a waiting debit that takes no customer payment back: booked as money going out --------------


def test_a_person_books_a_waiting_debit_as_money_going_out(acme, controller):
    invoice, storno = storno_without_original(acme)
    events = Event.objects.count()

    entry = bank.book_outgoing(entry=storno, note="  supplier refund\nreturned ", by=controller)

    assert entry.status == BankEntry.Status.OUTGOING
    assert entry.matched_by == controller and entry.matched_at is not None
    assert entry.customer is None and entry.reverses is None and entry.payment is None
    stored = BankEntry.objects.get(pk=storno.pk)
    assert stored.status == BankEntry.Status.OUTGOING and stored.matched_by == controller
    assert stored.explanation == f"booked as money going out by {controller}; supplier refund returned"
    assert stored.explanation_msgid == "%(reasons)s"
    # No customer's money moved: the payment stays, its invoice stays paid, no timeline, no task.
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert Payment.objects.get().reversed_at is None
    assert Event.objects.count() == events and not Task.objects.filter(kind=Task.Kind.PAYMENT).exists()


def test_booking_as_outgoing_without_a_note_says_who(acme, controller):
    _invoice, storno = storno_without_original(acme)
    entry = bank.book_outgoing(entry=storno, by="nightly check")
    assert entry.matched_by is None
    assert entry.explanation_text == "booked as money going out by nightly check"


def test_booking_as_outgoing_refuses_what_does_not_fit(acme, controller):
    _invoice, storno = storno_without_original(acme)
    credit = BankEntry.objects.get(direction="credit")
    with pytest.raises(ValidationError, match=r"already handled \(matched\)"):
        bank.book_outgoing(entry=credit, by=controller)
    BankEntry.objects.filter(pk=credit.pk).update(status=BankEntry.Status.UNMATCHED)
    with pytest.raises(ValidationError, match="Only money going out"):
        bank.book_outgoing(entry=credit, by=controller)
    with pytest.raises(ValidationError, match="Keep the note to 200 characters; it has 201."):
        bank.book_outgoing(entry=storno, note="x" * 201, by=controller)
    storno.refresh_from_db()
    assert storno.status == BankEntry.Status.UNMATCHED

    bank.book_outgoing(entry=storno, by=controller)
    # The second click is told; a reversal named afterwards is refused too.
    with pytest.raises(ValidationError, match=r"already handled \(outgoing\)"):
        bank.book_outgoing(entry=storno, by=controller)
    with pytest.raises(ValidationError, match=r"already handled \(outgoing\)"):
        bank.reverse_entry(entry=storno, payment=Payment.objects.get(), by=controller)
    assert Payment.objects.get().reversed_at is None
