"""Bureau reports for the demo: every demo customer with a KvK number, plus prospects.

Deterministic (seeded by the KvK number), written as a bureau file and applied
through the same import as a real one. Most companies are healthy, the risk
class of the customer shifts the score, a few are risky, one customer and one
prospect went bankrupt recently.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

from django.utils import timezone

from acceptance.bureau import COLUMNS
from acceptance.models import BureauRecord
from accounts.models import Customer

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
