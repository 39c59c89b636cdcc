"""Reads for the payments pages, each a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from accounts.models import Allocation, BankEntry, BankStatement, Customer, Invoice, Payment
from creditmgmt import texts


def recent_statements(limit: int = 20) -> QuerySet[BankStatement]:
    return BankStatement.objects.select_related("imported_by").annotate(
        entry_count=Count("entries"),
        matched_count=Count("entries", filter=Q(entries__status=BankEntry.Status.MATCHED)),
        unmatched_count=Count("entries", filter=Q(entries__status=BankEntry.Status.UNMATCHED)),
        credit_total=Sum("entries__amount", filter=Q(entries__direction=BankEntry.Direction.CREDIT)),
    )[:limit]


def statement_entries(statement: BankStatement) -> QuerySet[BankEntry]:
    return statement.entries.select_related("customer").order_by("booking_date", "id")


def unmatched_entries() -> QuerySet[BankEntry]:
    return (
        BankEntry.objects.filter(status=BankEntry.Status.UNMATCHED)
        .select_related("statement")
        .order_by("-booking_date", "id")
    )


@dataclass
class Suggestion:
    invoices: list[Invoice]
    score: int
    reasons: list[str]

    @property
    def customer(self):
        return self.invoices[0].customer

    @property
    def invoice_ids(self) -> str:
        return ",".join(str(i.pk) for i in self.invoices)


def _reasons(suggestion: dict) -> list[str]:
    """The reasons in the reader's language; as the importer read them for suggestions made before."""
    stored = suggestion.get("reasons", [])
    messages = suggestion.get("reason_texts")
    if not messages or len(messages) != len(stored):
        return stored
    return [
        texts.render(m["msg"], m.get("params"), fallback=text) if isinstance(m, dict) and "msg" in m else text
        for m, text in zip(messages, stored, strict=True)
    ]


def attach_suggestions(entries: list[BankEntry]) -> None:
    """Give each entry `.suggestion_rows` with today's invoices (one query for the whole page).

    An invoice paid since the suggestion was made is left out.
    """
    ids = {i for e in entries for s in e.suggestions for i in s.get("invoices", [])}
    invoices = Invoice.objects.select_related("customer").in_bulk(ids) if ids else {}
    for entry in entries:
        rows = []
        for s in entry.suggestions[:3]:
            found = [invoices[i] for i in s.get("invoices", []) if i in invoices]
            found = [i for i in found if i.status == Invoice.Status.OPEN and i.open_amount > 0]
            if found:
                rows.append(Suggestion(invoices=found, score=s.get("score", 0), reasons=_reasons(s)))
        entry.suggestion_rows = rows  # type: ignore[attr-defined]


# How far back a reversal may reach: a SEPA direct debit can be returned up to 13 months later.
REVERSAL_REACH = timedelta(days=400)


def payments_to_undo(entry: BankEntry) -> QuerySet[Payment]:
    """The payments a reversal may take back: same amount and currency, not reversed, received before it."""
    return Payment.objects.filter(
        amount=entry.amount,
        currency=entry.currency,
        reversed_at__isnull=True,
        customer__isnull=False,
        value_date__lte=entry.booking_date,
        value_date__gte=entry.booking_date - REVERSAL_REACH,
    ).order_by("-value_date", "-id")


def latest_payment_to_undo(entry: BankEntry, customer: Customer) -> Payment | None:
    return payments_to_undo(entry).filter(customer=customer).first()


def attach_payments_to_undo(entries: list[BankEntry], per_entry: int = 5, pool: int = 500) -> None:
    """Give each waiting reversal `.payment_rows`, the payments it may take back, with the invoices they paid.

    Two queries for the whole page (none without reversals). Those from the reversal's IBAN come
    first, then the latest; the customer number field on the page reaches the others.
    """
    reversals = [e for e in entries if e.direction == BankEntry.Direction.DEBIT]
    for entry in entries:
        entry.payment_rows = []  # type: ignore[attr-defined]
    if not reversals:
        return
    dates = [e.booking_date for e in reversals]
    candidates = list(
        Payment.objects.filter(
            amount__in={e.amount for e in reversals},
            reversed_at__isnull=True,
            customer__isnull=False,
            value_date__lte=max(dates),
            value_date__gte=min(dates) - REVERSAL_REACH,
        )
        .select_related("customer")
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=Allocation.objects.active().select_related("invoice").order_by("id"),
                to_attr="active_allocations",
            )
        )
        .order_by("-value_date", "-id")[:pool]
    )
    for entry in reversals:
        fits = [
            p
            for p in candidates
            if p.amount == entry.amount
            and p.currency == entry.currency
            and entry.booking_date - REVERSAL_REACH <= p.value_date <= entry.booking_date
        ]
        iban = entry.counterparty_iban
        fits.sort(key=lambda p: not (iban and p.counterparty_iban == iban))  # stable: latest first within
        entry.payment_rows = fits[:per_entry]  # type: ignore[attr-defined]
