"""Reads for the payments pages, each a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from accounts.models import BankEntry, BankStatement, Invoice
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
