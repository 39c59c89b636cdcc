"""Realistic bank statements with known truth, for the benchmark, the tests and the demo.

Given open invoices, it writes the lines a bank would send a Dutch B2B
company: most customers pay with the structured reference; many type the
invoice number (with noise, sometimes a typo, sometimes several invoices in one
payment); some pay part; a parent company pays for its subsidiary; some pay
just the amount from an account we know; a few entries have nothing to do with
invoices; and some earlier payments come back (storno). Each line carries the
invoices it truly pays, so the matching can be scored.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from accounts.bank.matching import OpenInvoice
from accounts.bank.writer import Line

NOISE_BEFORE = ["", "Fact ", "factuur ", "Factuurnr. ", "inv ", "Betaling ", "ref ", "FACTUUR: ", "nr "]
NOISE_AFTER = ["", " dank u", " betaling", " termijn", " /klantnr 00123", " groet", " zie mail", " OK"]


@dataclass
class Truth:
    kind: str
    invoices: set[int] = field(default_factory=set)  # empty: must not be matched to any invoice


def iban_for(customer_id: int) -> str:
    """A stable, well-formed looking Dutch IBAN per customer (not check-digit valid; never sent)."""
    return f"NL{10 + customer_id % 90:02d}BANK{customer_id:010d}"


def _typo(number: str, rng: random.Random) -> str:
    digits = [i for i, ch in enumerate(number) if ch.isdigit()]
    if not digits:
        return number
    i = rng.choice(digits[-4:])
    return number[:i] + str((int(number[i]) + rng.randint(1, 9)) % 10) + number[i + 1 :]


def _written(number: str, rng: random.Random) -> str:
    text = number if rng.random() < 0.6 else number.replace("-", "" if rng.random() < 0.5 else " ")
    return rng.choice(NOISE_BEFORE) + (text.lower() if rng.random() < 0.2 else text) + rng.choice(NOISE_AFTER)


def _misspelled(name: str, rng: random.Random) -> str:
    name = name.upper() if rng.random() < 0.5 else name
    name = name.replace(" B.V.", "" if rng.random() < 0.5 else " BV")
    return name


def generate(
    *,
    invoices: list[OpenInvoice],
    names: dict[int, str],
    parents: dict[int, int],
    lines: int,
    booked: date,
    seed: int = 2026,
) -> tuple[list[Line], list[Truth], set[tuple[str, int]]]:
    """Lines, their truth, and the (IBAN, customer) pairs known from earlier matches.

    Every invoice is used at most once, so the truth stays unambiguous.
    """
    rng = random.Random(seed)
    pool = list(invoices)
    rng.shuffle(pool)
    by_customer: dict[int, list[OpenInvoice]] = {}
    for invoice in pool:
        by_customer.setdefault(invoice.customer_id, []).append(invoice)
    used: set[int] = set()
    known: set[tuple[str, int]] = set()
    out: list[Line] = []
    truth: list[Truth] = []
    kinds = [
        ("reference", 40),
        ("number", 22),
        ("typo", 5),
        ("several", 8),
        ("partial", 5),
        ("parent", 3),
        ("iban_amount", 7),
        ("name_amount", 4),
        ("unrelated", 2),
        ("outgoing", 2),
        ("storno", 2),
    ]
    names_, weights = zip(*kinds, strict=True)
    paid_lines: list[int] = []

    def take(customer_id: int | None = None) -> OpenInvoice | None:
        source = by_customer.get(customer_id, []) if customer_id is not None else pool
        while source:
            invoice = source.pop()
            if invoice.id not in used:
                used.add(invoice.id)
                return invoice
        return None

    while len(out) < lines:
        kind = rng.choices(names_, weights)[0]
        n = len(out)
        if kind in ("unrelated", "outgoing"):
            amount = Decimal(rng.randint(500, 500000)) / 100
            out.append(
                Line(
                    amount,
                    booked,
                    credit=kind == "unrelated",
                    name=rng.choice(["KPN", "Belastingdienst", "J. Jansen", "Shell"]),
                    iban=f"NL99XXXX{n:010d}",
                    text=rng.choice(["abonnement", "teruggave", "diversen", "salaris"]),
                )
            )
            truth.append(Truth(kind))
            continue
        if kind == "storno":
            if not paid_lines:
                continue
            original = out[rng.choice(paid_lines)]
            paid_lines.remove(next(i for i in paid_lines if out[i] is original))
            out.append(
                Line(
                    original.amount,
                    booked,
                    credit=False,
                    iban=original.iban,
                    end_to_end=original.end_to_end,
                    return_reason="MS03",
                    text="storno",
                )
            )
            truth.append(Truth(kind))
            continue
        invoice = take()
        if invoice is None:
            break
        cid = invoice.customer_id
        line = Line(
            invoice.open_amount, booked, name=names[cid], iban=iban_for(cid), end_to_end=f"E2E{n:08d}"
        )
        expected = {invoice.id}
        if kind == "reference":
            line.reference = invoice.reference
            line.name = _misspelled(names[cid], rng)
        elif kind == "number":
            line.text = _written(invoice.number, rng)
        elif kind == "typo":
            line.text = _written(_typo(invoice.number, rng), rng)
        elif kind == "several":
            extra = [i for i in (take(cid), take(cid)) if i is not None]
            expected |= {i.id for i in extra}
            line.amount = sum((i.open_amount for i in [invoice, *extra]), Decimal("0"))
            line.text = "facturen " + ", ".join(i.number for i in [invoice, *extra])
        elif kind == "partial":
            line.amount = (invoice.open_amount * Decimal(rng.choice(["0.5", "0.25", "0.8"]))).quantize(
                Decimal("0.01")
            )
            line.text = f"deelbetaling {invoice.number}"
        elif kind == "parent":
            parent = parents.get(cid)
            if parent is None:
                line.text = _written(invoice.number, rng)
            else:
                line.name, line.iban = names[parent], iban_for(parent)
                line.text = f"{invoice.number} {names[cid]}"
                known.add((iban_for(parent), parent))
        elif kind == "iban_amount":
            known.add((line.iban, cid))
            line.text = rng.choice(["betaling", "", "zie specificatie", "termijn"])
        elif kind == "name_amount":
            line.iban = f"NL98NEW{n:011d}"
            line.name = _misspelled(names[cid], rng)
            line.text = rng.choice(["betaling", "", "order"])
        out.append(line)
        truth.append(Truth(kind, expected))
        paid_lines.append(len(out) - 1)
    return out, truth, known


def seed_book(
    *, customers: int, invoices_per_customer: int, issued: date, seed: int = 2026
) -> list[OpenInvoice]:
    """Customers with open invoices (and references), written in bulk: for the benchmark and tests.

    One customer in twenty belongs to a parent company (itself a customer).
    """
    from datetime import timedelta

    from accounts.bank.references import reference_for_invoice
    from accounts.models import Customer, Invoice

    rng = random.Random(seed)
    first = [
        "Bakkerij",
        "Transport",
        "Bouwbedrijf",
        "Installatie",
        "Drukkerij",
        "Garage",
        "Hoveniers",
        "Kapsalon",
    ]
    last = [
        "de Vries",
        "Jansen",
        "van Dijk",
        "Bakker",
        "Visser",
        "Smit",
        "Meijer",
        "de Boer",
        "Mulder",
        "Bos",
    ]
    rows = Customer.objects.bulk_create(
        Customer(
            number=f"M{n:07d}",
            name=f"{rng.choice(first)} {rng.choice(last)} {n} B.V.",
            country="NL",
            payment_terms_days=30,
        )
        for n in range(customers)
    )
    parents = rows[: max(1, customers // 40)]
    children = []
    for n, customer in enumerate(rows[len(parents) :]):
        if n % 20 == 0:
            customer.parent_id = parents[n % len(parents)].pk
            children.append(customer)
    Customer.objects.bulk_update(children, ["parent"], batch_size=2000)
    made = Invoice.objects.bulk_create(
        (
            Invoice(
                customer_id=customer.pk,
                number=f"F{issued.year}-{customer.pk:05d}{k:02d}",
                issue_date=issued,
                due_date=issued + timedelta(days=30),
                amount=(amount := Decimal(rng.randint(2500, 2500000)) / 100),
                open_amount=amount,
            )
            for customer in rows
            for k in range(invoices_per_customer)
        ),
        batch_size=2000,
    )
    if made and made[0].pk is None:  # databases that do not return ids
        made = list(Invoice.objects.filter(customer__in=rows).order_by("id"))
    for invoice in made:
        invoice.payment_reference = reference_for_invoice(invoice.pk, country="NL")
    from accounts.bank.bulk import update_rows

    for i in range(0, len(made), 5000):  # one UPDATE from arrays per 5,000 (bulk_update's CASE is slow)
        update_rows(Invoice, made[i : i + 5000], ["payment_reference"])
    from accounts.tasks import refresh_all_balances

    refresh_all_balances()
    return [
        OpenInvoice(
            id=i.pk,
            number=i.number,
            customer_id=i.customer_id,
            open_amount=i.open_amount,
            due_date=i.due_date,
            reference=i.payment_reference,
        )
        for i in made
    ]


@dataclass
class Score:
    lines: int = 0
    payable: int = 0
    auto: int = 0
    wrong: int = 0
    unmatched_payable: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [lines, auto, wrong]

    @property
    def auto_share(self) -> float:
        return self.auto / self.payable if self.payable else 0.0


def score_import(entry_ids: list[int], truth: list[Truth]) -> Score:
    """Compare what the matching did (entries in file order) with the truth."""
    from accounts.models import Allocation, BankEntry

    statuses = dict(BankEntry.objects.filter(pk__in=entry_ids).values_list("id", "status"))
    allocated: dict[int, set[int]] = {}
    for entry_id, invoice_id in Allocation.objects.filter(payment__bank_entry__in=entry_ids).values_list(
        "payment__bank_entry", "invoice_id"
    ):
        allocated.setdefault(entry_id, set()).add(invoice_id)
    score = Score(lines=len(entry_ids))
    for entry_id, expected in zip(entry_ids, truth, strict=True):
        row = score.by_kind.setdefault(expected.kind, [0, 0, 0])
        row[0] += 1
        matched = statuses[entry_id] == BankEntry.Status.MATCHED
        got = allocated.get(entry_id, set())
        if expected.invoices:
            score.payable += 1
            if matched:
                score.auto += 1
                row[1] += 1
                if not got or not got <= expected.invoices:
                    score.wrong += 1
                    row[2] += 1
            else:
                score.unmatched_payable += 1
        elif matched:
            score.wrong += 1
            row[2] += 1
    return score
