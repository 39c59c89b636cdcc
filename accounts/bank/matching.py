"""Scoring candidate invoices for an incoming bank entry, with the reasons why.

Pure functions over a `MatchContext` that holds the open invoices, the known
IBANs and the customer names in memory (loaded in three queries for a whole
statement), so matching 100,000 lines does not ask the database per line.

Signals, strongest first: a valid structured reference; invoice numbers in
the description (one payment may name several); the payer's IBAN learned from
earlier matches; the amount equal to one open invoice or to the exact sum of a
few (bounded search); the payer's name resembling a customer's. A candidate
scoring AUTO_SCORE or more, with no rival close to it, is allocated at once;
the others wait in the queue with their reasons.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_noop
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from accounts.bank.references import references_in
from creditmgmt import texts
from creditmgmt.texts import Text

AUTO_SCORE = 90
RIVAL_MARGIN = 5
SUBSET_POOL = 12  # the oldest open invoices of a customer tried for "sum of a few"
SUBSET_MAX = 4
NAME_CUTOFF = 90
# Up to this many customers every name is compared; beyond, only those sharing a rare word with
# the payer's name (one with fewer than RARE_WORD customers), when the name has such a word.
NAME_SCAN_ALL = 2000
RARE_WORD = 50
TOKEN_RE = re.compile(r"[A-Z0-9][A-Z0-9\-/.]*\d[A-Z0-9\-/.]*|\d+")
LEGAL_FORMS = re.compile(r"\b(B\.?V\.?|N\.?V\.?|V\.?O\.?F\.?|C\.?V\.?|GMBH|HOLDING|BEHEER|LTD|INC)\b\.?")


@dataclass
class OpenInvoice:
    id: int
    number: str
    customer_id: int
    open_amount: Decimal
    due_date: date
    reference: str = ""
    currency: str = "EUR"
    norm: str = ""  # the number normalized (normalize_number), set by MatchContext


@dataclass
class Candidate:
    invoices: list[OpenInvoice]
    score: int
    reasons: list[Text] = field(default_factory=list)  # shown in the reader's language
    key: tuple[int, ...] = ()  # the invoice ids, sorted: what makes two candidates the same

    def __post_init__(self) -> None:
        self.key = self.key or tuple(sorted(i.id for i in self.invoices))

    @property
    def customer_id(self) -> int:
        return self.invoices[0].customer_id

    @property
    def open_total(self) -> Decimal:
        return sum((i.open_amount for i in self.invoices), Decimal("0"))

    def as_json(self) -> dict:
        return {
            "invoices": [i.id for i in self.invoices],
            "numbers": [i.number for i in self.invoices],
            "customer": self.customer_id,
            "score": self.score,
            "reasons": [str(reason) for reason in self.reasons],  # as the importer read them
            "reason_texts": [texts.param(reason) for reason in self.reasons],
            "open": str(self.open_total),
        }


NOT_NUMBER = re.compile(r"[^0-9A-Z]")
NOT_NAME = re.compile(r"[^0-9A-Z ]")
NOT_DIGIT = re.compile(r"\D")


def normalize_number(text: str) -> str:
    return NOT_NUMBER.sub("", text.upper())


def normalize_name(text: str) -> str:
    text = LEGAL_FORMS.sub(" ", text.upper())
    return " ".join(NOT_NAME.sub(" ", text).split())


class MatchContext:
    def __init__(
        self,
        invoices: list[OpenInvoice],
        *,
        known_ibans: dict[str, set[int]],
        customers: dict[int, tuple[str, int | None]],
    ) -> None:
        self.customers = customers
        self.known_ibans = known_ibans
        self.learned: set[tuple[str, int]] = set()
        self.by_id: dict[int, OpenInvoice] = {}
        self.by_reference: dict[str, OpenInvoice] = {}
        self.by_number: dict[str, list[OpenInvoice]] = defaultdict(list)
        self.by_digits: dict[str, list[OpenInvoice]] = defaultdict(list)
        self.by_customer: dict[int, list[OpenInvoice]] = defaultdict(list)
        self.by_amount: dict[Decimal, list[OpenInvoice]] = defaultdict(list)
        for invoice in sorted(invoices, key=lambda i: (i.due_date, i.id)):
            self._add(invoice)
        # Names with their words sorted: fuzz.ratio on these is token_sort_ratio without re-sorting
        # every customer's name for every payment; and which customers carry which word.
        self.names = {
            cid: " ".join(sorted(normalize_name(name).split())) for cid, (name, _parent) in customers.items()
        }
        self.by_word: dict[str, list[int]] = defaultdict(list)
        if len(self.names) > NAME_SCAN_ALL:
            for cid, sorted_name in self.names.items():
                for word in set(sorted_name.split()):
                    self.by_word[word].append(cid)
        self.name_cache: dict[str, dict[int, float]] = {}
        self.children: dict[int, set[int]] = defaultdict(set)
        for cid, (_name, parent) in customers.items():
            if parent:
                self.children[parent].add(cid)

    def _add(self, invoice: OpenInvoice) -> None:
        self.by_id[invoice.id] = invoice
        if invoice.reference:
            self.by_reference[invoice.reference] = invoice
        number = invoice.norm = normalize_number(invoice.number)
        self.by_number[number].append(invoice)
        digits = NOT_DIGIT.sub("", number).lstrip("0")
        if len(digits) >= 5 and digits != number:
            self.by_digits[digits].append(invoice)
        self.by_customer[invoice.customer_id].append(invoice)
        self.by_amount[invoice.open_amount].append(invoice)

    def is_open(self, invoice: OpenInvoice) -> bool:
        return invoice.open_amount > 0

    def settle(self, invoice_id: int, amount: Decimal) -> None:
        """Keep the context true after an allocation, for the next lines of the same file."""
        invoice = self.by_id.get(invoice_id)
        if invoice is None:
            return
        bucket = self.by_amount.get(invoice.open_amount)
        if bucket and invoice in bucket:
            bucket.remove(invoice)
        invoice.open_amount -= amount
        if invoice.open_amount > 0:
            self.by_amount[invoice.open_amount].append(invoice)

    def learn_iban(self, iban: str, customer_id: int) -> None:
        if iban and customer_id not in self.known_ibans.get(iban, ()):
            self.known_ibans.setdefault(iban, set()).add(customer_id)
            self.learned.add((iban, customer_id))

    def iban_stored(self, iban: str, customer_id: int) -> bool:
        """Known from the database already (not just learned during this run)."""
        return customer_id in self.known_ibans.get(iban, ()) and (iban, customer_id) not in self.learned

    def family(self, customer_id: int) -> set[int]:
        """The customer, its parent and the parent's other subsidiaries: who may pay for whom."""
        parent = self.customers.get(customer_id, ("", None))[1]
        root = parent or customer_id
        return {root, customer_id, *self.children.get(root, ())}


def _open(ctx: MatchContext, invoices: list[OpenInvoice]) -> list[OpenInvoice]:
    if len(invoices) == 1:
        return invoices if invoices[0].open_amount > 0 else []
    unique = {i.id: i for i in invoices if i.open_amount > 0}
    return sorted(unique.values(), key=lambda i: (i.due_date, i.id))


def _numbers_in(ctx: MatchContext, text: str) -> list[OpenInvoice]:
    found: list[OpenInvoice] = []
    for token in TOKEN_RE.findall(text.upper()):
        norm = normalize_number(token)
        hits = ctx.by_number.get(norm) or ctx.by_digits.get(norm.lstrip("0"), [])
        found.extend(hits)
    return _open(ctx, found)


def _number_tokens(text: str) -> set[str]:
    """What in a description may be an invoice number with one character wrong."""
    return {t for t in (normalize_number(t) for t in TOKEN_RE.findall(text.upper())) if len(t) >= 6}


def _typo_numbers(tokens: set[str], pool: list[OpenInvoice]) -> list[OpenInvoice]:
    if not tokens:
        return []
    distance = Levenshtein.distance
    return [i for i in pool if any(distance(t, i.norm, score_cutoff=1) <= 1 for t in tokens)]


def _subset_sum(invoices: list[OpenInvoice], amount: Decimal) -> list[list[OpenInvoice]]:
    pool = invoices[:SUBSET_POOL]
    found = []
    for size in range(2, min(SUBSET_MAX, len(pool)) + 1):
        for combo in itertools.combinations(pool, size):
            if sum(i.open_amount for i in combo) == amount:
                found.append(list(combo))
                if len(found) > 1:
                    return found
    return found


def _name_customers(ctx: MatchContext, name: str) -> dict[int, float]:
    query = " ".join(sorted(normalize_name(name).split()))
    if len(query) < 3 or not ctx.names:
        return {}
    if query in ctx.name_cache:
        return ctx.name_cache[query]
    choices: dict[int, str] = ctx.names
    if ctx.by_word:
        # A name at least 90 % alike keeps most words intact, so a payer whose name has a rare
        # word is found among the few customers with that word (tens, not tens of thousands).
        rare = [ctx.by_word[w] for w in set(query.split()) if 0 < len(ctx.by_word.get(w, ())) <= RARE_WORD]
        if rare:
            choices = {cid: ctx.names[cid] for cids in rare for cid in cids}
    hits = process.extract(query, choices, scorer=fuzz.ratio, score_cutoff=NAME_CUTOFF, limit=3)
    found = {cid: score for _name, score, cid in hits}
    ctx.name_cache[query] = found
    return found


def score_entry(
    ctx: MatchContext, *, amount: Decimal, iban: str, name: str, reference: str, text: str
) -> list[Candidate]:
    """The candidates for an incoming amount, best first, each with its reasons."""
    found: dict[tuple[int, ...], Candidate] = {}

    def add(invoices: list[OpenInvoice], score: int, reason: str) -> None:
        invoices = _open(ctx, invoices)
        if not invoices or len({i.customer_id for i in invoices}) > 1:
            return
        candidate = Candidate(invoices=invoices, score=score)
        current = found.setdefault(candidate.key, candidate)
        current.score = max(current.score, score)
        if reason not in current.reasons:
            current.reasons.append(reason)

    def cname(cid: int) -> str:
        return ctx.customers.get(cid, ("?", None))[0]

    def amount_fits(invoices: list[OpenInvoice]) -> bool:
        return sum((i.open_amount for i in invoices), Decimal("0")) == amount

    payer_ids = set(ctx.known_ibans.get(iban, set())) if iban else set()
    tokens = _number_tokens(text)

    # 1. Structured references (validated: check digit or ISO 11649).
    for ref in references_in(reference, text):
        invoice = ctx.by_reference.get(ref)
        if invoice and invoice.open_amount > 0:
            add(
                [invoice],
                100 if amount_fits([invoice]) else 95,
                Text(gettext_noop("payment reference %(ref)s"), ref=ref),
            )

    # 2. Invoice numbers in the description: one or several invoices of one customer.
    named = _numbers_in(ctx, f"{reference} {text}")
    by_customer: dict[int, list[OpenInvoice]] = defaultdict(list)
    for invoice in named:
        by_customer[invoice.customer_id].append(invoice)
    # The payer's name is looked up only when the IBAN is unknown and nothing above is already
    # beyond doubt: comparing with every customer's name is the costly part of matching.
    sure = any(c.score >= 95 for c in found.values()) or any(
        amount_fits(invoices) and len(by_customer) == 1 for invoices in by_customer.values()
    )
    name_hits = {} if payer_ids or sure else _name_customers(ctx, name)
    for cid, invoices in by_customer.items():
        numbers = ", ".join(i.number for i in invoices)
        payer_known = bool(payer_ids & ctx.family(cid)) or cid in name_hits
        score = 85 + (10 if amount_fits(invoices) else 0) + (5 if payer_known else 0)
        if len(by_customer) > 1:
            score -= 15  # the same number at several customers: let a person look
        add(
            invoices,
            min(score, 99),
            Text(gettext_noop("invoice number %(numbers)s in the description"), numbers=numbers),
        )
        if len(invoices) > 1:
            # Several named but the amount pays only some of them.
            for subset in _subset_sum(invoices, amount):
                add(
                    subset,
                    92,
                    Text(
                        gettext_noop("the amount is the sum of invoices %(n)s named in the description"),
                        n=", ".join(i.number for i in subset),
                    ),
                )

    # The signals below score 93 at most, so they can neither beat nor block (come within
    # RIVAL_MARGIN of) a confident candidate of 99 or more: skip them (half the lines; the
    # costly half of the work).
    if found and max(c.score for c in found.values()) >= 99:
        ranked = sorted(found.values(), key=lambda c: (-c.score, c.key))
        if confident(ranked) is not None:
            return ranked

    # 3. and 4. The payer by IBAN (learned) or by name; then the amount among their invoices.
    payers: dict[int, tuple[int, str]] = {}
    for cid in payer_ids:
        payers[cid] = (
            0,
            Text(gettext_noop("IBAN %(iban)s paid for %(customer)s before"), iban=iban, customer=cname(cid)),
        )
    for cid, similarity in name_hits.items():
        payers.setdefault(
            cid,
            (
                -2,
                Text(
                    gettext_noop("the name “%(name)s” resembles %(customer)s (%(score)d%%)"),
                    name=name,
                    customer=cname(cid),
                    score=int(similarity),
                ),
            ),
        )
    for cid, (bonus, why) in payers.items():
        invoices = [
            i for member in ctx.family(cid) for i in ctx.by_customer.get(member, []) if i.open_amount > 0
        ]
        invoices.sort(key=lambda i: (i.due_date, i.id))
        same = [i for i in invoices if i.open_amount == amount]
        if len(same) == 1:
            add(same, 92 + bonus, why)
            add(
                same,
                92 + bonus,
                Text(gettext_noop("the amount equals the open amount of %(n)s"), n=same[0].number),
            )
        elif same:
            add(same[:1], 80 + bonus, why)
            add(
                same[:1],
                80 + bonus,
                Text(gettext_noop("the amount equals several open invoices; this is the oldest")),
            )
        else:
            subsets = _subset_sum(invoices, amount)
            if len(subsets) == 1:
                numbers = ", ".join(i.number for i in subsets[0])
                add(subsets[0], 91 + bonus, why)
                add(
                    subsets[0],
                    91 + bonus,
                    Text(gettext_noop("the amount is the exact sum of %(n)s"), n=numbers),
                )
        for invoice in _typo_numbers(tokens, invoices):
            score = 93 if invoice.open_amount == amount else 80
            add([invoice], score + bonus, why)
            add(
                [invoice],
                score + bonus,
                Text(
                    gettext_noop("the description nearly names %(n)s (one character differs)"),
                    n=invoice.number,
                ),
            )
        if invoices and not found:
            add(invoices[:1], 50, why)
            add(
                invoices[:1],
                50,
                Text(gettext_noop("the oldest open invoice of %(customer)s"), customer=cname(cid)),
            )

    # 5. Nothing else: an invoice with exactly this amount, or nearly named in the description.
    same_amount = [i for i in ctx.by_amount.get(amount, []) if i.open_amount > 0]
    for invoice in _typo_numbers(tokens, same_amount):
        add(
            [invoice],
            90,
            Text(
                gettext_noop("the amount equals %(n)s and the description nearly names it"), n=invoice.number
            ),
        )
    if len(same_amount) == 1 and not found:
        add(
            same_amount,
            60,
            Text(gettext_noop("the amount equals the open amount of %(n)s"), n=same_amount[0].number),
        )

    return sorted(found.values(), key=lambda c: (-c.score, c.key))


def confident(candidates: list[Candidate]) -> Candidate | None:
    """The candidate to allocate without a person, if there is one beyond doubt."""
    if not candidates or candidates[0].score < AUTO_SCORE:
        return None
    best = candidates[0]
    for rival in candidates[1:]:
        if rival.score >= best.score - RIVAL_MARGIN and not set(rival.key) <= set(best.key):
            return None
    return best
