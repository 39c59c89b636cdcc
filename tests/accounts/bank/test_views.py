"""The payments pages: upload with summary, the queue, one-click and split matching."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import services
from accounts.bank import services as bank
from accounts.bank.writer import Line, camt053
from accounts.models import BankEntry, BankStatement, Event, Invoice, Payment, Task
from tests.accounts.bank.conftest import bank_file
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 20)


@pytest.fixture
def queue(controller):
    """Three unmatched payments, each with suggestions."""
    customers = [CustomerFactory(name=f"Klant {n}") for n in range(3)]
    invoices = [
        services.post_invoice(
            customer=c,
            number=f"Q-{n}",
            issue_date=TODAY - timedelta(days=30),
            amount=Decimal(100 * (n + 1)),
            by="t",
        )
        for n, c in enumerate(customers)
    ]
    lines = [Line(Decimal(100 * (n + 1)), TODAY, name=f"Payer {n}", text="dank") for n in range(3)]
    bank.import_statement_file(
        data=camt053(account="NL91ABNA0417164300", lines=lines, statement_id="Q"), file_name="q.xml", by="t"
    )
    return invoices


def test_upload_shows_the_summary(controller_client):
    data = bank_file("newinnovations-camt053__example-camt053-a.xml")
    response = controller_client.post(
        reverse("accounts:bank_home"), {"file": SimpleUploadedFile("stmt.xml", data)}, follow=True
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Imported: stmt.xml" in page
    assert "camt.053" in page
    assert BankStatement.objects.count() == 2
    # Again: nothing new, and the page says so.
    response = controller_client.post(
        reverse("accounts:bank_home"), {"file": SimpleUploadedFile("stmt.xml", data)}, follow=True
    )
    assert "11 already imported" in response.content.decode()
    assert BankEntry.objects.count() == 11


def test_upload_of_a_broken_file_names_the_problem(controller_client):
    data = bank_file("zilverline-mt940__knab_knab_invalid.txt")
    response = controller_client.post(
        reverse("accounts:bank_home"), {"file": SimpleUploadedFile("k.txt", data)}
    )
    assert response.status_code == 200
    assert "k.txt was not imported: Line 9" in response.content.decode()
    assert not BankEntry.objects.exists()


def test_payments_home_query_count(controller_client, queue, django_assert_num_queries):
    # session, user, statements with counts, unmatched count, CSV mappings for the form
    with django_assert_num_queries(5):
        response = controller_client.get(reverse("accounts:bank_home"))
    assert response.status_code == 200


def test_queue_shows_suggestions_with_fixed_queries(controller_client, queue, django_assert_num_queries):
    with django_assert_num_queries(5):  # session, user, count, page of entries, suggested invoices
        response = controller_client.get(reverse("accounts:bank_unmatched"))
    page = response.content.decode()
    assert page.count('id="entry-') == 3
    assert "Q-0" in page and "the amount equals" in page


def test_one_click_match_with_htmx(controller_client, queue):
    entry = BankEntry.objects.filter(status="unmatched").first()
    suggestion = entry.suggestions[0]["invoices"]
    response = controller_client.post(
        reverse("accounts:bank_entry_match", args=[entry.pk]),
        {"invoices": ",".join(map(str, suggestion))},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"entry-{entry.pk}",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="entry-{entry.pk}"')
    assert "Matched" in html
    assert Invoice.objects.get(pk=suggestion[0]).status == Invoice.Status.PAID


def test_split_match_without_javascript(controller_client, queue):
    customer = queue[2].customer
    extra = services.post_invoice(
        customer=customer, number="Q-9", issue_date=TODAY, amount=Decimal("50"), by="t"
    )
    entry = BankEntry.objects.get(amount=Decimal("300.00"))
    response = controller_client.post(
        reverse("accounts:bank_entry_match", args=[entry.pk]),
        {"number": ["Q-2", "Q-9", ""], "amount": ["250,00", "", ""]},
    )
    assert response.status_code == 302
    assert Invoice.objects.get(number="Q-2").open_amount == Decimal("50.00")
    assert Invoice.objects.get(number="Q-9").status == Invoice.Status.PAID
    customer.refresh_from_db()
    assert customer.unallocated_amount == Decimal("0.00")
    assert extra.pk


def test_match_errors_are_shown_in_the_row(controller_client, queue):
    entry = BankEntry.objects.filter(status="unmatched").first()
    response = controller_client.post(
        reverse("accounts:bank_entry_match", args=[entry.pk]),
        {"number": ["NOPE"], "amount": [""]},
        HTTP_HX_REQUEST="true",
    )
    assert "There is no invoice NOPE." in response.content.decode()


@pytest.mark.parametrize("fixture", ["counter_clerk", "sales_rep"])
def test_sales_and_counter_may_not_match(client, queue, fixture, request):
    client.force_login(request.getfixturevalue(fixture))
    entry = BankEntry.objects.filter(status="unmatched").first()
    assert client.get(reverse("accounts:bank_unmatched")).status_code == 403
    response = client.post(reverse("accounts:bank_entry_match", args=[entry.pk]), {"number": ["Q-0"]})
    assert response.status_code == 403
    assert BankEntry.objects.filter(status="unmatched").count() == 3


def test_statement_page(controller_client, queue, django_assert_num_queries):
    statement = BankStatement.objects.get()
    with django_assert_num_queries(5):  # session, user, statement, count, entries with customers
        response = controller_client.get(reverse("accounts:bank_statement", args=[statement.pk]))
    assert response.content.decode().count("Needs a person") == 3


@pytest.mark.parametrize("model", ["bankcsvmapping", "bankstatement", "bankentry", "knowniban"])
def test_admin_pages(admin_client, queue, model):
    assert admin_client.get(reverse(f"admin:accounts_{model}_changelist")).status_code == 200


def test_why_an_entry_waits_is_shown_in_the_readers_language(controller_client, queue):
    """The import ran in English (the worker's language); a Dutch controller reads the reasons in Dutch."""
    assert "the amount equals the open amount of Q-0" in BankEntry.objects.get(amount=100).explanation
    statement = reverse("accounts:bank_statement", args=[BankStatement.objects.get().pk])
    for url in (reverse("accounts:bank_unmatched"), statement):
        dutch = controller_client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
        assert "het bedrag is gelijk aan het openstaande bedrag van Q-0" in dutch
        assert "the amount equals" not in dutch
        english = controller_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "the amount equals the open amount of Q-0" in english


# --- a reversal that waits: the controller says which payment it takes back ----------------------


@pytest.fixture
def storno():
    """Klant Storno paid F-1 (matched); the bank takes 100.00 back without IBAN or end-to-end id."""
    customer = CustomerFactory(name="Klant Storno", number="C-STORNO")
    invoice = services.post_invoice(
        customer=customer, number="F-1", issue_date=TODAY - timedelta(days=30), amount=Decimal("100"), by="t"
    )
    lines = [
        Line(
            Decimal("100.00"),
            TODAY - timedelta(days=3),
            iban="NL02RABO0123456789",
            reference=invoice.payment_reference,
        ),
        Line(Decimal("100.00"), TODAY, credit=False, return_reason="MD06", name="Incasso retour"),
    ]
    bank.import_statement_file(
        data=camt053(account="NL91ABNA0417164300", lines=lines, statement_id="R"), file_name="r.xml", by="t"
    )
    entry = BankEntry.objects.get(direction="debit")
    assert entry.status == BankEntry.Status.UNMATCHED
    return entry


def reverse_url(entry):
    return reverse("accounts:bank_entry_reverse", args=[entry.pk])


def test_queue_offers_the_payments_a_waiting_reversal_may_undo(
    controller_client, storno, django_assert_num_queries
):
    # session, user, count, page of entries, fitting payments with customers, their allocations
    with django_assert_num_queries(6):
        response = controller_client.get(reverse("accounts:bank_unmatched"))
    page = response.content.decode()
    assert page.count('id="entry-') == 1
    assert "Undo this payment" in page and "Klant Storno" in page and "F-1" in page
    assert f'name="payment" value="{Payment.objects.get().pk}"' in page


def test_controller_undoes_the_payment_and_a_double_click_is_told(controller_client, storno):
    payment = Payment.objects.get()
    answers = [
        controller_client.post(reverse_url(storno), {"payment": payment.pk}, HTTP_HX_REQUEST="true")
        for _ in range(2)
    ]
    first, second = (a.content.decode() for a in answers)
    assert first.lstrip().startswith(f'<tr id="entry-{storno.pk}"')
    assert "Reversal" in first and "Klant Storno" in first and "errorlist" not in first
    assert "This bank entry was already handled (reversal)." in second
    assert Invoice.objects.get(number="F-1").status == Invoice.Status.OPEN
    assert Payment.objects.get().reversed_at is not None
    assert Task.objects.filter(kind=Task.Kind.PAYMENT).count() == 1
    assert Event.objects.filter(verb="reversed").count() == 1


def test_undo_by_customer_number_without_javascript(client, manager, storno):
    client.force_login(manager)
    response = client.post(reverse_url(storno), {"customer": "C-STORNO"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:bank_unmatched")
    assert (
        "Payment taken back: its invoices are open again and a task is planned." in response.content.decode()
    )
    storno.refresh_from_db()
    assert storno.status == BankEntry.Status.REVERSAL and storno.matched_by == manager


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Choose a payment, or enter a customer number."),
        ({"payment": "x"}, "Choose one of the payments."),
        ({"customer": "NOPE"}, "There is no customer NOPE."),
        ({"customer": "C-OTHER"}, "Klant Ander has no payment of this amount to take back."),
    ],
)
def test_bad_input_is_named_and_changes_nothing(controller_client, storno, data, message):
    CustomerFactory(name="Klant Ander", number="C-OTHER")
    response = controller_client.post(reverse_url(storno), data, follow=True)
    assert message in response.content.decode()
    storno.refresh_from_db()
    assert storno.status == BankEntry.Status.UNMATCHED
    assert Payment.objects.get().reversed_at is None


def test_a_payment_reversed_meanwhile_is_named(controller_client, storno):
    payment = Payment.objects.get()
    other = BankEntry.objects.create(
        statement=storno.statement,
        key="other",
        booking_date=TODAY,
        value_date=TODAY,
        amount=Decimal("100.00"),
        direction=BankEntry.Direction.DEBIT,
        return_reason="AC04",
        status=BankEntry.Status.UNMATCHED,
    )
    bank.reverse_entry(entry=other, payment=payment, by="t")
    response = controller_client.post(reverse_url(storno), {"payment": payment.pk}, HTTP_HX_REQUEST="true")
    assert "This payment was already reversed." in response.content.decode()
    storno.refresh_from_db()
    assert storno.status == BankEntry.Status.UNMATCHED


@pytest.mark.parametrize("fixture", ["counter_clerk", "sales_rep"])
def test_sales_and_counter_may_not_undo_a_payment(client, storno, fixture, request):
    client.force_login(request.getfixturevalue(fixture))
    response = client.post(reverse_url(storno), {"payment": Payment.objects.get().pk})
    assert response.status_code == 403
    assert Payment.objects.get().reversed_at is None


def test_undo_is_post_only(controller_client, storno):
    assert controller_client.get(reverse_url(storno)).status_code == 405


def test_a_dutch_controller_reads_the_reversal_in_dutch(controller_client, storno):
    page = controller_client.get(
        reverse("accounts:bank_unmatched"), HTTP_ACCEPT_LANGUAGE="nl"
    ).content.decode()
    assert "Deze betaling terugdraaien" in page and "Undo this payment" not in page
    response = controller_client.post(
        reverse_url(storno), {"customer": "NOPE"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="nl"
    )
    assert "Klant NOPE bestaat niet." in response.content.decode()


# --- a waiting debit that takes no customer payment back: booked as money going out ---------------


def outgoing_url(entry):
    return reverse("accounts:bank_entry_outgoing", args=[entry.pk])


def test_queue_offers_to_book_a_waiting_debit_as_money_going_out(controller_client, storno):
    page = controller_client.get(reverse("accounts:bank_unmatched")).content.decode()
    assert f'action="{outgoing_url(storno)}"' in page and "Book as money going out" in page


def test_controller_books_as_outgoing_and_a_double_click_is_told(controller_client, controller, storno):
    answers = [
        controller_client.post(outgoing_url(storno), {"note": "bank fee"}, HTTP_HX_REQUEST="true")
        for _ in range(2)
    ]
    first, second = (a.content.decode() for a in answers)
    assert first.lstrip().startswith(f'<tr id="entry-{storno.pk}"')
    assert "Outgoing" in first and "bank fee" in first and "errorlist" not in first
    assert "This bank entry was already handled (outgoing)." in second
    storno.refresh_from_db()
    assert storno.status == BankEntry.Status.OUTGOING and storno.matched_by == controller
    assert storno.explanation == f"booked as money going out by {controller}; bank fee"
    assert Payment.objects.get().reversed_at is None
    assert Invoice.objects.get(number="F-1").status == Invoice.Status.PAID
    assert 'id="entry-' not in controller_client.get(reverse("accounts:bank_unmatched")).content.decode()


@pytest.mark.parametrize("fixture", ["manager", "admin_user"])
def test_managers_book_as_outgoing_without_javascript(client, storno, fixture, request):
    client.force_login(request.getfixturevalue(fixture))
    response = client.post(outgoing_url(storno), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:bank_unmatched")
    assert "Booked as money going out." in response.content.decode()
    storno.refresh_from_db()
    assert storno.status == BankEntry.Status.OUTGOING


def test_booking_as_outgoing_names_bad_input_and_changes_nothing(controller_client, storno):
    response = controller_client.post(outgoing_url(storno), {"note": "x" * 201}, follow=True)
    assert "Keep the note to 200 characters; it has 201." in response.content.decode()
    credit = BankEntry.objects.get(direction="credit")
    response = controller_client.post(outgoing_url(credit), HTTP_HX_REQUEST="true")
    assert "This bank entry was already handled (matched)." in response.content.decode()
    assert controller_client.post(reverse("accounts:bank_entry_outgoing", args=[99999])).status_code == 404
    storno.refresh_from_db()
    credit.refresh_from_db()
    assert storno.status == BankEntry.Status.UNMATCHED and credit.status == BankEntry.Status.MATCHED


@pytest.mark.parametrize("fixture", ["counter_clerk", "sales_rep"])
def test_sales_and_counter_may_not_book_as_outgoing(client, storno, fixture, request):
    client.force_login(request.getfixturevalue(fixture))
    assert client.post(outgoing_url(storno), {"note": "fee"}).status_code == 403
    storno.refresh_from_db()
    assert storno.status == BankEntry.Status.UNMATCHED


def test_booking_as_outgoing_is_post_only(controller_client, storno):
    assert controller_client.get(outgoing_url(storno)).status_code == 405


def test_a_dutch_controller_books_as_outgoing_in_dutch(controller_client, controller, storno):
    page = controller_client.get(
        reverse("accounts:bank_unmatched"), HTTP_ACCEPT_LANGUAGE="nl"
    ).content.decode()
    assert "Als uitgaand geld boeken" in page and "Book as money going out" not in page
    row = controller_client.post(
        outgoing_url(storno), {"note": "bankkosten"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="nl"
    ).content.decode()
    assert f"als uitgaand geld geboekt door {controller}; bankkosten" in row
    # Written in Dutch, read in English.
    statement = reverse("accounts:bank_statement", args=[storno.statement_id])
    english = controller_client.get(statement, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"booked as money going out by {controller}; bankkosten" in english


@pytest.mark.parametrize(
    "language, headings",
    [
        ("en", ["Booked", "Counterparty", "Amount", "What to do"]),
        ("nl", ["Geboekt", "Tegenpartij", "Bedrag", "Wat te doen"]),
    ],
)
def test_queue_headings_read_for_money_in_and_out(controller_client, storno, queue, language, headings):
    page = controller_client.get(
        reverse("accounts:bank_unmatched"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert page.count('id="entry-') == 4  # the waiting reversal and three payments coming in
    head = page.split("<thead>")[1].split("</thead>")[0]
    assert [h.split(">")[-1] for h in head.split("</th>")[:-1]] == headings
