"""Demo data of the acceptance app: bureau reports, and a history of decisions.

Bureau reports for every demo customer with a KvK number, plus prospects:
deterministic (seeded by the KvK number), written as a bureau file and applied
through the same import as a real one. Most companies are healthy, the risk
class of the customer shifts the score, a few are risky, one customer and one
prospect went bankrupt recently.

The decision history: months of webshop, counter and sales decisions made by the
rules in use, so the retro analysis and the rule simulation have decisions whose
later payments can be judged.
"""

from __future__ import annotations

import csv
import io
import random
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from acceptance.bureau import COLUMNS, LocalBureauProvider
from acceptance.models import BureauRecord, Channel, Checkpoint, Decision
from accounts.models import Customer, Event
from creditmgmt.models import Role, User

SHIFT = {"low": 12, "medium": 0, "high": -18, "very_high": -30, "unknown": 0}
SECTORS = ["wholesale", "construction", "retail", "transport", "food", "installation", "it services"]
PROSPECTS = [
    # registration number, name, city, postcode, score, PD %, recommended limit, founded, events
    ("90000001", "Nieuw Licht Installaties B.V.", "Amersfoort", "3811 AA", 78, "1.20", "30000", 2009, ""),
    ("90000002", "Bouwbedrijf Van der Wal B.V.", "Ede", "6711 BB", 66, "2.10", "15000", 2016, ""),
    ("90000003", "Snelle Jelle Koeriers V.O.F.", "Zeist", "3701 CC", 55, "3.50", "5000", 2024, ""),
    ("90000004", "Wankel Handel B.V.", "Almere", "1315 DD", 18, "14.00", "0", 2019, ""),
    ("90000005", "Kwakkel Metaal B.V.", "Tiel", "4001 EE", 29, "7.50", "2000", 2012, ""),
    ("90000006", "Omgevallen Bouw B.V.", "Lelystad", "8211 FF", 3, "65.00", "0", 2011, "bankruptcy"),
]


def demo_bureau_file(*, today: date | None = None, only_missing: bool = False) -> bytes:
    """The demo bureau file; `only_missing` leaves out companies that have a report already."""
    today = today or timezone.localdate()
    known = set(BureauRecord.objects.values_list("registration_number", flat=True)) if only_missing else set()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    customers = (
        Customer.objects.exclude(kvk_number="")
        .exclude(status=Customer.Status.CLOSED)
        .order_by("number")
        .values_list("kvk_number", "name", "address", "postal_code", "city", "legal_form", "risk_class")
    )
    seen: set[str] = set(known)
    for index, (kvk, name, address, postcode, city, legal_form, risk) in enumerate(customers):
        if kvk in seen:
            continue
        seen.add(kvk)
        rng = random.Random(kvk)
        score = max(1, min(100, int(rng.gauss(68, 14)) + SHIFT.get(risk, 0)))
        events = "bankruptcy" if index == 7 else ("suspension" if index == 23 else "")
        if events:
            score = rng.randint(1, 8)
        pd = round(max(0.2, (100 - score) ** 2 / 400), 2)
        limit = 0 if score < 20 else int(rng.choice([5, 10, 15, 25, 40, 60, 100]) * 1000 * score / 70)
        founded = today - timedelta(days=rng.randint(300, 40 * 365))
        rating = "A" if score >= 70 else "B" if score >= 50 else "C" if score >= 30 else "D"
        writer.writerow(
            [
                kvk,
                name,
                address,
                postcode,
                city,
                "NL",
                legal_form,
                founded.isoformat(),
                rng.choice(SECTORS),
                score,
                pd,
                rating,
                limit,
                "EUR",
                events,
                "",
                today.isoformat(),
            ]
        )
    for kvk, name, city, postcode, score, pd, limit, year, events in PROSPECTS:
        if kvk in known:
            continue
        rating = "A" if score >= 70 else "B" if score >= 50 else "C" if score >= 30 else "D"
        writer.writerow(
            [
                kvk,
                name,
                "",
                postcode,
                city,
                "NL",
                "bv",
                f"{year}-03-01",
                "construction",
                score,
                pd,
                rating,
                limit,
                "EUR",
                events,
                "",
                today.isoformat(),
            ]
        )
    return out.getvalue().encode()


# Where the demo's orders come from, and how often.
HISTORY_CHANNELS = [Channel.WEBSHOP] * 5 + [Channel.COUNTER] * 3 + [Channel.SALES, Channel.API]


def seed_decision_history(
    *, today: date | None = None, days: int = 120, per_day: int = 6, seed: int = 2026
) -> int:
    """Decisions on the working days of the last `days` days before today, made by the rule set
    in use for random customers (and now and then a prospect), stored with their day and their
    timeline event as if they had been asked then. The ledger is read as it is now, so the
    features are today's; a demo needs answers to judge, not an exact past.

    Idempotent: nothing is added when decisions older than today exist. Returns how many were made.
    """
    from acceptance.services import active_version, apply_checkpoint, assess, decision_event, new_decision

    today = today or timezone.localdate()
    first = today - timedelta(days=days)
    midnight = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    if Decision.objects.filter(created_at__lt=midnight).exists():
        return 0
    customers = list(
        Customer.objects.exclude(status=Customer.Status.CLOSED).exclude(kvk_number="").order_by("number")
    )
    if not customers:
        return 0
    rng = random.Random(seed)
    version = active_version()
    provider = LocalBureauProvider()
    people = {role: User.objects.filter(role=role, is_active=True).order_by("pk").first() for role in Role}
    actors = {
        Channel.WEBSHOP: "api: webshop",
        Channel.API: "api: ERP",
        Channel.COUNTER: people[Role.COUNTER] or "counter",
        Channel.SALES: people[Role.SALES] or "sales",
    }
    decisions = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for _ in range(per_day):
            channel = rng.choice(HISTORY_CHANNELS)
            customer = None if rng.random() < 0.06 else rng.choice(customers)
            number = customer.kvk_number if customer else rng.choice(PROSPECTS)[0]
            asked = dict(
                version=version, channel=channel, customer=customer, registration_number=number, today=day,
                bureau=(provider.fetch(number), False),
            )  # fmt: skip
            # An order that mostly fits what the rules would grant, now and then one that does not.
            amount = _order_amount(rng, assess(**asked).conclusion.available)
            started = time.perf_counter()
            assessment = assess(**asked, amount=amount)
            checkpoint = Checkpoint.Code.DELIVERY if channel == Channel.COUNTER else Checkpoint.Code.ORDER
            breach = apply_checkpoint(assessment.conclusion, amount=amount, checkpoint=checkpoint)
            latency = Decimal(str(round((time.perf_counter() - started) * 1000, 2)))
            decision = new_decision(
                assessment, by=actors[channel], channel=channel, amount=amount, checkpoint=checkpoint,
                breach=breach, latency=latency,
            )  # fmt: skip
            at = datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.randint(8 * 60, 18 * 60))
            decision.created_at = timezone.make_aware(at)
            decisions.append(decision)
    with transaction.atomic():
        Decision.objects.bulk_create(decisions, batch_size=500)
        events = []
        for decision in decisions:
            if decision.customer is None:
                continue
            event = decision_event(decision, by=actors[decision.channel])
            event.created_at = decision.created_at
            events.append(event)
        Event.objects.bulk_create(events, batch_size=500)
    return len(decisions)


def _order_amount(rng: random.Random, available: Decimal) -> Decimal:
    """Mostly a part of the available credit, one in eight orders more than it (or any order when
    there is none); in fifties."""
    if available <= 0 or rng.random() < 0.125:
        return Decimal(rng.randint(4, 120) * 50)
    return max(
        Decimal(50),
        (available * Decimal(str(round(rng.uniform(0.05, 0.8), 3))) / 50).quantize(Decimal(1)) * 50,
    )
