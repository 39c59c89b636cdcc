"""WIK collection costs and statutory interest, table-driven."""

from datetime import date
from decimal import Decimal as D

import pytest

from dunning.costs import rate_on, statutory_interest, wik_costs


@pytest.mark.parametrize(
    ("principal", "costs"),
    [
        (D("0"), D("0.00")),
        (D("-50"), D("0.00")),
        (D("100.00"), D("40.00")),  # 15% = 15, the minimum applies
        (D("266.66"), D("40.00")),
        (D("266.67"), D("40.00")),  # 15% = 40.0005 -> 40.00
        (D("1000.00"), D("150.00")),
        (D("2500.00"), D("375.00")),
        (D("3000.00"), D("425.00")),  # 375 + 10% of 500
        (D("5000.00"), D("625.00")),
        (D("10000.00"), D("875.00")),  # 625 + 5% of 5,000
        (D("12400.00"), D("899.00")),  # 875 + 1% of 2,400
        (D("200000.00"), D("2775.00")),  # 875 + 1% of 190,000
        (D("300000.00"), D("3275.00")),  # 2,775 + 0.5% of 100,000
        (D("1000000.00"), D("6775.00")),  # 6,775 exactly at the maximum
        (D("5000000.00"), D("6775.00")),  # capped
    ],
)
def test_wik_scale(principal, costs):
    assert wik_costs(principal) == costs


RATES = [(date(2024, 1, 1), D("12.50")), (date(2024, 7, 1), D("12.25")), (date(2025, 1, 1), D("11.15"))]


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        (date(2023, 12, 31), D("0.00")),
        (date(2024, 1, 1), D("12.50")),
        (date(2024, 8, 1), D("12.25")),
        (date(2026, 1, 1), D("11.15")),
    ],
)
def test_rate_on(day, rate):
    assert rate_on(RATES, day) == rate


@pytest.mark.parametrize(
    ("principal", "due", "until", "interest"),
    [
        (D("1000.00"), date(2025, 1, 10), date(2025, 1, 10), D("0.00")),  # not late yet
        (D("1000.00"), date(2025, 1, 10), date(2025, 1, 9), D("0.00")),
        (D("0.00"), date(2025, 1, 10), date(2025, 3, 10), D("0.00")),
        (D("1000.00"), date(2025, 1, 31), date(2025, 3, 1), D("8.86")),  # 29 days (1 Feb to 1 Mar) at 11.15%
        (D("36500.00"), date(2025, 1, 1), date(2025, 1, 2), D("11.15")),  # one day
        # 30 days across a rate change: 14 days at 12.25% + 16 days at 11.15% on 10,000
        (D("10000.00"), date(2024, 12, 17), date(2025, 1, 16), D("95.86")),
    ],
)
def test_statutory_interest(principal, due, until, interest):
    assert statutory_interest(principal, due_date=due, until=until, rates=RATES) == interest
