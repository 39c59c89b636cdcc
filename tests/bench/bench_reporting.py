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


def fill_year(today, connection) -> int:
    """Copy each month end's rows to the days around it that have no snapshot yet."""
    from reporting.models import CustomerSnapshot, PortfolioSnapshot, SnapshotDay

    taken = set(SnapshotDay.objects.values_list("date", flat=True))
    ends = sorted(d for d in taken if (d + timedelta(days=1)).day == 1)
    cols_c = "customer_id, currency, segment, controller_id, open_amount, not_due, d1_30, d31_60, d61_90, d90_plus, open_invoices"  # noqa: E501
    cols_p = "currency, segment, controller_id, open_amount, not_due, d1_30, d31_60, d61_90, d90_plus, customers, customers_overdue, backfilled"  # noqa: E501
    filled = 0
    with connection.cursor() as cursor:
        for n in range(1, 366):
            day = today - timedelta(days=n)
            if day in taken or not ends:
                continue
            source = min(ends, key=lambda e: abs((e - day).days))
            cursor.execute(
                f"INSERT INTO {CustomerSnapshot._meta.db_table} (date, {cols_c}) "
                f"SELECT %s, {cols_c} FROM {CustomerSnapshot._meta.db_table} WHERE date = %s",
                [day, source],
            )
            cursor.execute(
                f"INSERT INTO {PortfolioSnapshot._meta.db_table} (date, {cols_p}) "
                f"SELECT %s, {cols_p} FROM {PortfolioSnapshot._meta.db_table} WHERE date = %s",
                [day, source],
            )
            SnapshotDay.objects.create(date=day, backfilled=True)
            filled += 1
    return filled


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
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
    from reporting.snapshots import backfill
    from reporting.tasks import daily, forecast

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    if not (args.reuse and Customer.objects.exists()):
        started = time.monotonic()
        call_command("seed_demo", customers=args.customers, seed=args.seed)
        print(f"Seeded {args.customers:,} customers in {time.monotonic() - started:.1f} s")
    today = timezone.localdate()
    invoices = Invoice.objects.count()
    print(f"Data: {Customer.objects.count():,} customers, {invoices:,} invoices")

    started = time.monotonic()
    rebuilt = backfill(today, months=12, days=0)
    print(
        f"Backfill: {len(rebuilt)} month ends rebuilt from the invoices in {time.monotonic() - started:.1f} s"
    )
    started = time.monotonic()
    filled = fill_year(today, connection)
    print(f"Synthetic volume: {filled} more days copied in {time.monotonic() - started:.1f} s")

    started = time.monotonic()
    counts = daily(today=today)
    snapshot_s = time.monotonic() - started
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
            params["segment"] = rng.choice(["business", "public", "consumer"])
        return params

    scenarios = [
        ("dashboard", reverse("reporting:dashboard"), dashboard_params),
        ("drill-down (bucket)", reverse("reporting:bucket_customers"),
         lambda: {**dashboard_params(), "bucket": rng.choice(["d1_30", "d31_60", "d90_plus", "overdue"])}),
        ("cash forecast", reverse("reporting:forecast"), lambda: {}),
    ]  # fmt: skip
    print(f"\n{args.requests} requests per page after {args.warmup} warm-up, signed in as {manager.username}")
    print(f"{'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  target")
    load_before = os.getloadavg()[0]
    for label, path, make in scenarios:
        for _ in range(args.warmup):
            client.get(path, make())
        times = []
        for _ in range(args.requests):
            begin = time.perf_counter()
            response = client.get(path, make())
            times.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 200, response.status_code
        times.sort()
        p95 = percentile(times, 0.95)
        target = f"p95 < {TARGET_DASHBOARD_MS:.0f} ms " + ("ok" if p95 < TARGET_DASHBOARD_MS else "MISSED")
        print(f"{label:<22}{percentile(times, 0.5):>9.1f}{p95:>9.1f}{times[-1]:>9.1f}  {target}")
    print(f"\nLoad average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({MACHINE}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
