"""Predict each open invoice's payment date and the 13-week cash-in forecast (a daily step).

The ledger feeds `reporting.prediction` the same way `evaluate_prediction` feeds it a
file: each customer's last paid invoices (paid date minus due date). The forecast
puts each open amount in the week of its expected payment date, and in the weeks
of its early (25th percentile) and late (75th percentile) dates for the range.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from accounts.models import Invoice, Payment
from reporting.models import ForecastWeek, InvoicePrediction, WeeklyCash
from reporting.prediction import History, Prediction, predict

WEEKS = 13
HISTORY_DAYS = 730
ZERO = Decimal("0.00")


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def ledger_history(today: date) -> History:
    """Lateness of the invoices paid in the last two years, oldest first (the window keeps the latest)."""
    history = History()
    paid = (
        Invoice.objects.filter(
            status=Invoice.Status.PAID, amount__gt=0, paid_date__gte=today - timedelta(days=HISTORY_DAYS)
        )
        .order_by("paid_date", "id")
        .values_list("customer_id", "due_date", "paid_date")
    )
    for customer_id, due, paid_on in paid.iterator(chunk_size=5000):
        history.add(str(customer_id), False, (paid_on - due).days, keep_sorted=False)
    history.sort()
    return history


def refresh_forecast(today: date) -> dict:
    history = ledger_history(today)
    first_week = monday(today)
    weeks = [first_week + timedelta(weeks=n) for n in range(WEEKS)]
    buckets: dict[tuple[str, str, date], Decimal] = defaultdict(lambda: ZERO)
    predictions = []
    open_invoices = (
        Invoice.objects.filter(status=Invoice.Status.OPEN, open_amount__gt=0)
        .order_by("id")
        .values_list("id", "customer_id", "due_date", "open_amount", "currency")
    )
    cache: dict[tuple[int, int], Prediction] = {}
    for invoice_id, customer_id, due, amount, currency in open_invoices.iterator(chunk_size=5000):
        overdue = max((today - due).days, 0)
        guess = cache.get((customer_id, overdue))
        if guess is None:
            guess = cache[(customer_id, overdue)] = predict(history, str(customer_id), False, overdue)
        expected = guess.payment_date(due, today)
        early = guess.payment_date(due, today, guess.low)
        late = guess.payment_date(due, today, guess.high)
        predictions.append(
            InvoicePrediction(
                invoice_id=invoice_id,
                expected_date=expected,
                earliest=early,
                latest=late,
                basis=guess.basis,
                made_on=today,
            )  # fmt: skip
        )
        for scenario, day in (("expected", expected), ("early", early), ("late", late)):
            week = monday(day)
            if week <= weeks[-1]:
                buckets[(scenario, currency, week)] += amount
    currencies = {c for _, c, _ in buckets}
    rows = [
        ForecastWeek(
            made_on=today,
            week=week,
            currency=currency,
            expected=buckets[("expected", currency, week)],
            early=buckets[("early", currency, week)],
            late=buckets[("late", currency, week)],
        )
        for currency in sorted(currencies)
        for week in weeks
    ]
    with transaction.atomic():
        InvoicePrediction.objects.all().delete()
        InvoicePrediction.objects.bulk_create(predictions, batch_size=5000)
        ForecastWeek.objects.filter(made_on=today).delete()
        ForecastWeek.objects.bulk_create(rows)
        received = refresh_weekly_cash(today)
    return {"predicted": len(predictions), "forecast_weeks": len(rows), "weeks_received": received}


def refresh_weekly_cash(today: date, weeks: int = WEEKS + 1) -> int:
    """Cash received in the last `weeks` weeks (this one so far), by value date."""
    start = monday(today) - timedelta(weeks=weeks - 1)
    per_day = (
        Payment.objects.filter(value_date__gte=start, value_date__lte=today, reversed_at__isnull=True)
        .values("value_date", "currency")
        .annotate(total=Sum("amount"))
    )
    totals: dict[tuple[date, str], Decimal] = defaultdict(lambda: ZERO)
    for row in per_day:
        totals[(monday(row["value_date"]), row["currency"])] += row["total"]
    WeeklyCash.objects.filter(week__gte=start).delete()
    WeeklyCash.objects.bulk_create(
        WeeklyCash(week=week, currency=currency, received=total) for (week, currency), total in totals.items()
    )
    return len(totals)
