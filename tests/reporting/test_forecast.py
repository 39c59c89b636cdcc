"""The daily forecast step on a small ledger: predictions per invoice, 13 weeks, forecast against actual."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from reporting.forecast import monday, refresh_forecast
from reporting.models import ForecastWeek, InvoicePrediction, WeeklyCash
from reporting.queries import cash_forecast, forecast_against_actual
from tests.factories import CustomerFactory, InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 18)  # a Wednesday


@pytest.fixture
def ledger():
    slow, prompt = CustomerFactory(name="Slow"), CustomerFactory(name="Prompt")
    for n in range(6):  # Slow always pays 20 days late, Prompt on the day
        due = TODAY - timedelta(days=200 - 20 * n)
        for customer, late in ((slow, 20), (prompt, 0)):
            InvoiceFactory(customer=customer, issue_date=due - timedelta(days=30), due_date=due,
                           status="paid", open_amount=0, paid_date=due + timedelta(days=late))  # fmt: skip
    due = TODAY + timedelta(days=7)
    slow_open = InvoiceFactory(
        customer=slow, amount=Decimal("1000.00"), issue_date=due - timedelta(days=30), due_date=due
    )
    prompt_open = InvoiceFactory(
        customer=prompt, amount=Decimal("500.00"), issue_date=due - timedelta(days=30), due_date=due
    )
    PaymentFactory(customer=prompt, amount=Decimal("300.00"), value_date=TODAY - timedelta(days=7))
    return slow_open, prompt_open


def test_each_open_invoice_gets_its_customers_usual_delay(ledger):
    slow_open, prompt_open = ledger
    counts = refresh_forecast(TODAY)
    assert counts["predicted"] == 2
    slow_guess = InvoicePrediction.objects.get(invoice=slow_open)
    prompt_guess = InvoicePrediction.objects.get(invoice=prompt_open)
    # Always on time, pulled a day toward everyone's median of 10 days by the shrinkage (6 of 7 weight).
    assert prompt_guess.expected_date == prompt_open.due_date + timedelta(days=1)
    # Six invoices 20 days late, shrunk a little toward everyone's median (10 days).
    assert (
        slow_open.due_date + timedelta(days=17)
        <= slow_guess.expected_date
        <= slow_open.due_date + timedelta(days=20)
    )
    assert slow_guess.basis == 6


def test_thirteen_weeks_with_a_range_that_holds_the_line(ledger):
    refresh_forecast(TODAY)
    made_on, rows = cash_forecast("EUR", TODAY)
    assert made_on == TODAY
    assert len(rows) == 13 and rows[0].week == monday(TODAY)
    assert rows[-1].cumulative == Decimal("1500.00")
    for row in rows:
        assert row.cumulative_late <= row.cumulative <= row.cumulative_early


def test_running_twice_replaces_the_days_forecast(ledger):
    refresh_forecast(TODAY)
    refresh_forecast(TODAY)
    assert ForecastWeek.objects.filter(made_on=TODAY).count() == 13
    assert InvoicePrediction.objects.count() == 2


def test_forecast_against_actual_uses_the_forecast_made_before_the_week(ledger):
    last_week = monday(TODAY) - timedelta(weeks=1)
    ForecastWeek.objects.create(made_on=last_week - timedelta(days=3), week=last_week, currency="EUR",
                                expected=Decimal("250.00"), early=0, late=0)  # fmt: skip
    ForecastWeek.objects.create(
        made_on=last_week + timedelta(days=2),
        week=last_week,
        currency="EUR",
        expected=Decimal("999.00"),
        early=0,
        late=0,
    )  # made during the week: not used
    refresh_forecast(TODAY)
    assert WeeklyCash.objects.get(week=last_week).received == Decimal("300.00")
    row = next(r for r in forecast_against_actual("EUR", TODAY) if r["week"] == last_week)
    assert (row["expected"], row["received"], row["error"]) == (
        Decimal("250.00"),
        Decimal("300.00"),
        Decimal("50.00"),
    )


def test_an_invoice_far_beyond_anyone_elses_lateness_is_not_expected_today(ledger):
    ancient = InvoiceFactory(amount=Decimal("80.00"), issue_date=TODAY - timedelta(days=400),
                             due_date=TODAY - timedelta(days=370))  # fmt: skip
    refresh_forecast(TODAY)
    assert InvoicePrediction.objects.get(invoice=ancient).expected_date > TODAY + timedelta(days=20)


def test_forecast_page_and_360_outlook(client, manager, ledger):
    slow_open, _ = ledger
    refresh_forecast(TODAY)
    client.force_login(manager)
    response = client.get(reverse("reporting:forecast"))
    assert response.status_code == 200 and "<svg" in response.text
    response = client.get(reverse("accounts:customer_detail", args=[slow_open.customer_id]))
    assert "payment-outlook" in response.text and slow_open.number in response.text


WORDS = {  # (word, why) for a past week without a forecast made before it, in each language
    "en": (("no forecast", "No forecast was made before this week began"),
           ("not compared", "No forecast of the week to compare the cash received with")),
    "nl": (("geen prognose", "Voor het begin van deze week is geen prognose gemaakt"),
           ("niet vergeleken", "Geen prognose van de week om het ontvangen geld mee te vergelijken")),
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_week_without_a_forecast_says_so_in_words(client, manager, ledger, language):
    """Forecast against actual: a past week that no earlier forecast covered says why, not a bare dash."""
    from django.conf import settings

    last_week = monday(TODAY) - timedelta(weeks=1)
    ForecastWeek.objects.create(made_on=last_week - timedelta(days=3), week=last_week, currency="EUR",
                                expected=Decimal("250.00"), early=0, late=0)  # fmt: skip
    refresh_forecast(TODAY)
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("reporting:forecast")).content.decode()
    actuals = html.split("<tbody>")[-1].split("</tbody>")[0]  # forecast against actual, the last table
    rows = actuals.split("<tr>")[1:]
    assert len(rows) == 12 and "–" not in actuals
    (no_forecast, not_compared) = WORDS[language]
    empty = [r for r in rows if "250" not in r]
    assert len(empty) == 11
    said = '<span class="muted" title="{1}">{0}</span>'
    for row in empty:
        assert row.count(said.format(*no_forecast)) == 2  # made on, expected
        assert said.format(*not_compared) in row  # the difference
