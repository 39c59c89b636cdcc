"""Write the day's snapshots in two INSERT ... SELECT statements (set-based, one transaction).

Running it again for the same day replaces that day's rows, so the daily step is idempotent.
For past days (`manage.py snapshot --backfill`) the open amount on a date is rebuilt from the
invoices' paid dates: an invoice paid later counts with its full amount, a still-open one
with today's open amount. Partial payments are therefore placed at the start; those rows
are marked `backfilled` and the dashboard says so (docs/kpis.md).

The buckets hold invoices only; credit notes (a negative amount) go to `credit`, the unapplied
credit, whatever their due date: a late credit note is not money overdue.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Count, Sum, Value
from django.utils import timezone

from accounts.models import Customer, Invoice, Payment
from dunning.models import Dispute, DisputeInvoice
from reporting.models import BUCKETS as BUCKET_FIELDS
from reporting.models import (
    CustomerSnapshot,
    MonthlyCollections,
    MonthlySales,
    PortfolioSnapshot,
    SnapshotDay,
    is_open,
    is_overdue,
)

OPEN = Invoice.Status.OPEN
CANCELLED = Invoice.Status.CANCELLED
# An invoice ages in the buckets by its due date; a credit note (negative amount) is unapplied credit.
INVOICE = "i.amount > 0"
CREDIT_NOTE = "i.amount < 0"


def _open_expression(day: date, today: date) -> tuple[str, list]:
    """SQL for an invoice's open amount on `day`, with its parameters."""
    if day >= today:
        return f"(CASE WHEN i.status = '{OPEN}' THEN i.open_amount ELSE 0 END)", []
    # History: issued by then and not yet paid then.
    return (
        f"(CASE WHEN i.status <> '{CANCELLED}' AND i.issue_date <= %s"
        " AND (i.paid_date IS NULL OR i.paid_date > %s)"
        f" THEN (CASE WHEN i.status = '{OPEN}' THEN i.open_amount ELSE i.amount END) ELSE 0 END)",
        [day, day],
    )


def _day_end(day: date):
    """The end of `day` (next midnight) adapted as a DateTimeField does it (SQLite stores naive UTC
    text), so raw SQL compares it with created_at/resolved_at alike."""
    return connection.ops.adapt_datetimefield_value(
        timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    )


# Per invoice, the amount in disputes open at the end of a day (opened by then, not yet finished).
_OPEN_DISPUTE_LINES = (
    "SELECT {day}l.invoice_id, SUM(l.amount) AS amount"
    f" FROM {DisputeInvoice._meta.db_table} l JOIN {Dispute._meta.db_table} x ON x.id = l.dispute_id"
    "{join} WHERE x.created_at < {end} AND (x.resolved_at IS NULL OR x.resolved_at >= {end})"
    " GROUP BY {day}l.invoice_id"
)


def _disputed_join(day: date) -> tuple[str, list]:
    lines = _OPEN_DISPUTE_LINES.format(day="", join="", end="%s")
    return f" LEFT JOIN ({lines}) dl ON dl.invoice_id = i.id", [_day_end(day), _day_end(day)]


def _disputed_column(amount: str) -> str:
    """Disputed: the dispute's lines, each capped at what is open of its invoice that day."""
    return (
        f"SUM(CASE WHEN dl.amount IS NULL OR {amount} <= 0 THEN 0"
        f" WHEN dl.amount < {amount} THEN dl.amount ELSE {amount} END)"
    )


def _customer_rows_sql(day: date, today: date) -> tuple[str, list]:
    open_sql, open_params = _open_expression(day, today)
    cut = [day - timedelta(days=d) for d in (0, 30, 60, 90)]
    join_sql, join_params = _disputed_join(day)

    def bucket(condition: str) -> str:
        return f"SUM(CASE WHEN {INVOICE} AND {condition} THEN {open_sql} ELSE 0 END)"

    columns = [
        f"SUM({open_sql})",
        bucket("i.due_date >= %s"),
        bucket("i.due_date < %s AND i.due_date >= %s"),
        bucket("i.due_date < %s AND i.due_date >= %s"),
        bucket("i.due_date < %s AND i.due_date >= %s"),
        bucket("i.due_date < %s"),
        f"SUM(CASE WHEN {open_sql} <> 0 THEN 1 ELSE 0 END)",
        _disputed_column(open_sql),
        f"SUM(CASE WHEN {CREDIT_NOTE} THEN {open_sql} ELSE 0 END)",
    ]
    # In SQL order: a bucket's condition comes before its open amount. (The other way round put a
    # past day's whole overdue amount in 90+ and nothing in 1-30, 31-60, 61-90; today has no
    # open_params, so only history was wrong.)
    params = [
        *open_params,
        cut[0], *open_params,
        cut[0], cut[1], *open_params,
        cut[1], cut[2], *open_params,
        cut[2], cut[3], *open_params,
        cut[3], *open_params,
        *open_params,
        *open_params, *open_params, *open_params,
        *open_params,
    ]  # fmt: skip
    if day >= today:
        where = f"i.status = '{OPEN}' AND i.open_amount <> 0"
        where_params = []
    else:
        where = (
            f"i.status <> '{CANCELLED}' AND i.issue_date <= %s AND (i.paid_date IS NULL OR i.paid_date > %s)"
        )
        where_params = [day, day]
    table = CustomerSnapshot._meta.db_table
    sql = (
        f"INSERT INTO {table} (date, customer_id, currency, segment, controller_id, open_amount,"
        " not_due, d1_30, d31_60, d61_90, d90_plus, open_invoices, disputed, credit)"
        f" SELECT %s, i.customer_id, i.currency, c.segment, c.controller_id, {', '.join(columns)}"
        f" FROM {Invoice._meta.db_table} i JOIN {Customer._meta.db_table} c ON c.id = i.customer_id"
        f"{join_sql}"
        f" WHERE {where}"
        " GROUP BY i.customer_id, i.currency, c.segment, c.controller_id"
        # Rows in the order of the (date, customer) index: a page reading one day's rows then reads
        # the table in order instead of jumping to a random page per customer (10x fewer pages).
        " ORDER BY i.customer_id, i.currency"
    )
    return sql, [day, *params, *join_params, *where_params]


def _portfolio_rows_sql(day: date, backfilled: bool) -> tuple[str, list]:
    """The day's customer rows summed per group. The SELECT is the ORM's so that customers_overdue
    counts by `is_overdue`, the rule a sales rep's dashboard counts their customers' rows by."""
    groups = (
        CustomerSnapshot.objects.filter(date=day)
        .values("date", "currency", "segment", "controller_id")
        .annotate(
            sum_open=Sum("open_amount"),
            **{f"sum_{b}": Sum(b) for b in BUCKET_FIELDS},
            sum_disputed=Sum("disputed"),
            sum_credit=Sum("credit"),
            n=Count("pk", filter=is_open()),
            n_overdue=Count("pk", filter=is_overdue()),
            is_backfilled=Value(backfilled),
        )
        .order_by()
    )
    select, params = groups.query.sql_with_params()
    table = PortfolioSnapshot._meta.db_table
    sql = (  # the columns in the order of the SELECT: values() first, then the annotations
        f"INSERT INTO {table} (date, currency, segment, controller_id, open_amount,"
        f" {', '.join(BUCKET_FIELDS)}, disputed, credit, customers, customers_overdue, backfilled) {select}"
    )
    return sql, list(params)


def take_snapshot(day: date, *, today: date | None = None) -> dict:
    """Replace the snapshots of `day`; `today` (default: `day`) decides whether `day` is history."""
    today = today or day
    with transaction.atomic():
        CustomerSnapshot.objects.filter(date=day).delete()
        PortfolioSnapshot.objects.filter(date=day).delete()
        with connection.cursor() as cursor:
            cursor.execute(*_customer_rows_sql(day, today))
            customers = cursor.rowcount
            cursor.execute(*_portfolio_rows_sql(day, backfilled=day < today))
            groups = cursor.rowcount
        SnapshotDay.objects.update_or_create(date=day, defaults={"backfilled": day < today})
    return {"customers": customers, "groups": groups}


def _history_rows_sql(days: list[date]) -> tuple[str, list]:
    """The customer rows of several past days in one scan of the invoices: the same rows as
    `_customer_rows_sql(day, today)` for each day (a first run's 13 month ends took 13 scans)."""
    amount = f"(CASE WHEN i.status = '{OPEN}' THEN i.open_amount ELSE i.amount END)"

    def bucket(condition: str) -> str:
        return f"SUM(CASE WHEN {INVOICE} AND {condition} THEN {amount} ELSE 0 END)"

    columns = [
        f"SUM({amount})",
        bucket("i.due_date >= d.day"),
        bucket("i.due_date < d.day AND i.due_date >= d.c30"),
        bucket("i.due_date < d.c30 AND i.due_date >= d.c60"),
        bucket("i.due_date < d.c60 AND i.due_date >= d.c90"),
        bucket("i.due_date < d.c90"),
        f"SUM(CASE WHEN {amount} <> 0 THEN 1 ELSE 0 END)",
        _disputed_column(amount),
        f"SUM(CASE WHEN {CREDIT_NOTE} THEN {amount} ELSE 0 END)",
    ]
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(days))
    params = [
        x for day in days for x in (day, *(day - timedelta(days=n) for n in (30, 60, 90)), _day_end(day))
    ]
    lines = _OPEN_DISPUTE_LINES.format(day="d.day, ", join=" JOIN d ON 1 = 1", end="d.end_at")
    table = CustomerSnapshot._meta.db_table
    sql = (
        f"WITH d (day, c30, c60, c90, end_at) AS (VALUES {rows}) "
        f"INSERT INTO {table} (date, customer_id, currency, segment, controller_id, open_amount,"
        " not_due, d1_30, d31_60, d61_90, d90_plus, open_invoices, disputed, credit)"
        f" SELECT d.day, i.customer_id, i.currency, c.segment, c.controller_id, {', '.join(columns)}"
        f" FROM {Invoice._meta.db_table} i JOIN {Customer._meta.db_table} c ON c.id = i.customer_id"
        f" JOIN d ON i.issue_date <= d.day AND (i.paid_date IS NULL OR i.paid_date > d.day)"
        f" LEFT JOIN ({lines}) dl ON dl.invoice_id = i.id AND dl.day = d.day"
        f" WHERE i.status <> '{CANCELLED}'"
        " GROUP BY i.customer_id, i.currency, c.segment, c.controller_id, d.day"  # invoice order: presorted
    )
    return sql, params


def take_history_snapshots(days: list[date], *, today: date) -> None:
    """Replace the snapshots of past days (before `today`), all customer rows in one statement."""
    days = sorted(days)
    assert all(day < today for day in days), "only past days are history"
    if not days:
        return
    with transaction.atomic():
        CustomerSnapshot.objects.filter(date__in=days).delete()
        PortfolioSnapshot.objects.filter(date__in=days).delete()
        with connection.cursor() as cursor:
            cursor.execute(*_history_rows_sql(days))
            for day in days:
                cursor.execute(*_portfolio_rows_sql(day, backfilled=True))
        for day in days:
            SnapshotDay.objects.update_or_create(date=day, defaults={"backfilled": True})


def first_of_month(day: date, months_back: int = 0) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months_back, 12)
    return date(year, month + 1, 1)


def _month_of(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"DATE_TRUNC('month', {column})::date"
    return f"DATE({column}, 'start of month')"


def rebuild_monthly_sales(today: date, *, months: int = 13) -> int:
    """Credit sales and collections of the last `months` months (this one included), one scan each."""
    start = first_of_month(today, months - 1)
    table = MonthlySales._meta.db_table
    month = _month_of("i.issue_date")
    sql = (
        f"INSERT INTO {table} (month, currency, segment, controller_id, invoiced, credit_notes, invoices)"
        f" SELECT {month}, i.currency, c.segment, c.controller_id,"
        " SUM(CASE WHEN i.amount > 0 THEN i.amount ELSE 0 END),"
        " SUM(CASE WHEN i.amount < 0 THEN i.amount ELSE 0 END),"
        " SUM(CASE WHEN i.amount > 0 THEN 1 ELSE 0 END)"
        f" FROM {Invoice._meta.db_table} i JOIN {Customer._meta.db_table} c ON c.id = i.customer_id"
        f" WHERE i.issue_date >= %s AND i.issue_date <= %s AND i.status <> '{CANCELLED}'"
        f" GROUP BY {month}, i.currency, c.segment, c.controller_id"
    )
    paid_month = _month_of("p.value_date")
    collections_sql = (
        f"INSERT INTO {MonthlyCollections._meta.db_table}"
        " (month, currency, segment, controller_id, collected)"
        f" SELECT {paid_month}, p.currency, c.segment, c.controller_id, SUM(p.amount)"
        f" FROM {Payment._meta.db_table} p JOIN {Customer._meta.db_table} c ON c.id = p.customer_id"
        " WHERE p.value_date >= %s AND p.value_date <= %s AND p.reversed_at IS NULL"
        f" GROUP BY {paid_month}, p.currency, c.segment, c.controller_id"
    )
    with transaction.atomic():
        MonthlySales.objects.filter(month__gte=start).delete()
        MonthlyCollections.objects.filter(month__gte=start).delete()
        with connection.cursor() as cursor:
            cursor.execute(sql, [start, today])
            rows = cursor.rowcount
            cursor.execute(collections_sql, [start, today])
            return rows + cursor.rowcount


def month_ends(today: date, months: int) -> list[date]:
    """The last day of each of the `months` months before today's month, oldest first."""
    ends = []
    first = today.replace(day=1)
    for _ in range(months):
        end = first - timedelta(days=1)
        ends.append(end)
        first = end.replace(day=1)
    return sorted(ends)


def backfill(today: date, *, months: int = 12, days: int = 35) -> list[date]:
    """History for the trends: each month end of the last `months` months (and the one before,
    where the first month's CEI begins) and the last `days` days."""
    wanted = set(month_ends(today, months + 1)) | {today - timedelta(days=n) for n in range(1, days + 1)}
    done = set(SnapshotDay.objects.filter(date__in=wanted).values_list("date", flat=True))
    todo = sorted(wanted - done)
    take_history_snapshots(todo, today=today)  # all before today: month ends past and days back
    return todo
