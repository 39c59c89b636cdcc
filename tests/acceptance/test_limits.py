"""Credit limits (review date, temporary raise, history) and reservations of accepted orders."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from acceptance import limits
from acceptance.models import CreditTerms, Outcome, Reservation
from acceptance.services import decide
from accounts import services as ledger
from accounts.models import Event, Task
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 11, 20)


@pytest.fixture
def customer(bureau, controller):
    customer = CustomerFactory(kvk_number="70000001", credit_limit=D("10000.00"), controller=controller)
    bureau("70000001", recommended_limit=D("80000"))  # medium grants 75%, at most 50,000
    return customer


def test_limit_change_is_on_the_timeline_with_who_and_why(customer, manager):
    with pytest.raises(ValidationError, match="Say why"):
        limits.set_credit_limit(customer=customer, amount=D("5000"), reason=" ", by=manager)
    limits.set_credit_limit(
        customer=customer,
        amount=D("15000"),
        reason="Two years without late payments",
        by=manager,
        review_on=DAY,
    )
    customer.refresh_from_db()
    assert customer.credit_limit == D("15000.00")
    event = Event.objects.get(customer=customer, verb="limit_changed")
    assert event.actor == manager
    assert "from €10,000.00 to €15,000.00" in event.summary_text
    assert "Two years without late payments" in event.summary_text
    assert CreditTerms.objects.get(customer=customer).review_on == DAY


def test_temporary_limit_applies_until_its_end_then_expires_by_itself(customer, manager, controller):
    with pytest.raises(ValidationError, match="Only a credit manager"):
        limits.grant_temporary_limit(
            customer=customer, amount=D("20000"), until=DAY, reason="season", by=controller, today=DAY
        )
    with pytest.raises(ValidationError, match="is a raise"):
        limits.grant_temporary_limit(
            customer=customer, amount=D("9000"), until=DAY, reason="season", by=manager, today=DAY
        )
    limits.grant_temporary_limit(
        customer=customer,
        amount=D("20000"),
        until=DAY + timedelta(days=10),
        reason="Christmas season",
        by=manager,
        today=DAY,
    )
    assert limits.exposure_and_limit(customer, today=DAY).limit == D("20000")
    decision = decide(by="t", channel="api", customer=customer, today=DAY + timedelta(days=10))
    assert decision.limit == D("20000.00") and decision.features["credit_limit"] == "20000.00"
    # The day after the end date the base limit is back, before any job ran.
    later = DAY + timedelta(days=11)
    assert limits.exposure_and_limit(customer, today=later).limit == D("10000.00")
    assert decide(by="t", channel="api", customer=customer, today=later).limit == D("10000.00")
    # The daily job tidies up and says so once.
    assert limits.daily(today=later)["temporary_ended"] == 1
    assert limits.daily(today=later)["temporary_ended"] == 0
    verbs = list(
        Event.objects.filter(customer=customer, verb__startswith="limit").values_list("verb", flat=True)
    )
    assert sorted(verbs) == ["limit_raise_ended", "limit_raised"]
    assert CreditTerms.objects.get(customer=customer).temporary_limit is None


@pytest.mark.parametrize(
    ("granted", "today", "applies"),
    [
        (True, DAY - timedelta(days=3), True),  # the day it is granted (no start date: from then on)
        (True, DAY, True),  # its end date
        (True, DAY + timedelta(days=1), False),  # the day after
        (False, DAY, False),  # terms without a temporary limit (a review date only)
    ],
)
def test_the_decisions_sql_and_the_orm_and_python_agree_on_a_running_temporary_limit(
    manager, granted, today, applies
):
    """exposure_query's hand SQL, CreditTerms.objects.running (the daily run's exposures_over_limit)
    and CreditTerms.temporary_applies (exception tasks) on the edge days of one raise to DAY."""
    customer = CustomerFactory(credit_limit=D("10000.00"), open_amount=D("12000.00"))
    if granted:
        granted_on = DAY - timedelta(days=3)
        limits.grant_temporary_limit(
            customer=customer, amount=D("15000"), until=DAY, reason="x", by=manager, today=granted_on
        )
    else:
        limits.set_credit_limit(customer=customer, amount=D("10000"), reason="x", by=manager, review_on=DAY)
    terms = CreditTerms.objects.get(customer=customer)

    assert terms.temporary_applies(today) is applies
    assert CreditTerms.objects.running(today).filter(pk=terms.pk).exists() is applies
    assert limits.exposure_and_limit(customer, today=today).limit == (D("15000") if applies else D("10000"))
    assert (customer.pk in limits.exposures_over_limit(today=today)) is not applies


def test_review_date_opens_one_task(customer, manager):
    limits.set_credit_limit(customer=customer, amount=D("10000"), reason="review", by=manager, review_on=DAY)
    assert limits.daily(today=DAY - timedelta(days=1))["reviews"] == 0
    assert limits.daily(today=DAY)["reviews"] == 1
    assert limits.daily(today=DAY + timedelta(days=1))["reviews"] == 0
    task = Task.objects.get(customer=customer, kind=Task.Kind.REVIEW)
    assert task.assignee == customer.controller
    ledger.complete_task(task=task, outcome=Task.Outcome.RESOLVED, by=manager)
    assert limits.daily(today=DAY + timedelta(days=2))["reviews"] == 0  # that date was reviewed
    limits.set_credit_limit(
        customer=customer, amount=D("10000"), reason="again", by=manager, review_on=DAY + timedelta(days=30)
    )
    assert limits.daily(today=DAY + timedelta(days=30))["reviews"] == 1


def test_reservations_count_until_invoiced_or_expired(customer, controller):
    parent = CustomerFactory(currency="EUR")
    customer.parent = parent
    customer.save()
    first = limits.reserve(
        customer=customer, order_reference="WEB-1", amount=D("3000"), by="api: shop", today=DAY
    )
    again = limits.reserve(
        customer=customer, order_reference="WEB-1", amount=D("9999"), by="api: shop", today=DAY
    )
    assert again.pk == first.pk and again.amount == D("3000.00")
    limits.reserve(customer=parent, order_reference="ERP-7", amount=D("1000"), by="erp", today=DAY, days=5)
    exposure = limits.exposure_and_limit(customer, today=DAY)
    assert (exposure.open_amount, exposure.reserved) == (D("0"), D("4000.00"))
    decision = decide(by="t", channel="api", customer=customer, today=DAY)
    assert decision.outcome == Outcome.ACCEPT
    assert (decision.limit, decision.available) == (D("10000.00"), D("6000.00"))
    assert decision.features["reserved_amount"] == "4000.00"
    # The invoice for WEB-1 replaces its reservation at once.
    ledger.post_invoice(
        customer=customer,
        number="F-1",
        issue_date=DAY,
        due_date=DAY + timedelta(days=30),
        amount=D("3100.00"),
        order_reference="WEB-1",
        by="erp",
    )
    exposure = limits.exposure_and_limit(customer, today=DAY)
    assert (exposure.open_amount, exposure.reserved) == (D("3100.00"), D("1000.00"))
    # ERP-7 expires after five days.
    assert limits.exposure_and_limit(customer, today=DAY + timedelta(days=6)).reserved == D("0")
    counts = limits.daily(today=DAY + timedelta(days=6))
    assert (counts["reservations_invoiced"], counts["reservations_expired"]) == (1, 1)
    assert dict(Reservation.objects.values_list("order_reference", "status")) == {
        "WEB-1": "invoiced",
        "ERP-7": "expired",
    }
    assert limits.daily(today=DAY + timedelta(days=7))["reservations_expired"] == 0


def test_manager_changes_the_limit_on_its_page(client, manager, customer):
    client.force_login(manager)
    url = reverse("acceptance:customer_limit", args=[customer.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"form": "limit", "amount": "12000", "review_on": "2027-01-31", "reason": "Grew"}
    )
    assert response.status_code == 302
    response = client.post(url, {"form": "temporary", "amount": "5000", "until": "2099-01-01", "reason": "x"})
    assert "is a raise" in response.text and "€12,000.00" in response.text
    assert response.context["temporary_form"].errors["amount"]  # shown at the amount, not above the form
    response = client.post(
        url, {"form": "temporary", "amount": "50000", "until": "2000-01-01", "reason": "x"}
    )
    assert response.context["temporary_form"].errors["until"] == [
        "The end date of a temporary limit cannot be in the past."
    ]
    with time_machine.travel(date(2026, 12, 1)):
        season = {"form": "temporary", "amount": "25000", "until": "2026-12-24", "reason": "Season"}
        answer = client.post(url, season, follow=True)
        assert "Temporary limit saved." in answer.text  # not the base limit's message
        page = client.get(url).text
    assert "temporary until" in page and "Grew" in page and "Season" in page
    for day, shown in [(date(2026, 12, 24), True), (date(2026, 12, 25), False)]:
        with time_machine.travel(day):  # its end date; the day after, before the daily job ends it
            client.force_login(manager)  # the session of the real day has expired by then
            assert ("temporary until" in client.get(url).text) is shown, day
    customer.refresh_from_db()
    assert customer.credit_limit == D("12000.00")


def test_exposures_over_limit_give_the_decisions_answers_in_a_fixed_number_of_queries(
    manager, django_assert_num_queries
):
    """The daily run's set-based exposure (over-limit exceptions) against exposure_and_limit."""

    def bill(customer, amount):
        ledger.post_invoice(
            customer=customer,
            number=f"F-{customer.number}-{amount}",
            issue_date=DAY - timedelta(days=10),
            due_date=DAY + timedelta(days=20),
            amount=D(amount),
            by="erp",
        )

    top = CustomerFactory(number="TOP", credit_limit=D("10000"))
    middle = CustomerFactory(number="MID", parent=top, credit_limit=D("30000"))
    low = CustomerFactory(number="LOW", parent=middle, credit_limit=D("25000"))
    dollar = CustomerFactory(number="USD", parent=top, currency="USD", credit_limit=D("1000"))
    alone = CustomerFactory(number="ONE", credit_limit=D("5000"))
    reserved = CustomerFactory(number="RES", credit_limit=D("5000"))
    temporary = CustomerFactory(number="TMP", credit_limit=D("5000"))
    no_limit = CustomerFactory(number="NIL", credit_limit=D("0"))
    closed = CustomerFactory(number="CLO", credit_limit=D("100"), status="closed")
    for customer, amount in [
        (top, "4000"),
        (middle, "8000"),
        (low, "15000"),
        (dollar, "2000"),
        (alone, "6000"),
        (reserved, "4000"),
        (temporary, "7000"),
        (no_limit, "9000"),
        (closed, "500"),
    ]:
        bill(customer, amount)
    limits.reserve(customer=reserved, order_reference="O-1", amount=D("1500"), by="shop", today=DAY)
    limits.reserve(customer=low, order_reference="O-2", amount=D("1000"), by="shop", today=DAY)
    limits.grant_temporary_limit(
        customer=temporary, amount=D("8000"), until=DAY + timedelta(days=3), reason="x", by=manager, today=DAY
    )
    everyone = [top, middle, low, dollar, alone, reserved, temporary, no_limit, closed]
    expected = {}
    for customer in everyone:
        customer.refresh_from_db()
        exposure = limits.exposure_and_limit(customer, today=DAY)
        if customer.status != "closed" and exposure.limit > 0 and exposure.total > exposure.limit:
            expected[customer.number] = (exposure.open_amount, exposure.reserved, exposure.limit)
    with django_assert_num_queries(4):
        over = limits.exposures_over_limit(today=DAY)
    numbers = {c.pk: c.number for c in everyone}
    assert {numbers[pk]: (e.open_amount, e.reserved, e.limit) for pk, e in over.items()} == expected
    # The group (EUR 27,000 open + 1,000 reserved) is over the limits of the top and the lowest
    # company, not of the middle one (30,000); the dollar subsidiary is judged on its currency's
    # part; reservations count; the temporary limit (8,000) holds the 7,000 of TMP.
    assert expected == {
        "TOP": (D("27000"), D("1000"), D("10000")),
        "LOW": (D("27000"), D("1000"), D("25000")),
        "USD": (D("2000"), D("0"), D("1000")),
        "ONE": (D("6000"), D("0"), D("5000")),
        "RES": (D("4000"), D("1500"), D("5000")),
    }


def test_group_exposure_reaches_every_level_in_one_query(django_assert_num_queries):
    """Cousins four levels apart count in each other's exposure; one statement whatever the depth."""
    from accounts.models import Customer

    top = CustomerFactory(number="TOP", open_amount=D("100"))
    chain = [top]
    for level in range(1, 5):
        chain.append(CustomerFactory(number=f"L{level}", parent=chain[-1], open_amount=D(10**level)))
    cousin = CustomerFactory(number="COUSIN", parent=chain[2], open_amount=D("7"))
    other = CustomerFactory(number="OTHER", open_amount=D("5000"))  # not in the group
    total = D("100") + D("10") + D("100") + D("1000") + D("10000") + D("7")
    for member in [*chain, cousin]:
        with django_assert_num_queries(1):
            assert limits.exposure_and_limit(member, today=DAY).open_amount == total
    assert limits.exposure_and_limit(other, today=DAY).open_amount == D("5000.00")
    # A cycle in bad data (written past the model's checks) ends: each member counts once.
    Customer.objects.filter(pk=top.pk).update(parent=chain[4])
    top.refresh_from_db()
    assert limits.exposure_and_limit(top, today=DAY).open_amount == total
