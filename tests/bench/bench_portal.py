"""Benchmark: the customer portal's pages for a customer with 200 open invoices.

    .venv/bin/python tests/bench/bench_portal.py --size 1000

A fresh database (its name always contains "bench"; it is dropped first),
`seed_demo --customers SIZE` as the surrounding book, then one customer with
200 open and 100 paid invoices and 50 sent reminders, and one personal link.
Each page is requested WARMUP times unmeasured, then REQUESTS times through
Django's test client without login, as a customer following the link;
prints p50/p95/max wall-clock time, the CPU time per request (steady when the
machine is busy; wall-clock is not) and SQL queries per request.
Target: portal pages p95 < 100 ms (PDFs are reported, not held to it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.run import DEFAULT_URL, MACHINE, bench_url, recreate_database, time_pages  # noqa: E402

TARGET_MS = 100.0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1000, help="customers in the surrounding book")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    given = os.environ.get("DATABASE_URL", "")
    url, note = bench_url((given or DEFAULT_URL).replace("creditmgmt_bench", "creditmgmt_bench_portal"))
    print(f"Database: {url} {note}".rstrip())
    print(f"Machine: {MACHINE}; target: portal pages p95 < {TARGET_MS:.0f} ms")
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "creditmgmt.settings_test"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The benchmark is one client hammering one link: lift the limits, keep their cost.
    os.environ["PORTAL_RATE_PER_IP"] = os.environ["PORTAL_RATE_PER_TOKEN"] = "100000000"
    os.chdir(ROOT)
    import django

    recreate_database(url)
    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from accounts.bank.references import reference_for_invoice
    from accounts.models import Customer, Invoice
    from accounts.services import refresh_customer_balance
    from dunning.models import Message
    from dunning.portal.services import make_link

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", customers=args.size, seed=args.seed)
    print(f"Set-up: {time.monotonic() - started:.0f} s for {args.size:,} customers")

    today = timezone.localdate()
    customer = Customer.objects.create(number="PORTAL-200", name="Portaal Groothandel B.V.", language="nl")
    invoices = []
    for n in range(300):
        issue = today - timedelta(days=10 + n)
        amount = Decimal("100.00") + n
        paid = n >= 200
        invoices.append(
            Invoice(
                customer=customer,
                number=f"P200-{n:04d}",
                issue_date=issue,
                due_date=issue + timedelta(days=30),
                amount=amount,
                open_amount=Decimal("0.00") if paid else amount,
                status="paid" if paid else "open",
                paid_date=issue + timedelta(days=35) if paid else None,
            )
        )
    Invoice.objects.bulk_create(invoices)
    for invoice in invoices:
        invoice.payment_reference = reference_for_invoice(invoice.pk, country="NL")
    Invoice.objects.bulk_update(invoices, ["payment_reference"])
    refresh_customer_balance(customer.pk)
    Message.objects.bulk_create(
        Message(
            customer=customer,
            channel="email",
            language="nl",
            recipient="ap@portaal.example",
            subject=f"Herinnering {n}",
            body="Geachte heer, mevrouw,\n\n" + "Nog open.\n" * 20,
            status="sent",
            sent_at=timezone.now() - timedelta(days=n),
            idempotency_key=f"bench-portal-{n}",
        )
        for n in range(50)
    )
    token = urlsplit(make_link(customer=customer, by="bench")).path.strip("/").split("/")[1]
    some = invoices[0].pk
    pages = [
        ("open invoices (home)", reverse("portal:home", args=[token]), True),
        ("paid invoices", reverse("portal:paid", args=[token]), True),
        ("messages", reverse("portal:messages", args=[token]), True),
        ("details", reverse("portal:details", args=[token]), True),
        ("promise form", reverse("portal:promise", args=[token]), True),
        ("plan form", reverse("portal:plan", args=[token]), True),
        ("dispute form", reverse("portal:dispute", args=[token]) + f"?invoice={some}", True),
        ("remittance form", reverse("portal:remittance", args=[token]), True),
        ("invoice PDF", reverse("portal:invoice_pdf", args=[token, some]), False),
        ("statement PDF (200)", reverse("portal:statement_pdf", args=[token]), False),
    ]
    client = Client()
    load = os.getloadavg()[0]
    print(f"\nLoad average before: {load:.1f}")
    time_pages(client, pages, warmup=args.warmup, requests=args.requests, target_ms=TARGET_MS, what="portal")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
