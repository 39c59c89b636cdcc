"""The figures, defined once (formulas and a worked example: docs/kpis.md).

Pure functions over Decimal amounts; `reporting.queries` feeds them from the snapshots.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
ONE_DECIMAL = Decimal("0.1")


def _round(value: Decimal) -> Decimal:
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def days_in_month(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


@dataclass(frozen=True)
class MonthSales:
    month: date  # first day of the month
    sales: Decimal
    days: int  # the month's days, or the days so far for the running month

    @classmethod
    def until(cls, month: date, sales: Decimal, day: date) -> MonthSales:
        """A month's sales as far as `day` (the whole month once `day` is past it)."""
        same = (month.year, month.month) == (day.year, day.month)
        return cls(month, sales, day.day if same else days_in_month(month))


def overdue_share(owed: Decimal, overdue: Decimal) -> Decimal | None:
    """Overdue as a percentage of the invoices open (`owed`: unapplied credit notes left out, so the
    share is never above 100 nor below 0)."""
    if owed <= 0:
        return None
    return _round(overdue / owed * 100)


def standard_dso(receivables: Decimal, months: Sequence[MonthSales]) -> Decimal | None:
    """Receivables / credit sales of the period x days in the period."""
    sales = sum((m.sales for m in months), ZERO)
    if sales <= 0:
        return None
    return _round(receivables / sales * sum(m.days for m in months))


def disputed_dso(disputed: Decimal, months: Sequence[MonthSales]) -> Decimal | None:
    """The part of the standard DSO that sits in open disputes: disputed / credit sales x days."""
    return standard_dso(disputed, months)


def collectable_dso(receivables: Decimal, disputed: Decimal, months: Sequence[MonthSales]) -> Decimal | None:
    """The standard DSO of what is not disputed: (receivables - disputed) / credit sales x days.

    Disputed DSO + collectable DSO = standard DSO (up to rounding): the split shows how
    much of the DSO waits on a dispute rather than on collection.
    """
    return standard_dso(receivables - disputed, months)


def countback_dso(receivables: Decimal, months_newest_first: Sequence[MonthSales]) -> Decimal | None:
    """Count back through the months' sales until they add up to the receivables.

    Whole months count all their days; the month where the receivables run out
    counts the share of its days that the rest is of its sales. Receivables
    beyond all the months given count those months' days only (a floor).
    """
    if not months_newest_first:
        return None
    rest = receivables
    days = Decimal(0)
    for month in months_newest_first:
        if rest <= 0:
            break
        if month.sales <= 0:
            days += month.days
            continue
        if rest >= month.sales:
            days += month.days
            rest -= month.sales
        else:
            days += rest / month.sales * month.days
            rest = ZERO
    return _round(days)


def best_possible_dso(current: Decimal, months: Sequence[MonthSales]) -> Decimal | None:
    """Receivables not past due / credit sales x days: the DSO if everybody paid on time. `current`
    is the receivables less what is overdue (invoices not yet due and unapplied credit)."""
    return standard_dso(current, months)


def average_days_delinquent(dso: Decimal | None, best: Decimal | None) -> Decimal | None:
    """DSO minus best possible DSO (both over the same period, standard method)."""
    if dso is None or best is None:
        return None
    return _round(dso - best)


def collection_effectiveness(
    *, beginning: Decimal, sales: Decimal, ending: Decimal, ending_current: Decimal
) -> Decimal | None:
    """CEI for one period, as a percentage:

        (beginning receivables + credit sales - ending receivables)
        / (beginning receivables + credit sales - ending current receivables) x 100

    "Current" are the receivables not past due at the end of the period: the receivables less what is
    overdue (invoices not yet due and unapplied credit), so the CEI is at most 100.
    """
    collectable = beginning + sales - ending_current
    if collectable <= 0:
        return None
    return _round((beginning + sales - ending) / collectable * 100)
