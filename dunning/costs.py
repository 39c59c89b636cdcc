"""Dutch statutory collection costs (WIK, Besluit vergoeding voor buitengerechtelijke
incassokosten) and statutory commercial interest (art. 6:119a BW). Pure functions.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# (band width, percentage): 15% of the first 2,500, 10% of the next 2,500, ...
WIK_BANDS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("2500"), Decimal("0.15")),
    (Decimal("2500"), Decimal("0.10")),
    (Decimal("5000"), Decimal("0.05")),
    (Decimal("190000"), Decimal("0.01")),
    (None, Decimal("0.005")),
)
WIK_MINIMUM = Decimal("40.00")
WIK_MAXIMUM = Decimal("6775.00")


def wik_costs(principal: Decimal) -> Decimal:
    """The statutory collection costs on a principal: the scale, at least 40, at most 6,775."""
    if principal <= 0:
        return ZERO
    rest = principal
    total = ZERO
    for width, rate in WIK_BANDS:
        part = rest if width is None else min(rest, width)
        total += part * rate
        rest -= part
        if rest <= 0:
            break
    total = total.quantize(CENT, rounding=ROUND_HALF_UP)
    return min(max(total, WIK_MINIMUM), WIK_MAXIMUM)


def rate_on(rates: Iterable[tuple[date, Decimal]], day: date) -> Decimal:
    """The rate in force on `day` from (valid_from, rate) pairs; 0 before the first."""
    current = ZERO
    for valid_from, rate in sorted(rates):
        if valid_from <= day:
            current = rate
        else:
            break
    return current


def statutory_interest(
    principal: Decimal, *, due_date: date, until: date, rates: Iterable[tuple[date, Decimal]]
) -> Decimal:
    """Simple interest from the day after the due date up to and including `until`.

    Each period between rate changes is charged at its own rate (percent a year,
    days/365). Yearly compounding (art. 6:119a lid 3) is left out: the amounts a
    reminder shows are rarely more than a year old, and overstating is worse than
    understating on a letter.
    """
    if principal <= 0 or until <= due_date:
        return ZERO
    table = sorted(rates)
    start = due_date + timedelta(days=1)
    total = Decimal("0")
    changes = [valid_from for valid_from, _ in table if start < valid_from <= until]
    bounds = [start, *changes, until + timedelta(days=1)]
    for begin, end in zip(bounds, bounds[1:], strict=False):
        days = (end - begin).days
        total += principal * rate_on(table, begin) / 100 * days / 365
    return total.quantize(CENT, rounding=ROUND_HALF_UP)
