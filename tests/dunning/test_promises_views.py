"""The controller's promise and plan pages, the manager's approval page, and the 360 panel."""

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Task
from dunning.models import PaymentPlan, Promise
from tests.dunning.conftest import DAY, post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_day():
    with time_machine.travel(timezone.make_aware(datetime(DAY.year, DAY.month, DAY.day, 10)), tick=False):
        yield


@pytest.fixture
def many(book):
    """C1 with twenty more open invoices: the pages must not run more queries for them."""
    for i in range(20):
        post(book["low_nl"], f"L-X{i}", 5 + i, amount="100.00")
    return book


def test_record_a_promise_from_the_360(controller_client, many, django_assert_max_num_queries):
    low = many["low_nl"]
    url = reverse("dunning:promise_new", args=[low.pk])
    with django_assert_max_num_queries(5):  # session, user, customer, invoices, savepoint-free render
        page = controller_client.get(url)
    assert page.status_code == 200 and "L-1" in page.text and "L-X19" in page.text
    invoice = low.invoices.get(number="L-1")
    response = controller_client.post(
        url,
        {
            "invoices": [invoice.pk],
            "promised_date": (DAY + timedelta(days=3)).isoformat(),
            "amount": "1210.00",
            "channel": "phone",
            "note": "pays Monday",
        },
    )
    assert response.status_code == 302 and response["Location"] == low.get_absolute_url()
    promise = Promise.objects.get()
    assert promise.amount == D("1210.00") and promise.note == "pays Monday"
    assert promise.created_by.username == "chris.controller"
    # The 360 shows it, with the kept rate (none decided yet).
    page = controller_client.get(low.get_absolute_url())
    assert "Promises and plans" in page.text and "pays Monday" not in page.text
    assert "Record a promise" in page.text and "1,210.00" in page.text


def test_promise_bad_input_keeps_the_form(controller_client, book):
    low, other = book["low_nl"], book["medium_en"]
    url = reverse("dunning:promise_new", args=[low.pk])
    page = controller_client.post(
        url,
        {
            "invoices": [other.invoices.get().pk],
            "promised_date": (DAY - timedelta(days=1)).isoformat(),
            "channel": "phone",
        },
    )
    assert page.status_code == 200
    assert "another customer or is not open" in page.text and "in the past" in page.text
    assert not Promise.objects.exists()


def test_cancel_a_promise(controller_client, book):
    low = book["low_nl"]
    controller_client.post(
        reverse("dunning:promise_new", args=[low.pk]),
        {"invoices": [low.invoices.get().pk], "promised_date": DAY.isoformat(), "channel": "mail"},
    )
    promise = Promise.objects.get()
    response = controller_client.post(reverse("dunning:promise_cancel", args=[promise.pk]))
    assert response.status_code == 302
    promise.refresh_from_db()
    assert promise.status == "cancelled"


def test_propose_a_plan_suggest_check_and_save(controller_client, many, django_assert_max_num_queries):
    low = many["low_nl"]
    url = reverse("dunning:plan_new", args=[low.pk])
    invoice = low.invoices.get(number="L-1")
    query = {
        "invoices": [invoice.pk],
        "count": 3,
        "first_date": (DAY + timedelta(days=7)).isoformat(),
        "channel": "phone",
    }
    with django_assert_max_num_queries(7):
        page = controller_client.get(url, query)
    assert page.status_code == 200
    assert page.context["rows"][0] == (DAY + timedelta(days=7), D("403.33"))
    assert "The policy approves this plan at once." in page.text
    # The controller edits the schedule: two rows that no longer add up are refused, nothing saved.
    form = {**query, "rows": 3, "do": "save"}
    form.update({"date_1": "2026-11-27", "amount_1": "400.00", "date_2": "2026-12-27", "amount_2": "400.00"})
    form.update({"date_3": "2027-01-27", "amount_3": "400.00"})
    page = controller_client.post(url, form)
    assert page.status_code == 200 and "add up to €1,200.00, but €1,210.00 is open" in page.text
    assert not PaymentPlan.objects.exists()
    # A last installment eight months away: the page says a manager decides, and why.
    form.update({"amount_3": "410,00", "date_3": "2027-07-27", "do": "check"})
    page = controller_client.post(url, form)
    assert "goes to a manager" in page.text and "longer than 6 months" in page.text
    assert not PaymentPlan.objects.exists()
    form["do"] = "save"
    response = controller_client.post(url, form)
    plan = PaymentPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert plan.status == "requested" and plan.approval_task.kind == "approval"


def test_manager_approval_page(client, controller_client, manager, book, django_assert_max_num_queries):
    high = book["high_letter"]
    url = reverse("dunning:plan_new", args=[high.pk])
    form = {
        "invoices": [high.invoices.get().pk],
        "count": 1,
        "first_date": DAY.isoformat(),
        "channel": "mail",
        "rows": 1,
        "date_1": (DAY + timedelta(days=10)).isoformat(),
        "amount_1": "605.00",
        "do": "save",
    }
    controller_client.post(url, form)
    plan = PaymentPlan.objects.get()
    detail = reverse("dunning:plan_detail", args=[plan.pk])
    # The controller sees the plan but cannot decide.
    page = controller_client.get(detail)
    assert page.status_code == 200 and "risk class is High" in page.text and "Approve" not in page.text
    assert (
        controller_client.post(
            reverse("dunning:plan_decide", args=[plan.pk]), {"decision": "approve"}
        ).status_code
        == 403
    )
    # The manager's worklist links the approval task to the plan.
    client.force_login(manager)
    worklist = client.get(reverse("dunning:worklist"))
    assert detail in worklist.text and "Open the payment plan" in worklist.text
    with django_assert_max_num_queries(6):  # session, user, plan with joins, invoices, installments
        page = client.get(detail)
    assert "Approve" in page.text and "Reject" in page.text
    response = client.post(reverse("dunning:plan_decide", args=[plan.pk]), {"decision": "reject", "note": ""})
    plan.refresh_from_db()
    assert plan.status == "requested"  # a rejection needs a reason
    client.post(reverse("dunning:plan_decide", args=[plan.pk]), {"decision": "approve", "note": "ok"})
    plan.refresh_from_db()
    assert plan.status == "active" and plan.approved_by == manager
    assert Task.objects.get(pk=plan.approval_task_id).status == "done"
    assert response.status_code == 302


def test_sales_and_counter_are_refused(client, sales_rep, counter_clerk, book):
    low = book["low_nl"]
    for user in (sales_rep, counter_clerk):
        client.force_login(user)
        assert client.get(reverse("dunning:promise_new", args=[low.pk])).status_code == 403
        assert client.get(reverse("dunning:plan_new", args=[low.pk])).status_code == 403


def test_360_panel_shows_the_kept_rate(controller_client, book):
    low = book["low_nl"]
    invoice = low.invoices.get()
    for status in ("kept", "kept", "broken"):
        p = Promise.objects.create(
            customer=low,
            amount=D("10.00"),
            open_at_promise=D("10.00"),
            promised_date=DAY - timedelta(days=20),
            paused_until=DAY - timedelta(days=17),
            channel="phone",
            status=status,
        )
        p.invoices.add(invoice)
    page = controller_client.get(low.get_absolute_url())
    assert "66.7%" in page.text and "2 kept, 1 broken in 12 months" in page.text


def test_sales_follow_the_360_link_to_a_plan_and_only_read_it(
    client, controller, sales_rep, counter_clerk, book
):
    """The 360's Promises and plans panel links every plan; a sales rep (read-only 360) must not get a 403."""
    from dunning.services.plans import request_plan, suggest_installments

    high = book["high_letter"]
    invoices = list(high.invoices.all())
    plan = request_plan(
        customer=high,
        invoices=invoices,
        installments=suggest_installments(invoices=invoices, count=2, first_date=DAY + timedelta(days=5)),
        by=controller,
        channel="phone",
    )
    detail = reverse("dunning:plan_detail", args=[plan.pk])
    client.force_login(sales_rep)
    page = client.get(high.get_absolute_url())
    assert detail in page.text
    page = client.get(detail)
    assert page.status_code == 200 and "Installments" in page.text
    assert reverse("dunning:plan_decide", args=[plan.pk]) not in page.text and "Approve" not in page.text
    decide = client.post(reverse("dunning:plan_decide", args=[plan.pk]), {"decision": "approve"})
    assert decide.status_code == 403
    client.force_login(counter_clerk)
    assert client.get(detail).status_code == 403
