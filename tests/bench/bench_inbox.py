"""Benchmark: ingest 10,000 customer mails, then the inbox pages with them stored.

    .venv/bin/python tests/bench/bench_inbox.py --mails 10000 --size 300

A fresh PostgreSQL database (default postgres://postgres@127.0.0.1:5432/inbox_bench; its name
always contains "bench", it is dropped first), `seed_demo --customers SIZE` as the book, then
MAILS raw mails made up front (not timed): the demo's replies in nl/en/de/fr and the labelled
set's mails, from the customers' contact addresses (5% from unknown senders), 10% with a PDF
attachment, 10% HTML only, 1% malformed, 2% sent twice. Ingestion runs through the same
`ingest` the webhook, upload and IMAP use (parse, store once, thread, link, classify with the
trained model, assign, timeline event): mails/s and CPU time.
Then each inbox view is requested WARMUP times unmeasured and REQUESTS times as the controller
with the most mail: p50/p95/max wall-clock, CPU per request and SQL queries.
Target: inbox page p95 < 150 ms with 10,000 mails stored.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import date
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.run import MACHINE, bench_url, recreate_database, time_pages  # noqa: E402

TARGET_MS = 150.0
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/inbox_bench"


def make_mails(
    n: int, *, seed: int, contacts: list[tuple[str, str, str]], invoices: list[str]
) -> list[bytes]:
    """Raw MIME: (address, name, language) senders, texts from the demo and the labelled set."""
    from dunning.inbox.demo import MAILS, _day_text

    rng = random.Random(seed)
    labelled = [
        json.loads(line)
        for line in (ROOT / "tests/dunning/data/inbox_labelled.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
        if line.strip()
    ]
    texts = [(s, b, lang) for kinds in MAILS.values() for lang, rows in kinds.items() for s, b in rows]
    raws: list[bytes] = []
    for i in range(n):
        if i % 100 == 99:
            raws.append(b"\x00\xffnot a mail " + str(i).encode())
            continue
        address, name, language = rng.choice(contacts)
        if rng.random() < 0.05:
            address = f"someone{i}@unknown-{i % 37}.example"
        if rng.random() < 0.5:
            subject, body, language = rng.choice(texts)
            fill = {
                "inv": rng.choice(invoices),
                "date": _day_text(date(2026, 12, rng.randint(1, 28)), language),
                "past": "12 november",
                "amount": f"€ {rng.randint(100, 9000)},00",
                "name": name,
            }
            subject, body = subject.format(**fill), body.format(**fill)
        else:
            row = rng.choice(labelled)
            subject, body = row["subject"], row["body"]
        m = EmailMessage()
        m["From"] = f"{name} <{address}>"
        m["To"] = "credit@example.com"
        m["Subject"] = subject
        m["Message-ID"] = f"<bench-{seed}-{i}@{address.rpartition('@')[2]}>"
        m["Date"] = "Fri, 20 Nov 2026 09:00:00 +0100"
        if rng.random() < 0.1:
            m.set_content(f"<html><body><p>{body.replace(chr(10), '<br>')}</p></body></html>", subtype="html")
        else:
            m.set_content(body)
        if rng.random() < 0.1:
            m.add_attachment(
                b"%PDF-1.4 " + os.urandom(2000), maintype="application", subtype="pdf", filename="bewijs.pdf"
            )
        raw = bytes(m)
        raws.append(raw)
        if rng.random() < 0.02:
            raws.append(raw)  # the provider delivers it twice
    return raws


def ingest_mails(args) -> None:
    """Seed the book, make the raw mails, and time their ingestion."""
    from django.core.management import call_command

    from accounts.models import Contact, Invoice
    from dunning.inbox import classify
    from dunning.inbox.services import ingest

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", customers=args.size, seed=args.seed)
    classify.train()  # the nightly model: ingestion asks it about every mail
    contacts = list(
        Contact.objects.exclude(email="").values_list("email", "name", "customer__language")[:2000]
    )
    invoices = list(Invoice.objects.filter(status="open").values_list("number", flat=True)[:5000])
    raws = make_mails(args.mails, seed=args.seed, contacts=contacts, invoices=invoices)
    print(
        f"Set-up: {time.monotonic() - started:.0f} s ({args.size:,} customers, {len(raws):,} raw mails made)"
    )

    load_before = os.getloadavg()
    begin, begin_cpu = time.perf_counter(), time.process_time()
    created = duplicates = 0
    for raw in raws:
        _mail, new = ingest(raw, source="webhook")
        created += new
        duplicates += not new
    wall, cpu = time.perf_counter() - begin, time.process_time() - begin_cpu
    print(
        f"\nIngest: {len(raws):,} mails in {wall:.1f} s = {len(raws) / wall:,.0f} mails/s "
        f"(CPU {cpu:.1f} s, {cpu / len(raws) * 1000:.2f} ms CPU/mail); "
        f"{created:,} stored, {duplicates:,} duplicates"
    )
    print(f"Load average before/after ingest: {load_before[0]:.1f} / {os.getloadavg()[0]:.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mails", type=int, default=10000)
    parser.add_argument("--size", type=int, default=300, help="customers in the book (seed_demo)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the ingested database: time the pages only"
    )
    args = parser.parse_args()

    url, note = bench_url(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    print(f"Database: {url} {note}".rstrip())
    print(f"Machine: {MACHINE}; target: inbox page p95 < {TARGET_MS:.0f} ms with {args.mails:,} mails stored")
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "creditmgmt.settings_test"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.chdir(ROOT)
    import django

    if not args.reuse:
        recreate_database(url)
    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from creditmgmt.models import User
    from dunning.models import InboundMail

    if not args.reuse:
        ingest_mails(args)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum does after a bulk load
            cursor.execute("ANALYZE dunning_inboundmail")
    stored = InboundMail.objects.count()
    by_category = dict(
        InboundMail.objects.values_list("category").annotate(n=Count("id")).order_by("category")
    )
    print(f"Stored: {stored:,} mails; {by_category}")

    busiest = (
        InboundMail.objects.filter(assignee__isnull=False)
        .values("assignee")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    user = User.objects.get(pk=busiest["assignee"])
    client = Client()
    client.force_login(user)
    some = InboundMail.objects.filter(assignee=user, malformed=False).first()
    inbox = reverse("dunning:inbox")
    pages = [
        (f"inbox mine ({busiest['n']:,})", inbox, True),
        ("inbox my team", inbox + "?view=team", True),
        ("inbox team page 20", inbox + "?view=team&page=20", True),
        ("inbox unassigned", inbox + "?view=unassigned", True),
        ("inbox waiting", inbox + "?view=waiting", True),
        ("inbox triage", inbox + "?view=triage", True),
        ("inbox done", inbox + "?view=done", True),
        ("unread badge", reverse("dunning:inbox_unread"), True),
        ("one mail", some.get_absolute_url(), False),
    ]
    load = os.getloadavg()[0]
    print(f"\nLoad average before pages: {load:.1f}")
    time_pages(client, pages, warmup=args.warmup, requests=args.requests, target_ms=TARGET_MS, what="inbox")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
