"""Benchmark: import and match a generated bank statement with known truth.

    .venv/bin/python tests/bench/bench_matching.py --lines 10000 100000

For each size: a fresh database (its name always contains "bench"; it is
dropped first), customers with open invoices (about 1.6 invoices per line),
IBANs known from "earlier matches", then one camt.053 file of LINES entries
(generated with `accounts.bank.generator`: references, invoice numbers with
noise and typos, several invoices per payment, partial payments, a parent
paying for a subsidiary, amount-only payments from known accounts, names
only, unrelated and outgoing entries, stornos) is imported and matched by
`import_statement_file`. Prints the share of payable lines matched without a
person, the wrong automatic matches, and lines per second, next to the
targets (97 %, at most 1 wrong in 10,000, 100,000 lines in 60 s).

The machine is shared: the load average before and after each run and the CPU
seconds of this process and of its PostgreSQL backend (read from /proc) are
printed too. On a busy machine the wall time mostly measures the others; Python
and PostgreSQL take turns, so their CPU times added up are about the wall time
on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.run import DEFAULT_URL, MACHINE, bench_url, recreate_database  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    given = os.environ.get("DATABASE_URL", "")
    url, note = bench_url((given or DEFAULT_URL).replace("creditmgmt_bench", "creditmgmt_bench_matching"))
    print(f"Database: {url} {note}".rstrip())
    print(f"Machine: {MACHINE}; targets: >= 97 % automatic, <= 1 wrong per 10,000, 100,000 lines < 60 s")
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "creditmgmt.settings_test"
    os.chdir(ROOT)
    import django

    recreate_database(url)
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.bank.generator import generate, score_import, seed_book
    from accounts.bank.services import import_statement_file
    from accounts.bank.writer import camt053
    from accounts.models import BankEntry, Customer, KnownIban

    for lines in args.lines:
        recreate_database(url)
        connection.close()
        call_command("migrate", verbosity=0, interactive=False)
        today = timezone.localdate()
        started = time.monotonic()
        customers = max(50, lines // 4)
        invoices = seed_book(
            customers=customers, invoices_per_customer=7, issued=today - timedelta(days=40), seed=args.seed
        )
        names = dict(Customer.objects.values_list("id", "name"))
        parents = dict(Customer.objects.filter(parent__isnull=False).values_list("id", "parent_id"))
        statement, truth, known = generate(
            invoices=invoices, names=names, parents=parents, lines=lines, booked=today, seed=args.seed
        )
        KnownIban.objects.bulk_create((KnownIban(iban=i, customer_id=c) for i, c in known), batch_size=5000)
        data = camt053(account="NL91ABNA0417164300", lines=statement, statement_id=f"BENCH-{lines}")
        print(
            f"\n{lines:,} lines: {customers:,} customers, {len(invoices):,} open invoices, "
            f"{len(data) / 1e6:.1f} MB camt.053 (set-up {time.monotonic() - started:.0f} s)"
        )
        load_before = os.getloadavg()[0]
        database_cpu = _backend_cpu(connection)
        started, cpu, db_cpu = time.monotonic(), time.process_time(), database_cpu()
        summary = import_statement_file(data=data, file_name="bench.xml", by="bench")
        seconds, cpu = time.monotonic() - started, time.process_time() - cpu
        db_cpu = database_cpu() - db_cpu if db_cpu is not None else None
        ids = list(BankEntry.objects.order_by("id").values_list("id", flat=True))
        score = score_import(ids, truth)
        per_10k = score.wrong * 10_000 / max(1, score.lines)
        print(f"  imported and matched in {seconds:.1f} s = {lines / seconds:,.0f} lines/s  {summary}")
        # On a shared machine the wall time mostly measures the others: the CPU times say what the work costs.
        db = f"{db_cpu:.1f} s" if db_cpu is not None else "not readable"
        print(
            f"  CPU: Python {cpu:.1f} s + PostgreSQL backend {db}; "
            f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (2 cores)"
        )
        print(
            f"  matched automatically: {score.auto:,} of {score.payable:,} payable lines = "
            f"{score.auto_share:.2%}  {'OK' if score.auto_share >= 0.97 else 'MISSED'}"
        )
        print(
            f"  wrong automatic matches: {score.wrong} ({per_10k:.2f} per 10,000)  "
            f"{'OK' if per_10k <= 1 else 'MISSED'}"
        )
        if lines >= 100_000:
            print(f"  100,000 lines under 60 s: {'OK' if seconds < 60 else 'MISSED'}")
        for kind, (count, auto, wrong) in sorted(score.by_kind.items()):
            print(f"    {kind:<12} {count:>7,} lines, {auto:>7,} automatic, {wrong} wrong")
    return 0


def _backend_cpu(connection):
    """A function giving the CPU seconds used so far by this connection's PostgreSQL backend."""
    if connection.vendor != "postgresql":
        return lambda: None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")

    def cpu() -> float | None:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # PostgreSQL on another machine
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return cpu


if __name__ == "__main__":
    raise SystemExit(main())
