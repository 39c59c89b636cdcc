"""Reads the acceptance pages need, each with a fixed number of queries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Replace, Upper

from acceptance.models import BureauRecord, Decision
from accounts.models import ZERO, Customer
from accounts.queries import group_exposure

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
        bureau = BureauRecord.objects.filter(
            Q(registration_number=text) if KVK.match(text) else Q(name__icontains=text)
        ).exclude(registration_number__in=Customer.objects.exclude(kvk_number="").values("kvk_number"))
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


def decision_log(*, outcome: str = "", channel: str = "") -> QuerySet[Decision]:
    decisions = Decision.objects.select_related("customer", "requester", "version__rule_set", "overridden_by")
    if outcome:
        decisions = decisions.filter(outcome=outcome)
    if channel:
        decisions = decisions.filter(channel=channel)
    return decisions.order_by("-created_at", "-id")


def latest_decision(customer: Customer) -> Decision | None:
    return Decision.objects.filter(customer=customer).order_by("-created_at", "-id").first()


@dataclass(frozen=True)
class CreditPosition:
    limit: Decimal
    exposure: Decimal
    available: Decimal


def credit_position(customer: Customer) -> CreditPosition:
    """The customer's credit limit, exposure (open amount of its group) and what is left of the limit.

    The same exposure a decision uses (accounts.queries.group_exposure): two queries or more.
    """
    exposure = group_exposure(customer).quantize(Decimal("0.01"))
    return CreditPosition(
        limit=customer.credit_limit,
        exposure=exposure,
        available=max(customer.credit_limit - exposure, ZERO),
    )
