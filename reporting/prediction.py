"""When will an open invoice be paid? A transparent statistical method, evaluated honestly.

The method (docs/kpis.md, "Payment-date prediction"):

    predicted days late = w x (customer's median lateness) + (1 - w) x (everyone's median lateness)

- lateness = paid date - due date, in days (negative when paid early);
- the customer's median is over their last `WINDOW` invoices paid *before the day
  of the prediction*, counting only invoices with the same dispute status as the
  one predicted (disputed invoices are paid much later);
- w = n / (n + SHRINK) with n the number of those invoices, so a customer with
  little history leans on everyone's median (of the same dispute status);
- an invoice already overdue is predicted from the payments that came later than
  it already is (the median of that tail), so long-overdue invoices are not all
  expected "today";
- predicted payment date = due date + predicted days late, never before the
  prediction day.

The range: the customer's 25th and 75th percentile lateness, shrunk the same way.

Only what is known on the prediction day is used: `evaluate()` walks through the
invoices in date order and lets an invoice's payment into the history only once
its paid date has passed, so settlement fields of the invoice predicted are never
input. Two baselines are printed beside it: "pays on the due date" and "the
customer's median lateness so far".
"""

from __future__ import annotations

import bisect
import heapq
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

WINDOW = 12
SHRINK = 1.0


def _quantile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class History:
    """Lateness of paid invoices, per customer and dispute status, and for everyone."""

    window: int = WINDOW
    per_customer: dict[tuple[str, bool], deque] = field(default_factory=dict)
    everyone: dict[bool, list[int]] = field(default_factory=lambda: {False: [], True: []})

    def add(self, customer: str, disputed: bool, lateness: int, *, keep_sorted: bool = True) -> None:
        """Add one paid invoice; `keep_sorted=False` for a bulk load that calls `sort()` at the end
        (inserting into a sorted list of a million values one by one is quadratic)."""
        self.per_customer.setdefault((customer, disputed), deque(maxlen=self.window)).append(lateness)
        if keep_sorted:
            bisect.insort(self.everyone[disputed], lateness)
        else:
            self.everyone[disputed].append(lateness)

    def sort(self) -> None:
        for values in self.everyone.values():
            values.sort()

    def customer_values(self, customer: str, disputed: bool) -> list[int]:
        return list(self.per_customer.get((customer, disputed), ()))

    def everyone_sorted(self, disputed: bool) -> list[int]:
        """Everyone's lateness of this dispute status (the other one when there is none), sorted."""
        return self.everyone[disputed] or self.everyone[not disputed]


def _tail_quantile(ordered: list[int], start: int, q: float) -> float:
    """The q-quantile of ordered[start:] without copying it (the list can hold a million values)."""
    count = len(ordered) - start
    if count <= 0:
        return 0.0
    position = (count - 1) * q
    low = int(position)
    high = min(low + 1, count - 1)
    return ordered[start + low] + (ordered[start + high] - ordered[start + low]) * (position - low)


@dataclass(frozen=True)
class Prediction:
    days_late: float
    low: float  # optimistic (25th percentile)
    high: float  # pessimistic (75th percentile)
    basis: int  # invoices of this customer the prediction rests on

    def payment_date(self, due: date, today: date, days: float | None = None) -> date:
        value = self.days_late if days is None else days
        return max(today, due + timedelta(days=round(value)))


# An invoice later than anyone has ever paid: expect it this many days on, at the earliest.
UNPRECEDENTED_DAYS = 30


def predict(history: History, customer: str, disputed: bool, days_overdue: int | None = None) -> Prediction:
    """Lateness quantiles for one invoice. For an invoice already `days_overdue` days late, only
    the payments that came later than that count (the median of the rest, not of all)."""
    own = history.customer_values(customer, disputed)
    everyone = history.everyone_sorted(disputed)
    start = 0
    if days_overdue is not None and days_overdue > 0:
        own = [v for v in own if v > days_overdue]
        # A SortedCounts (reporting.forecast) bisects its distinct values, not every invoice.
        fast = getattr(everyone, "bisect_right", None)
        start = fast(days_overdue) if fast else bisect.bisect_right(everyone, days_overdue)
        if start >= len(everyone) and not own:
            late = float(days_overdue + UNPRECEDENTED_DAYS)
            return Prediction(days_late=late, low=late, high=late * 2, basis=0)
    weight = len(own) / (len(own) + SHRINK)

    def blend(q: float) -> float:
        mine = _quantile(own, q) if own else 0.0
        return weight * mine + (1 - weight) * _tail_quantile(everyone, start, q)

    return Prediction(days_late=blend(0.5), low=blend(0.25), high=blend(0.75), basis=len(own))


@dataclass(frozen=True)
class Record:
    """One invoice of a payment history file or of the ledger."""

    customer: str
    issued: date
    due: date
    paid: date | None
    disputed: bool = False

    @property
    def lateness(self) -> int:
        assert self.paid is not None
        return (self.paid - self.due).days


def _basis_label(basis: int) -> str:
    return "no history" if basis == 0 else "1-4 invoices" if basis < 5 else "5+ invoices"


@dataclass
class Evaluation:
    invoices: int
    mae_method: float
    mae_due_date: float
    mae_customer_median: float
    by_basis: dict[str, tuple[int, float]]


def evaluate(records: Iterable[Record], *, test_from: date) -> Evaluation:
    """Predict each invoice issued on or after `test_from` on its issue date, from what was paid before."""
    ordered = sorted((r for r in records if r.paid is not None), key=lambda r: (r.issued, r.customer))
    history = History()
    baseline_history: dict[str, list[int]] = defaultdict(list)
    pending: list[tuple[date, int, Record]] = []  # payments not yet known, by paid date
    errors: dict[str, list[float]] = defaultdict(list)
    by_basis: dict[str, list[float]] = defaultdict(list)
    for index, record in enumerate(ordered):
        while pending and pending[0][0] < record.issued:
            _, _, paid = heapq.heappop(pending)
            history.add(paid.customer, paid.disputed, paid.lateness)
            baseline_history[paid.customer].append(paid.lateness)
        if record.issued >= test_from:
            actual = record.lateness
            guess = predict(history, record.customer, record.disputed)
            own = baseline_history[record.customer]
            errors["method"].append(abs(actual - guess.days_late))
            errors["due"].append(abs(actual))
            errors["median"].append(abs(actual - (median(own) if own else 0)))
            by_basis[_basis_label(guess.basis)].append(abs(actual - guess.days_late))
        heapq.heappush(pending, (record.paid, index, record))

    def mae(values: list[float]) -> float:
        return round(sum(values) / len(values), 2) if values else 0.0

    return Evaluation(
        invoices=len(errors["method"]),
        mae_method=mae(errors["method"]),
        mae_due_date=mae(errors["due"]),
        mae_customer_median=mae(errors["median"]),
        by_basis={k: (len(v), mae(v)) for k, v in sorted(by_basis.items())},
    )
