"""Seeding: plan and write a whole demo book, or one big customer for the benchmarks."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.demo.base import CHUNK_CUSTOMERS, DAILY, PROFILES, Batch, Ids
from accounts.demo.planner import Planner
from accounts.demo.users import ensure_demo_users
from accounts.demo.writer import analyze, content_type_ids, reset_sequences, write
from accounts.models import Customer, Event, Invoice
from creditmgmt.models import User

ATOMIC_UP_TO = 5000  # up to this many customers the whole seed is one transaction


@dataclass
class SeedResult:
    counts: Counter
    profiles: Counter
    users: dict[str, User]
    seconds: float
    skipped: bool = False
    profile_of: dict[int, str] = field(default_factory=dict)  # customer id -> behaviour profile


def seed(
    *,
    customers: int,
    seed: int = 2026,
    months: int = 18,
    today: date | None = None,
    if_empty: bool = False,
    atomic: bool | None = None,
    chunk: int = CHUNK_CUSTOMERS,
    log: Callable[[str], None] = lambda line: None,
) -> SeedResult:
    """Make the demo users and `customers` customers with their history."""
    started = time.monotonic()
    if if_empty and Customer.objects.exists():
        log(f"Customers exist already ({Customer.objects.count():,}); nothing seeded.")
        return SeedResult(Counter(), Counter(), {}, 0.0, skipped=True)
    today = today or timezone.localdate()
    atomic = customers <= ATOMIC_UP_TO if atomic is None else atomic
    totals: Counter = Counter()
    profiles: Counter = Counter()
    profile_of: dict[int, str] = {}

    def run() -> dict[str, User]:
        users = ensure_demo_users()
        planner = Planner(
            seed=seed,
            today=today,
            months=months,
            staff={name: user.pk for name, user in users.items()},
            content_types=content_type_ids(),
            ids=Ids.from_database(),
            taken_kvk=set(Customer.objects.exclude(kvk_number="").values_list("kvk_number", flat=True)),
        )
        log(f"Seeding {customers:,} customers (seed {seed}, {months} months up to {today.isoformat()}).")
        for batch in planner.batches(customers, chunk=chunk):
            with transaction.atomic():
                write(batch)
                if not atomic:
                    reset_sequences()
            totals.update(batch.counts())
            profiles.update(batch.profiles.values())
            profile_of.update(batch.profiles)
            elapsed = time.monotonic() - started
            log(
                f"  {totals['customers']:>9,} customers {totals['invoices']:>11,} invoices "
                f"{totals['payments']:>10,} payments {totals['events']:>11,} events  {elapsed:7.1f} s"
            )
        reset_sequences()
        return users

    if atomic:
        with transaction.atomic():
            users = run()
    else:
        users = run()
    analyze()
    seconds = time.monotonic() - started
    rows = sum(totals.values())
    log(
        f"Done in {seconds:.1f} s ({rows / seconds if seconds else 0:,.0f} rows/s): "
        + ", ".join(f"{totals[name]:,} {name}" for name in Batch.ORDER)
    )
    log("Profiles: " + ", ".join(f"{name} {profiles[name]:,}" for name in PROFILES))
    return SeedResult(totals, profiles, users, seconds, profile_of=profile_of)


def seed_big_customer(
    *, invoices: int = 500, events: int = 2000, seed: int = 99, today: date | None = None
) -> Customer:
    """One large key account (for benchmarks): `invoices` invoices and exactly `events` timeline events."""
    today = today or timezone.localdate()
    users = ensure_demo_users()
    planner = Planner(
        seed=seed,
        today=today,
        staff={name: user.pk for name, user in users.items()},
        content_types=content_type_ids(),
        ids=Ids.from_database(),
        taken_kvk=set(Customer.objects.exclude(kvk_number="").values_list("kvk_number", flat=True)),
    )
    batch = Batch()
    customer = planner.plan_customer(
        10_000_000,
        batch,
        invoices=invoices,
        name="Hollandia Bouwgroep N.V.",
        segment=Customer.Segment.KEY_ACCOUNT,
        profile="sometimes_late",
        status=Customer.Status.ACTIVE,
    )
    rng = random.Random(seed)
    if len(batch.events) > events:
        raise ValueError(f"{len(batch.events)} events already; ask for at least that many")
    # Pad the timeline with the reminders the dunning run would have sent.
    late = [
        i
        for i in batch.invoices
        if i.amount > 0
        and i.due_date + timedelta(days=7) <= today
        and (i.paid_date is None or i.paid_date > i.due_date + timedelta(days=7))
    ]
    invoices_by_due = sorted(late or [i for i in batch.invoices if i.amount > 0], key=lambda i: i.due_date)
    extra = []
    for n in range(events - len(batch.events)):
        inv = invoices_by_due[n % len(invoices_by_due)]
        day = min(today, inv.due_date + timedelta(days=7 + 7 * (n // len(invoices_by_due))))
        at = planner.at(day, 5 * 60 + rng.randint(0, 59))
        extra.append(
            (
                at,
                Event.Kind.DUNNING,
                "reminder_sent",
                f"Herinnering verstuurd per e-mail voor factuur {inv.number}",
                {},
                None,
                DAILY,
                planner.ct[Invoice],
                inv.id,
            )
        )
    planner.emit_events(extra, customer.id, batch)
    # Keep ids in time order over the whole timeline, as for every other customer.
    first_id = min(e.id for e in batch.events)
    batch.events.sort(key=lambda e: e.created_at)
    for n, event in enumerate(batch.events):
        event.id = first_id + n
    with transaction.atomic():
        write(batch)
        reset_sequences()
    analyze()
    return customer
