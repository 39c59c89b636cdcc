"""Predict each open invoice's payment date and the 13-week cash-in forecast (a daily step).

The ledger feeds `reporting.prediction` the same way `evaluate_prediction` feeds it a
file: each customer's last paid invoices (paid date minus due date). The forecast
puts each open amount in the week of its expected payment date, and in the weeks
of its early (25th percentile) and late (75th percentile) dates for the range.
"""

from __future__ import annotations

import bisect
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Sum, Window
from django.db.models.functions import RowNumber

from accounts.models import Invoice, Payment
from reporting.models import ForecastWeek, InvoicePrediction, WeeklyCash
from reporting.prediction import History, Prediction, predict

WEEKS = 13
HISTORY_DAYS = 730
BATCH = 5000  # open invoices predicted per query of their customers' history
ZERO = Decimal("0.00")


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


class SortedCounts(Sequence):
    """A sorted list of integers held as (value, count) pairs: indexable and bisectable like the
    list, in memory the size of the distinct values (a few hundred) instead of one per invoice."""

    def __init__(self, pairs: Iterable[tuple[int, int]]):
        self.values: list[int] = []
        self.ends: list[int] = []  # running count: values[k] fills positions ends[k-1] .. ends[k]-1
        total = 0
        for value, count in pairs:
            total += count
            self.values.append(value)
            self.ends.append(total)

    def __len__(self) -> int:
        return self.ends[-1] if self.ends else 0

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.values[bisect.bisect_right(self.ends, index)]

    def bisect_right(self, value: int) -> int:
        k = bisect.bisect_right(self.values, value)
        return self.ends[k - 1] if k else 0


def _paid(today: date):
    return Invoice.objects.filter(
        status=Invoice.Status.PAID, amount__gt=0, paid_date__gte=today - timedelta(days=HISTORY_DAYS)
    )


def everyone_lateness(today: date) -> SortedCounts:
    """Lateness (paid date minus due date) of every invoice paid in the last two years, counted in SQL."""
    lateness = ExpressionWrapper(F("paid_date") - F("due_date"), output_field=DurationField())
    rows = (
        _paid(today)
        .annotate(late=lateness)
        .order_by()
        .values("late")
        .annotate(n=Count("id"))
        .values_list("late", "n")
    )
    return SortedCounts(sorted((late.days, n) for late, n in rows))


def ledger_history(today: date, customer_ids: Iterable[int], everyone: SortedCounts) -> History:
    """The last WINDOW paid invoices of these customers (by paid date), and everyone's lateness."""
    history = History()
    history.everyone = {False: everyone, True: SortedCounts([])}  # type: ignore[dict-item]
    latest = Window(
        RowNumber(), partition_by=F("customer_id"), order_by=[F("paid_date").desc(), F("id").desc()]
    )
    rows = (
        _paid(today)
        .filter(customer_id__in=list(customer_ids))
        .annotate(latest=latest)
        .filter(latest__lte=history.window)
        .order_by("customer_id", "paid_date", "id")
        .values_list("customer_id", "due_date", "paid_date")
    )
    for customer_id, due, paid_on in rows:
        history.per_customer.setdefault((str(customer_id), False), deque(maxlen=history.window)).append(
            (paid_on - due).days
        )
    return history


def refresh_forecast(today: date) -> dict:
    """Streams the open invoices by customer in batches: memory stays flat whatever the book's size
    (the whole ledger's history and a model instance per invoice took gigabytes at a million)."""
    everyone = everyone_lateness(today)
    first_week = monday(today)
    weeks = [first_week + timedelta(weeks=n) for n in range(WEEKS)]
    buckets: dict[tuple[str, str, date], Decimal] = defaultdict(lambda: ZERO)
    open_invoices = (
        Invoice.objects.filter(status=Invoice.Status.OPEN, open_amount__gt=0)
        .order_by("customer_id", "id")
        .values_list("id", "customer_id", "due_date", "open_amount", "currency")
    )
    predicted = 0

    def predict_batch(batch: list[tuple]) -> None:
        history = ledger_history(today, {row[1] for row in batch}, everyone)
        cache: dict[tuple[int, int], Prediction] = {}
        rows = []
        for invoice_id, customer_id, due, amount, currency in batch:
            overdue = max((today - due).days, 0)
            guess = cache.get((customer_id, overdue))
            if guess is None:
                guess = cache[(customer_id, overdue)] = predict(history, str(customer_id), False, overdue)
            expected = guess.payment_date(due, today)
            early = guess.payment_date(due, today, guess.low)
            late = guess.payment_date(due, today, guess.high)
            rows.append((invoice_id, expected, early, late, guess.basis, today))
            for scenario, day in (("expected", expected), ("early", early), ("late", late)):
                week = monday(day)
                if week <= weeks[-1]:
                    buckets[(scenario, currency, week)] += amount
        _insert_predictions(rows)

    with transaction.atomic():
        InvoicePrediction.objects.all().delete()
        batch: list[tuple] = []
        for row in open_invoices.iterator(chunk_size=BATCH):
            if len(batch) >= BATCH and row[1] != batch[-1][1]:  # a customer's invoices stay in one batch
                predict_batch(batch)
                predicted += len(batch)
                batch = []
            batch.append(row)
        if batch:
            predict_batch(batch)
            predicted += len(batch)
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
        ForecastWeek.objects.filter(made_on=today).delete()
        ForecastWeek.objects.bulk_create(rows)
        received = refresh_weekly_cash(today)
    return {"predicted": predicted, "forecast_weeks": len(rows), "weeks_received": received}


def _insert_predictions(rows: list[tuple]) -> None:
    """Plain tuples in one statement (a model instance per invoice was most of the step's time)."""
    if not rows:
        return
    table = connection.ops.quote_name(InvoicePrediction._meta.db_table)
    columns = "invoice_id, expected_date, earliest, latest, basis, made_on"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM UNNEST("
                "%s::bigint[], %s::date[], %s::date[], %s::date[], %s::smallint[], %s::date[])",
                [list(column) for column in zip(*rows, strict=True)],
            )
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)", rows)


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
