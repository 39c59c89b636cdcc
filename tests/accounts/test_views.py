from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Event, Invoice, Note, Task
from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PaymentFactory, TaskFactory

pytestmark = pytest.mark.django_db
D = Decimal


def htmx(target: str) -> dict:
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


@pytest.fixture
def book(controller, other_controller):
    today = date.today()
    a = CustomerFactory(
        name="Bakkerij De Vries B.V.",
        number="C1001",
        kvk_number="12345678",
        city="Utrecht",
        controller=controller,
    )
    b = CustomerFactory(name="Van Dijk Transport", number="C2002", city="Zwolle", controller=other_controller)
    c = CustomerFactory(name="Jansen Installatie", number="C3003", city="Utrecht", risk_class="high")
    services.post_invoice(
        customer=a,
        number="F-A1",
        issue_date=today - timedelta(days=70),
        due_date=today - timedelta(days=40),
        amount=D("1000.00"),
        by="t",
    )
    services.post_invoice(customer=b, number="F-B1", issue_date=today, amount=D("250.00"), by="t")
    return {"a": a, "b": b, "c": c}


class TestCustomerList:
    url = reverse("accounts:customer_list")

    def test_lists_and_searches(self, controller_client, book):
        page = controller_client.get(self.url)
        assert page.status_code == 200
        for customer in book.values():
            assert customer.name in page.text

        def names(**params):
            return [c.name for c in controller_client.get(self.url, params).context["page"].object_list]

        assert names(q="bakkerij") == ["Bakkerij De Vries B.V."]
        assert names(q="C20") == ["Van Dijk Transport"]
        assert names(q="12345678") == ["Bakkerij De Vries B.V."]
        assert names(q="utrecht") == ["Bakkerij De Vries B.V.", "Jansen Installatie"]
        assert names(overdue="on") == ["Bakkerij De Vries B.V."]
        assert names(risk_class="high") == ["Jansen Installatie"]
        assert names(controller=book["b"].controller_id) == ["Van Dijk Transport"]
        assert names(sort="-open")[0] == "Bakkerij De Vries B.V."

    def test_htmx_returns_only_results(self, controller_client, book):
        response = controller_client.get(self.url, {"q": "dijk"}, **htmx("results"))
        assert response.status_code == 200
        assert 'id="results"' in response.text
        assert "<html" not in response.text
        assert "Van Dijk Transport" in response.text
        assert "Bakkerij" not in response.text

    def test_bad_filter_values_do_not_crash(self, controller_client, book):
        response = controller_client.get(self.url, {"controller": "abc", "sort": "evil", "page": "999"})
        assert response.status_code == 200

    def test_query_count_does_not_grow(self, controller_client, book, django_assert_max_num_queries):
        for _ in range(40):
            CustomerFactory(controller=book["a"].controller)
            InvoiceFactory(customer=book["a"])
        with django_assert_max_num_queries(8):
            controller_client.get(self.url)


class TestCustomer360:
    def url(self, customer):
        return reverse("accounts:customer_detail", args=[customer.pk])

    def test_header_figures(self, controller_client, book):
        a = book["a"]
        ContactFactory(customer=a, name="Petra Smit", email="ap@devries.example")
        today = date.today()
        inv = InvoiceFactory(
            customer=a,
            issue_date=today - timedelta(days=90),
            due_date=today - timedelta(days=60),
            amount=D("200.00"),
            open_amount=D("0.00"),
            status=Invoice.Status.PAID,
            paid_date=today - timedelta(days=48),
            days_late=12,
        )
        assert inv.pk
        services.refresh_customer_balance(a.pk)
        response = controller_client.get(self.url(a))
        assert response.status_code == 200
        summary = response.context["summary"]
        assert summary.open_amount == D("1000.00")
        assert summary.overdue_amount == D("1000.00")
        assert summary.aging["d31_60"] == D("1000.00")
        assert summary.avg_days_late == 12
        assert "Pays on average 12 days after the due date" in response.text
        assert "Petra Smit" in response.text
        assert "F-A1" in response.text

    def test_query_count_constant_in_invoices_and_events(
        self, controller_client, book, django_assert_max_num_queries
    ):
        a = book["a"]
        controller_client.get(self.url(a))
        for _ in range(60):
            InvoiceFactory(customer=a)
        for i in range(100):
            services.add_note(customer=a, text=f"note {i}", by="t")
        # 16 for the 360 itself; panels: disputes 1, promises and plans 2, portal 3 (links,
        # pending corrections, remittance advices), payment outlook 1.
        with django_assert_max_num_queries(23):
            response = controller_client.get(self.url(a))
        assert len(response.context["events"]) == 30
        assert response.context["more_before"] is not None

    def test_timeline_filter_and_more(self, controller_client, book):
        a = book["a"]
        for i in range(35):
            services.add_note(customer=a, text=f"note {i}", by="t")
        response = controller_client.get(self.url(a), {"kind": "invoice"}, **htmx("timeline"))
        assert "<html" not in response.text
        assert "F-A1" in response.text
        assert "note 3" not in response.text
        first = controller_client.get(self.url(a), **htmx("timeline"))
        older = controller_client.get(
            self.url(a), {"before": first.context["more_before"]}, **htmx("timeline-more")
        )
        assert "note 0" in older.text
        assert 'id="timeline"' not in older.text

    def test_invoices_partial_all(self, controller_client, book):
        a = book["a"]
        InvoiceFactory(customer=a, number="PAID-1", open_amount=D("0"), status=Invoice.Status.PAID)
        open_only = controller_client.get(self.url(a), **htmx("invoices"))
        assert "PAID-1" not in open_only.text
        everything = controller_client.get(self.url(a), {"show": "all"}, **htmx("invoices"))
        assert "PAID-1" in everything.text and "<html" not in everything.text

    def test_add_note_inline_shows_on_timeline(self, controller_client, book, controller):
        a = book["a"]
        url = reverse("accounts:note_add", args=[a.pk])
        response = controller_client.post(url, {"text": "Gebeld: betaalt vrijdag"}, **htmx("notes"))
        assert response.status_code == 200
        assert "Gebeld: betaalt vrijdag" in response.text
        assert 'hx-swap-oob="true"' in response.text  # the timeline is refreshed too
        note = Note.objects.get()
        assert note.author == controller
        assert Event.objects.filter(customer=a, kind=Event.Kind.NOTE, summary__contains="vrijdag").exists()

    def test_empty_note_is_refused_with_message(self, controller_client, book):
        a = book["a"]
        response = controller_client.post(
            reverse("accounts:note_add", args=[a.pk]), {"text": "  "}, **htmx("notes")
        )
        assert "errorlist" in response.text
        assert not Note.objects.exists()

    def test_sales_sees_360_read_only(self, client, sales_rep, book):
        client.force_login(sales_rep)
        response = client.get(self.url(book["a"]))
        assert response.status_code == 200
        assert "Add note" not in response.text
        assert (
            client.post(reverse("accounts:note_add", args=[book["a"].pk]), {"text": "x"}).status_code == 403
        )

    def test_record_payment_and_allocate(self, controller_client, book):
        a = book["a"]
        response = controller_client.post(
            reverse("accounts:payment_record", args=[a.pk]),
            {
                "amount": "400.00",
                "value_date": date.today().isoformat(),
                "reference": "F-A1",
                "allocate_oldest_first": "on",
            },
        )
        assert response.status_code == 302
        assert Invoice.objects.get(number="F-A1").open_amount == D("600.00")

    def test_delivery_block(self, controller_client, book):
        a = book["a"]
        controller_client.post(
            reverse("accounts:delivery_block", args=[a.pk]),
            {"blocked": "on", "reason": "Credit limit exceeded"},
        )
        a.refresh_from_db()
        assert a.delivery_blocked
        page = controller_client.get(self.url(a))
        assert "Credit limit exceeded" in page.text

    def test_edit_customer(self, controller_client, book):
        a = book["a"]
        url = reverse("accounts:customer_edit", args=[a.pk])
        assert controller_client.get(url).status_code == 200
        data = controller_client.get(url).context["form"].initial
        data = {k: ("" if v is None else v) for k, v in data.items()}
        data.update(risk_class="high", kvk_number="1234")
        bad = controller_client.post(url, data)
        assert bad.status_code == 200 and "8 digits" in bad.text
        data["kvk_number"] = "87654321"
        assert controller_client.post(url, data).status_code == 302
        a.refresh_from_db()
        assert (a.risk_class, a.kvk_number) == ("high", "87654321")
        assert Event.objects.filter(customer=a, verb="updated").exists()


class TestInvoiceDetail:
    def test_allocate_and_undo(self, controller_client, book):
        a = book["a"]
        invoice = Invoice.objects.get(number="F-A1")
        payment = PaymentFactory(customer=a, amount=D("150.00"))
        url = reverse("accounts:invoice_detail", args=[invoice.pk])
        page = controller_client.get(url)
        assert page.status_code == 200 and f"p{payment.pk}" in page.text
        controller_client.post(
            reverse("accounts:invoice_allocate", args=[invoice.pk]),
            {"source": f"p{payment.pk}", "amount": "100"},
        )
        invoice.refresh_from_db()
        assert invoice.open_amount == D("900.00")
        too_much = controller_client.post(
            reverse("accounts:invoice_allocate", args=[invoice.pk]),
            {"source": f"p{payment.pk}", "amount": "100"},
            follow=True,
        )
        assert "too much" in too_much.text
        allocation = invoice.allocations.get()
        controller_client.post(reverse("accounts:allocation_undo", args=[allocation.pk]))
        invoice.refresh_from_db()
        assert invoice.open_amount == D("1000.00")

    def test_bad_amount_is_a_message(self, controller_client, book):
        invoice = Invoice.objects.get(number="F-A1")
        payment = PaymentFactory(customer=book["a"])
        response = controller_client.post(
            reverse("accounts:invoice_allocate", args=[invoice.pk]),
            {"source": f"p{payment.pk}", "amount": "abc"},
            follow=True,
        )
        assert response.status_code == 200
        assert invoice.allocations.count() == 0


class TestMyTasks:
    url = reverse("accounts:task_list")

    def test_shows_my_open_tasks_by_priority(self, controller_client, controller, other_controller):
        urgent = TaskFactory(assignee=controller, priority=Task.Priority.URGENT, title="Urgent call")
        TaskFactory(assignee=controller, priority=Task.Priority.LOW, title="Low thing")
        TaskFactory(assignee=other_controller, title="Not mine")
        TaskFactory(assignee=controller, title="Later", due_date=date.today() + timedelta(days=3))
        page = controller_client.get(self.url)
        titles = [t.title for t in page.context["page"].object_list]
        assert titles == ["Urgent call", "Low thing"]
        assert "Not mine" not in page.text
        everything = controller_client.get(self.url, {"show": "all"})
        assert "Later" in everything.text
        assert urgent.pk

    def test_complete_inline(self, controller_client, controller):
        task = TaskFactory(assignee=controller)
        response = controller_client.post(
            reverse("accounts:task_complete", args=[task.pk]),
            {"outcome": "promised", "note": "vrijdag"},
            **htmx(f"task-{task.pk}"),
        )
        assert response.status_code == 200
        assert "<html" not in response.text and "Customer promised to pay" in response.text
        task.refresh_from_db()
        assert task.status == Task.Status.DONE
        again = controller_client.post(
            reverse("accounts:task_complete", args=[task.pk]), {"outcome": "paid"}, **htmx("x")
        )
        assert "already done" in again.text

    def test_complete_without_outcome(self, controller_client, controller):
        task = TaskFactory(assignee=controller)
        response = controller_client.post(reverse("accounts:task_complete", args=[task.pk]), {}, **htmx("x"))
        assert "Choose an outcome" in response.text
        task.refresh_from_db()
        assert task.status == Task.Status.OPEN

    def test_snooze_and_reassign(self, controller_client, controller, other_controller):
        task = TaskFactory(assignee=controller)
        tomorrow = date.today() + timedelta(days=1)
        controller_client.post(
            reverse("accounts:task_snooze", args=[task.pk]), {"until": tomorrow.isoformat()}, **htmx("x")
        )
        task.refresh_from_db()
        assert task.due_date == tomorrow
        past = controller_client.post(
            reverse("accounts:task_snooze", args=[task.pk]), {"until": "2001-01-01"}, **htmx("x")
        )
        assert "after today" in past.text
        controller_client.post(
            reverse("accounts:task_reassign", args=[task.pk]), {"assignee": other_controller.pk}, **htmx("x")
        )
        task.refresh_from_db()
        assert task.assignee == other_controller

    def test_query_count(self, controller_client, controller, django_assert_max_num_queries):
        for _ in range(30):
            TaskFactory(assignee=controller)
        with django_assert_max_num_queries(8):
            controller_client.get(self.url)


def test_two_users_editing_one_customer(client, controller, other_controller, book):
    """The second save of the same field is refused with a message; other fields merge."""
    a = book["a"]
    url = reverse("accounts:customer_edit", args=[a.pk])
    client.force_login(controller)
    page = client.get(url)
    form = page.context["form"]
    data = {}
    for bound in form:
        value = bound.value()
        data[bound.html_name] = "" if value is None else value
        data[bound.html_initial_name] = "" if bound.initial is None else bound.initial
    # Meanwhile a colleague raises the limit.
    services.update_customer(customer=a, credit_limit=D("25000.00"), by=other_controller)

    mine = {**data, "credit_limit": "5000.00"}
    response = client.post(url, mine)
    assert response.status_code == 200
    assert "Someone else changed credit limit" in response.text
    a.refresh_from_db()
    assert a.credit_limit == D("25000.00")

    other_field = {**data, "risk_class": "medium"}
    assert client.post(url, other_field).status_code == 302
    a.refresh_from_db()
    assert (a.risk_class, a.credit_limit) == ("medium", D("25000.00"))


def test_send_invoice_copy_over_real_smtp(
    controller_client, book, smtp_server, django_capture_on_commit_callbacks
):
    inbox = smtp_server
    invoice = Invoice.objects.get(number="F-A1")
    url = reverse("accounts:invoice_send_copy", args=[invoice.pk])
    bad = controller_client.post(url, {"to": "not-an-address"}, follow=True)
    assert "is not an e-mail address" in bad.text
    # The mail leaves after the commit (django-q2 runs synchronously in tests).
    with django_capture_on_commit_callbacks(execute=True):
        response = controller_client.post(url, {"to": "ap@devries.example"})
    assert response.status_code == 302
    assert len(inbox.messages) == 1
    raw = inbox.messages[0].content.decode()
    assert inbox.messages[0].rcpt_tos == ["ap@devries.example"]
    assert "Kopie van factuur F-A1" in raw  # the customer is Dutch, whatever the user's language
    assert 'filename="F-A1.pdf"' in raw
    assert Event.objects.filter(customer=book["a"], verb="invoice_copy_sent").count() == 1


def test_timeline_pages_by_time_even_when_ids_do_not_follow_time(controller_client, book):
    """A back-dated event (an import of old history) lands in its place, not on page one."""
    from datetime import datetime

    a = book["a"]
    for i in range(40):
        services.add_note(customer=a, text=f"recent {i}", by="t")
    old = services.add_note(customer=a, text="ancient history", by="import")
    Event.objects.filter(object_id=old.pk, kind=Event.Kind.NOTE).update(
        created_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    url = reverse("accounts:customer_detail", args=[a.pk])
    first = controller_client.get(url, **htmx("timeline"))
    assert "ancient history" not in first.text
    seen = first.context["events"]
    more = first.context["more_before"]
    pages = 0
    while more:
        page = controller_client.get(url, {"before": more}, **htmx("timeline-more"))
        seen += page.context["events"]
        more = page.context["more_before"]
        pages += 1
    assert pages >= 1
    assert seen[-1].summary == "ancient history"
    assert len({e.pk for e in seen}) == len(seen) == Event.objects.filter(customer=a).count()


def test_add_contact_from_the_360(controller_client, book):
    a = book["a"]
    url = reverse("accounts:contact_add", args=[a.pk])
    bad = controller_client.post(url, {"name": "Petra", "email": "not-mail", "role": "finance"}, follow=True)
    assert "not added" in bad.text
    ok = controller_client.post(
        url,
        {"name": "Petra Smit", "email": "petra@devries.example", "role": "accounts_payable",
         "preferred_channel": "email", "language": "nl", "is_primary": "on"},
        follow=True,
    )  # fmt: skip
    assert "Petra Smit" in ok.text
    assert a.contacts.get().is_primary
    assert Event.objects.filter(customer=a, kind=Event.Kind.CONTACT).exists()
