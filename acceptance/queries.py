"""Reads the acceptance pages need, each with a fixed number of queries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Replace, Upper
from django.utils import timezone

from acceptance.limits import CENT, exposure_and_limit
from acceptance.models import BureauRecord, Decision, Rule
from accounts.models import Customer

POSTCODE = re.compile(r"^\d{4}\s?[A-Za-z]{2}$")
KVK = re.compile(r"^\d{8}$")


@dataclass(frozen=True)
class LookupHit:
    """One line of the counter's results: who, never how much."""

    kind: str  # "customer" or "prospect"
    key: str  # customer pk or registration number
    name: str
    number: str
    city: str
    postal_code: str


def counter_lookup(text: str, *, limit: int = 8) -> list[LookupHit]:
    """Customers by name, number, KvK or postcode, then bureau companies that are not customers yet.

    Two queries. Only identity fields are read: the counter sees nothing of the ledger.
    On PostgreSQL each is answered by an index (acceptance migration 0009): trigrams on
    Customer.search_text and on the bureau's company names, the postcode without spaces.
    """
    text = " ".join(text.split())
    if len(text) < 2:
        return []
    upper = text.upper()
    match = Q(search_text__contains=upper)
    if POSTCODE.match(text):
        match |= Q(postal_code_key=upper.replace(" ", ""))
    customers = (
        Customer.objects.exclude(status=Customer.Status.CLOSED)
        .annotate(postal_code_key=Replace(Upper("postal_code"), Value(" "), Value("")))
        .filter(match)
        .order_by("name", "id")
        .values("pk", "name", "number", "city", "postal_code", "kvk_number")[:limit]
    )
    hits = [
        LookupHit("customer", str(c["pk"]), c["name"], c["number"], c["city"], c["postal_code"])
        for c in customers
    ]
    known = {c["kvk_number"] for c in customers if c["kvk_number"]}
    if len(hits) < limit:
        # NOT EXISTS by the customer's kvk_number index: a NOT IN over every customer's number
        # hashed 100,000 of them on each keystroke.
        is_customer = Customer.objects.filter(kvk_number=OuterRef("registration_number"))
        bureau = BureauRecord.objects.filter(
            Q(registration_number=text) if KVK.match(text) else Q(name__icontains=text)
        ).exclude(Exists(is_customer))
        for record in bureau.order_by("name").values("registration_number", "name", "city", "postal_code")[
            : limit - len(hits)
        ]:
            if record["registration_number"] not in known:
                hits.append(
                    LookupHit(
                        "prospect",
                        record["registration_number"],
                        record["name"],
                        record["registration_number"],
                        record["city"],
                        record["postal_code"],
                    )
                )
    return hits


def find_company(text: str) -> tuple[Customer | None, str]:
    """The one company `text` names, for the rule-set editor's test: (customer, "") or (None, KvK).

    A customer by its number or KvK number; else what the counter's lookup finds (name, number,
    postcode; companies the bureau knows by name or KvK number) when that is one company: a single
    customer, or, when no customer matches, a single company of the bureau; else an 8-digit KvK
    number as a prospect (the bureau may not know it). (None, "") when no single company matches.
    """
    text = " ".join(text.split())
    customers = Customer.objects.select_related("controller").exclude(status=Customer.Status.CLOSED)
    exact = list(customers.filter(Q(number__iexact=text) | Q(kvk_number=text))[:2])
    if len(exact) == 1:
        return exact[0], ""
    if not exact:
        hits = counter_lookup(text, limit=2)  # customers first: two say whether one is alone
        found = [hit for hit in hits if hit.kind == "customer"] or hits
        if len(found) == 1 and found[0].kind == "customer":
            return customers.get(pk=found[0].key), ""
        if len(found) == 1:
            return None, found[0].key
    return None, text if KVK.match(text) else ""


def decision_log(*, outcome: str = "", channel: str = "") -> QuerySet[Decision]:
    """The decisions, newest first; with the names of their versions' rules (one query a page), which
    the evaluated rules show in the reader's language."""
    names = Rule.objects.only("version_id", "position", "name", "name_nl")
    decisions = Decision.objects.select_related(
        "customer", "requester", "version__rule_set", "overridden_by"
    ).prefetch_related(Prefetch("version__rules", queryset=names))
    if outcome:
        decisions = decisions.filter(outcome=outcome)
    if channel:
        decisions = decisions.filter(channel=channel)
    return decisions.order_by("-created_at", "-id")


def latest_decision(customer: Customer) -> Decision | None:
    return Decision.objects.filter(customer=customer).order_by("-created_at", "-id").first()


@dataclass(frozen=True)
class CreditPosition:
    limit: Decimal  # today's: a running temporary limit, else the base limit
    open_amount: Decimal  # open invoices of the group
    reserved: Decimal  # accepted orders of the group not invoiced yet
    exposure: Decimal  # the two together
    available: Decimal


def credit_position(customer: Customer, *, today: date | None = None) -> CreditPosition:
    """The customer's limit today, the group's exposure and what is left: the very figures a
    decision for this customer uses (acceptance.limits.exposure_and_limit), so the credit the API
    reports is the credit the next order is decided on."""
    exposure = exposure_and_limit(customer, today=today or timezone.localdate())
    return CreditPosition(
        limit=exposure.limit,
        open_amount=exposure.open_amount.quantize(CENT),
        reserved=exposure.reserved.quantize(CENT),
        exposure=exposure.total.quantize(CENT),
        available=exposure.available.quantize(CENT),
    )
