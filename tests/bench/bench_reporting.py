"""Benchmark: the reporting snapshot step and the manager dashboard on a seeded book.

    .venv/bin/python tests/bench/bench_reporting.py --customers 10000      (PostgreSQL by default)
    make bench-reporting SIZE=100000

A fresh database (its name always contains "bench"), `seed_demo` with that many
customers (about 10 invoices each), then:

1. the month ends of the last 13 months rebuilt from the invoices (`backfill`);
2. the other days of the last 365 filled with copies of the nearest month end's
   rows, so the snapshot tables have the volume of a year of daily runs
   (synthetic volume: the figures of those days are not looked at);
3. the daily snapshot step for today, timed (target: under 30 s at 100,000
   customers), and the forecast step;
4. the manager dashboard, its drill-down and the forecast page: 20 warm-up and
   100 measured requests each, filters rotating over controllers, segments and
   periods (target: dashboard p95 under 300 ms with 1,000,000 invoices).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.run import DEFAULT_URL, MACHINE, bench_url, percentile, recreate_database  # noqa: E402

TARGET_SNAPSHOT_S_100K = 30.0
TARGET_DASHBOARD_MS = 300.0


def fill_year(today, connection, *, days: int = 365) -> int:
    """Copy each month end's rows to the days around it that have no snapshot yet.

    The customer snapshot's indexes are dropped while copying and built again after
    (tens of millions of rows: about ten times faster than keeping them up to date).
    """
    from reporting.models import CustomerSnapshot, PortfolioSnapshot, SnapshotDay

    taken = set(SnapshotDay.objects.values_list("date", flat=True))
    ends = sorted(d for d in taken if (d + timedelta(days=1)).day == 1)
    wanted: dict = {}
    for n in range(1, days + 1):
        day = today - timedelta(days=n)
        if day not in taken and ends:
            wanted.setdefault(min(ends, key=lambda e: abs((e - day).days)), []).append(day)
    if not wanted:
        return 0
    cols_c = "customer_id, currency, segment, controller_id, open_amount, not_due, d1_30, d31_60, d61_90, d90_plus, disputed, credit, open_invoices"  # noqa: E501
    cols_p = "currency, segment, controller_id, open_amount, not_due, d1_30, d31_60, d61_90, d90_plus, disputed, credit, customers, customers_overdue, backfilled"  # noqa: E501
    meta = CustomerSnapshot._meta
    with connection.schema_editor() as editor:
        for constraint in meta.constraints:
            editor.remove_constraint(CustomerSnapshot, constraint)
        for index in meta.indexes:
            editor.remove_index(CustomerSnapshot, index)
    with connection.cursor() as cursor:
        for source, copies in wanted.items():
            days_sql = ", ".join(["(%s::date)"] * len(copies))
            cursor.execute(
                f"INSERT INTO {meta.db_table} (date, {cols_c}) SELECT d.day, {cols_c}"
                f" FROM {meta.db_table} s CROSS JOIN (VALUES {days_sql}) AS d(day) WHERE s.date = %s",
                [*copies, source],
            )
            cursor.execute(
                f"INSERT INTO {PortfolioSnapshot._meta.db_table} (date, {cols_p}) SELECT d.day, {cols_p}"
                f" FROM {PortfolioSnapshot._meta.db_table} s CROSS JOIN (VALUES {days_sql}) AS d(day)"
                " WHERE s.date = %s",
                [*copies, source],
            )
    SnapshotDay.objects.bulk_create(
        [SnapshotDay(date=d, backfilled=True) for c in wanted.values() for d in c]
    )
    with connection.schema_editor() as editor:
        for constraint in meta.constraints:
            editor.add_constraint(CustomerSnapshot, constraint)
        for index in meta.indexes:
            editor.add_index(CustomerSnapshot, index)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {meta.db_table}")
        cursor.execute(f"ANALYZE {PortfolioSnapshot._meta.db_table}")
    return sum(len(c) for c in wanted.values())


def _literal(field, now_sql: str) -> str | None:
    """A SQL literal for a column the bulk insert does not set: the field's default (None: leave it out)."""
    from django.db import models

    if isinstance(field, models.GeneratedField) or field.primary_key:
        return None
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now_sql
    if field.has_default():
        value = field.get_default()
        if callable(value):
            value = value()
        if isinstance(value, (dict, list)):
            import json

            return "'" + json.dumps(value).replace("'", "''") + "'"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if value is None:
            return "NULL"
        if hasattr(value, "isoformat") and not isinstance(value, str):
            return f"'{value.isoformat()}'"
        if isinstance(value, (int, float)) or type(value).__name__ == "Decimal":
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"
    if field.null:
        return "NULL"
    if isinstance(field, (models.CharField, models.TextField)):
        return "''"
    return None


def insert_select(model, columns: dict[str, str], source: str, connection) -> int:
    """INSERT INTO model's table SELECT the given column expressions FROM `source`; other columns get
    their field's default (set-based: about a million rows a minute on this machine)."""
    names, values = [], []
    for field in model._meta.concrete_fields:
        column = field.column
        if column in columns:
            expression = columns[column]
        else:
            expression = _literal(field, "now()")
            if expression is None:
                if field.primary_key or field.generated:
                    continue
                raise ValueError(f"{model.__name__}.{field.name}: no value for a required column")
        names.append(column)
        values.append(expression)
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) SELECT {', '.join(values)} FROM {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.rowcount


def bulk_book(*, customers: int, invoices: int, today, connection) -> tuple[int, int]:
    """Add `customers` customers and `invoices` invoices (with a payment per paid one) in SQL.

    Deterministic spread (PostgreSQL only): issued over the last 15 months, due after 30 days,
    paid between 10 days early and 49 days late; one in 17 of the older ones is still open.
    """
    from accounts.models import Customer, Invoice, Payment
    from creditmgmt.models import Role, User

    controllers = list(User.objects.filter(role=Role.CONTROLLER).values_list("pk", flat=True)) or [None]
    ids = "ARRAY[" + ", ".join("NULL" if c is None else str(c) for c in controllers) + "]::int[]"
    segments = "ARRAY['key_account', 'business', 'business', 'small_business', 'consumer', 'government']"
    made = insert_select(
        Customer,
        {
            "number": "'BULK-' || LPAD(g::text, 7, '0')",
            "name": "'Bulk customer ' || g",
            "segment": f"({segments})[1 + g % 6]",
            "controller_id": f"({ids})[1 + g % {len(controllers)}]",
            "currency": "CASE WHEN g % 50 = 0 THEN 'USD' ELSE 'EUR' END",
        },
        f"generate_series(1, {customers}) g",
        connection,
    )
    first = Customer.objects.filter(number="BULK-0000001").values_list("pk", flat=True).get()
    day = f"DATE '{today.isoformat()}'"
    paid = f"(s.issued + 30 + s.late < {day} AND s.g % 17 <> 0)"
    source = (
        f"(SELECT g, {first} + (g % {customers}) AS cid, {day} - ((g * 7919) % 450)::int AS issued,"
        " (((g * 31) % 60) - 10)::int AS late, (100 + (g * 37) % 9900)::numeric(16, 2) AS amount"
        f" FROM generate_series(1::bigint, {invoices}) g) s JOIN {Customer._meta.db_table} c ON c.id = s.cid"
    )
    written = insert_select(
        Invoice,
        {
            "customer_id": "s.cid",
            "number": "'BI-' || LPAD(s.g::text, 8, '0')",
            "issue_date": "s.issued",
            "due_date": "s.issued + 30",
            "currency": "c.currency",
            "amount": "s.amount",
            "open_amount": f"CASE WHEN {paid} THEN 0 ELSE s.amount END",
            "status": f"CASE WHEN {paid} THEN 'paid' ELSE 'open' END",
            "paid_date": f"CASE WHEN {paid} THEN s.issued + 30 + s.late END",
            "days_late": f"CASE WHEN {paid} THEN s.late END",
        },
        source,
        connection,
    )
    insert_select(
        Payment,
        {
            "customer_id": "i.customer_id",
            "value_date": "i.paid_date",
            "currency": "i.currency",
            "amount": "i.amount",
            "unallocated_amount": "0",
            "reference": "i.number",
        },
        f"{Invoice._meta.db_table} i WHERE i.number LIKE 'BI-%' AND i.status = 'paid'",
        connection,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Customer._meta.db_table} c SET open_amount = t.open, oldest_open_due_date = t.oldest"
            f" FROM (SELECT customer_id, SUM(open_amount) AS open, MIN(due_date) AS oldest"
            f" FROM {Invoice._meta.db_table} WHERE status = 'open' GROUP BY customer_id) t"
            " WHERE c.id = t.customer_id"
        )
        cursor.execute("ANALYZE")
    return made, written


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument(
        "--invoices",
        type=int,
        default=0,
        help="build the book in bulk SQL with this many invoices (seed_demo only for 200 customers)",
    )
    parser.add_argument("--days", type=int, default=365, help="days of snapshots to fill (default a year)")
    args = parser.parse_args()

    given = os.environ.get("DATABASE_URL", "")
    url, note = bench_url((given or DEFAULT_URL).replace("creditmgmt_bench", "creditmgmt_reporting_bench"))
    print(f"Database: {url} {note}".rstrip())
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "creditmgmt.settings_test"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.chdir(ROOT)

    import django

    if not args.reuse:
        recreate_database(url)
    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from accounts import demo
    from accounts.models import Customer, Invoice
    from creditmgmt.models import Role, User
    from reporting.models import CustomerSnapshot, PortfolioSnapshot
    from reporting.snapshots import backfill, take_snapshot
    from reporting.tasks import daily, forecast

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    today = timezone.localdate()
    print(f"Load average {os.getloadavg()[0]:.1f} at the start ({MACHINE}).")
    if not (args.reuse and Customer.objects.exists()):
        started = time.monotonic()
        demo_customers = min(args.customers, 200) if args.invoices else args.customers
        call_command("seed_demo", customers=demo_customers, seed=args.seed)
        print(f"Seeded {demo_customers:,} customers in {time.monotonic() - started:.1f} s")
        if args.invoices:
            started = time.monotonic()
            made, written = bulk_book(
                customers=args.customers - demo_customers, invoices=args.invoices, today=today,
                connection=connection,
            )  # fmt: skip
            print(f"Bulk SQL: {made:,} customers, {written:,} invoices in {time.monotonic() - started:.1f} s")
    invoices = Invoice.objects.count()
    print(f"Data: {Customer.objects.count():,} customers, {invoices:,} invoices")

    started = time.monotonic()
    rebuilt = backfill(today, months=12, days=0)
    print(
        f"Backfill: {len(rebuilt)} month ends rebuilt from the invoices in {time.monotonic() - started:.1f} s"
    )
    started = time.monotonic()
    filled = fill_year(today, connection, days=args.days)
    print(f"Synthetic volume: {filled} more days copied in {time.monotonic() - started:.1f} s")

    load = os.getloadavg()[0]
    started, cpu = time.monotonic(), time.process_time()
    counts = daily(today=today)
    snapshot_s = time.monotonic() - started
    print(
        f"Daily reporting step: {snapshot_s:.2f} s wall, {time.process_time() - cpu:.2f} s CPU here"
        f" (load {load:.1f} before, {os.getloadavg()[0]:.1f} after)"
    )
    started = time.monotonic()
    take_snapshot(today)
    print(f"  of which the snapshot alone (run again): {time.monotonic() - started:.2f} s")
    started = time.monotonic()
    forecast_counts = forecast(today=today)
    forecast_s = time.monotonic() - started
    print(
        f"Snapshot tables: {CustomerSnapshot.objects.count():,} customer rows, "
        f"{PortfolioSnapshot.objects.count():,} portfolio rows"
    )
    scaled = TARGET_SNAPSHOT_S_100K * args.customers / 100_000
    verdict = "ok" if snapshot_s < scaled else "MISSED"
    print(f"Snapshot step: {snapshot_s:.2f} s ({counts['customers']:,} customers with open items)")
    print(f"  target {TARGET_SNAPSHOT_S_100K:.0f} s at 100,000 customers, {scaled:.1f} s pro rata: {verdict}")
    print(f"Forecast step: {forecast_s:.2f} s ({forecast_counts['predicted']:,} open invoices predicted)")

    demo.ensure_demo_users()
    manager = User.objects.filter(role=Role.MANAGER).first()
    controllers = list(User.objects.filter(role=Role.CONTROLLER).values_list("pk", flat=True))
    client = Client()
    client.force_login(manager)
    rng = random.Random(args.seed)

    def dashboard_params() -> dict:
        params = {"months": rng.choice([3, 6, 12])}
        if rng.random() < 0.5 and controllers:
            params["controller"] = rng.choice(controllers)
        if rng.random() < 0.3:
            params["segment"] = rng.choice(["key_account", "business", "consumer"])
        return params

    scenarios = [
        ("dashboard", reverse("reporting:dashboard"), dashboard_params),
        ("drill-down (bucket)", reverse("reporting:bucket_customers"),
         lambda: {**dashboard_params(), "bucket": rng.choice(["d1_30", "d31_60", "d90_plus", "overdue"])}),
        ("cash forecast", reverse("reporting:forecast"), lambda: {}),
    ]  # fmt: skip
    print(f"\n{args.requests} requests per page after {args.warmup} warm-up, signed in as {manager.username}")
    print(f"{'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'CPU ms':>9}  target")
    load_before = os.getloadavg()[0]
    for label, path, make in scenarios:
        for _ in range(args.warmup):
            client.get(path, make())
        times = []
        cpu = time.process_time()
        for _ in range(args.requests):
            begin = time.perf_counter()
            response = client.get(path, make())
            times.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 200, response.status_code
        cpu_ms = (time.process_time() - cpu) * 1000 / args.requests
        times.sort()
        p95 = percentile(times, 0.95)
        target = f"p95 < {TARGET_DASHBOARD_MS:.0f} ms " + ("ok" if p95 < TARGET_DASHBOARD_MS else "MISSED")
        p50 = percentile(times, 0.5)
        print(f"{label:<22}{p50:>9.1f}{p95:>9.1f}{times[-1]:>9.1f}{cpu_ms:>9.1f}  {target}")
    print(f"\nLoad average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({MACHINE}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
